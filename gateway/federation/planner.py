"""Query planning: split a validated operation into subgraph fetches and batched entity steps."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    ArgumentNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLUnionType,
    InlineFragmentNode,
    ListTypeNode,
    ListValueNode,
    NamedTypeNode,
    NameNode,
    NonNullTypeNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    VariableDefinitionNode,
    VariableNode,
    get_named_type,
    print_ast,
)

from gateway.federation.compose import EntityKey, Supergraph

LOCAL_ROOT_FIELDS = frozenset({"__schema", "__type", "__typename"})
CONDITION_DIRECTIVES = frozenset({"skip", "include"})
KEY_ALIAS_PREFIX = "__key_"

Wrappers = tuple[tuple[DirectiveNode, ...], ...]


class PlanningError(Exception):
    pass


@dataclass(frozen=True)
class KeyField:
    name: str
    alias: str
    selection: SelectionSetNode | None


@dataclass
class EntityNode:
    """Fields of objects at `path` (of type `type_name`) that `subgraph` resolves through `_entities`."""

    subgraph: str
    type_name: str
    path: tuple[str, ...]
    depth: int
    key_fields: tuple[KeyField, ...]
    selections: list[SelectionNode] = field(default_factory=list)
    children: list[EntityNode] = field(default_factory=list)
    key_map: tuple[tuple[str, str], ...] = ()
    alias_to_key: dict[str, str] = field(default_factory=dict)
    flatten_path: str = ""
    """`path` as Apollo prints it: response keys joined by dots, `@` for each list level."""

    def representation(self, obj: dict[str, Any]) -> dict[str, Any] | None:
        rep: dict[str, Any] = {"__typename": self.type_name}
        for key in self.key_fields:
            value = obj.get(key.alias)
            if value is None or value.__class__ not in _PLAIN:
                return None
            rep[key.name] = project(value, key.selection) if key.selection is not None else value
        return rep


_PLAIN = frozenset({str, int, float, bool, dict, list})


@dataclass
class RootFetch:
    subgraph: str
    operation: str
    variables: tuple[str, ...]
    response_keys: tuple[str, ...]
    children: list[EntityNode] = field(default_factory=list)
    depth: int = 0


@dataclass
class EntityFetch:
    """One `_entities` request: every node of one subgraph at one plan step."""

    subgraph: str
    operation: str
    representations_var: str
    variables: tuple[str, ...]
    nodes: list[EntityNode]


@dataclass
class Phase:
    roots: list[RootFetch]
    steps: list[list[EntityFetch]]


@dataclass
class Plan:
    document: DocumentNode
    operation: OperationDefinitionNode
    operation_name: str | None
    phases: list[Phase]
    passthrough: bool
    projector: Any = None
    """How the executor shapes this plan's responses (gateway.federation.shape), made on first use;
    False where graphql-core's executor shapes them."""

    def fetch_count(self) -> int:
        return sum(len(p.roots) + sum(len(s) for s in p.steps) for p in self.phases)

    def __str__(self) -> str:
        from gateway.federation.plan_text import plan_text

        return plan_text(self)


