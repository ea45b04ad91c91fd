from __future__ import annotations

import json
import time
from typing import Any

import aiohttp
import httpx
import pytest

from gateway.federation import FederatedExecutor, Limits, SubgraphSpec, Supergraph, compose
from gateway.federation.transport import AiohttpTransport
from tests.gateway.conftest import dead_url, requests_of
from tests.gateway.toy_subgraphs import FRAGMENTS_QUERY, MUTATION_LOG, PRODUCTS, REVIEWS, USERS


def entity_calls(executor: FederatedExecutor) -> dict[str, int]:
    counts: dict[str, int] = {}
    for subgraph, operation in requests_of(executor):
        if "_entities" in operation:
            counts[subgraph] = counts.get(subgraph, 0) + 1
    return counts


def reviews_of(upc: str) -> list[dict[str, Any]]:
    return [r for r in REVIEWS if r["upc"] == upc]


async def run(executor: FederatedExecutor, query: str, variables: dict[str, Any] | None = None,
              operation_name: str | None = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return await executor.execute(query, variables, operation_name, headers or {})


async def test_query_touching_three_subgraphs_batches_one_entities_call_each(executor: FederatedExecutor) -> None:
    result = await run(executor, "{ products(first: 10) { upc name reviews { body author { name } } } }")
    assert "errors" not in result
    expected = [
        {"upc": p["upc"], "name": p["name"],
         "reviews": [{"body": r["body"], "author": {"name": USERS[r["author"]]["name"]}} for r in reviews_of(p["upc"])]}
        for p in list(PRODUCTS.values())[:10]
    ]
    assert result["data"]["products"] == expected
    assert entity_calls(executor) == {"reviews": 1, "accounts": 1}
    assert len(requests_of(executor)) == 3


async def test_representations_are_deduplicated(supergraph: Supergraph) -> None:
    bodies: list[dict[str, Any]] = []

    async def capture(request: httpx.Request) -> None:
        bodies.append(json.loads(request.content))

    async with httpx.AsyncClient(event_hooks={"request": [capture]}) as client:
        executor = FederatedExecutor(supergraph, client, Limits())
        result = await run(executor, "{ topReviews(first: 12) { author { name } } me { username } "
                                     "users { favoriteProduct { name } } }")
    assert "errors" not in result
    assert [r["author"]["name"] for r in result["data"]["topReviews"]] == [
        USERS[r["author"]]["name"] for r in REVIEWS[:12]]
    entity_bodies = [b for b in bodies if "_entities" in b["query"]]
    by_type = {b["variables"]["representations"][0]["__typename"]: b["variables"]["representations"]
               for b in entity_bodies}
    assert sorted(r["id"] for r in by_type["User"]) == sorted(USERS)
    assert sorted(r["upc"] for r in by_type["Product"]) == sorted({u["favorite"] for u in USERS.values()})
    assert all(set(b["variables"]) == {"representations"} for b in entity_bodies)


async def test_nested_entity_hops_across_three_subgraphs(executor: FederatedExecutor) -> None:
    query = """{ products(first: 4) { upc reviews { id author { name favoriteProduct { name price
                 reviews(first: 1) { body author { username } } } } } } }"""
    result = await run(executor, query)
    assert "errors" not in result

    def product_view(upc: str) -> dict[str, Any]:
        return {"upc": upc, "reviews": [review_view(r) for r in reviews_of(upc)]}

    def review_view(r: dict[str, Any]) -> dict[str, Any]:
        fav = PRODUCTS[USERS[r["author"]]["favorite"]]
        return {"id": r["id"], "author": {"name": USERS[r["author"]]["name"], "favoriteProduct": {
            "name": fav["name"], "price": str(fav["price"]),
            "reviews": [{"body": x["body"], "author": {"username": USERS[x["author"]]["username"]}}
                        for x in reviews_of(fav["upc"])[:1]]}}}

    assert result["data"]["products"] == [product_view(f"p{i}") for i in range(1, 5)]
    assert entity_calls(executor) == {"reviews": 2, "accounts": 2, "shop": 1}


async def test_fragments_named_inline_nested_and_abstract(executor: FederatedExecutor) -> None:
    result = await run(executor, FRAGMENTS_QUERY)
    assert "errors" not in result, result
    data = result["data"]
    first = data["products"][0]
    assert first == {"upc": "p1", "reviewCount": len(reviews_of("p1")), "price": "1.50", "weight": 10,
                     "reviews": [{"id": reviews_of("p1")[0]["id"],
                                  "author": {"name": USERS[reviews_of("p1")[0]["author"]]["name"]}}]}
    assert data["feed"] == [
        {"__typename": "Review", "body": "Review 1", "author": {"username": "user2"}},
        {"__typename": "Product", "upc": "p3", "name": "Product 3"},
        {"__typename": "Review", "body": "Review 2", "author": {"username": "user3"}},
    ]
    assert data["named"] == [
        {"__typename": "User", "name": "User 3",
         "reviews": [{"id": r["id"]} for r in REVIEWS if r["author"] == "u3"]},
        {"__typename": "Team", "name": "Core", "size": 4},
    ]


async def test_aliases_on_key_fields_and_repeated_fields(executor: FederatedExecutor) -> None:
    query = """{
      products(first: 3) {
        upc: name
        code: upc
        one: reviews(first: 1) { id }
        all: reviews { id who: author { id n: name } }
      }
    }"""
    result = await run(executor, query)
    assert "errors" not in result, result
    for i, item in enumerate(result["data"]["products"], start=1):
        reviews = reviews_of(f"p{i}")
        assert item["upc"] == f"Product {i}"
        assert item["code"] == f"p{i}"
        assert item["one"] == [{"id": r["id"]} for r in reviews[:1]]
        assert item["all"] == [{"id": r["id"], "who": {"id": r["author"], "n": USERS[r["author"]]["name"]}}
                               for r in reviews]
        assert list(item) == ["upc", "code", "one", "all"]
    shop_ops = [op for sub, op in requests_of(executor) if sub == "shop"]
    assert "__key_upc: upc" in shop_ops[0]


async def test_variables_defaults_lists_and_input_objects(supergraph: Supergraph) -> None:
    bodies: list[dict[str, Any]] = []

    async def capture(request: httpx.Request) -> None:
        bodies.append(json.loads(request.content))

    query = """query Find($filter: ProductFilter!, $first: Int = 1, $ids: [ID!]) {
      search(filter: $filter) { upc category reviews(first: $first) { id } }
      users(ids: $ids) { id }
    }"""
    variables = {"filter": {"upcs": ["p3", "p1", "p2"], "category": "BOOK", "minPrice": "0"}, "ids": ["u2", "u1"]}
    async with httpx.AsyncClient(event_hooks={"request": [capture]}) as client:
        executor = FederatedExecutor(supergraph, client, Limits())
        result = await run(executor, query, variables, "Find")
    assert "errors" not in result, result
    assert result["data"]["search"] == [{"upc": "p2", "category": "BOOK",
                                         "reviews": [{"id": reviews_of("p2")[0]["id"]}]}]
    assert result["data"]["users"] == [{"id": "u2"}, {"id": "u1"}]
    by_query = {b["query"]: b.get("variables", {}) for b in bodies}
    shop = next(q for q in by_query if "search" in q)
    assert "$filter: ProductFilter!" in shop and "$first" not in shop and "$ids" not in shop
    assert by_query[shop] == {"filter": variables["filter"]}
    entities = next(q for q in by_query if "_entities" in q)
    assert "$first: Int = 1" in entities and "$filter" not in entities
    accounts = next(q for q in by_query if "users" in q)
    assert by_query[accounts] == {"ids": ["u2", "u1"]}


async def test_bad_variables_are_refused(executor: FederatedExecutor) -> None:
    result = await run(executor, "query($n: Int!) { products(first: $n) { upc } }", {"n": "many"})
    assert "data" not in result
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert not requests_of(executor)


async def test_typename_everywhere(executor: FederatedExecutor) -> None:
    result = await run(executor, """{ __typename t: __typename me { __typename reviews { __typename
        product { __typename name } } } }""")
    assert "errors" not in result, result
    data = result["data"]
    assert data["__typename"] == "Query" and data["t"] == "Query"
    assert data["me"]["__typename"] == "User"
    assert all(r["__typename"] == "Review" and r["product"]["__typename"] == "Product"
               for r in data["me"]["reviews"])
    assert data["me"]["reviews"][0]["product"]["name"] == PRODUCTS[
        next(r for r in REVIEWS if r["author"] == "u1")["upc"]]["name"]


async def test_list_order_is_preserved(executor: FederatedExecutor) -> None:
    result = await run(executor, "{ products(first: 60) { upc reviewCount } }")
    assert [p["upc"] for p in result["data"]["products"]] == [f"p{i}" for i in range(1, 61)]
    assert [p["reviewCount"] for p in result["data"]["products"]] == [
        len(reviews_of(f"p{i}")) for i in range(1, 61)]


async def test_skip_and_include(executor: FederatedExecutor) -> None:
    query = """query($withReviews: Boolean!, $skipName: Boolean = true) {
      products(first: 2) {
        upc
        name @skip(if: $skipName)
        ... @include(if: $withReviews) { reviewCount }
        ...Extra @include(if: $withReviews)
      }
    }
    fragment Extra on Product { reviews(first: 1) { id } }"""
    without = await run(executor, query, {"withReviews": False})
    assert without == {"data": {"products": [{"upc": "p1"}, {"upc": "p2"}]}}
    with_reviews = await run(executor, query, {"withReviews": True, "skipName": False})
    assert with_reviews["data"]["products"][1] == {
        "upc": "p2", "name": "Product 2", "reviewCount": len(reviews_of("p2")),
        "reviews": [{"id": reviews_of("p2")[0]["id"]}]}


async def test_nullable_error_keeps_path(executor: FederatedExecutor) -> None:
    result = await run(executor, "{ me { name secret } }")
    assert result["data"] == {"me": {"name": "User 1", "secret": None}}
    assert result["errors"] == [{"message": "secret of u1 is hidden", "path": ["me", "secret"]}]


async def test_non_null_error_propagates_to_nullable_parent(executor: FederatedExecutor) -> None:
    result = await run(executor, '{ user(id: "u2") { name mustHave } version }')
    assert result["data"] == {"user": None, "version": "accounts-1"}
    assert result["errors"] == [{"message": "u2 has no mustHave", "path": ["user", "mustHave"]}]


async def test_errors_inside_entities_are_rerooted(executor: FederatedExecutor) -> None:
    result = await run(executor, "{ topReviews(first: 3) { id author { id secret } } }")
    assert [r["author"]["secret"] for r in result["data"]["topReviews"]] == [None, None, None]
    assert sorted(e["path"][1] for e in result["errors"]) == [0, 1, 2]
    assert result["errors"][0] == {"message": "secret of u2 is hidden",
                                   "path": ["topReviews", 0, "author", "secret"]}


async def test_non_null_error_inside_entities_propagates(executor: FederatedExecutor) -> None:
    result = await run(executor, "{ topReviews(first: 3) { id author { name mustHave } } version }")
    assert result == {"data": None, "errors": [
        {"message": "u2 has no mustHave", "path": ["topReviews", 0, "author", "mustHave"]}]}
    nullable_parent = await run(executor, '{ product(upc: "p2") { upc brokenReviews } '
                                          'p3: product(upc: "p3") { brokenReviews } }')
    assert nullable_parent["data"] == {"product": None, "p3": {"brokenReviews": ["fine"]}}
    assert nullable_parent["errors"] == [{"message": "reviews of p2 are broken",
                                          "path": ["product", "brokenReviews"]}]


async def test_subgraph_down_gives_partial_data(specs: list[SubgraphSpec], http_client: httpx.AsyncClient) -> None:
    broken = [SubgraphSpec(s.name, dead_url(), s.sdl) if s.name == "accounts" else s for s in specs]
    executor = FederatedExecutor(compose(broken), http_client, Limits())
    result = await run(executor, "{ products(first: 2) { upc reviews { body author { username } } } me { name } }")
    data = result["data"]
    assert data["me"] is None
    assert [p["upc"] for p in data["products"]] == ["p1", "p2"]
    assert data["products"][0]["reviews"][0]["author"] == {"username": None}
    assert data["products"][0]["reviews"][0]["body"] == reviews_of("p1")[0]["body"]
    codes = {e["extensions"]["code"] for e in result["errors"]}
    assert codes == {"SUBGRAPH_UNAVAILABLE"}
    assert all("'accounts'" in e["message"] for e in result["errors"])
    assert {tuple(e["path"])[:1] for e in result["errors"]} == {("me",), ("products",)}


async def test_subgraph_timeout(supergraph: Supergraph, http_client: httpx.AsyncClient) -> None:
    executor = FederatedExecutor(supergraph, http_client, Limits(subgraph_timeout=0.3))
    started = time.perf_counter()
    result = await run(executor, "{ slow(seconds: 2) products(first: 1) { upc } }")
    assert time.perf_counter() - started < 1.5
    assert result["data"] == {"slow": None, "products": [{"upc": "p1"}]}
    assert result["errors"][0]["extensions"]["code"] == "SUBGRAPH_UNAVAILABLE"
    assert result["errors"][0]["path"] == ["slow"]


async def test_aiohttp_transport_answers_times_out_and_reports_a_dead_subgraph(supergraph: Supergraph) -> None:
    async with aiohttp.ClientSession() as session:
        executor = FederatedExecutor(supergraph, AiohttpTransport(session), Limits(subgraph_timeout=0.3))
        answered = await run(executor, "{ products(first: 2) { upc reviews { author { username } } } }")
        assert "errors" not in answered and [p["upc"] for p in answered["data"]["products"]] == ["p1", "p2"]
        slow = await run(executor, "{ slow(seconds: 2) products(first: 1) { upc } }")
        assert slow["data"] == {"slow": None, "products": [{"upc": "p1"}]}
        assert "no answer within 0.3 s" in slow["errors"][0]["message"]
        specs = [SubgraphSpec(name, dead_url() if name == "accounts" else spec.url, spec.sdl)
                 for name, spec in supergraph.subgraphs.items()]
        dead = FederatedExecutor(compose(specs), AiohttpTransport(session), Limits())
        refused = await run(dead, "{ me { name } products(first: 1) { upc } }")
        assert refused["data"] == {"me": None, "products": [{"upc": "p1"}]}
        assert refused["errors"][0]["extensions"]["code"] == "SUBGRAPH_UNAVAILABLE"


async def test_unauthenticated_subgraph_errors_are_kept(executor: FederatedExecutor) -> None:
    result = await run(executor, "{ me { name } products(first: 1) { upc } }", headers={"X-Deny": "accounts"})
    assert result["data"] == {"me": None, "products": [{"upc": "p1"}]}
    assert result["errors"] == [{"message": "accounts: not authenticated", "path": ["me"],
                                 "extensions": {"code": "UNAUTHENTICATED"}}]


async def test_headers_are_forwarded(executor: FederatedExecutor) -> None:
    headers = {"Authorization": "Bearer token-1", "X-Request-ID": "req-42"}
    result = await run(executor, '{ a: echoHeader(name: "authorization") r: echoHeader(name: "x-request-id") }',
                       headers=headers)
    assert result == {"data": {"a": "Bearer token-1", "r": "req-42"}}


async def test_introspection_is_local_and_clean(executor: FederatedExecutor) -> None:
    result = await run(executor, "{ __schema { types { name } queryType { fields { name } } } }")
    names = {t["name"] for t in result["data"]["__schema"]["types"]}
    assert {"Product", "Review", "User", "Decimal"} <= names
    assert not names & {"_Entity", "_Service", "_Any"}
    fields = {f["name"] for f in result["data"]["__schema"]["queryType"]["fields"]}
    assert "_entities" not in fields and "_service" not in fields
    assert not requests_of(executor)
    mixed = await run(executor, '{ __type(name: "Product") { name } product(upc: "p1") { name } }')
    assert mixed == {"data": {"__type": {"name": "Product"}, "product": {"name": "Product 1"}}}


async def test_full_introspection_query_is_allowed(executor: FederatedExecutor) -> None:
    """The standard introspection query (as GraphiQL sends it) fits the default depth limit."""
    from graphql import get_introspection_query

    result = await run(executor, get_introspection_query(descriptions=True))
    assert "errors" not in result
    assert result["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_request_errors(executor: FederatedExecutor) -> None:
    unknown = await run(executor, "{ products { upc nope } }")
    assert "data" not in unknown
    assert unknown["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "nope" in unknown["errors"][0]["message"]
    broken = await run(executor, "{ products { upc ")
    assert "data" not in broken
    assert broken["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    missing = await run(executor, "query A { version } query B { version }", operation_name="C")
    assert missing["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert not requests_of(executor)


async def test_operation_name_selects_operation(executor: FederatedExecutor) -> None:
    document = 'query A { product(upc: "p1") { name } } query B { me { name } }'
    assert await run(executor, document, operation_name="B") == {"data": {"me": {"name": "User 1"}}}
    assert await run(executor, document, operation_name="A") == {"data": {"product": {"name": "Product 1"}}}


async def test_mutations_run_in_document_order(executor: FederatedExecutor) -> None:
    MUTATION_LOG.clear()
    result = await run(executor, """mutation {
      a: logShop(message: "1") b: logAccounts(message: "2") c: logShop(message: "3")
      d: logReviews(message: "4") e: logReviews(message: "5")
      renamed: renameUser(id: "u5", name: "Renamed") { name reviews { id } }
    }""")
    assert "errors" not in result, result
    assert MUTATION_LOG == ["shop:1", "accounts:2", "shop:3", "reviews:4", "reviews:5", "accounts:u5"]
    data = result["data"]
    assert [data[k] for k in "abcde"] == [1, 2, 3, 4, 5]
    assert data["renamed"] == {"name": "Renamed", "reviews": [{"id": r["id"]} for r in REVIEWS
                                                             if r["author"] == "u5"]}
    assert [sub for sub, _ in requests_of(executor)] == ["shop", "accounts", "shop", "reviews", "accounts",
                                                             "reviews"]


async def test_plan_cache_hits(executor: FederatedExecutor) -> None:
    query = "{ products(first: 2) { upc reviews { id } } }"
    first = await run(executor, query)
    misses = executor.plan_cache_misses
    second = await run(executor, query)
    assert first == second
    assert executor.plan_cache_hits == 1
    assert executor.plan_cache_misses == misses
    await run(executor, query, operation_name=None)
    assert executor.plan_cache_hits == 2
    executor.reset_stats()
    assert executor.plan_cache_hits == 0


async def test_single_subgraph_query_passes_through(executor: FederatedExecutor) -> None:
    query = "{ products(first: 3) { upc name price weight category } }"
    plan = executor.prepare(query, None)
    assert getattr(plan, "passthrough", False)
    result = await run(executor, query)
    assert result["data"]["products"][2] == {"upc": "p3", "name": "Product 3", "price": "3.50", "weight": None,
                                             "category": "GAME"}


async def test_unexpected_failure_becomes_internal_error(executor: FederatedExecutor,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from gateway.federation import executor as executor_module

    def explode(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("boom with secrets")

    monkeypatch.setattr(executor_module._Run, "_shape", explode)
    monkeypatch.setattr(executor_module.Projector, "project", explode)
    for query in ("{ products(first: 1) { upc reviews { id } } }", "{ __schema { queryType { name } } }"):
        result = await run(executor, query)
        assert result == {"errors": [{"message": "internal error", "extensions": {"code": "INTERNAL"}}]}


async def test_concurrent_requests_do_not_interfere(executor: FederatedExecutor) -> None:
    import asyncio

    queries = ["{ products(first: 5) { upc reviews { author { name } } } }", "{ me { name reviews { id } } }",
               '{ user(id: "u2") { name mustHave } }']
    expected = [await run(executor, q) for q in queries]
    results = await asyncio.gather(*(run(executor, queries[i % 3]) for i in range(30)))
    assert all(result == expected[i % 3] for i, result in enumerate(results))


def test_interface_field_from_another_subgraph_is_planned_per_concrete_type() -> None:
    from graphql import get_operation_ast, parse

    link = 'schema @link(url: "https://specs.apollo.dev/federation/v2.11", import: ["@key"]) { query: Query }\n'
    sg = compose([
        SubgraphSpec("a", "http://a", link + 'type Query { nodes: [Node!]! } interface Node { id: ID! } '
                     'type Thing implements Node @key(fields: "id") { id: ID! size: Int } '
                     'type Other implements Node @key(fields: "id") { id: ID! }'),
        SubgraphSpec("b", "http://b", link + 'type Query { b: Int } interface Node { id: ID! label: String } '
                     'type Thing implements Node @key(fields: "id") { id: ID! label: String } '
                     'type Other implements Node @key(fields: "id") { id: ID! label: String }'),
    ])
    executor = FederatedExecutor(sg, httpx.AsyncClient(), Limits())
    document = parse("{ nodes { id label ... on Thing { size } } }")
    plan = executor.planner.plan(document, get_operation_ast(document))
    [phase] = plan.phases
    assert [r.subgraph for r in phase.roots] == ["a"]
    assert "label" not in phase.roots[0].operation and "__typename" in phase.roots[0].operation
    [[fetch]] = phase.steps
    assert fetch.subgraph == "b"
    assert sorted(n.type_name for n in fetch.nodes) == ["Other", "Thing"]


async def test_a_mutation_forwards_each_variable_as_the_bytes_it_came_as(supergraph: Supergraph) -> None:
    raw: list[bytes] = []

    async def capture(request: httpx.Request) -> None:
        raw.append(request.content)

    document = """mutation Log($a: String!, $b: String!) {
      one: logShop(message: $a) two: logReviews(message: $b) three: logShop(message: $b)
    }"""
    variables = {"a": "é\n", "b": "x", "unused": 7}
    texts = {"a": memoryview(b'"\\u00e9\\n"'), "b": memoryview(b' "x" '), "unused": memoryview(b"7")}
    MUTATION_LOG.clear()
    async with httpx.AsyncClient(event_hooks={"request": [capture]}) as client:
        executor = FederatedExecutor(supergraph, client, Limits())
        result = await executor.execute(document, variables, "Log", {}, variable_texts=texts)
        assert "errors" not in result, result
        assert MUTATION_LOG == ["shop:é\n", "reviews:x", "shop:x"]
        assert [json.loads(body)["variables"] for body in raw] == [{"a": "é\n"}, {"b": "x"}, {"b": "x"}]
        assert b'"variables":{"a":"\\u00e9\\n"}' in raw[0]  # the text as sent, not encoded again
        assert b'"variables":{"b": "x" }' in raw[1]
        raw.clear()
        query = "query Q($n: Int!) { products(first: $n) { upc } }"  # a read is encoded (in-flight sharing)
        result = await executor.execute(query, {"n": 1}, "Q", {}, variable_texts={"n": memoryview(b" 1 ")})
        assert result == {"data": {"products": [{"upc": "p1"}]}}
        assert json.loads(raw[0])["variables"] == {"n": 1} and b" 1 " not in raw[0]
