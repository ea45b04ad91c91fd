"""`laggingTargets` and `laggingCount` through the gateway of a running demo year (`mbo demo`), timed.

  whole list      laggingTargets(year, asOf) with the lagging screen's fields (leaders as staff numbers)
  first page      laggingTargets(year, asOf, first: 200), the lagging screen's first rows
  count           laggingCount(year, asOf), the home screen's figure
  statuses        laggingTargets(year, asOf) { status }, what the home screen asked before laggingCount
  count, after every report      laggingCount on a day after the year's last report (the home screen's
                                 everyday question: today, after the reports so far)
  … another such day             the same on the next new day: the stored standing of the year, if kept

Each query is asked once on a new day (nothing kept: the service computes progress from every target and
report) and then `--repeat` times on that day (the year unchanged: the kept answer). Run:
  .venv/bin/mbo demo --data-dir DIR --port P </dev/null &     # wait for "gateway listening"
  .venv/bin/python bench/lagging_gateway.py --url http://127.0.0.1:P --data-dir DIR [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from common import machine, table  # type: ignore[import-not-found]

from gateway.identity.totp import current_code
from mbo.client import Client
from mbo.demo import DEMO_PASSWORD, SECOND_FACTORS

FIELDS = "code unitCode title progress elapsed status reported actualToDate responsibleLeader { staffNo }"
QUERIES = {
    "whole list": f"query($d: Date!) {{ laggingTargets(year: 2026, asOf: $d) {{ {FIELDS} }} }}",
    "first page (200)": f"query($d: Date!) {{ laggingTargets(year: 2026, asOf: $d, first: 200) {{ {FIELDS} }} }}",
    "count": "query($d: Date!) { laggingCount(year: 2026, asOf: $d) { lagging atRisk } }",
    "statuses": "query($d: Date!) { laggingTargets(year: 2026, asOf: $d) { status } }",
    "count, after every report": "query($d: Date!) { laggingCount(year: 2026, asOf: $d) { lagging atRisk } }",
    "… another such day": "query($d: Date!) { laggingCount(year: 2026, asOf: $d) { lagging atRisk } }",
}
DAYS = ["2026-11-26", "2026-11-27", "2026-11-28", "2026-11-29", "2027-01-02", "2027-01-03"]
"""A new day per query: the first four after the September reports and before the December ones (about as many
targets behind on each), the last two after every report; the first ask of each query is not kept in memory."""


def timed(client: Client, query: str, day: str) -> float | None:
    """Seconds for one answer; None where the server refuses (a server without `first` / `laggingCount`)."""
    start = time.perf_counter()
    result = client.execute(query, {"d": day})
    took = time.perf_counter() - start
    if result.errors:
        print(f"refused: {result.errors[0]['message']}", file=sys.stderr)
        return None
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    uris = dict(line.split(" ", 1) for line in (args.data_dir / SECOND_FACTORS).read_text().splitlines())
    rows = []
    with Client(args.url) as client:
        client.sign_in("office", DEMO_PASSWORD, current_code(uris["office"]))
        for index, (name, query) in enumerate(QUERIES.items()):
            day = DAYS[index]
            first = timed(client, query, day)
            if first is None:
                rows.append([name, "—", "—"])
                continue
            again = [timed(client, query, day) or 0.0 for _ in range(args.repeat)]
            rows.append([name, f"{first * 1000:.0f}", f"{statistics.median(again) * 1000:.0f}"])
    print(f"\nmachine: {machine()}")
    print(table("laggingTargets / laggingCount through the gateway (ms)", ["query", "first ask", "again (median)"],
                rows))


if __name__ == "__main__":
    main()
