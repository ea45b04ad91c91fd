"""At most N requests in flight per subgraph; the rest wait in arrival order, and the wait counts toward the
fetch's timeout."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from gateway.federation import FederatedExecutor, Limits, Supergraph
from gateway.federation.admission import Admission
from gateway.federation.transport import SubgraphUnreachable
from tests.gateway.conftest import recording_executor


class SlowTransport:
    """Answers after `seconds`, recording how many requests were inside at once and the order they got in."""

    def __init__(self, seconds: float = 0.05) -> None:
        self.seconds = seconds
        self.inside = 0
        self.most_inside = 0
        self.order: list[bytes] = []
        self.timeouts: list[float] = []

    async def post(self, url: str, body: bytes, headers: dict[str, str], seconds: float) -> tuple[int, bytes]:
        self.inside += 1
        self.most_inside = max(self.most_inside, self.inside)
        self.order.append(body)
        self.timeouts.append(seconds)
        try:
            await asyncio.sleep(self.seconds)
            return 200, body
        finally:
            self.inside -= 1


async def test_at_most_the_limit_is_in_flight_per_subgraph_and_the_rest_go_in_arrival_order() -> None:
    inner = SlowTransport()
    admission = Admission(inner, limit=3)
    bodies = [str(n).encode() for n in range(12)]
    answers = await asyncio.gather(*(admission.post("http://a/graphql", b, {}, 10) for b in bodies))
    assert [body for _, body in answers] == bodies
    assert inner.most_inside == 3
    assert inner.order == bodies  # first come, first served
    assert admission.queued["http://a/graphql"] == 9 and admission.waiting["http://a/graphql"] == 0
    assert admission.queued_seconds["http://a/graphql"] > 0


async def test_each_subgraph_has_its_own_places() -> None:
    inner = SlowTransport()
    admission = Admission(inner, limit=2)
    await asyncio.gather(*(admission.post(f"http://{host}/graphql", b"q", {}, 10)
                           for host in ("a", "b", "c") for _ in range(2)))
    assert inner.most_inside == 6  # two each, none waited for another subgraph
    assert sum(admission.queued.values()) == 0


async def test_the_wait_counts_toward_the_timeout() -> None:
    inner = SlowTransport(seconds=0.3)
    admission = Admission(inner, limit=1)
    first = asyncio.create_task(admission.post("http://a/graphql", b"1", {}, 10))
    await asyncio.sleep(0.01)
    with pytest.raises(SubgraphUnreachable) as refused:
        await admission.post("http://a/graphql", b"2", {}, 0.1)  # the place is not free within 0.1 s
    assert refused.value.timed_out
    assert await first == (200, b"1")
    second = asyncio.create_task(admission.post("http://a/graphql", b"3", {}, 10))
    await asyncio.sleep(0.05)
    third = admission.post("http://a/graphql", b"4", {}, 1.0)
    assert await third == (200, b"4")
    await second
    assert inner.timeouts[-1] < 1.0  # what is left of the timeout after the wait goes on to the subgraph
    assert admission.waiting["http://a/graphql"] == 0


async def test_a_cancelled_waiter_gives_up_its_turn_and_no_place_is_lost() -> None:
    inner = SlowTransport(seconds=0.1)
    admission = Admission(inner, limit=1)
    first = asyncio.create_task(admission.post("http://a/graphql", b"1", {}, 10))
    gone = asyncio.create_task(admission.post("http://a/graphql", b"2", {}, 10))
    await asyncio.sleep(0.01)
    gone.cancel()
    await first
    assert await admission.post("http://a/graphql", b"3", {}, 10) == (200, b"3")
    assert inner.order == [b"1", b"3"]


async def test_no_limit_lets_everything_through() -> None:
    inner = SlowTransport()
    admission = Admission(inner, limit=0)
    await asyncio.gather(*(admission.post("http://a/graphql", b"q", {}, 10) for _ in range(20)))
    assert inner.most_inside == 20


async def test_the_executor_queues_a_subgraphs_fetches_behind_its_limit(supergraph: Supergraph,
                                                                        http_client: httpx.AsyncClient) -> None:
    executor: FederatedExecutor = recording_executor(supergraph, http_client, Limits(subgraph_concurrency=1))
    headers = [{"Authorization": f"Bearer caller-{n}"} for n in range(3)]  # distinct callers: nothing shared
    answers = await asyncio.gather(*(executor.execute("{ slow(seconds: 0.2) }", None, None, h) for h in headers))
    assert answers == [{"data": {"slow": "slow"}}] * 3
    assert sum(executor.admission.queued.values()) == 2
