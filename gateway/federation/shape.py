"""The response the client asked for, projected straight from the merged subgraph data.

The merged data is keyed by response key already (subgraph operations keep the client's aliases; entity
fields are merged back under them), so shaping only has to keep the keys the client selected, in its
order, typed as the API schema says. This walks the operation once per request instead of running
graphql-core's executor over the data (a resolver call, a path and an info object per field).

It answers only what it can answer exactly as graphql-core would: any value that would need an error or
a coercion (a null at a non-null position, an object where a list is due, an Int given as a string, a
subgraph error marker …) raises `NeedsExecutor`, and the executor then shapes with graphql-core, which
reports it the standard way. Operations with `@skip`/`@include` or introspection go there directly.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)

from gateway.federation.planner import CONDITION_DIRECTIVES, Plan

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
INTROSPECTION = frozenset({"__schema", "__type"})


class NeedsExecutor(Exception):
    """The data holds something only graphql-core's executor reports exactly (an error, a coercion)."""


def _string(value: Any) -> Any:
    if value.__class__ is not str:
        raise NeedsExecutor
    return value


def _int(value: Any) -> Any:
    if value.__class__ is not int or not INT_MIN <= value <= INT_MAX:
        raise NeedsExecutor
    return value


def _float(value: Any) -> Any:
    cls = value.__class__
    if cls is float and math.isfinite(value):
        return value
    if cls is int:
        return float(value)
    raise NeedsExecutor


def _boolean(value: Any) -> Any:
    if value.__class__ is not bool:
        raise NeedsExecutor
    return value


def _custom(value: Any) -> Any:
    return value


BUILT_IN: dict[str, Callable[[Any], Any]] = {"String": _string, "ID": _string, "Int": _int, "Float": _float,
                                             "Boolean": _boolean}


def _enum(graphql_type: GraphQLEnumType) -> Callable[[Any], Any]:
    names = frozenset(graphql_type.values)

    def check(value: Any) -> Any:
        if value.__class__ is not str or value not in names:
            raise NeedsExecutor
        return value
    return check


# A field's completion, compiled once per (selection sets, runtime type): the output type unwrapped into
# (non_null, kind, item) steps, where kind is "list", "leaf" or "object".
Completion = tuple[Any, ...]


