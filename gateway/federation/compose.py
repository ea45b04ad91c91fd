"""Supergraph composition from Federation v2 subgraph SDL."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
from graphql import (
    ConstDirectiveNode,
    DirectiveDefinitionNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    FieldDefinitionNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    NamedTypeNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    OperationType,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    SelectionSetNode,
    StringValueNode,
    TypeDefinitionNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    build_ast_schema,
    parse,
    print_ast,
)
from graphql.language import ListValueNode, NameNode, ObjectValueNode

ROOT_NAMES = {OperationType.QUERY: "Query", OperationType.MUTATION: "Mutation",
              OperationType.SUBSCRIPTION: "Subscription"}
BUILTIN_SCALARS = frozenset({"String", "Int", "Float", "Boolean", "ID"})
FEDERATION_TYPES = frozenset({
    "_Service", "_Entity", "_Any", "_FieldSet", "FieldSet", "federation__FieldSet", "federation__Scope",
    "federation__Policy", "federation__ContextFieldValue", "link__Import", "link__Purpose", "policy__Policy",
    "requiresScopes__Scope",
})
FEDERATION_ROOT_FIELDS = frozenset({"_service", "_entities"})
KEPT_DIRECTIVES = frozenset({"deprecated", "specifiedBy", "oneOf"})
UNSUPPORTED_DIRECTIVES = frozenset({"requires", "provides", "interfaceObject", "fromContext", "context"})
FEDERATION_DIRECTIVES = frozenset({
    "key", "shareable", "external", "requires", "provides", "extends", "override", "inaccessible", "tag",
    "interfaceObject", "composeDirective", "authenticated", "requiresScopes", "policy", "context",
    "fromContext", "cost", "listSize",
})


class CompositionError(Exception):
    """Raised when subgraphs cannot be composed; `messages` lists every problem found."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = list(messages)
        super().__init__("; ".join(self.messages))

    def __str__(self) -> str:
        return "\n".join(self.messages)


@dataclass(frozen=True)
class SubgraphSpec:
    name: str
    url: str
    sdl: str


@dataclass(frozen=True)
class EntityKey:
    subgraph: str
    fields: str
    selection: SelectionSetNode
    resolvable: bool


@dataclass
class SubgraphInfo:
    """What one subgraph knows about and can resolve, in supergraph type names."""

    name: str
    root_names: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    fields: dict[str, set[str]] = field(default_factory=dict)
    possible: dict[str, set[str]] = field(default_factory=dict)

    def resolves(self, type_name: str, field_name: str) -> bool:
        return field_name in self.fields.get(type_name, ())

    def knows(self, type_name: str) -> bool:
        return type_name in self.kinds


@dataclass
class Supergraph:
    api_schema: GraphQLSchema
    subgraphs: dict[str, SubgraphSpec]
    info: dict[str, SubgraphInfo]
    owners: dict[tuple[str, str], list[str]]
    keys: dict[str, list[EntityKey]]

    def field_owners(self, type_name: str, field_name: str) -> list[str]:
        return self.owners.get((type_name, field_name), [])

    def resolvable_keys(self, type_name: str, subgraph: str) -> list[EntityKey]:
        return [k for k in self.keys.get(type_name, ()) if k.subgraph == subgraph and k.resolvable]

    def usable_key(self, type_name: str, source: str, target: str) -> EntityKey | None:
        source_fields = self.info[source].fields.get(type_name, set())
        for key in self.resolvable_keys(type_name, target):
            if all(sel.name.value in source_fields for sel in key.selection.selections
                   if isinstance(sel, FieldNode)):
                return key
        return None


