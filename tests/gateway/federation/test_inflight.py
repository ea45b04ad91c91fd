"""Identical reads in flight at once share one subgraph request; different callers and mutations never do."""

from __future__ import annotations

import asyncio

import httpx

from gateway.federation import FederatedExecutor, Limits, Supergraph
from tests.gateway.conftest import recording_executor, requests_of
from tests.gateway.toy_subgraphs import MUTATION_LOG

SLOW = '{ slow(seconds: 0.3) a: echoHeader(name: "authorization") }'


async def together(executor: FederatedExecutor, query: str, headers: list[dict[str, str]]) -> list[dict]:
    return list(await asyncio.gather(*(executor.execute(query, None, None, h) for h in headers)))


async def test_identical_reads_of_one_caller_share_a_request(executor: FederatedExecutor) -> None:
    headers = [{"Authorization": "Bearer one", "X-Request-ID": f"req-{n}"} for n in range(5)]
    answers = await together(executor, SLOW, headers)
    assert answers == [{"data": {"slow": "slow", "a": "Bearer one"}}] * 5
    assert len(requests_of(executor)) == 1 and executor.inflight.shared == 4
    assert len(executor.inflight) == 0
    await together(executor, SLOW, headers[:1])
    assert len(requests_of(executor)) == 2  # nothing in flight any more: a new request


async def test_callers_with_different_tokens_do_not_share(executor: FederatedExecutor) -> None:
    answers = await together(executor, SLOW, [{"Authorization": "Bearer one"}, {"Authorization": "Bearer two"}])
    assert [a["data"]["a"] for a in answers] == ["Bearer one", "Bearer two"]
    assert len(requests_of(executor)) == 2 and executor.inflight.shared == 0


async def test_entity_fetches_share_too(executor: FederatedExecutor) -> None:
    query = "{ products(first: 5) { upc reviews { author { name } } } }"
    answers = await together(executor, query, [{}] * 4)
    assert all(a == answers[0] and "errors" not in a for a in answers)
    assert len(requests_of(executor)) < 12


async def test_mutations_never_share(executor: FederatedExecutor) -> None:
    MUTATION_LOG.clear()
    await together(executor, 'mutation { logShop(message: "same") }', [{}] * 3)
    assert MUTATION_LOG == ["shop:same"] * 3
    assert len(requests_of(executor)) == 3 and executor.inflight.shared == 0


async def test_a_failure_reaches_every_caller_sharing_it(supergraph: Supergraph,
                                                        http_client: httpx.AsyncClient) -> None:
    executor = recording_executor(supergraph, http_client, Limits(subgraph_timeout=0.1))
    answers = await together(executor, "{ slow(seconds: 1) }", [{}] * 3)
    for answer in answers:
        assert answer["data"] == {"slow": None}
        assert answer["errors"][0]["extensions"]["code"] == "SUBGRAPH_UNAVAILABLE"
    assert len(requests_of(executor)) == 1 and len(executor.inflight) == 0


async def test_a_cancelled_first_caller_leaves_the_others_their_answer(executor: FederatedExecutor) -> None:
    first = asyncio.ensure_future(executor.execute(SLOW, None, None, {}))
    await asyncio.sleep(0.05)
    second = asyncio.ensure_future(executor.execute(SLOW, None, None, {}))
    await asyncio.sleep(0.05)
    first.cancel()
    assert (await second) == {"data": {"slow": "slow", "a": None}}
    assert len(requests_of(executor)) == 2
