"""A sign-in flood against a running stack: 200 concurrent wrong-password sign-ins while a simple query is timed.

Prints the query's p50/p95 while idle and during the flood, how long the flood took and how it was answered,
for two configurations: the default limits (one account: the lockout and the rate limits stop most attempts
before argon2), and the limits lifted with a different account per attempt (every attempt costs an argon2
verification: the worst case for the event loop). Not a test: nothing is asserted.

Run: .venv/bin/python bench/signin_flood.py [--flood 200] [--samples 60]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
from common import machine, percentile, table

from tests.support.stack import RELAXED_RATES, RunningStack

QUERY = {"query": "{ units { code name } }"}


async def timed_queries(url: str, token: str, until: asyncio.Event | None, samples: int) -> list[float]:
    times: list[float] = []
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        while (until is None and len(times) < samples) or (until is not None and not until.is_set()):
            start = time.perf_counter()
            response = await http.post(f"{url}/graphql", json=QUERY)
            assert response.status_code == 200, response.text
            times.append((time.perf_counter() - start) * 1000)
    return times


async def flood(url: str, size: int, one_account: bool) -> tuple[float, Counter[int]]:
    async with httpx.AsyncClient(timeout=300, limits=httpx.Limits(max_connections=size)) as http:
        start = time.perf_counter()
        responses = await asyncio.gather(*(http.post(f"{url}/auth/token", json={
            "username": "victim" if one_account else f"guess{n:04d}", "password": f"Wrong-{n}"}) for n in range(size)))
    return time.perf_counter() - start, Counter(r.status_code for r in responses)


async def measure(url: str, token: str, size: int, samples: int, one_account: bool) -> list[object]:
    idle = await timed_queries(url, token, None, samples)
    done = asyncio.Event()
    sampler = asyncio.create_task(timed_queries(url, token, done, samples))
    await asyncio.sleep(0.05)
    seconds, statuses = await flood(url, size, one_account)
    done.set()
    during = await sampler
    answers = ", ".join(f"{count}×{status}" for status, count in sorted(statuses.items()))
    return [f"{statistics.median(idle):.1f}", f"{statistics.median(during):.1f}", f"{percentile(during, 0.95):.1f}",
            len(during), f"{seconds:.2f}", answers]


def run(size: int, samples: int, relaxed: bool) -> list[object]:
    stack = RunningStack(Path(tempfile.mkdtemp(prefix="mbo-bench-flood-")))
    if not relaxed:
        for name in RELAXED_RATES:
            stack.env.pop(name)
    stack.start()
    try:
        stack.add_user("reader", "LEADER")
        stack.add_user("victim", "LEADER")
        token = stack.session_token("reader")
        label = "limits lifted, 200 accounts" if relaxed else "default limits, one account"
        return [label, *asyncio.run(measure(stack.url, token, size, samples, one_account=not relaxed))]
    finally:
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--flood", type=int, default=200)
    parser.add_argument("--samples", type=int, default=60)
    args = parser.parse_args()
    rows = [run(args.flood, args.samples, relaxed) for relaxed in (False, True)]
    print(table(f"{args.flood} concurrent wrong-password sign-ins vs `{{ units {{ code name }} }}` — {machine()}",
                ["configuration", "idle p50 ms", "flood p50 ms", "flood p95 ms", "queries in flood",
                 "flood s", "sign-in answers"], rows))


if __name__ == "__main__":
    main()
