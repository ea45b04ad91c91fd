"""TUI timings, headless (`App.run_test`) against a real stack with the demo year loaded.

  start-up → home screen   sign-in, schema, the home screen with every figure filled in
  ranking (every unit)     open the ranking screen until its table is filled
  unit tree (~150 targets) open one unit's target tree until it is drawn

Run: .venv/bin/python bench/tui_screens.py [--repeat 5] [--scale city|province] [--db sqlite|postgres].
Target: under 1 s each.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from common import machine, mbo_import, started_stack, table  # type: ignore[import-not-found]

from mbo.generate import generate
from tests.support.stack import PASSWORD
from tui.app import MboApp

YEAR = 2026
TODAY = datetime.date(2026, 6, 30)


def demo_bundle(folder: Path, scale: str) -> tuple[str, dict[str, int]]:
    """The demo year of mbo.generate; returns the unit with the largest target tree and the row counts."""
    counts = generate(folder, scale=scale)
    with (folder / "targets.csv").open(encoding="utf-8") as handle:
        per_unit = Counter(row["unit_code"] for row in csv.DictReader(handle))
    return per_unit.most_common(1)[0][0], counts


async def wait(app: MboApp, pilot: object, condition: object, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while True:
        try:
            if condition():  # type: ignore[operator]
                return
        except Exception:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(type(app.screen).__name__)
        await asyncio.sleep(0.005)


FIGURES = ("units", "targets", "agreed", "signed", "lagging", "assessment", "missing")


def figure(app: MboApp, name: str) -> str:
    return str(app.screen.query_one(f"#{name} .stat-value").render())


async def one_round(url: str, otp: str | None, big_unit: str, units: int) -> tuple[float, float, float, float]:
    from tui.screens.ranking import RankingScreen
    from tui.screens.unit_tree import UnitTreeScreen

    app = MboApp(url, "office", PASSWORD, year=YEAR, today=TODAY, otp=otp)  # TARGET_OFFICE: second factor
    start = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot, lambda: type(app.screen).__name__ == "HomeScreen" and "…" not in figure(app, "units"))
        home = time.perf_counter() - start
        await wait(app, pilot, lambda: all("…" not in figure(app, name) for name in FIGURES))
        figures = time.perf_counter() - start
        await app.workers.wait_for_complete()

        start = time.perf_counter()
        app.open("ranking")
        await wait(app, pilot, lambda: isinstance(app.screen, RankingScreen) and app.screen.assessment
                   and app.screen.query_one("DataTable").row_count >= units)
        await pilot.pause()
        ranking = time.perf_counter() - start
        app.pop_screen()

        start = time.perf_counter()
        app.push_screen(UnitTreeScreen(big_unit))
        await wait(app, pilot, lambda: isinstance(app.screen, UnitTreeScreen) and len(app.screen.by_code) >= 100)
        await pilot.pause()
        tree = time.perf_counter() - start
        size = len(app.screen.by_code)  # type: ignore[attr-defined]
    one_round.tree_size = size  # type: ignore[attr-defined]
    return home, figures, ranking, tree


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scale", choices=["city", "province"], default="city")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    os.environ["MBO_TEST_DB"] = args.db
    stack = started_stack()
    try:
        stack.add_user("office", "TARGET_OFFICE")
        bundle = Path(tempfile.mkdtemp(prefix="mbo-tui-bench-"))
        big, counts = demo_bundle(bundle, args.scale)
        load = mbo_import(stack, bundle, "office", PASSWORD)
        with stack.client("office") as client:
            done = client.execute("mutation { computeAssessment(year: 2026) { status } }")
            if done.errors:
                print(f"computeAssessment refused: {done.errors[0]['message']}", file=sys.stderr)
        samples = [asyncio.run(one_round(stack.url, stack.otp("office"), big, counts["units.csv"]))
                   for _ in range(args.repeat)]
    finally:
        stack.stop()
    rows = []
    for index, name in enumerate(["start-up → home screen (menu, units)", "… every home figure filled in",
                                  f"ranking of {counts['units.csv']} units",
                                  f"unit tree ({one_round.tree_size} targets, {big})"]):  # type: ignore[attr-defined]
        values = [s[index] * 1000 for s in samples]
        rows.append([name, f"{statistics.median(values):.0f}", f"{max(values):.0f}",
                     "yes" if statistics.median(values) < 1000 else "NO"])
    print(f"\nmachine: {machine()}\n{args.scale} year on {args.db}: {counts}\nbundle imported in {load:.1f} s; "
          f"{args.repeat} rounds, headless 120×40")
    print(table("TUI screens (ms)", ["step", "median", "max", "< 1 s"], rows))


if __name__ == "__main__":
    main()
