"""The gateway's added latency: the same query straight to the targets service and through the gateway.

Run: .venv/bin/python bench/gateway_latency.py [--repeat 300]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import httpx
from common import machine, mbo_import, started_stack, summary, table, timed

from mbo.generate import generate
from tests.support.stack import PASSWORD

SIMPLE = "{ units { code name } }"
THREE = "{ units { code name staff { staffNo name } assessmentSettings(year: 2026) { passLine } } }"


async def throughput(url: str, token: str, query: str, seconds: float = 3.0, clients: int = 8) -> float:
    done = 0
    deadline = time.perf_counter() + seconds
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                response = await http.post(url, json={"query": query})
                assert response.status_code == 200
                done += 1
        await asyncio.gather(*(worker() for _ in range(clients)))
    return done / seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    stack = started_stack()
    try:
        stack.add_user("bench", "TARGET_OFFICE")
        bundle = Path(tempfile.mkdtemp()) / "bundle"
        generate(bundle, people_per_unit=20, files=("units.csv", "people.csv", "settings.csv"))
        mbo_import(stack, bundle, "bench", PASSWORD)
        with stack.client("bench") as client:
            token = client.token or ""
        headers = {"Authorization": f"Bearer {token}"}
        rows = []
        with httpx.Client(headers=headers, timeout=30) as http:
            targets = f"{stack.service_url('targets')}/graphql"
            gateway = f"{stack.url}/graphql"
            for name, url, query in [("units direct → targets", targets, SIMPLE),
                                     ("units via gateway", gateway, SIMPLE),
                                     ("3 subgraphs via gateway (110 units × 20 staff)", gateway, THREE)]:
                for _ in range(20):
                    http.post(url, json={"query": query})
                samples = timed(lambda url=url, query=query: http.post(url, json={"query": query}).json(),
                                args.repeat)
                p50, p95, _ = summary(samples)
                rps = asyncio.run(throughput(url, token, query))
                rows.append([name, f"{p50:.2f}", f"{p95:.2f}", f"{rps:.0f}"])
        added = float(rows[1][1]) - float(rows[0][1])
        print(table(f"Gateway latency ({args.repeat} sequential requests each; req/s with 8 concurrent clients)"
                    f"\nmachine: {machine()}", ["query", "p50 ms", "p95 ms", "req/s"], rows))
        print(f"\ngateway added p50 for the single-subgraph query: {added:.2f} ms (target ≤ 2 ms)")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