def project(value: Any, selection: SelectionSetNode) -> Any:
    if isinstance(value, list):
        return [project(v, selection) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for sel in selection.selections:
        if isinstance(sel, FieldNode):
            name = sel.name.value
            inner = value.get(name)
            out[name] = project(inner, sel.selection_set) if sel.selection_set is not None else inner
    return out


@dataclass
class _Level:
    fetch: RootFetch | EntityNode
    subgraph: str
    type_name: str
    path: tuple[str, ...]
    pending: dict[tuple[str, str], list[tuple[FieldNode, Wrappers]]] = field(default_factory=dict)
    flatten_path: tuple[str, ...] = ()


class _PlanBuilder:
    def __init__(self, supergraph: Supergraph, document: DocumentNode, operation: OperationDefinitionNode) -> None:
        self.sg = supergraph
        self.schema = supergraph.api_schema
        self.document = document
        self.operation = operation
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.var_defs = {v.variable.name.value: v for v in operation.variable_definitions or ()}
        self.added_fields = False

    def build(self, operation_name: str | None) -> Plan:
        root_type = "Mutation" if self.operation.operation is OperationType.MUTATION else "Query"
        items = list(self._root_items(self.operation.selection_set, ()))
        remote = [(f, w) for f, w in items if f.name.value not in LOCAL_ROOT_FIELDS]
        has_local = len(remote) != len(items)
        if root_type == "Mutation":
            groups = self._consecutive_groups(remote, root_type)
            phases = [self._phase([group], root_type) for group in groups]
        else:
            groups = self._subgraph_groups(remote, root_type)
            phases = [self._phase(groups, root_type)] if groups else []
        passthrough = (not has_local and not self.added_fields and len(phases) == 1
                       and len(phases[0].roots) == 1 and not phases[0].steps)
        return Plan(document=self.document, operation=self.operation, operation_name=operation_name,
                    phases=phases, passthrough=passthrough)

    def _root_items(self, selection_set: SelectionSetNode, wrappers: Wrappers
                    ) -> Iterator[tuple[FieldNode, Wrappers]]:
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                yield sel, wrappers
            elif isinstance(sel, InlineFragmentNode):
                yield from self._root_items(sel.selection_set, _wrap(wrappers, sel.directives))
            elif isinstance(sel, FragmentSpreadNode):
                fragment = self.fragments[sel.name.value]
                yield from self._root_items(fragment.selection_set, _wrap(wrappers, sel.directives))

    def _root_owner(self, root_type: str, name: str, preferred: Iterable[str]) -> str:
        owners = self.sg.field_owners(root_type, name)
        if not owners:
            raise PlanningError(f"no subgraph resolves {root_type}.{name}")
        for sub in preferred:
            if sub in owners:
                return sub
        return owners[0]

    def _subgraph_groups(self, items: list[tuple[FieldNode, Wrappers]], root_type: str
                         ) -> list[tuple[str, list[tuple[FieldNode, Wrappers]]]]:
        groups: dict[str, list[tuple[FieldNode, Wrappers]]] = {}
        for item in items:
            sub = self._root_owner(root_type, item[0].name.value, groups)
            groups.setdefault(sub, []).append(item)
        return list(groups.items())

    def _consecutive_groups(self, items: list[tuple[FieldNode, Wrappers]], root_type: str
                            ) -> list[tuple[str, list[tuple[FieldNode, Wrappers]]]]:
        groups: list[tuple[str, list[tuple[FieldNode, Wrappers]]]] = []
        for item in items:
            previous = [groups[-1][0]] if groups else []
            sub = self._root_owner(root_type, item[0].name.value, previous)
            if groups and groups[-1][0] == sub:
                groups[-1][1].append(item)
            else:
                groups.append((sub, [item]))
        return groups

    def _phase(self, groups: list[tuple[str, list[tuple[FieldNode, Wrappers]]]], root_type: str) -> Phase:
        roots = [self._root_fetch(sub, items, root_type) for sub, items in groups]
        by_step: dict[int, dict[str, list[EntityNode]]] = {}
        for root in roots:
            for node in _descendants(root.children):
                by_step.setdefault(node.depth, {}).setdefault(node.subgraph, []).append(node)
        steps = [[self._entity_fetch(sub, nodes) for sub, nodes in by_step[depth].items()]
                 for depth in sorted(by_step)]
        return Phase(roots=roots, steps=steps)

    def _root_fetch(self, sub: str, items: list[tuple[FieldNode, Wrappers]], root_type: str) -> RootFetch:
        fetch = RootFetch(subgraph=sub, operation="", variables=(), response_keys=())
        level = _Level(fetch=fetch, subgraph=sub, type_name=root_type, path=())
        selections: list[SelectionNode] = []
        for field_node, wrappers in items:
            selections.extend(_apply_wrappers(self._plan_field(field_node, root_type, level, ()), wrappers))
        keys = tuple(dict.fromkeys(_top_keys(selections)))
        used = _variables_in(selections)
        op_type = OperationType.MUTATION if root_type == "Mutation" else OperationType.QUERY
        fetch.operation = print_ast(self._operation(op_type, selections, used, ()))
        fetch.variables = tuple(v for v in self.var_defs if v in used)
        fetch.response_keys = keys
        return fetch

    def _operation(self, op_type: OperationType, selections: Sequence[SelectionNode], used: set[str],
                   extra_defs: tuple[VariableDefinitionNode, ...]) -> OperationDefinitionNode:
        defs = extra_defs + tuple(_strip_var_def(d) for name, d in self.var_defs.items() if name in used)
        return OperationDefinitionNode(operation=op_type, name=None, variable_definitions=defs, directives=(),
                                       selection_set=SelectionSetNode(selections=tuple(selections)))

    def _entity_fetch(self, sub: str, nodes: list[EntityNode]) -> EntityFetch:
        fragments: list[SelectionNode] = []
        for index, node in enumerate(nodes):
            selections = node.selections if index == 0 else _rename_top(node.selections, f"_n{index}_")
            originals = list(dict.fromkeys(_top_keys(node.selections)))
            aliases = originals if index == 0 else [f"_n{index}_{k}" for k in originals]
            node.key_map = tuple(zip(aliases, originals, strict=True))
            node.alias_to_key = dict(node.key_map)
            fragments.append(InlineFragmentNode(type_condition=_named(node.type_name), directives=(),
                                                selection_set=SelectionSetNode(selections=tuple(selections))))
        rep_var = "representations"
        while rep_var in self.var_defs:
            rep_var += "_"
        entities = FieldNode(
            alias=None, name=NameNode(value="_entities"), directives=(),
            arguments=(ArgumentNode(name=NameNode(value="representations"),
                                    value=VariableNode(name=NameNode(value=rep_var))),),
            selection_set=SelectionSetNode(selections=tuple(fragments)))
        used = _variables_in(fragments)
        rep_def = VariableDefinitionNode(
            variable=VariableNode(name=NameNode(value=rep_var)), directives=(),
            type=NonNullTypeNode(type=ListTypeNode(type=NonNullTypeNode(type=_named("_Any")))))
        operation = self._operation(OperationType.QUERY, [entities], used, (rep_def,))
        return EntityFetch(subgraph=sub, operation=print_ast(operation), representations_var=rep_var,
                           variables=tuple(v for v in self.var_defs if v in used), nodes=nodes)

    def _plan_selections(self, selections: Iterable[SelectionNode], parent: str, level: _Level,
                         wrappers: Wrappers) -> list[SelectionNode]:
        out: list[SelectionNode] = []
        for sel in selections:
            if isinstance(sel, FieldNode):
                out.extend(self._plan_field(sel, parent, level, wrappers))
            elif isinstance(sel, InlineFragmentNode):
                condition = sel.type_condition.name.value if sel.type_condition else parent
                out.extend(self._plan_fragment(condition, sel.directives, sel.selection_set, parent, level,
                                               wrappers))
            elif isinstance(sel, FragmentSpreadNode):
                fragment = self.fragments[sel.name.value]
                out.extend(self._plan_fragment(fragment.type_condition.name.value, sel.directives,
                                               fragment.selection_set, parent, level, wrappers))
        return out

    def _plan_fragment(self, condition: str, directives: Sequence[DirectiveNode] | None,
                       selection_set: SelectionSetNode, parent: str, level: _Level,
                       wrappers: Wrappers) -> list[SelectionNode]:
        info = self.sg.info[level.subgraph]
        if not info.knows(condition):
            if not self._is_abstract(condition):
                return []
            out: list[SelectionNode] = []
            for concrete in sorted(self._possible(condition) & self._possible(parent)):
                out.extend(self._plan_fragment(concrete, directives, selection_set, parent, level, wrappers))
            return out
        if not self._sub_possible(level.subgraph, condition) & self._sub_possible(level.subgraph, parent):
            return []
        conditions = _conditions(directives)
        inner_wrappers = (*wrappers, conditions) if conditions else wrappers
        inner = self._plan_selections(selection_set.selections, condition, level, inner_wrappers)
        if not inner:
            return []
        return [InlineFragmentNode(type_condition=_named(condition), directives=conditions,
                                   selection_set=SelectionSetNode(selections=tuple(inner)))]

    def _plan_field(self, node: FieldNode, parent: str, level: _Level, wrappers: Wrappers) -> list[SelectionNode]:
        name = node.name.value
        if name == "__typename":
            return [node]
        info = self.sg.info[level.subgraph]
        if info.resolves(parent, name):
            return [self._keep_field(node, parent, level)]
        if not self._is_abstract(parent):
            target = self._choose_target(parent, name, level)
            level.pending.setdefault((parent, target), []).append((node, wrappers))
            return []
        out: list[SelectionNode] = []
        single = SelectionSetNode(selections=(node,))
        for concrete in sorted(self._possible(parent)):
            out.extend(self._plan_fragment(concrete, (), single, parent, level, wrappers))
        return out

    def _keep_field(self, node: FieldNode, parent: str, level: _Level) -> FieldNode:
        if node.selection_set is None:
            return node
        parent_type = self.schema.get_type(parent)
        field_def = parent_type.fields[node.name.value]  # type: ignore[union-attr]
        return_type = get_named_type(field_def.type).name
        key = node.alias.value if node.alias else node.name.value
        child = _Level(fetch=level.fetch, subgraph=level.subgraph, type_name=return_type,
                       path=(*level.path, key), flatten_path=(*level.flatten_path, key, *_list_marks(field_def.type)))
        inner = self._plan_selections(node.selection_set.selections, return_type, child, ())
        inner = self._finalize(child, inner, node.selection_set.selections)
        return FieldNode(alias=node.alias, name=node.name, arguments=node.arguments, directives=node.directives,
                         selection_set=SelectionSetNode(selections=tuple(inner)))

    def _choose_target(self, type_name: str, field_name: str, level: _Level) -> str:
        owners = self.sg.field_owners(type_name, field_name)
        usable = [o for o in owners if self.sg.usable_key(type_name, level.subgraph, o) is not None]
        if not usable:
            raise PlanningError(f"{type_name}.{field_name} cannot be reached from subgraph {level.subgraph}")
        for pending_type, target in level.pending:
            if pending_type == type_name and target in usable:
                return target
        return usable[0]

    def _finalize(self, level: _Level, inner: list[SelectionNode], user_selections: Sequence[SelectionNode]
                  ) -> list[SelectionNode]:
        added: list[SelectionNode] = []
        if level.pending or self._is_abstract(level.type_name):
            added.append(_typename())
            self.added_fields = True
        if not level.pending:
            return added + inner
        user_keys = self._user_keys(user_selections, {})
        for (type_name, target), items in level.pending.items():
            key = self.sg.usable_key(type_name, level.subgraph, target)
            if key is None:
                raise PlanningError(f"no usable key for {type_name} from {level.subgraph} to {target}")
            key_fields = _key_fields(key, user_keys)
            key_selections = tuple(_key_selection(k) for k in key_fields)
            if type_name == level.type_name:
                added.extend(s for s in key_selections if not _contains(added, s) and not _contains(inner, s))
            else:
                added.append(InlineFragmentNode(type_condition=_named(type_name), directives=(),
                                                selection_set=SelectionSetNode(selections=key_selections)))
            level.fetch.children.append(self._entity_node(level, type_name, target, items, key_fields))
        return added + inner

    def _entity_node(self, level: _Level, type_name: str, target: str,
                     items: list[tuple[FieldNode, Wrappers]], key_fields: tuple[KeyField, ...]) -> EntityNode:
        node = EntityNode(subgraph=target, type_name=type_name, path=level.path, depth=level.fetch.depth + 1,
                          key_fields=key_fields, flatten_path=".".join(level.flatten_path))
        node_level = _Level(fetch=node, subgraph=target, type_name=type_name, path=level.path,
                            flatten_path=level.flatten_path)
        selections: list[SelectionNode] = []
        for field_node, wrappers in items:
            selections.extend(_apply_wrappers(self._plan_field(field_node, type_name, node_level, ()), wrappers))
        node.selections = self._finalize(node_level, selections, [f for f, _ in items])
        return node

    def _user_keys(self, selections: Iterable[SelectionNode], out: dict[str, tuple[str, bool]]
                   ) -> dict[str, tuple[str, bool]]:
        for sel in selections:
            if isinstance(sel, FieldNode):
                key = sel.alias.value if sel.alias else sel.name.value
                out.setdefault(key, (sel.name.value, bool(sel.arguments)))
            elif isinstance(sel, InlineFragmentNode):
                self._user_keys(sel.selection_set.selections, out)
            elif isinstance(sel, FragmentSpreadNode):
                self._user_keys(self.fragments[sel.name.value].selection_set.selections, out)
        return out

    def _is_abstract(self, type_name: str) -> bool:
        return isinstance(self.schema.get_type(type_name), GraphQLInterfaceType | GraphQLUnionType)

    def _possible(self, type_name: str) -> set[str]:
        graphql_type = self.schema.get_type(type_name)
        if isinstance(graphql_type, GraphQLObjectType):
            return {type_name}
        if isinstance(graphql_type, GraphQLInterfaceType | GraphQLUnionType):
            return {t.name for t in self.schema.get_possible_types(graphql_type)}
        return set()

    def _sub_possible(self, sub: str, type_name: str) -> set[str]:
        info = self.sg.info[sub]
        if info.kinds.get(type_name) == "object":
            return {type_name}
        return info.possible.get(type_name, set())


def _list_marks(graphql_type: Any) -> Iterator[str]:
    """One `@` per list level of a field's type, outermost first."""
    while hasattr(graphql_type, "of_type"):
        if isinstance(graphql_type, GraphQLList):
            yield "@"
        graphql_type = graphql_type.of_type


def _descendants(nodes: list[EntityNode]) -> Iterator[EntityNode]:
    for node in nodes:
        yield node
        yield from _descendants(node.children)


def _named(name: str) -> NamedTypeNode:
    return NamedTypeNode(name=NameNode(value=name))


def _typename() -> FieldNode:
    return FieldNode(alias=None, name=NameNode(value="__typename"), arguments=(), directives=(),
                     selection_set=None)


def _conditions(directives: Sequence[DirectiveNode] | None) -> tuple[DirectiveNode, ...]:
    return tuple(d for d in directives or () if d.name.value in CONDITION_DIRECTIVES)


def _wrap(wrappers: Wrappers, directives: Sequence[DirectiveNode] | None) -> Wrappers:
    conditions = _conditions(directives)
    return (*wrappers, conditions) if conditions else wrappers


def _apply_wrappers(selections: list[SelectionNode], wrappers: Wrappers) -> list[SelectionNode]:
    if not selections:
        return selections
    for conditions in reversed(wrappers):
        selections = [InlineFragmentNode(type_condition=None, directives=conditions,
                                         selection_set=SelectionSetNode(selections=tuple(selections)))]
    return selections


def _key_fields(key: EntityKey, user_keys: dict[str, tuple[str, bool]]) -> tuple[KeyField, ...]:
    fields: list[KeyField] = []
    for sel in key.selection.selections:
        if not isinstance(sel, FieldNode):
            continue
        name = sel.name.value
        existing = user_keys.get(name)
        alias = name
        if existing is not None and existing != (name, False):
            alias = KEY_ALIAS_PREFIX + name
            while alias in user_keys:
                alias += "_"
        fields.append(KeyField(name=name, alias=alias, selection=sel.selection_set))
    return tuple(fields)


def _contains(selections: list[SelectionNode], candidate: FieldNode) -> bool:
    printed = print_ast(candidate)
    return any(isinstance(s, FieldNode) and print_ast(s) == printed for s in selections)


def _key_selection(key: KeyField) -> FieldNode:
    alias = NameNode(value=key.alias) if key.alias != key.name else None
    return FieldNode(alias=alias, name=NameNode(value=key.name), arguments=(), directives=(),
                     selection_set=key.selection)


def _top_keys(selections: Iterable[SelectionNode]) -> Iterator[str]:
    for sel in selections:
        if isinstance(sel, FieldNode):
            yield sel.alias.value if sel.alias else sel.name.value
        elif isinstance(sel, InlineFragmentNode):
            yield from _top_keys(sel.selection_set.selections)


def _rename_top(selections: Iterable[SelectionNode], prefix: str) -> list[SelectionNode]:
    out: list[SelectionNode] = []
    for sel in selections:
        if isinstance(sel, FieldNode):
            key = sel.alias.value if sel.alias else sel.name.value
            out.append(FieldNode(alias=NameNode(value=prefix + key), name=sel.name, arguments=sel.arguments,
                                 directives=sel.directives, selection_set=sel.selection_set))
        elif isinstance(sel, InlineFragmentNode):
            out.append(InlineFragmentNode(
                type_condition=sel.type_condition, directives=sel.directives,
                selection_set=SelectionSetNode(selections=tuple(_rename_top(sel.selection_set.selections,
                                                                            prefix)))))
    return out


def _variables_in(selections: Iterable[Any]) -> set[str]:
    found: set[str] = set()
    stack: list[Any] = list(selections)
    while stack:
        node = stack.pop()
        if isinstance(node, VariableNode):
            found.add(node.name.value)
        elif isinstance(node, FieldNode | InlineFragmentNode):
            for directive in node.directives or ():
                stack.extend(a.value for a in directive.arguments or ())
            if isinstance(node, FieldNode):
                stack.extend(a.value for a in node.arguments or ())
            if node.selection_set is not None:
                stack.extend(node.selection_set.selections)
        elif isinstance(node, ListValueNode):
            stack.extend(node.values)
        elif isinstance(node, ObjectValueNode):
            stack.extend(f.value for f in node.fields)
    return found


def _strip_var_def(node: VariableDefinitionNode) -> VariableDefinitionNode:
    return VariableDefinitionNode(variable=node.variable, type=node.type, default_value=node.default_value,
                                  directives=())


class QueryPlanner:
    """Plans operations against a supergraph and caches plans by (document text, operation name)."""

    def __init__(self, supergraph: Supergraph, max_entries: int = 1000) -> None:
        self.supergraph = supergraph
        self.max_entries = max_entries
        self._cache: OrderedDict[tuple[str, str | None], Any] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def plan(self, document: DocumentNode, operation: OperationDefinitionNode,
             operation_name: str | None = None) -> Plan:
        return _PlanBuilder(self.supergraph, document, operation).build(operation_name)

    def cached(self, key: tuple[str, str | None]) -> Any:
        entry = self._cache.get(key)
        if entry is None:
            self.misses += 1
            return None
        self._cache.move_to_end(key)
        self.hits += 1
        return entry

    def store(self, key: tuple[str, str | None], entry: Any) -> None:
        self._cache[key] = entry
        self._cache.move_to_end(key)
        while len(self._cache) > self.max_entries:
            self._cache.popitem(last=False)

    def clear(self) -> None:
        self._cache.clear()

    def __len__(self) -> int:
        return len(self._cache)
