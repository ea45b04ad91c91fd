"""图表 Charts: where an operator would rather look than read.

Three pictures, each with its figures in words beside it: the distribution of the year's composites by grade
with the advanced and last-place lines; a unit's rank over the years; each unit's progress (weighted by
points) against the share of the year elapsed, weakest first. Plots are drawn by plotext in the terminal.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable, Header, Input, Label, TabbedContent, TabPane
from textual_plotext import PlotextPlot

from tui import keys
from tui.api import ApiError
from tui.charts import (
    GRADE_ORDER,
    Distribution,
    RankPoint,
    UnitProgress,
    distribution,
    histogram,
    rank_history,
    unit_progress,
)
from tui.format import GRADES
from tui.screens.base import MboScreen
from tui.widgets.footer import Footer

RESULTS = """query ChartResults($year: Int!) { assessment(year: $year) { status revision
  results { unitCode unitName compositeScore grade rank } } }"""
YEARS = "{ assessmentYears { year } }"
PROGRESS = """query ChartProgress($year: Int!, $asOf: Date!) { units { code name
  targets(year: $year) { points progress(asOf: $asOf) { progress elapsed } } } }"""
GRADE_COLOURS = {"ADVANCED": "green", "QUALIFIED": "blue", "UNQUALIFIED": "orange", "LAST_PLACE": "red"}
LEGEND = {"ADVANCED": "advanced", "QUALIFIED": "qualified", "UNQUALIFIED": "unqualified", "LAST_PLACE": "last place"}
SHOWN_UNITS = 20  # bars in the progress picture; the table below lists every unit


def titled(plt: Any, title: str, x: str | None, y: str) -> None:
    """A figure's title and the names of its axes (no x name where the ticks say it)."""
    plt.title(title)
    if x is not None:
        plt.xlabel(x)
    plt.ylabel(y)


def years_document(years: list[int]) -> str:
    """One request for the results of several years, each under an alias `y<year>`."""
    parts = " ".join(f"y{y}: assessment(year: {y}) {{ results {{ unitCode unitName rank grade }} }}" for y in years)
    return "{ " + parts + " }"


def percent(value: Any) -> str:
    return f"{float(value) * 100:.1f}%"


