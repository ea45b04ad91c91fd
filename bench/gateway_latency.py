"""The gateway's added latency: the same query straight to the targets service and through the gateway.

Run: .venv/bin/python bench/gateway_latency.py [--repeat 300]
"""

from __future__ import annotations

import argparse
import asyncio

import httpx
from common import access_token, imported_stack, machine, summary, table, throughput, timed

SIMPLE = "{ units { code name } }"
THREE = "{ units { code name staff { staffNo name } assessmentSettings(year: 2026) { passLine } } }"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    stack = imported_stack(("units.csv", "people.csv", "settings.csv"))
    try:
        token = access_token(stack)
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
                rps = asyncio.run(throughput(url, token, query, 3.0))
                rows.append([name, f"{p50:.2f}", f"{p95:.2f}", f"{rps:.0f}"])
        added = float(rows[1][1]) - float(rows[0][1])
        print(table(f"Gateway latency ({args.repeat} sequential requests each; req/s with 8 concurrent clients)"
                    f"\nmachine: {machine()}", ["query", "p50 ms", "p95 ms", "req/s"], rows))
        print(f"\ngateway added p50 for the single-subgraph query: {added:.2f} ms (target ≤ 2 ms)")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