async def fetch_sdl(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> str:
    """Fetch a subgraph's SDL with `{ _service { sdl } }`."""
    response = await client.post(url, json={"query": "{ _service { sdl } }"}, headers=headers)
    try:
        body = response.json()
    except ValueError as exc:
        raise CompositionError([f"subgraph at {url} answered HTTP {response.status_code} without JSON"]) from exc
    sdl = ((body.get("data") or {}).get("_service") or {}).get("sdl") if isinstance(body, dict) else None
    if not isinstance(sdl, str):
        errors = body.get("errors") if isinstance(body, dict) else None
        detail = "; ".join(str(e.get("message")) for e in errors or [] if isinstance(e, dict)) or "no SDL"
        raise CompositionError([f"subgraph at {url} did not return its SDL (HTTP {response.status_code}): {detail}"])
    return sdl


def parse_field_set(text: str) -> SelectionSetNode:
    operation = parse("{" + text + "}", no_location=True).definitions[0]
    return operation.selection_set  # type: ignore[attr-defined]


@dataclass
class _FieldDef:
    node: FieldDefinitionNode
    shareable: bool
    external: bool
    override_from: str | None


@dataclass
class _Parsed:
    """One subgraph's type system, with directive names resolved to their federation meaning."""

    spec: SubgraphSpec
    aliases: dict[str, str]
    root_names: dict[str, str]
    types: dict[str, list[TypeDefinitionNode]] = field(default_factory=dict)


class _Composer:
    def __init__(self, specs: list[SubgraphSpec]) -> None:
        self.specs = specs
        self.errors: list[str] = []
        self.parsed: list[_Parsed] = []
        self.kinds: dict[str, tuple[str, str]] = {}
        self.info: dict[str, SubgraphInfo] = {}
        self.owners: dict[tuple[str, str], list[str]] = {}
        self.keys: dict[str, list[EntityKey]] = {}
        self.definitions: list[TypeDefinitionNode] = []

    def run(self) -> Supergraph:
        if not self.specs:
            raise CompositionError(["no subgraphs to compose"])
        names = [s.name for s in self.specs]
        if len(set(names)) != len(names):
            raise CompositionError([f"subgraph names must be unique, got {names}"])
        for spec in self.specs:
            self._parse(spec)
        self._fail_if_errors()
        self._check_kinds()
        self._fail_if_errors()
        for type_name, (kind, _) in sorted(self.kinds.items()):
            self._merge_type(type_name, kind)
        self._fail_if_errors()
        self._record_possible_types()
        self._check_reachability()
        self._fail_if_errors()
        schema = self._build_schema()
        return Supergraph(api_schema=schema, subgraphs={s.name: s for s in self.specs}, info=self.info,
                          owners=self.owners, keys=self.keys)

    def _fail_if_errors(self) -> None:
        if self.errors:
            raise CompositionError(self.errors)

    def _parse(self, spec: SubgraphSpec) -> None:
        try:
            document = parse(spec.sdl, no_location=True)
        except GraphQLError as exc:
            self.errors.append(f"[{spec.name}] invalid SDL: {exc.message}")
            return
        aliases = _directive_aliases(document)
        root_names = _root_names(document)
        if "subscription" in root_names:
            self.errors.append(f"[{spec.name}] subscriptions are unsupported by the gateway")
        parsed = _Parsed(spec=spec, aliases=aliases, root_names=root_names)
        canonical = {name: ROOT_NAMES[OperationType(op_name)] for op_name, name in root_names.items()}
        for definition in document.definitions:
            if isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode | DirectiveDefinitionNode):
                continue
            if not isinstance(definition, (TypeDefinitionNode, *_TYPE_EXTENSIONS)):
                continue
            name = definition.name.value
            if name in FEDERATION_TYPES or name.startswith(("link__", "federation__")):
                continue
            name = canonical.get(name, name)
            parsed.types.setdefault(name, []).append(definition)
        self.parsed.append(parsed)
        self.info[spec.name] = SubgraphInfo(name=spec.name, root_names={
            canonical_name: sub_name for sub_name, canonical_name in canonical.items()})

    def _check_kinds(self) -> None:
        for parsed in self.parsed:
            for name, nodes in parsed.types.items():
                kind = _kind(nodes[0])
                if any(_kind(n) != kind for n in nodes):
                    self.errors.append(f"[{parsed.spec.name}] type {name} is defined with different kinds")
                    continue
                seen = self.kinds.get(name)
                if seen is None:
                    self.kinds[name] = (kind, parsed.spec.name)
                elif seen[0] != kind:
                    self.errors.append(
                        f"type {name} is a {seen[0]} in subgraph {seen[1]} but a {kind} in subgraph "
                        f"{parsed.spec.name}")
                self.info[parsed.spec.name].kinds[name] = kind

    def _defs(self, type_name: str) -> list[tuple[_Parsed, list[TypeDefinitionNode]]]:
        return [(p, p.types[type_name]) for p in self.parsed if type_name in p.types]

    def _merge_type(self, type_name: str, kind: str) -> None:
        defs = self._defs(type_name)
        for parsed, nodes in defs:
            for node in nodes:
                self._reject_unsupported(parsed, type_name, node)
        hidden = any(_has(p, n, "inaccessible") for p, nodes in defs for n in nodes)
        if kind in ("object", "interface"):
            merged = self._merge_composite(type_name, kind, defs)
        elif kind == "enum":
            merged = self._merge_enum(type_name, defs)
        elif kind == "input":
            merged = self._merge_input(type_name, defs)
        elif kind == "union":
            merged = self._merge_union(type_name, defs)
        else:
            merged = self._merge_scalar(type_name, defs)
        if merged is not None and not hidden and type_name not in BUILTIN_SCALARS:
            self.definitions.append(merged)

    def _reject_unsupported(self, parsed: _Parsed, type_name: str, node: Any) -> None:
        for directive in _directives_of(node):
            name = parsed.aliases.get(directive.name.value)
            if name in UNSUPPORTED_DIRECTIVES:
                self.errors.append(f"[{parsed.spec.name}] {type_name}: @{name} is unsupported by the gateway")
            if name == "key" and isinstance(node, InterfaceTypeDefinitionNode | InterfaceTypeExtensionNode):
                self.errors.append(
                    f"[{parsed.spec.name}] interface {type_name}: @key on interfaces is unsupported")
        for field_node in getattr(node, "fields", None) or ():
            for directive in field_node.directives or ():
                name = parsed.aliases.get(directive.name.value)
                if name in UNSUPPORTED_DIRECTIVES:
                    self.errors.append(
                        f"[{parsed.spec.name}] {type_name}.{field_node.name.value}: @{name} is unsupported "
                        "by the gateway")

    def _merge_composite(self, type_name: str, kind: str,
                         defs: list[tuple[_Parsed, list[TypeDefinitionNode]]]) -> TypeDefinitionNode:
        merged_fields: dict[str, FieldDefinitionNode] = {}
        inaccessible: set[str] = set()
        per_field: dict[str, list[tuple[str, _FieldDef]]] = {}
        interfaces: dict[str, NamedTypeNode] = {}
        description: StringValueNode | None = None
        is_root = type_name in ROOT_NAMES.values()
        for parsed, nodes in defs:
            sub = parsed.spec.name
            key_fields = self._collect_keys(parsed, type_name, nodes)
            resolvable_fields = self.info[sub].fields.setdefault(type_name, set())
            for node in nodes:
                description = description or getattr(node, "description", None)
                type_shareable = _has(parsed, node, "shareable")
                for iface in node.interfaces or ():
                    interfaces.setdefault(iface.name.value, iface)
                for fnode in node.fields or ():
                    fname = fnode.name.value
                    if is_root and fname in FEDERATION_ROOT_FIELDS:
                        continue
                    fdef = _FieldDef(
                        node=fnode,
                        shareable=type_shareable or _has(parsed, fnode, "shareable") or fname in key_fields,
                        external=_has(parsed, fnode, "external"),
                        override_from=_string_arg(parsed, fnode, "override", "from"),
                    )
                    if fdef.external and fname not in key_fields:
                        continue
                    if _has(parsed, fnode, "inaccessible"):
                        inaccessible.add(fname)
                    resolvable_fields.add(fname)
                    per_field.setdefault(fname, []).append((sub, fdef))
                    if fname not in merged_fields or (
                            merged_fields[fname].description is None and fnode.description is not None):
                        merged_fields[fname] = fnode
        for fname, definitions in per_field.items():
            owners = self._check_field(type_name, fname, definitions, kind)
            self.owners[(type_name, fname)] = owners
        visible = [_strip_field(fnode) for fname, fnode in merged_fields.items() if fname not in inaccessible]
        node_class = ObjectTypeDefinitionNode if kind == "object" else InterfaceTypeDefinitionNode
        return node_class(name=_name_node(type_name), description=description,
                          interfaces=tuple(interfaces.values()), directives=(), fields=tuple(visible))

    def _collect_keys(self, parsed: _Parsed, type_name: str, nodes: list[TypeDefinitionNode]) -> set[str]:
        names: set[str] = set()
        for node in nodes:
            for directive in node.directives or ():
                if parsed.aliases.get(directive.name.value) != "key":
                    continue
                args = {a.name.value: a.value for a in directive.arguments or ()}
                fields_value = args.get("fields")
                if not isinstance(fields_value, StringValueNode):
                    self.errors.append(f"[{parsed.spec.name}] {type_name}: @key without fields")
                    continue
                resolvable_value = args.get("resolvable")
                resolvable = getattr(resolvable_value, "value", True) is not False
                try:
                    selection = parse_field_set(fields_value.value)
                except GraphQLError as exc:
                    self.errors.append(
                        f"[{parsed.spec.name}] {type_name}: invalid @key fields {fields_value.value!r}: "
                        f"{exc.message}")
                    continue
                self.keys.setdefault(type_name, []).append(
                    EntityKey(parsed.spec.name, fields_value.value, selection, resolvable))
                names.update(s.name.value for s in selection.selections if isinstance(s, FieldNode))
        return names

    def _check_field(self, type_name: str, fname: str, definitions: list[tuple[str, _FieldDef]],
                     kind: str) -> list[str]:
        overridden = {d.override_from for _, d in definitions if d.override_from}
        active = [(sub, d) for sub, d in definitions if sub not in overridden]
        first_sub, first = active[0]
        first_type = print_ast(first.node.type)
        first_args = _args_signature(first.node)
        for sub, fdef in active[1:]:
            other_type = print_ast(fdef.node.type)
            if other_type != first_type:
                self.errors.append(
                    f"field {type_name}.{fname} has type {first_type} in subgraph {first_sub} but "
                    f"{other_type} in subgraph {sub}")
            elif _args_signature(fdef.node) != first_args:
                self.errors.append(
                    f"field {type_name}.{fname} has different arguments in subgraphs {first_sub} and {sub}")
        if kind == "object" and len(active) > 1:
            unshareable = [sub for sub, d in active if not d.shareable]
            if unshareable:
                subs = ", ".join(sub for sub, _ in active)
                self.errors.append(
                    f"field {type_name}.{fname} is resolved by subgraphs {subs} but is not @shareable in "
                    f"{', '.join(unshareable)}")
        return [sub for sub, d in active if not d.external]

    def _merge_enum(self, type_name: str, defs: list[tuple[_Parsed, list[TypeDefinitionNode]]]
                    ) -> TypeDefinitionNode:
        first_sub, first_values, first_node = "", None, None
        description = None
        for parsed, nodes in defs:
            values = [v for n in nodes for v in n.values or ()]
            names = sorted(v.name.value for v in values)
            description = description or getattr(nodes[0], "description", None)
            if first_values is None:
                first_sub, first_values = parsed.spec.name, names
                first_node = values
            elif names != first_values:
                self.errors.append(
                    f"enum {type_name} has values {first_values} in subgraph {first_sub} but {names} in "
                    f"subgraph {parsed.spec.name}")
        stripped = tuple(v.__class__(name=v.name, description=v.description,
                                     directives=_kept_directives(v.directives)) for v in first_node or ())
        return EnumTypeDefinitionNode(name=_name_node(type_name), description=description, directives=(),
                                      values=stripped)

    def _merge_input(self, type_name: str, defs: list[tuple[_Parsed, list[TypeDefinitionNode]]]
                     ) -> TypeDefinitionNode:
        first_sub, first_sig, first_fields = "", None, None
        description = None
        directives: tuple[ConstDirectiveNode, ...] = ()
        for parsed, nodes in defs:
            fields = [f for n in nodes for f in n.fields or ()]
            signature = sorted((f.name.value, print_ast(f.type)) for f in fields)
            description = description or getattr(nodes[0], "description", None)
            directives = directives or _kept_directives(nodes[0].directives)
            if first_sig is None:
                first_sub, first_sig, first_fields = parsed.spec.name, signature, fields
            elif signature != first_sig:
                self.errors.append(
                    f"input {type_name} differs between subgraph {first_sub} ({_sig_text(first_sig)}) and "
                    f"subgraph {parsed.spec.name} ({_sig_text(signature)})")
        stripped = tuple(_strip_input_value(f) for f in first_fields or ())
        return InputObjectTypeDefinitionNode(name=_name_node(type_name), description=description,
                                             directives=directives, fields=stripped)

    def _merge_union(self, type_name: str, defs: list[tuple[_Parsed, list[TypeDefinitionNode]]]
                     ) -> TypeDefinitionNode:
        members: dict[str, NamedTypeNode] = {}
        description = None
        for parsed, nodes in defs:
            sub_members = self.info[parsed.spec.name].possible.setdefault(type_name, set())
            for node in nodes:
                description = description or getattr(node, "description", None)
                for member in node.types or ():
                    members.setdefault(member.name.value, member)
                    sub_members.add(member.name.value)
        return UnionTypeDefinitionNode(name=_name_node(type_name), description=description, directives=(),
                                       types=tuple(members.values()))

    def _merge_scalar(self, type_name: str, defs: list[tuple[_Parsed, list[TypeDefinitionNode]]]
                      ) -> TypeDefinitionNode:
        description = None
        directives: tuple[ConstDirectiveNode, ...] = ()
        for _, nodes in defs:
            for node in nodes:
                description = description or getattr(node, "description", None)
                directives = directives or _kept_directives(node.directives)
        return ScalarTypeDefinitionNode(name=_name_node(type_name), description=description,
                                        directives=directives)

    def _record_possible_types(self) -> None:
        for parsed in self.parsed:
            info = self.info[parsed.spec.name]
            for type_name, nodes in parsed.types.items():
                if _kind(nodes[0]) == "object":
                    for iface in (i.name.value for n in nodes for i in n.interfaces or ()):
                        info.possible.setdefault(iface, set()).add(type_name)

    def _check_reachability(self) -> None:
        fields_by_type: dict[str, list[tuple[str, list[str]]]] = {}
        for (type_name, fname), owners in self.owners.items():
            fields_by_type.setdefault(type_name, []).append((fname, owners))
        for sub, info in self.info.items():
            for type_name, resolvable in info.fields.items():
                if self.kinds[type_name][0] != "object" or type_name in ROOT_NAMES.values():
                    continue
                for fname, owners in fields_by_type.get(type_name, ()):
                    if fname in resolvable or not owners:
                        continue
                    if not any(self._usable_key(type_name, sub, o) for o in owners):
                        self.errors.append(
                            f"field {type_name}.{fname} (from subgraph {', '.join(owners)}) cannot be "
                            f"reached from subgraph {sub}: no resolvable @key of {type_name} in "
                            f"{', '.join(owners)} uses only fields that {sub} resolves")

    def _usable_key(self, type_name: str, source: str, target: str) -> bool:
        source_fields = self.info[source].fields.get(type_name, set())
        return any(k.subgraph == target and k.resolvable and all(
            s.name.value in source_fields for s in k.selection.selections if isinstance(s, FieldNode))
            for k in self.keys.get(type_name, ()))

    def _build_schema(self) -> GraphQLSchema:
        definitions: list[Any] = list(self.definitions)
        if not any(d.name.value == "Query" for d in definitions):
            raise CompositionError(["no subgraph defines a Query root field"])
        try:
            return build_ast_schema(DocumentNode(definitions=tuple(definitions)), assume_valid_sdl=False)
        except (GraphQLError, TypeError) as exc:
            raise CompositionError([f"the composed schema is invalid: {exc}"]) from exc