class ChartsScreen(MboScreen):
    BINDINGS = [keys.BACK, keys.RELOAD]
    CSS = MboScreen.CSS + """
    PlotextPlot { height: 1fr; min-height: 14; }
    .summary { height: auto; width: 1fr; padding: 0 1; }
    #rank-bar { height: auto; }
    #rank-unit { width: 30; }
    #progress-table { height: 12; }
    """

    def __init__(self, unit_code: str | None = None) -> None:
        super().__init__()
        self.unit_code = unit_code
        self.dist: Distribution | None = None
        self.ranks: dict[int, list[dict[str, Any]]] = {}
        self.progress: list[UnitProgress] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="heading", classes="title")
        with TabbedContent(id="tabs"):
            with TabPane("综合得分分布 Distribution", id="tab-distribution"):
                yield Label("", id="dist-summary", classes="summary")
                yield PlotextPlot(id="dist-plot")
            with TabPane("历年名次 Rank over the years", id="tab-rank"):
                with Horizontal(id="rank-bar"):
                    yield Input(self.unit_code or "", placeholder="单位代码 Unit code (enter)", id="rank-unit")
                    yield Label("", id="rank-summary", classes="summary")
                yield PlotextPlot(id="rank-plot")
            with TabPane("进度与时间 Progress vs time", id="tab-progress"):
                yield Label("", id="progress-summary", classes="summary")
                yield PlotextPlot(id="progress-plot")
                yield DataTable(id="progress-table", cursor_type="row", zebra_stripes=True)
        yield Label("", classes="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#progress-table", DataTable).add_columns(
            "单位 Unit", "名称 Name", "目标 Targets", "进度 Progress", "时间 Elapsed", "差距 Gap")
        self.action_reload()

    def action_reload(self) -> None:
        self.query_one("#heading", Label).update(f"图表 Charts · {self.year} 年度 · 截至 as of {self.mbo.today}")
        self.load_distribution()
        self.load_ranks()
        self.load_progress()

    async def fetch(self, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any] | str:
        """The data, or the refusal in plain words (each picture fails on its own, the others still draw)."""
        for attempt in range(2):
            try:
                return await self.api.query(document, variables)
            except ApiError as exc:
                if exc.code == "UNAUTHENTICATED" and attempt == 0 and await self.mbo.reauthenticate():
                    continue
                return exc.message
        return "—"

    # 综合得分分布 ---------------------------------------------------------------------------------------

    @work(exclusive=True, exit_on_error=False, group="charts-distribution")
    async def load_distribution(self) -> None:
        data = await self.fetch(RESULTS, {"year": self.year})
        summary = self.query_one("#dist-summary", Label)
        if isinstance(data, str):
            summary.update(data)
            return
        assessment = data["assessment"]
        if not assessment or not assessment["results"]:
            summary.update(f"{self.year} 年度尚未计算考核结果。No results computed for {self.year} yet.")
            return
        self.dist = distribution(assessment["results"])
        summary.update(self.describe(self.dist))
        self.draw_distribution(self.dist)

    @staticmethod
    def describe(d: Distribution) -> str:
        counts = " · ".join(f"{GRADES[g]} {len(d.by_grade.get(g, []))}" for g in GRADE_ORDER)
        lines = []
        if d.advanced_line is not None:
            lines.append(f"先进线 Advanced line ≥ {d.advanced_line:.2f}")
        if d.last_place_line is not None:
            lines.append(f"末位线 Last-place line ≤ {d.last_place_line:.2f}")
        return f"{d.count} 个单位 units: {counts}\n" + ("；".join(lines) or "无先进或末位 no advanced or last place")

    @contextmanager
    def drawing(self, selector: str) -> Iterator[Any]:
        """The plotext figure of the plot widget, cleared; the widget is redrawn with it when the block ends."""
        widget = self.query_one(selector, PlotextPlot)
        plt = widget.plt
        plt.clear_data()
        plt.clear_figure()
        yield plt
        widget.refresh()

    def draw_distribution(self, d: Distribution) -> None:
        with self.drawing("#dist-plot") as plt:
            centres, counts = histogram(d, max(5, min(25, d.count // 4)))
            shown = [g for g in GRADE_ORDER if any(counts.get(g, []))]
            plt.stacked_bar(centres, [counts[g] for g in shown], labels=[LEGEND[g] for g in shown],
                            color=[GRADE_COLOURS[g] for g in shown], width=0.8)
            for line, colour in ((d.advanced_line, "green"), (d.last_place_line, "red")):
                if line is not None:
                    plt.vline(line, colour)
            step = max(1, len(centres) // 6)
            plt.xticks(centres[::step], [f"{c:.1f}" for c in centres[::step]])
            titled(plt, "Composite by grade; vertical lines: advanced (green), last place (red)", "composite", "units")

    # 历年名次 --------------------------------------------------------------------------------------------

    @work(exclusive=True, exit_on_error=False, group="charts-ranks")
    async def load_ranks(self) -> None:
        summary = self.query_one("#rank-summary", Label)
        data = await self.fetch(YEARS)
        if isinstance(data, str):
            summary.update(data)
            return
        years = sorted(y["year"] for y in data["assessmentYears"])
        found = await self.fetch(years_document(years)) if years else {}
        if isinstance(found, str):
            summary.update(found)
            return
        ranked = {y: (found.get(f"y{y}") or {}).get("results") or [] for y in years}
        self.ranks = {y: rows for y, rows in ranked.items() if rows}
        if not self.ranks:
            summary.update("尚无已计算的年度。No year has results yet.")
            return
        years = sorted(self.ranks)
        if not self.unit_code:
            latest = self.ranks[years[-1]]
            self.unit_code = latest[0]["unitCode"] if latest else None
            self.query_one("#rank-unit", Input).value = self.unit_code or ""
        self.show_ranks()

    @on(Input.Submitted, "#rank-unit")
    def unit_chosen(self, event: Input.Submitted) -> None:
        self.unit_code = event.value.strip().upper() or None
        self.show_ranks()

    def show_ranks(self) -> None:
        summary = self.query_one("#rank-summary", Label)
        points = rank_history(self.ranks, self.unit_code or "")
        if not points:
            summary.update(f"单位 {self.unit_code or '—'} 在已有年度中没有名次。No rank for this unit in any year.")
            self.draw_ranks([])
            return
        name = next((r["unitName"] for rows in self.ranks.values() for r in rows
                     if r["unitCode"] == self.unit_code), self.unit_code)
        listed = " · ".join(f"{p.year}: 第 {p.rank}/{p.of} 名 {GRADES[p.grade].split()[0]}" for p in points)
        summary.update(f"{name}（{self.unit_code}）{listed}")
        self.draw_ranks(points)

    def draw_ranks(self, points: list[RankPoint]) -> None:
        with self.drawing("#rank-plot") as plt:
            if points:
                worst = max(p.of for p in points)
                # rank 1 is best: plot the standing from the bottom (worst + 1 - rank) and label ticks with ranks
                plt.plot([p.year for p in points], [worst + 1 - p.rank for p in points], marker="dot", color="cyan")
                plt.xticks([p.year for p in points], [str(p.year) for p in points])
                ticks = sorted({1, worst, *(p.rank for p in points)})
                plt.yticks([worst + 1 - t for t in ticks], [str(t) for t in ticks])
                plt.ylim(0, worst + 1)
                titled(plt, "Rank over the years (1 = top)", "year", "rank")

    # 进度与时间 ------------------------------------------------------------------------------------------

    @work(exclusive=True, exit_on_error=False, group="charts-progress")
    async def load_progress(self) -> None:
        summary = self.query_one("#progress-summary", Label)
        summary.update("载入中 Loading…")
        data = await self.fetch(PROGRESS, {"year": self.year, "asOf": self.mbo.today.isoformat()})
        if isinstance(data, str):
            summary.update(data)
            return
        self.progress = unit_progress(data["units"])
        if not self.progress:
            summary.update(f"{self.year} 年度没有目标。No targets for {self.year}.")
            return
        behind = [u for u in self.progress if u.behind]
        elapsed = self.progress[0].elapsed
        summary.update(f"{len(self.progress)} 个单位 units；{len(behind)} 个进度落后于时间 behind the time elapsed "
                       f"({percent(elapsed)})。下图为差距最大的 {min(SHOWN_UNITS, len(self.progress))} 个 "
                       "the weakest are plotted; every unit is listed below.")
        table = self.query_one("#progress-table", DataTable)
        table.clear()
        for u in self.progress:
            gap = u.progress - u.elapsed
            table.add_row(u.code, u.name, str(u.targets), percent(u.progress), percent(u.elapsed),
                          f"{float(gap) * 100:+.1f}", key=u.code)
        self.draw_progress(self.progress[:SHOWN_UNITS])

    def draw_progress(self, units: list[UnitProgress]) -> None:
        with self.drawing("#progress-plot") as plt:
            codes = [u.code for u in units]
            positions = list(range(1, len(codes) + 1))
            plt.bar(positions, [float(u.progress) * 100 for u in units], color="cyan", width=0.5)
            plt.xticks(positions, codes)
            plt.xlim(0.5, len(codes) + 0.5)
            elapsed = float(sum(u.elapsed for u in units) / len(units)) * 100
            plt.hline(elapsed, "red")
            titled(plt, f"Progress weighted by points vs time elapsed ({elapsed:.0f}%, red line)", None, "% done")
