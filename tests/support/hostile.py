"""Hostile values for every argument of every query and mutation, generated from the schema itself.

The schema is read through the real gateway (introspection), so a field added to any service is fuzzed
without this file changing. Two uses: `operation_values` gives hypothesis strategies (plausible values
mixed with hostile ones) for the property test; `argument_paths` and `plausible` give a deterministic
sweep that puts one hostile value at one argument and expects that argument to be named in the refusal.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from typing import Any

import httpx
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    build_client_schema,
    get_introspection_query,
    get_named_type,
    is_leaf_type,
    is_non_null_type,
    print_type,
)
from hypothesis import strategies as st

CONTROL = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, *range(0x80, 0xA0))]
FIVE_THOUSAND = "A" * 5000
BAD_DATES = ["2026-13-45", "2026-02-30", "0000-01-01", "2026-1-1", "20260101", "abc", "", "2026-06-30T00:00:00"]
BAD_DATETIMES = ["2026-13-45T00:00:00", "2026-02-30T25:61:00", "abc", "", "0001-01-01T00:00:00+14:00",
                 "9999-12-31T23:59:59-14:00", "2026-06-30T00:00:00+99:00"]
BAD_DECIMALS = ["NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "inf", "1e999999", "-1e999999", "1e-999999",
                "9" * 60, "0." + "1" * 40, "12abc", "", " ", "0x10", "1_000", "١٢"]
HUGE_INTS = [2**31, -(2**31) - 1, 2**53, -(2**63), 10**30]
WRONG = [True, 1.5, [], {}, "12", None, "\ud800"]


def read_schema(url: str, token: str) -> GraphQLSchema:
    """The supergraph as the gateway serves it (its introspection answer)."""
    response = httpx.post(f"{url}/graphql", json={"query": get_introspection_query()},
                          headers={"Authorization": f"Bearer {token}"}, timeout=60)
    response.raise_for_status()
    return build_client_schema(response.json()["data"])


@dataclass(frozen=True)
class Operation:
    """One root field as a document taking every argument as a variable of the argument's own type."""

    kind: str  # "query" or "mutation"
    field: str
    arguments: dict[str, GraphQLInputType]
    selection: str

    def document(self, inline: dict[str, Any] | None = None) -> str:
        """The document; arguments in `inline` are written as literals, the rest passed as variables."""
        inline = inline or {}
        declared = [f"${n}: {t}" for n, t in self.arguments.items() if n not in inline]
        head = f"{self.kind} Fuzz({', '.join(declared)})" if declared else f"{self.kind} Fuzz"
        given = [f"{n}: {literal(inline[n], t)}" if n in inline else f"{n}: ${n}" for n, t in self.arguments.items()]
        call = f"{self.field}({', '.join(given)})" if given else self.field
        return f"{head} {{ {call}{self.selection} }}"


def operations(schema: GraphQLSchema) -> list[Operation]:
    found = []
    for kind, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        for name, field in (root.fields if root else {}).items():
            if name.startswith("_"):
                continue
            found.append(Operation(kind, name, {a: arg.type for a, arg in field.args.items()},
                                   selection(field.type)))
    return found


def selection(output: Any, depth: int = 2) -> str:
    """Every argument-free leaf (reading back what was stored) and, one level down, the objects' leaves."""
    named = get_named_type(output)
    if is_leaf_type(named):
        return ""
    if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        return " { __typename }"
    parts = ["__typename"]
    for name, field in named.fields.items():
        if any(is_non_null_type(a.type) for a in field.args.values()):
            continue
        if is_leaf_type(get_named_type(field.type)):
            parts.append(name)
        elif depth > 1:
            parts.append(name + selection(field.type, depth - 1))
    return " { " + " ".join(parts) + " }"


def literal(value: Any, type_: Any = None) -> str:
    """A GraphQL literal of a JSON value; an enum's value as a name, objects without quoted keys."""
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        named = isinstance(type_, GraphQLEnumType) and value in type_.values
        return value if named else json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v, type_) for v in value) + "]"
    if isinstance(value, dict):
        fields = type_.fields if isinstance(type_, GraphQLInputObjectType) else {}
        return "{" + ", ".join(f"{k}: {literal(v, getattr(fields.get(k), 'type', None))}"
                               for k, v in value.items()) + "}"
    raise TypeError(value)


