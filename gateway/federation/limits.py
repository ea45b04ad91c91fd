"""Request limits: depth, aliases, tokens, expanded size, body size."""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.language import TokenKind

# 15: deep enough for the standard introspection query that GraphiQL and graphql-core send (nine `ofType`
# levels under `__schema.types.fields.args.type`), which counts like any other query.
DEFAULT_MAX_DEPTH = 15


@dataclass(frozen=True)
class Limits:
    max_depth: int = DEFAULT_MAX_DEPTH
    max_aliases: int = 30
    max_tokens: int = 2000
    max_body_bytes: int = 1_000_000
    subgraph_timeout: float = 10.0
    max_fields: int = 10_000
    mutation_timeout: float = 600.0
    subgraph_concurrency: int = 16
    """Requests in flight to one subgraph at once; more wait their turn (`admission`; 0: no limit)."""


class LimitError(Exception):
    """A request exceeds one of the configured limits; `message` says which, in plain words."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class _Measure:
    depth: int
    aliases: int
    fields: int


class _Measurer:
    """Measures selection sets with fragments expanded, memoising each fragment once."""

    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.memo: dict[str, _Measure] = {}
        self.visiting: set[str] = set()

    def fragment(self, name: str) -> _Measure:
        cached = self.memo.get(name)
        if cached is not None:
            return cached
        definition = self.fragments.get(name)
        if definition is None or name in self.visiting:
            return _Measure(0, 0, 0)
        self.visiting.add(name)
        measure = self.selection_set(definition.selection_set)
        self.visiting.discard(name)
        self.memo[name] = measure
        return measure

    def selection_set(self, selection_set: SelectionSetNode | None) -> _Measure:
        depth = aliases = fields = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                inner = self.field(selection)
            elif isinstance(selection, InlineFragmentNode):
                inner = self.selection_set(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                inner = self.fragment(selection.name.value)
            else:
                continue
            depth = max(depth, inner.depth)
            aliases += inner.aliases
            fields += inner.fields
        return _Measure(depth, aliases, fields)

    def field(self, node: FieldNode) -> _Measure:
        inner = self.selection_set(node.selection_set)
        return _Measure(
            depth=0 if node.name.value == "__typename" else inner.depth + 1,
            aliases=inner.aliases + (1 if node.alias is not None else 0),
            fields=inner.fields + 1,
        )


def count_tokens(document: DocumentNode, stop_after: int) -> int:
    token = document.loc.start_token if document.loc else None
    count = 0
    while token is not None and count <= stop_after:
        if token.kind not in (TokenKind.SOF, TokenKind.EOF, TokenKind.COMMENT):
            count += 1
        token = token.next
    return count


def check_limits(document: DocumentNode, limits: Limits) -> None:
    """Raise LimitError when the document exceeds a limit (fragments are expanded). Introspection (`__schema`,
    `__type`) counts like any other field: only `__typename`, a leaf beside its siblings, adds no depth."""
    tokens = count_tokens(document, limits.max_tokens)
    if tokens > limits.max_tokens:
        raise LimitError(f"query has more than {limits.max_tokens} tokens, exceeding the limit of "
                         f"{limits.max_tokens}")
    measurer = _Measurer(document)
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        measure = measurer.selection_set(definition.selection_set)
        if measure.depth > limits.max_depth:
            raise LimitError(f"query depth {measure.depth} exceeds the limit of {limits.max_depth}")
        if measure.aliases > limits.max_aliases:
            raise LimitError(f"query uses {measure.aliases} aliases, exceeding the limit of {limits.max_aliases}")
        if measure.fields > limits.max_fields:
            raise LimitError(f"query selects {measure.fields} fields once fragments are expanded, exceeding "
                             f"the limit of {limits.max_fields}")


def check_body_size(size: int, limits: Limits) -> None:
    if size > limits.max_body_bytes:
        raise LimitError(f"request body of {size} bytes exceeds the limit of {limits.max_body_bytes} bytes")


def token_limit_message(limits: Limits) -> str:
    return f"query has more than {limits.max_tokens} tokens, exceeding the limit of {limits.max_tokens}"