_TYPE_EXTENSIONS = (ObjectTypeExtensionNode, InterfaceTypeExtensionNode, UnionTypeExtensionNode,
                    EnumTypeExtensionNode, InputObjectTypeExtensionNode, ScalarTypeExtensionNode)
_KIND_NAMES: list[tuple[tuple[type, ...], str]] = [
    ((ObjectTypeDefinitionNode, ObjectTypeExtensionNode), "object"),
    ((InterfaceTypeDefinitionNode, InterfaceTypeExtensionNode), "interface"),
    ((UnionTypeDefinitionNode, UnionTypeExtensionNode), "union"),
    ((EnumTypeDefinitionNode, EnumTypeExtensionNode), "enum"),
    ((InputObjectTypeDefinitionNode, InputObjectTypeExtensionNode), "input"),
    ((ScalarTypeDefinitionNode, ScalarTypeExtensionNode), "scalar"),
]


def _kind(node: Any) -> str:
    for classes, name in _KIND_NAMES:
        if isinstance(node, classes):
            return name
    raise TypeError(f"unexpected definition {node.kind}")


def _name_node(name: str) -> NameNode:
    return NameNode(value=name)


def _directive_aliases(document: DocumentNode) -> dict[str, str]:
    aliases = {name: name for name in FEDERATION_DIRECTIVES}
    for definition in document.definitions:
        if not isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
            continue
        for directive in definition.directives or ():
            if directive.name.value != "link":
                continue
            args = {a.name.value: a.value for a in directive.arguments or ()}
            url = getattr(args.get("url"), "value", "")
            if "specs.apollo.dev/federation" not in url:
                continue
            for name in FEDERATION_DIRECTIVES:
                aliases[f"federation__{name}"] = name
            imports = args.get("import")
            for item in imports.values if isinstance(imports, ListValueNode) else ():
                if isinstance(item, StringValueNode):
                    aliases[item.value.lstrip("@")] = item.value.lstrip("@")
                elif isinstance(item, ObjectValueNode):
                    fields = {f.name.value: getattr(f.value, "value", "") for f in item.fields}
                    original = str(fields.get("name", "")).lstrip("@")
                    local = str(fields.get("as", original)).lstrip("@")
                    aliases.pop(original, None)
                    aliases[local] = original
    return aliases