def inlinable(value: Any) -> bool:
    """Whether a value can be written as a GraphQL literal (object keys must be names)."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and k.isidentifier() and k.isascii() and inlinable(v)
                   for k, v in value.items())
    if isinstance(value, list):
        return all(inlinable(v) for v in value)
    if isinstance(value, float):
        return math.isfinite(value)
    return True


# ---- deterministic values -------------------------------------------------------------------------

PLAIN = {"Int": 2026, "Float": 1.0, "Boolean": True, "String": "JA", "ID": "1", "Date": "2026-06-30",
         "DateTime": "2026-06-30T08:00:00+08:00", "Decimal": "1", "JSON": {"row": 2, "code": "JA"}}


def plausible(type_: Any) -> Any:
    """A well-typed value: every required field and nothing else."""
    if isinstance(type_, GraphQLNonNull):
        return plausible(type_.of_type)
    if isinstance(type_, GraphQLList):
        return [plausible(type_.of_type)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        return {n: plausible(f.type) for n, f in type_.fields.items() if is_non_null_type(f.type)}
    return PLAIN.get(type_.name, "x")


def argument_paths(arguments: dict[str, Any]) -> list[tuple[tuple[str | int, ...], GraphQLScalarType]]:
    """Every scalar position below the arguments: (path, scalar), lists entered at index 0."""
    found: list[tuple[tuple[str | int, ...], GraphQLScalarType]] = []

    def walk(path: tuple[str | int, ...], type_: Any, seen: frozenset[str]) -> None:
        if isinstance(type_, GraphQLNonNull):
            walk(path, type_.of_type, seen)
        elif isinstance(type_, GraphQLList):
            walk((*path, 0), type_.of_type, seen)
        elif isinstance(type_, GraphQLInputObjectType):
            if type_.name not in seen:
                for name, field in type_.fields.items():
                    walk((*path, name), field.type, seen | {type_.name})
        elif isinstance(type_, GraphQLScalarType):
            found.append((path, type_))

    for name, type_ in arguments.items():
        walk((name,), type_, frozenset())
    return found


def field_name(path: tuple[str | int, ...]) -> str:
    """The refusal's `extensions.field` for a position: `input.code`, `leaders[0].unavailable[0]`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def with_value(arguments: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    """Plausible values for every argument, `value` put at `path` (containers built on the way)."""
    values = {n: plausible(t) for n, t in arguments.items()}
    container: Any = values
    for part, following in itertools.pairwise(path):
        if isinstance(part, int):
            while len(container) <= part:
                container.append({} if isinstance(following, str) else [])
        elif not isinstance(container.get(part), dict | list):
            container[part] = [] if isinstance(following, int) else {}
        container = container[part]
    last = path[-1]
    if isinstance(last, int):
        container[:] = [value]
    else:
        container[last] = value
    return values


def hostile_scalars(scalar: str) -> list[Any]:
    """Values the named scalar must refuse with BAD_USER_INPUT naming the position."""
    if scalar in ("String", "ID"):
        return ["J\x00A", "A\x1bB", "A\x85B", "x" * 20_000]
    if scalar == "Date":
        return ["2026-13-45", "2026-02-30"]
    if scalar == "DateTime":
        return ["2026-13-45T00:00:00"]
    if scalar == "Decimal":
        return ["NaN", "Infinity", "1e999999"]
    if scalar == "Int":
        return [2**31, -(2**40)]
    if scalar == "JSON":
        return [{"row": 2, "code": "J\x00A"}, nested(300)]
    return []


def nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


# ---- hypothesis strategies ------------------------------------------------------------------------

def _text(plain: list[str]) -> st.SearchStrategy[str]:
    control = st.sampled_from(CONTROL)
    return st.one_of(
        st.sampled_from(plain),
        st.text(max_size=40),
        st.builds(lambda a, c, b: a + c + b, st.text(max_size=8), control, st.text(max_size=8)),
        st.sampled_from([FIVE_THOUSAND, "9" * 5000, "²", "١٢", "JA\t", "甲\n乙", " ", "", "\ud800", "x" * 300]),
    )


