from __future__ import annotations

import httpx
import pytest
from graphql import get_introspection_query, parse

from gateway.federation import FederatedExecutor, LimitError, Limits, Supergraph, check_limits
from tests.gateway.conftest import recording_executor, requests_of


def nested(depth: int) -> str:
    names = ["products"] + [("reviews", "product")[i % 2] for i in range(depth - 2)] + ["upc"]
    query = names[-1]
    for name in reversed(names[:-1]):
        query = f"{name} {{ {query} }}"
    return f"{{ {query} }}"


def depth_of(query: str) -> int:
    for depth in range(1, 1000):
        try:
            check_limits(parse(query), Limits(max_depth=depth))
            return depth
        except LimitError:
            continue
    raise AssertionError("unreachable")


def test_depth_counts_nested_fields() -> None:
    assert depth_of(nested(7)) == 7
    assert depth_of("{ version }") == 1
    assert depth_of("{ products { upc } }") == 2
    assert depth_of("{ __typename products { __typename upc } }") == 2


def test_depth_limit_expands_fragments() -> None:
    query = """{ products { ...A } }
      fragment A on Product { reviews { ...B } }
      fragment B on Review { product { reviews { product { reviews { product { reviews { product {
        reviews { product { reviews { product { upc } } } } } } } } } } } }"""
    with pytest.raises(LimitError) as raised:
        check_limits(parse(query), Limits(max_depth=12))
    assert raised.value.message == "query depth 14 exceeds the limit of 12"


def test_alias_limit() -> None:
    aliases = " ".join(f"a{i}: version" for i in range(31))
    with pytest.raises(LimitError, match="query uses 31 aliases, exceeding the limit of 30"):
        check_limits(parse(f"{{ {aliases} }}"), Limits())
    check_limits(parse("{ " + " ".join(f"a{i}: version" for i in range(30)) + " }"), Limits())


def test_aliases_in_repeated_fragments_count_each_time() -> None:
    query = "{ a: products { ...F } b: products { ...F } } fragment F on Product { " + " ".join(
        f"n{i}: name" for i in range(15)) + " }"
    with pytest.raises(LimitError, match="32 aliases"):
        check_limits(parse(query), Limits())


def test_fragment_bomb_is_refused_quickly() -> None:
    fragments = ["fragment F0 on Product { upc name }"]
    for i in range(1, 25):
        fragments.append(f"fragment F{i} on Product {{ ...F{i - 1} ...F{i - 1} }}")
    query = "{ products { ...F24 } } " + " ".join(fragments)
    with pytest.raises(LimitError, match="fields once fragments are expanded"):
        check_limits(parse(query), Limits(max_tokens=10_000))


def test_introspection_counts_towards_the_depth_limit() -> None:
    standard = parse(get_introspection_query(descriptions=True))  # nine `ofType` levels, as GraphiQL sends
    check_limits(standard, Limits())
    assert depth_of(get_introspection_query(descriptions=True)) == 15
    with pytest.raises(LimitError) as raised:
        check_limits(standard, Limits(max_depth=12))
    assert raised.value.message == "query depth 15 exceeds the limit of 12"
    inner = "name"
    for _ in range(14):
        inner = f"ofType {{ {inner} }}"
    assert depth_of(f"{{ __type(name: \"Product\") {{ {inner} }} }}") == 16
    assert depth_of(f"query Q {{ ...F }} fragment F on Query {{ __schema {{ queryType {{ {inner} }} }} }}") == 17
    with pytest.raises(LimitError, match="query depth 16 exceeds the limit of 15"):
        check_limits(parse(f"{{ __type(name: \"Product\") {{ {inner} }} }}"), Limits())


@pytest.fixture
def limited(supergraph: Supergraph, http_client: httpx.AsyncClient) -> FederatedExecutor:
    return recording_executor(supergraph, http_client, Limits(max_depth=4, max_aliases=2, max_tokens=60,
                                                             max_body_bytes=1000))


async def refusal(executor: FederatedExecutor, query: str) -> str:
    result = await executor.execute(query, None, None, {})
    assert "data" not in result
    [error] = result["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert not requests_of(executor)
    return error["message"]


async def test_executor_refuses_deep_queries(limited: FederatedExecutor) -> None:
    assert await refusal(limited, nested(6)) == "query depth 6 exceeds the limit of 4"


async def test_executor_refuses_deep_introspection(limited: FederatedExecutor) -> None:
    assert await refusal(limited, "{ __schema { types { fields { type { name } } } } }") == (
        "query depth 5 exceeds the limit of 4")
    answered = await limited.execute("{ __schema { types { fields { name } } } }", None, None, {})
    assert "errors" not in answered and answered["data"]["__schema"]["types"]


async def test_introspection_lists_nested_too_deep_are_refused(executor: FederatedExecutor) -> None:
    """Within the depth limit, graphql-core's introspection depth rule still refuses lists nested more than
    three deep, whose answer would grow exponentially with the schema."""
    query = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
    result = await executor.execute(query, None, None, {})
    assert "data" not in result
    assert result["errors"][0]["message"] == "Maximum introspection depth exceeded"
    assert result["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_executor_refuses_alias_heavy_queries(limited: FederatedExecutor) -> None:
    assert await refusal(limited, "{ a: version b: version c: version }") == (
        "query uses 3 aliases, exceeding the limit of 2")


async def test_executor_refuses_long_queries(limited: FederatedExecutor) -> None:
    query = "{ " + " ".join(["version"] * 70) + " }"
    assert await refusal(limited, query) == "query has more than 60 tokens, exceeding the limit of 60"


async def test_executor_refuses_large_bodies(limited: FederatedExecutor) -> None:
    query = "{ version }" + " " * 1000
    assert await refusal(limited, query) == "request body of 1011 bytes exceeds the limit of 1000 bytes"


async def test_queries_within_limits_pass(limited: FederatedExecutor) -> None:
    result = await limited.execute(nested(4), None, None, {})
    assert "errors" not in result
