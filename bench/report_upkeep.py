"""What keeping the stored progress standing costs a progress report (services/targets/standing.py).

Run: MBO_TEST_DB=postgres .venv/bin/python bench/report_upkeep.py [--reports 100]
Imports a generated city, sends `reportProgress` one at a time for agreed targets while no standing is stored
(a report then only writes itself), asks `laggingCount` once (which stores the standing), then reports the next
period for the same targets (each report now also recomputes its unit's figures and moves the stamp on).
Prints the median latency through the gateway and the targets service's CPU per report for both.
"""

from __future__ import annotations

import argparse
import statistics
import time

import httpx
from common import access_token, imported_stack, machine, table
from load import cpu_seconds

REPORT = """mutation($code: String!, $period: String!) {
  reportProgress(year: 2026, code: $code, period: $period, asOf: "2026-06-30", actualToDate: "1") { id } }"""
COUNT = '{ laggingCount(year: 2026, asOf: "2026-12-31") { lagging atRisk } }'
TRACKED = ("AGREED", "SIGNED")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=100)
    args = parser.parse_args()
    stack = imported_stack(("units.csv", "people.csv", "targets.csv", "settings.csv"))
    rows = []
    try:
        url = f"{stack.url}/graphql"
        pid = stack.stack.processes["targets"].pid
        with httpx.Client(headers={"Authorization": f"Bearer {access_token(stack)}"}, timeout=60) as http:
            def ok(query: str, variables: dict | None = None) -> dict:
                answer = http.post(url, json={"query": query, "variables": variables or {}}).json()
                if answer.get("errors"):
                    raise RuntimeError(str(answer["errors"])[:300])
                return answer["data"]

            codes: list[str] = []
            for unit in ok("{ units { code } }")["units"]:
                tree = ok('query($c: ID!) { unit(code: $c) { targets(year: 2026) { code status } } }',
                          {"c": unit["code"]})["unit"]["targets"]
                codes += [t["code"] for t in tree if t["status"] in TRACKED]
                if len(codes) >= args.reports:
                    break
            codes = codes[:args.reports]

            def run(label: str, period: str) -> None:
                latencies = []
                cpu = cpu_seconds(pid)
                for code in codes:
                    start = time.perf_counter()
                    ok(REPORT, {"code": code, "period": period})
                    latencies.append((time.perf_counter() - start) * 1000)
                rows.append([label, len(codes), f"{statistics.median(latencies):.1f}",
                             f"{(cpu_seconds(pid) - cpu) * 1000 / len(codes):.2f}"])

            run("no standing stored", "2026-Q1")
            ok(COUNT)  # the first count stores the standing
            run("standing kept current by each report", "2026-Q2")
    finally:
        stack.stop()
    print(table(f"reportProgress one at a time through the gateway — machine: {machine()}",
                ["case", "reports", "median ms", "targets CPU ms per report"], rows))


if __name__ == "__main__":
    main()