TEXT = _text(["JA", "JH", "JA-001", "P-01", "2026-H1", "1", "甲"])
JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                         st.floats(allow_nan=False, allow_infinity=False), TEXT)
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.sampled_from(["row", "code", "name", "kind", "group", "unit_code",
                                                              "staff_no", "year", "score", "value", "key",
                                                              "actual_value", "note", "extra"]), inner, max_size=5),
                           max_leaves=10)
SCALARS: dict[str, st.SearchStrategy[Any]] = {
    "Int": st.one_of(st.sampled_from([2026, 1, 0, -1, 2**31 - 1, -(2**31)]), st.sampled_from(HUGE_INTS),
                     st.integers(min_value=-(2**33), max_value=2**33)),
    "Float": st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers()),
    "Boolean": st.booleans(),
    "String": TEXT,
    "ID": TEXT,
    "Date": st.one_of(st.sampled_from(["2026-06-30", "2026-01-01", "0001-01-01", "9999-12-31", *BAD_DATES]),
                      st.dates().map(str), st.text(max_size=12)),
    "DateTime": st.one_of(st.sampled_from(["2026-06-30T08:00:00+08:00", "2026-01-01T00:00:00",
                                           "2026-06-30T08:00:00Z", *BAD_DATETIMES]),
                          st.datetimes().map(lambda d: d.isoformat()), st.text(max_size=12)),
    "Decimal": st.one_of(st.sampled_from(["1", "0", "-5", "0.5", "100", "12.345678", *BAD_DECIMALS]),
                         st.decimals(allow_nan=True, allow_infinity=True).map(str),
                         st.integers(min_value=-(2**70), max_value=2**70),
                         st.floats(allow_nan=False, allow_infinity=False)),
    "JSON": st.one_of(st.fixed_dictionaries({"row": st.integers(min_value=1, max_value=9)},
                                            optional={"code": TEXT, "name": TEXT, "kind": TEXT, "unit_code": TEXT,
                                                      "staff_no": TEXT, "year": JSON_SCALARS, "value": TEXT,
                                                      "score": TEXT}),
                      JSON_VALUES, st.just(nested(300))),
}


def values_for(type_: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Mostly well-typed values with hostile content; sometimes a value of the wrong shape."""
    wrong = st.sampled_from(WRONG)
    if isinstance(type_, GraphQLNonNull):
        return values_for(type_.of_type, depth)
    if isinstance(type_, GraphQLList):
        item = values_for(type_.of_type, depth + 1)
        return st.one_of(st.lists(item, max_size=3), wrong) if depth < 3 else st.just([])
    if isinstance(type_, GraphQLEnumType):
        return st.one_of(st.sampled_from(list(type_.values)), st.sampled_from(["NOPE", "", 1, "\ud800", "A\x00"]))
    if isinstance(type_, GraphQLInputObjectType):
        if depth >= 3:
            return st.just({})
        required = {n: values_for(f.type, depth + 1) for n, f in type_.fields.items() if is_non_null_type(f.type)}
        optional = {n: values_for(f.type, depth + 1) for n, f in type_.fields.items() if n not in required}
        return st.one_of(st.fixed_dictionaries(required, optional=optional),
                         st.fixed_dictionaries({}, optional={**required, **optional, "nope": TEXT}))
    strategy = SCALARS.get(type_.name, TEXT)
    return st.one_of(strategy, wrong) if type_.name != "JSON" else strategy


def operation_values(operation: Operation) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({n: values_for(t) for n, t in operation.arguments.items()})


def describe(schema: GraphQLSchema, operation: Operation) -> str:
    """The operation's input types, for a failing example's report."""
    names = {get_named_type(t).name for t in operation.arguments.values()}
    return "\n".join(print_type(schema.type_map[n]) for n in sorted(names)
                     if isinstance(schema.type_map[n], GraphQLInputObjectType))