def _root_names(document: DocumentNode) -> dict[str, str]:
    roots: dict[str, str] = {}
    for definition in document.definitions:
        if isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
            for op in definition.operation_types or ():
                roots[op.operation.value] = op.type.name.value
    if not roots:
        names = {d.name.value for d in document.definitions if isinstance(d, (TypeDefinitionNode, *_TYPE_EXTENSIONS))}
        roots = {op.value: ROOT_NAMES[op] for op in OperationType if ROOT_NAMES[op] in names}
    return roots


def _directives_of(node: Any) -> Iterable[ConstDirectiveNode]:
    return node.directives or ()


def _has(parsed: _Parsed, node: Any, directive: str) -> bool:
    return any(parsed.aliases.get(d.name.value) == directive for d in node.directives or ())


def _string_arg(parsed: _Parsed, node: Any, directive: str, arg: str) -> str | None:
    for d in node.directives or ():
        if parsed.aliases.get(d.name.value) == directive:
            for a in d.arguments or ():
                if a.name.value == arg and isinstance(a.value, StringValueNode):
                    return a.value.value
    return None


def _kept_directives(directives: Iterable[ConstDirectiveNode] | None) -> tuple[ConstDirectiveNode, ...]:
    return tuple(d for d in directives or () if d.name.value in KEPT_DIRECTIVES)


def _strip_input_value(node: InputValueDefinitionNode) -> InputValueDefinitionNode:
    return InputValueDefinitionNode(name=node.name, description=node.description, type=node.type,
                                    default_value=node.default_value,
                                    directives=_kept_directives(node.directives))


def _strip_field(node: FieldDefinitionNode) -> FieldDefinitionNode:
    return FieldDefinitionNode(name=node.name, description=node.description,
                               arguments=tuple(_strip_input_value(a) for a in node.arguments or ()),
                               type=node.type, directives=_kept_directives(node.directives))


def _args_signature(node: FieldDefinitionNode) -> list[tuple[str, str, str]]:
    return sorted((a.name.value, print_ast(a.type), print_ast(a.default_value) if a.default_value else "")
                  for a in node.arguments or ())


def _sig_text(signature: list[tuple[str, str]]) -> str:
    return ", ".join(f"{n}: {t}" for n, t in signature)


def compose(specs: list[SubgraphSpec]) -> Supergraph:
    """Compose Federation v2 subgraphs into a supergraph, or raise CompositionError."""
    return _Composer(list(specs)).run()
