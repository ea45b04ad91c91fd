"""The projection answers exactly what graphql-core's executor answers over the same merged data, and
leaves to graphql-core whatever needs an error or a coercion."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from gateway.federation import FederatedExecutor, Limits, Supergraph
from gateway.federation import executor as executor_module
from gateway.federation.shape import NeedsExecutor, Projector
from tests.gateway.conftest import recording_executor
from tests.gateway.toy_subgraphs import FRAGMENTS_QUERY, MUTATION_LOG

FEDERATED = [
    "{ products(first: 10) { upc name reviews { body author { name } } } }",
    "{ topReviews(first: 12) { author { name } } me { username } users { favoriteProduct { name } } }",
    """{ products(first: 4) { upc reviews { id author { name favoriteProduct { name price
         reviews(first: 1) { body author { username } } } } } } }""",
    FRAGMENTS_QUERY,
    """{ products(first: 3) { upc: name code: upc one: reviews(first: 1) { id }
         all: reviews { id who: author { id n: name } } all: reviews { body } } }""",
    "{ __typename t: __typename me { __typename reviews { __typename product { __typename name } } } }",
    "{ products(first: 60) { upc reviewCount weight category price } }",
    """mutation { a: logShop(message: "1") renamed: renameUser(id: "u4", name: "Renamed")
         { name reviews { id } } }""",
]


def shaped_by(executor: FederatedExecutor, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records which shaping answered: 'projection' or 'graphql-core'."""
    used: list[str] = []
    project, shape = Projector.project, executor_module._Run._shape

    def projected(self: Projector, data: dict[str, Any]) -> dict[str, Any]:
        out = project(self, data)
        used.append("projection")
        return out

    def executed(self: Any) -> dict[str, Any]:
        used.append("graphql-core")
        return shape(self)

    monkeypatch.setattr(Projector, "project", projected)
    monkeypatch.setattr(executor_module._Run, "_shape", executed)
    return used


@pytest.mark.parametrize("query", FEDERATED)
async def test_projection_answers_as_graphql_core(query: str, supergraph: Supergraph, http_client: httpx.AsyncClient,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    used = shaped_by(recording_executor(supergraph, http_client, Limits()), monkeypatch)
    MUTATION_LOG.clear()
    fast = await recording_executor(supergraph, http_client, Limits()).execute(query, None, None, {})
    assert used == ["projection"] and "errors" not in fast, fast
    monkeypatch.setattr(Projector, "usable", staticmethod(lambda _plan: False))
    MUTATION_LOG.clear()
    slow = await recording_executor(supergraph, http_client, Limits()).execute(query, None, None, {})
    assert used == ["projection", "graphql-core"]
    assert fast == slow
    assert list(fast["data"]) == list(slow["data"])


async def test_errors_and_conditions_are_left_to_graphql_core(supergraph: Supergraph,
                                                              http_client: httpx.AsyncClient,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    executor = recording_executor(supergraph, http_client, Limits())
    used = shaped_by(executor, monkeypatch)
    errored = await executor.execute("{ topReviews(first: 3) { id author { name mustHave } } }", None, None, {})
    assert errored["errors"][0]["path"] == ["topReviews", 0, "author", "mustHave"]
    conditional = await executor.execute("query($r: Boolean!) { products(first: 2) { upc reviews @include(if: $r) "
                                         "{ id } } }", {"r": False}, None, {})
    assert conditional == {"data": {"products": [{"upc": "p1"}, {"upc": "p2"}]}}
    assert used == ["graphql-core", "graphql-core"]


def test_values_needing_coercion_or_an_error_go_to_graphql_core(supergraph: Supergraph) -> None:
    executor = FederatedExecutor(supergraph, httpx.AsyncClient(), Limits())
    plan = executor.prepare("{ products(first: 1) { upc name weight category price reviews { id } } }", None)
    projector = Projector(supergraph.api_schema, plan)  # type: ignore[arg-type]
    good = {"upc": "p1", "name": "n", "weight": 3, "category": "BOOK", "price": "1.50", "reviews": []}
    assert projector.project({"products": [good]}) == {"products": [good]}
    for bad in ({"weight": "3"}, {"weight": 2**31}, {"category": "TOY"}, {"name": None}, {"reviews": {}},
                {"upc": 7}, {"reviews": [None]}):
        with pytest.raises(NeedsExecutor):
            projector.project({"products": [{**good, **bad}]})
