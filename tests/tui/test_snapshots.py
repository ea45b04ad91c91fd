"""Screenshots of the main screens at 120×40 against fixed data (pytest-textual-snapshot).

The stack is fresh and loaded with the fixed bundle of tests/tui/bundle.py; the year and "today" are fixed;
cursor blink is off. Regenerate with `pytest tests/tui/test_snapshots.py --snapshot-update` and review the SVGs
under tests/tui/__snapshots__/.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.support.bundles import write_csv
from tests.support.stack import RunningStack
from tests.tui.bundle import COLUMNS, write_year_bundle
from tests.tui.conftest import USERS
from tests.tui.helpers import SIZE, make_app, run_import, settle, signed_in, still, until
from tui.screens.entry import EntryScreen
from tui.screens.import_bundle import ImportScreen
from tui.screens.ranking import RankingScreen
from tui.screens.unit_tree import UnitTreeScreen
from tui.screens.units import UnitsScreen

Before = Callable[[Pilot[None]], Awaitable[None]]


@pytest.fixture(scope="module")
def computed(stack: RunningStack, tmp_path_factory: pytest.TempPathFactory) -> RunningStack:
    for name, roles, unit in USERS:
        stack.add_user(name, *roles, unit=unit)
    run_import(stack, write_year_bundle(tmp_path_factory.mktemp("bundle")))
    with stack.client("office") as client:
        done = client.execute("mutation { computeAssessment(year: 2026) { status } }")
    assert done.errors == [], done.errors
    return stack


def before(open_screen: Callable[[Any], None] | None, ready: Callable[[Any], object]) -> Before:
    async def run(pilot: Pilot[None]) -> None:
        await signed_in(pilot)
        if open_screen is not None:
            open_screen(pilot.app)
        await until(pilot, lambda: ready(pilot.app))
        await settle(pilot)
        still(pilot)
        await pilot.pause()
    return run


def test_sign_in(snap_compare: Any, computed: RunningStack) -> None:
    async def run(pilot: Pilot[None]) -> None:
        await settle(pilot)
        still(pilot)

    assert snap_compare(make_app(computed, None), terminal_size=SIZE, run_before=run)


def test_home_of_the_target_office(snap_compare: Any, computed: RunningStack) -> None:
    ready = before(None, lambda app: "/" in str(app.screen.query_one("#missing .stat-value").render()))
    assert snap_compare(make_app(computed), terminal_size=SIZE, run_before=ready)


def test_units(snap_compare: Any, computed: RunningStack) -> None:
    ready = before(lambda app: app.open("units"), lambda app: isinstance(app.screen, UnitsScreen) and app.screen.units)
    assert snap_compare(make_app(computed), terminal_size=SIZE, run_before=ready)


def test_unit_tree(snap_compare: Any, computed: RunningStack) -> None:
    async def run(pilot: Pilot[None]) -> None:
        await before(lambda app: app.push_screen(UnitTreeScreen("JA")),
                     lambda app: isinstance(app.screen, UnitTreeScreen) and app.screen.by_code)(pilot)
        await pilot.press("down", "down")
        await settle(pilot)

    assert snap_compare(make_app(computed), terminal_size=SIZE, run_before=run)


def test_ranking(snap_compare: Any, computed: RunningStack) -> None:
    ready = before(lambda app: app.open("ranking"),
                   lambda app: isinstance(app.screen, RankingScreen) and app.screen.assessment)
    assert snap_compare(make_app(computed), terminal_size=SIZE, run_before=ready)


def test_ballot_entry(snap_compare: Any, computed: RunningStack) -> None:
    ready = before(lambda app: app.push_screen(EntryScreen("ballots", "JA")),
                   lambda app: isinstance(app.screen, EntryScreen) and app.screen.grid.rows)
    assert snap_compare(make_app(computed, "evaluator"), terminal_size=SIZE, run_before=ready)


def test_import_error_report(snap_compare: Any, computed: RunningStack, tmp_path_factory: pytest.TempPathFactory
                             ) -> None:
    bad = Path(tmp_path_factory.mktemp("bad"))
    write_csv(bad / "inspections.csv", COLUMNS["inspections.csv"],
              [["JA", "2026", "检查组丁", "101"], ["XX", "2026", "检查组丁", "90"], ["JH", "2026", "", "80"]])

    async def run(pilot: Pilot[None]) -> None:
        await signed_in(pilot)
        pilot.app.push_screen(ImportScreen(str(bad)))
        await until(pilot, lambda: isinstance(pilot.app.screen, ImportScreen))
        await pilot.press("ctrl+o")
        await until(pilot, lambda: pilot.app.screen.query_one("#errors").row_count > 0)
        pilot.app.screen.query_one("#path").value = "bundle/"  # the temp path differs on every run
        still(pilot)
        await settle(pilot)

    assert snap_compare(make_app(computed), terminal_size=SIZE, run_before=run)


def test_help(snap_compare: Any, computed: RunningStack) -> None:
    async def run(pilot: Pilot[None]) -> None:
        await before(lambda app: app.open("units"),
                     lambda app: isinstance(app.screen, UnitsScreen) and app.screen.units)(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(make_app(computed), terminal_size=SIZE, run_before=run)
