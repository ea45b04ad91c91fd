"""图表 Charts with Pilot against the real stack: the composite distribution with its advanced and last-place
lines, a unit's rank over the years, progress per unit against the elapsed share of the year."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from textual.widgets import Input, OptionList
from textual_plotext import PlotextPlot

from tests.support.stack import RunningStack
from tests.tui.bundle import write_year_end
from tests.tui.helpers import SIZE, make_app, signed_in, text_of, until
from tui.screens.charts import ChartsScreen, lines_of, unit_progress


def ask(stack: RunningStack, user: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = httpx.post(f"{stack.url}/graphql", json={"query": query, "variables": variables or {}},
                          headers={"Authorization": f"Bearer {stack.session_token(user)}"}, timeout=120)
    payload = response.json()
    assert not payload.get("errors"), payload["errors"]
    return payload["data"]


@pytest.fixture(scope="module")
def ranked(loaded: RunningStack, tmp_path_factory: pytest.TempPathFactory) -> RunningStack:
    """The year's inputs loaded, the ranking computed and published; JA reported its progress to June."""
    from tests.tui.helpers import run_import

    run_import(loaded, write_year_end(tmp_path_factory.mktemp("year-end")))
    for step in ("computeAssessment", "publishAssessment"):
        ask(loaded, "office", f"mutation {{ {step}(year: 2026) {{ status }} }}")
    reports = [{"code": code, "period": "2026-06", "asOf": "2026-06-30", "actualToDate": value}
               for code, value in (("JA-T01-1-1", "15"), ("JA-T01-1-2", "15"), ("JA-T01-2", "20"),
                                   ("JA-T02", "8"), ("JA-T03", "0.2"), ("JA-T04", "10"))]
    assert ask(loaded, "jaop", """mutation($r: [ProgressReportInput!]!) { reportProgressBatch(year: 2026,
      reports: $r) }""", {"r": reports})["reportProgressBatch"] == 6
    return loaded


def test_the_lines_and_a_units_progress_are_computed_as_the_services_do() -> None:
    results = [{"compositeScore": "98.5", "grade": "ADVANCED"}, {"compositeScore": "97", "grade": "ADVANCED"},
               {"compositeScore": "90", "grade": "QUALIFIED"}, {"compositeScore": "70", "grade": "LAST_PLACE"},
               {"compositeScore": "72", "grade": "LAST_PLACE"}]
    assert lines_of(results) == (97.0, 72.0)
    targets = [{"points": "60", "progress": {"progress": "0.5", "elapsed": "0.5"}},
               {"points": "40", "progress": {"progress": "1", "elapsed": "0.5"}}, {"points": "5", "progress": None}]
    assert unit_progress(targets) == (0.7, 0.5)
    unweighted = [{"points": "0", "progress": {"progress": "0.2", "elapsed": "1"}},
                  {"points": "0", "progress": {"progress": "0.4", "elapsed": "1"}}]
    assert unit_progress(unweighted) == (pytest.approx(0.3), 1.0)


async def test_a_leader_opens_the_charts_from_the_menu_and_reads_them(ranked: RunningStack) -> None:
    grades = {r["unit"]["code"]: (r["grade"], r["compositeScore"], r["rank"]) for r in ask(
        ranked, "leader", "{ assessment(year: 2026) { results { unit { code } grade compositeScore rank } } }",
    )["assessment"]["results"]}
    advanced = min(float(s) for g, s, _r in grades.values() if g == "ADVANCED")
    last = max(float(s) for g, s, _r in grades.values() if g == "LAST_PLACE")
    app = make_app(ranked, "leader")
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)
        menu = app.screen.query_one("#menu", OptionList)
        labels = [str(menu.get_option_at_index(i).prompt) for i in range(menu.option_count)]
        menu.highlighted = labels.index("图表 Charts")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ChartsScreen))
        await until(pilot, lambda: "综合得分分布" in text_of(app, "#distribution-caption"))
        caption = text_of(app, "#distribution-caption")
        assert f"先进线 advanced ≥ {advanced}" in caption and f"末位线 last place ≤ {last}" in caption
        assert "5 个单位" in caption
        drawn = str(app.screen.query_one("#distribution", PlotextPlot).render())
        assert "Composite scores 2026" in drawn
        # A unit's rank over the years: the best unit by default, another by its code.
        await until(pilot, lambda: "历年名次" in text_of(app, "#rank-caption"))
        first = min(grades, key=lambda code: (grades[code][2], code))  # ranks are per group: the first by code
        assert f"（{first}）" in text_of(app, "#rank-caption")
        app.screen.query_one("#unit", Input).value = "QK"
        app.screen.query_one("#unit", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: "（QK）" in text_of(app, "#rank-caption"))
        assert f"2026 年第 {grades['QK'][2]} 名" in text_of(app, "#rank-caption")
        # Progress against time, as of the app's day (30 June): only JA has reported.
        await until(pilot, lambda: "时间进度" in text_of(app, "#progress-caption"))
        progress = text_of(app, "#progress-caption")
        assert "截至 2026-06-30 时间进度 elapsed 50%" in progress
        assert "5 个单位 units, 4 个落后于时间进度" in progress, progress  # JA: 54 % done against 50 % elapsed
        await pilot.press("escape")


async def test_a_unit_operator_is_not_offered_the_charts(ranked: RunningStack) -> None:
    app = make_app(ranked, "jaop")
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)
        menu = app.screen.query_one("#menu", OptionList)
        labels = [str(menu.get_option_at_index(i).prompt) for i in range(menu.option_count)]
        assert "图表 Charts" not in labels