class Projector:
    """Shapes the merged data of one plan; compiled lazily and kept with the plan."""

    def __init__(self, schema: GraphQLSchema, plan: Plan) -> None:
        self.schema = schema
        self.operation: OperationDefinitionNode = plan.operation
        self.fragments = {d.name.value: d for d in plan.document.definitions
                          if isinstance(d, FragmentDefinitionNode)}
        self.root_type = "Mutation" if plan.operation.operation is OperationType.MUTATION else "Query"
        self._fields: dict[tuple[tuple[int, ...], str], list[tuple[str, Completion | None]]] = {}
        self._leaf_checks: dict[str, Callable[[Any], Any]] = {}

    @staticmethod
    def usable(plan: Plan) -> bool:
        """False for operations the projection leaves to graphql-core: conditions and introspection."""
        stack: list[Any] = [plan.operation.selection_set]
        stack += [d.selection_set for d in plan.document.definitions if isinstance(d, FragmentDefinitionNode)]
        while stack:
            selection_set = stack.pop()
            for sel in selection_set.selections:
                if any(d.name.value in CONDITION_DIRECTIVES for d in sel.directives or ()):
                    return False
                if isinstance(sel, FieldNode):
                    if sel.name.value in INTROSPECTION:
                        return False
                    if sel.selection_set is not None:
                        stack.append(sel.selection_set)
                elif isinstance(sel, InlineFragmentNode):
                    stack.append(sel.selection_set)
        return True

    def project(self, data: dict[str, Any]) -> dict[str, Any]:
        return self._object(data, self.root_type, (self.operation.selection_set,))

    def _object(self, value: dict[str, Any], type_name: str, selection_sets: tuple[SelectionSetNode, ...]
                ) -> dict[str, Any]:
        key = (tuple(map(id, selection_sets)), type_name)
        fields = self._fields.get(key)
        if fields is None:
            fields = self._fields[key] = self._collect(selection_sets, type_name)
        out: dict[str, Any] = {}
        for response_key, completion in fields:
            if completion is None:
                out[response_key] = type_name
            else:
                out[response_key] = self._complete(value.get(response_key), completion)
        return out

    def _complete(self, value: Any, completion: Completion) -> Any:
        non_null, kind, item = completion
        if value is None:
            if non_null:
                raise NeedsExecutor
            return None
        if kind == "leaf":
            return item(value)
        if kind == "list":
            if value.__class__ is not list:
                raise NeedsExecutor
            return [self._complete(v, item) for v in value]
        if value.__class__ is not dict:
            raise NeedsExecutor
        static, abstract, selection_sets = item
        runtime = static
        if abstract:
            runtime = value.get("__typename")
            if runtime.__class__ is not str or not self._is_possible(runtime, static):
                raise NeedsExecutor
        return self._object(value, runtime, selection_sets)

    def _is_possible(self, runtime: str, abstract: str) -> bool:
        graphql_type = self.schema.type_map.get(runtime)
        parent = self.schema.type_map[abstract]
        return (isinstance(graphql_type, GraphQLObjectType)
                and isinstance(parent, GraphQLInterfaceType | GraphQLUnionType)
                and self.schema.is_sub_type(parent, graphql_type))

    def _collect(self, selection_sets: tuple[SelectionSetNode, ...], type_name: str
                 ) -> list[tuple[str, Completion | None]]:
        grouped: dict[str, list[FieldNode]] = {}
        for selection_set in selection_sets:
            self._gather(selection_set, type_name, grouped)
        parent = self.schema.type_map[type_name]
        out: list[tuple[str, Completion | None]] = []
        for response_key, nodes in grouped.items():
            name = nodes[0].name.value
            if name == "__typename":
                out.append((response_key, None))
                continue
            field_def = parent.fields[name]  # type: ignore[union-attr]
            subsets = tuple(n.selection_set for n in nodes if n.selection_set is not None)
            out.append((response_key, self._completion(field_def.type, subsets)))
        return out

    def _gather(self, selection_set: SelectionSetNode, type_name: str, grouped: dict[str, list[FieldNode]]) -> None:
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                grouped.setdefault(sel.alias.value if sel.alias else sel.name.value, []).append(sel)
            elif isinstance(sel, InlineFragmentNode):
                if sel.type_condition is None or self._applies(sel.type_condition.name.value, type_name):
                    self._gather(sel.selection_set, type_name, grouped)
            elif isinstance(sel, FragmentSpreadNode):
                fragment = self.fragments[sel.name.value]
                if self._applies(fragment.type_condition.name.value, type_name):
                    self._gather(fragment.selection_set, type_name, grouped)

    def _applies(self, condition: str, type_name: str) -> bool:
        return condition == type_name or self._is_possible(type_name, condition)

    def _completion(self, graphql_type: GraphQLOutputType, subsets: tuple[SelectionSetNode, ...]) -> Completion:
        non_null = isinstance(graphql_type, GraphQLNonNull)
        inner = graphql_type.of_type if non_null else graphql_type  # type: ignore[union-attr]
        if isinstance(inner, GraphQLList):
            return (non_null, "list", self._completion(inner.of_type, subsets))
        if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
            return (non_null, "leaf", self._leaf_check(inner))
        abstract = not isinstance(inner, GraphQLObjectType)
        return (non_null, "object", (inner.name, abstract, subsets))  # type: ignore[union-attr]

    def _leaf_check(self, graphql_type: GraphQLScalarType | GraphQLEnumType) -> Callable[[Any], Any]:
        check = self._leaf_checks.get(graphql_type.name)
        if check is None:
            if isinstance(graphql_type, GraphQLEnumType):
                check = _enum(graphql_type)
            else:
                check = BUILT_IN.get(graphql_type.name, _custom)
            self._leaf_checks[graphql_type.name] = check
        return check
