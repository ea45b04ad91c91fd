"""The charts screen: its figures computed by hand, then drawn from two published years and a progress report on
the real stack, signed in as the target office; roles without the ranking do not get the screen."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input, TabbedContent
from textual_plotext import PlotextPlot

from tests.support.stack import RunningStack, running_stack
from tests.tui.bundle import YEAR, write_year_bundle
from tests.tui.helpers import TODAY, opened, run_import, session, settle, text_of, until
from tui.charts import distribution, rank_history, unit_progress
from tui.roles import destinations
from tui.screens.charts import ChartsScreen, years_document

# -- the figures, by hand ----------------------------------------------------------------------------------


def test_distribution_puts_the_lines_at_the_last_advanced_and_the_first_last_place_unit() -> None:
    rows = [{"compositeScore": "95.10", "grade": "ADVANCED"}, {"compositeScore": "91.00", "grade": "ADVANCED"},
            {"compositeScore": "88.5", "grade": "QUALIFIED"}, {"compositeScore": "70", "grade": "UNQUALIFIED"},
            {"compositeScore": "61.25", "grade": "LAST_PLACE"}, {"compositeScore": "58", "grade": "LAST_PLACE"}]
    d = distribution(rows)
    assert d.advanced_line == 91.0 and d.last_place_line == 61.25
    assert d.count == 6 and d.bounds == (58.0, 95.1)
    assert d.by_grade["QUALIFIED"] == [88.5]


def test_distribution_without_advanced_or_last_place_has_no_lines() -> None:
    d = distribution([{"compositeScore": "80", "grade": "QUALIFIED"}])
    assert d.advanced_line is None and d.last_place_line is None


def test_rank_history_skips_years_without_the_unit_and_counts_the_field() -> None:
    years = {2026: [{"unitCode": "JA", "rank": 2, "grade": "QUALIFIED"}, {"unitCode": "JH", "rank": 1,
                                                                          "grade": "ADVANCED"}],
             2024: [{"unitCode": "JA", "rank": 1, "grade": "ADVANCED"}],
             2025: [{"unitCode": "JH", "rank": 1, "grade": "ADVANCED"}]}
    points = rank_history(years, "JA")
    assert [(p.year, p.rank, p.of, p.grade) for p in points] == [(2024, 1, 1, "ADVANCED"), (2026, 2, 2, "QUALIFIED")]


def test_unit_progress_weights_by_points_and_lists_the_weakest_first() -> None:
    def target(points: str, progress: str, elapsed: str = "0.5") -> dict[str, Any]:
        return {"points": points, "progress": {"progress": progress, "elapsed": elapsed}}

    units = [{"code": "A", "name": "甲", "targets": [target("30", "1"), target("10", "0")]},  # 0.75
             {"code": "B", "name": "乙", "targets": [target("0", "0.2"), target("0", "0.4")]},  # no points: 0.3
             {"code": "C", "name": "丙", "targets": []}]
    found = unit_progress(units)
    assert [(u.code, u.progress, u.elapsed, u.targets) for u in found] == [
        ("B", Decimal("0.3"), Decimal("0.5"), 2), ("A", Decimal("0.75"), Decimal("0.5"), 2)]
    assert found[0].behind and not found[1].behind


def test_one_request_asks_for_every_year_under_its_alias() -> None:
    assert years_document([2025, 2026]).count("assessment(year:") == 2
    assert "y2025: assessment(year: 2025)" in years_document([2025, 2026])


# -- on the real stack -------------------------------------------------------------------------------------

RESULTS = "query($y: Int!) { assessment(year: $y) { results { unitCode compositeScore grade rank } } }"
PROGRESS = """query($y: Int!, $d: Date!) { units { code name targets(year: $y) { points
  progress(asOf: $d) { progress elapsed } } } }"""


def call(stack: RunningStack, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    with stack.client("office") as client:
        result = client.execute(query, variables)
    assert result.errors == [], result.errors
    return result.data or {}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with running_stack(Path(tmp_path_factory.mktemp("stack"))) as running:
        running.add_user("office", "TARGET_OFFICE")
        running.add_user("jaop", "UNIT_OPERATOR", unit="JA")
        for year in (YEAR - 1, YEAR):
            run_import(running, write_year_bundle(tmp_path_factory.mktemp(f"bundle{year}"), year=year))
            call(running, f"mutation {{ computeAssessment(year: {year}) {{ status }} }}")
            call(running, f"mutation {{ publishAssessment(year: {year}) {{ status }} }}")
        call(running, f"""mutation {{ reportProgress(year: {YEAR}, code: "JA-T02", period: "{YEAR}-Q2",
              asOf: "{TODAY.isoformat()}", actualToDate: "9") {{ version }} }}""")
        yield running


def plot_text(screen: ChartsScreen, selector: str) -> str:
    return screen.query_one(selector, PlotextPlot).plt.build()


async def test_the_three_pictures_agree_with_the_api(stack: RunningStack) -> None:
    results = call(stack, RESULTS, {"y": YEAR})["assessment"]["results"]
    expected = distribution(results)
    progress = unit_progress(call(stack, PROGRESS, {"y": YEAR, "d": TODAY.isoformat()})["units"])
    async with session(stack) as (app, pilot):
        await opened(pilot, "charts", ChartsScreen)
        await until(pilot, lambda: app.screen.dist is not None and app.screen.progress and app.screen.ranks)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ChartsScreen)

        summary = text_of(app, "#dist-summary")
        assert f"{len(results)} 个单位 units" in summary
        assert f"先进线 Advanced line ≥ {expected.advanced_line:.2f}" in summary
        assert f"末位线 Last-place line ≤ {expected.last_place_line:.2f}" in summary
        drawn = plot_text(screen, "#dist-plot")
        assert "Composite by grade" in drawn and "advanced" in drawn and "last place" in drawn

        screen.query_one(TabbedContent).active = "tab-rank"
        await settle(pilot)
        assert screen.query_one("#rank-unit", Input).value == results[0]["unitCode"]  # the first of the ranking
        unit = "QK"
        mine = {y: r for y in (YEAR - 1, YEAR)
                for r in call(stack, RESULTS, {"y": y})["assessment"]["results"] if r["unitCode"] == unit}
        rank_input = screen.query_one("#rank-unit", Input)
        rank_input.value = "qk"
        rank_input.focus()
        await pilot.press("enter")
        await settle(pilot)
        ranks = text_of(app, "#rank-summary")
        for y in (YEAR - 1, YEAR):
            assert f"{y}: 第 {mine[y]['rank']}/{len(results)} 名" in ranks
        assert "Rank over the years" in plot_text(screen, "#rank-plot")

        screen.query_one(TabbedContent).active = "tab-progress"
        await settle(pilot)
        table = screen.query_one("#progress-table", DataTable)
        assert table.row_count == len(progress) == 5
        listed = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert listed == [u.code for u in progress]
        assert listed[-1] == "JA" and progress[-1].progress > 0  # the only unit that reported: the least behind
        ja = table.get_row_at(table.get_row_index("JA"))
        assert str(ja[3]) == f"{float(progress[-1].progress) * 100:.1f}%"
        assert "behind the time elapsed" in text_of(app, "#progress-summary")
        assert "red line" in plot_text(screen, "#progress-plot")


async def test_a_unit_operator_is_not_offered_the_charts(stack: RunningStack) -> None:
    assert "charts" not in [d.action for d in destinations(["UNIT_OPERATOR"])]
    async with session(stack, "jaop") as (app, pilot):
        app.open("charts")
        await settle(pilot)
        assert not isinstance(app.screen, ChartsScreen)
