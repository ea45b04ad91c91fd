"""TUI timings, headless (`App.run_test`) against a real stack with the demo year loaded.

  start-up → home screen   sign-in, schema, the home screen with every figure filled in
  ranking (every unit)     open the ranking screen until its table is filled
  unit tree (~150 targets) open one unit's target tree until it is drawn

  a row per role           each role's main screen until its first rows show (and, for the lagging
                           screen, until every row is in the table)

Run: .venv/bin/python bench/tui_screens.py [--repeat 5] [--scale city|province] [--db sqlite|postgres]
[--roles-only]. Target: under 1 s each.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from common import machine, mbo_import, started_stack, table, year_options  # type: ignore[import-not-found]

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


ROLE_USERS = [("office", "TARGET_OFFICE"), ("leader", "LEADER"), ("supervision", "SUPERVISION_OFFICE"),
              ("orgdept", "ORGANIZATION_DEPT"), ("operator", "UNIT_OPERATOR"), ("evaluator", "EVALUATOR")]
MAIN_SCREEN = {"office": "lagging", "leader": "lagging", "supervision": "filings", "orgdept": "filings",
               "operator": "units", "evaluator": "entry_ballots"}


async def role_round(url: str, token: str, user: str) -> tuple[float, float, int, int]:
    """Open the role's main screen from its home; (first rows, every row, rows) in seconds."""
    from textual.widgets import DataTable

    app = MboApp(url, year=YEAR, today=TODAY, token=token)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot, lambda: type(app.screen).__name__ == "HomeScreen")
        await app.workers.wait_for_complete()
        screen_name = MAIN_SCREEN[user]
        start = time.perf_counter()
        app.open(screen_name)
        await wait(app, pilot, lambda: type(app.screen).__name__ != "HomeScreen"
                   and app.screen.query(DataTable).first().row_count > 0, limit=300)
        first = time.perf_counter() - start
        from tui.screens.lagging import SHOWN

        await wait(app, pilot, lambda: getattr(app.screen, "whole", True), limit=300)  # not the first page only

        expected = len(getattr(app.screen, "rows", None) or getattr(app.screen, "records", None) or [])
        expected = min(expected, SHOWN) if screen_name == "lagging" else expected
        await wait(app, pilot, lambda: app.screen.query(DataTable).first().row_count >= expected, limit=300)
        every = time.perf_counter() - start
        rows = len(getattr(app.screen, "rows", None) or getattr(app.screen, "records", None) or []) or \
            app.screen.query(DataTable).first().row_count
    return first, every, rows, rows


def role_rows(stack: object, repeat: int, unit: str) -> list[list[str]]:
    rows = []
    for user, role in ROLE_USERS:
        if user != "office":  # signed up by main()
            stack.add_user(user, role, unit=unit if role in ("UNIT_OPERATOR", "LEADER") else None)  # type: ignore
        token = stack.session_token(user, PASSWORD)  # type: ignore[attr-defined]
        samples = [asyncio.run(role_round(stack.url, token, user)) for _ in range(repeat)]  # type: ignore[attr-defined]
        first = statistics.median(s[0] * 1000 for s in samples)
        every = statistics.median(s[1] * 1000 for s in samples)
        rows.append([role, MAIN_SCREEN[user], str(samples[0][3]), f"{first:.0f}", f"{every:.0f}",
                     "yes" if first < 1000 else "NO"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--roles-only", action="store_true", help="only the row per role")
    args = year_options(parser)
    stack = started_stack()
    try:
        stack.add_user("office", "TARGET_OFFICE")
        bundle = Path(tempfile.mkdtemp(prefix="mbo-tui-bench-"))
        big, counts = demo_bundle(bundle, args.scale)
        load = mbo_import(stack, bundle, "office", PASSWORD)
        with stack.client("office") as client:
            for step in ("computeAssessment", "publishAssessment"):
                done = client.execute(f"mutation {{ {step}(year: 2026) {{ status }} }}")
                if done.errors:
                    print(f"{step} refused: {done.errors[0]['message']}", file=sys.stderr)
            done = client.execute("mutation { applyResults(year: 2026) { filingRecords } }")
            if done.errors:
                print(f"applyResults refused: {done.errors[0]['message']}", file=sys.stderr)
        per_role = role_rows(stack, args.repeat, big)
        samples = [] if args.roles_only else [
            asyncio.run(one_round(stack.url, stack.otp("office"), big, counts["units.csv"]))
            for _ in range(args.repeat)]
    finally:
        stack.stop()
    print(f"\nmachine: {machine()}\n{args.scale} year on {args.db}: {counts}\nbundle imported in {load:.1f} s; "
          f"{args.repeat} rounds, headless 120×40")
    print(table("Each role's main screen (ms, median)", ["role", "screen", "rows", "first rows", "every row",
                                                          "first < 1 s"], per_role))
    if args.roles_only:
        return
    rows = []
    for index, name in enumerate(["start-up → home screen (menu, units)", "… every home figure filled in",
                                  f"ranking of {counts['units.csv']} units",
                                  f"unit tree ({one_round.tree_size} targets, {big})"]):  # type: ignore[attr-defined]
        values = [s[index] * 1000 for s in samples]
        rows.append([name, f"{statistics.median(values):.0f}", f"{max(values):.0f}",
                     "yes" if statistics.median(values) < 1000 else "NO"])
    print(table("TUI screens (ms)", ["step", "median", "max", "< 1 s"], rows))


if __name__ == "__main__":
    main()
