"""图表 Charts: where an operator would rather look than read — the distribution of the year's composite
scores with the advanced and last-place lines, one unit's rank over the years, and each unit's progress
against the elapsed share of the year (plotext, drawn in the terminal, nothing loaded from anywhere)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, Input, Label, TabbedContent, TabPane
from textual_plotext import PlotextPlot

from tui import keys
from tui.screens.base import MboScreen

RESULTS = """query Results($y: Int!) { assessment(year: $y) { status results { unit { code name } compositeScore
  grade rank } } }"""
PROGRESS = """query Progress($y: Int!, $d: Date!) { units { code name targets(year: $y) { points
  progress(asOf: $d) { progress elapsed } } } }"""
BINS = 20


def lines_of(results: list[dict[str, Any]]) -> tuple[float | None, float | None]:
    """The advanced line (lowest advanced composite) and the last-place line (highest last-place composite)."""
    advanced = [float(r["compositeScore"]) for r in results if r["grade"] == "ADVANCED"]
    last = [float(r["compositeScore"]) for r in results if r["grade"] == "LAST_PLACE"]
    return (min(advanced) if advanced else None, max(last) if last else None)


def unit_progress(targets: list[dict[str, Any]]) -> tuple[float, float] | None:
    """A unit's progress (its top-level targets weighted by points, equally when the points are all equal
    or total zero, as the targets service rolls progress up) and the elapsed share; None without progress."""
    rows = [(Decimal(t["progress"]["progress"]), Decimal(t["points"] or 0), Decimal(t["progress"]["elapsed"]))
            for t in targets if t.get("progress")]
    if not rows:
        return None
    weights = [w for _p, w, _e in rows]
    total = sum(weights, Decimal(0))
    if total <= 0 or len(set(weights)) == 1:
        value = sum((p for p, _w, _e in rows), Decimal(0)) / len(rows)
    else:
        value = sum((p * w for p, w, _e in rows), Decimal(0)) / total
    return float(value), float(rows[0][2])


class ChartsScreen(MboScreen):
    BINDINGS = [keys.BACK, keys.RELOAD]
    CSS = MboScreen.CSS + """
    PlotextPlot { height: 1fr; }
    .caption { width: 1fr; height: auto; padding: 0 1; }
    #rank-bar .caption { width: auto; }
    #rank-bar { height: 3; }
    #rank-bar Input { width: 24; }
    """

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="tabs"):
            with TabPane("得分分布 Distribution", id="tab-distribution"), Vertical():
                yield Label("", id="distribution-caption", classes="caption")
                yield PlotextPlot(id="distribution")
            with TabPane("名次变化 Rank over the years", id="tab-rank"), Vertical():
                with Horizontal(id="rank-bar"):
                    yield Label("单位代码 Unit code ", classes="caption")
                    yield Input(placeholder="例如 e.g. JAQ", id="unit")
                yield Label("", id="rank-caption", classes="caption")
                yield PlotextPlot(id="rank")
            with TabPane("进度与时间 Progress vs time", id="tab-progress"), Vertical():
                yield Label("", id="progress-caption", classes="caption")
                yield PlotextPlot(id="progress")
        yield Label("", classes="status")
        yield Footer()

    def on_mount(self) -> None:
        self.results: list[dict[str, Any]] = []
        own = self.api.session.unit
        if own:
            self.query_one("#unit", Input).value = own
        self.action_reload()

    def action_reload(self) -> None:
        self.load_distribution()
        self.load_rank(self.query_one("#unit", Input).value.strip())
        self.load_progress()

    def caption(self, name: str, text: str) -> None:
        self.query_one(f"#{name}-caption", Label).update(text)

    @work(exclusive=True, exit_on_error=False, group="charts-distribution")
    async def load_distribution(self) -> None:
        data = await self.call(self.api.query, RESULTS, {"y": self.year})
        assessment = (data or {}).get("assessment")
        if not assessment or not assessment["results"]:
            return self.caption("distribution", f"{self.year} 年尚无考核结果 no results for {self.year} yet")
        self.results = assessment["results"]
        scores = [float(r["compositeScore"]) for r in self.results]
        advanced, last = lines_of(self.results)
        plot = self.query_one("#distribution", PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        plt.hist(scores, bins=BINS, label="units")
        if advanced is not None:
            plt.vline(advanced, "green")
        if last is not None:
            plt.vline(last, "red")
        plt.title(f"Composite scores {self.year}")
        plt.xlabel("composite")
        plt.ylabel("units")
        plot.refresh()
        self.caption("distribution", f"{self.year} 年 {len(scores)} 个单位综合得分分布 composites of {len(scores)} "
                     f"units · 绿线 green: 先进线 advanced ≥ {advanced if advanced is not None else '—'} · "
                     f"红线 red: 末位线 last place ≤ {last if last is not None else '—'}")
        if not self.query_one("#unit", Input).value.strip():
            best = min(self.results, key=lambda r: (r["rank"], r["unit"]["code"]))
            self.query_one("#unit", Input).value = best["unit"]["code"]
            self.load_rank(best["unit"]["code"])
        return None

    @on(Input.Submitted, "#unit")
    def unit_chosen(self, event: Input.Submitted) -> None:
        self.load_rank(event.value.strip().upper())

    @work(exclusive=True, exit_on_error=False, group="charts-rank")
    async def load_rank(self, code: str) -> None:
        if not code:
            return self.caption("rank", "输入单位代码后回车 type a unit code and press enter")
        years = await self.call(self.api.years)
        points: list[tuple[int, int]] = []
        name = code
        for year in sorted(y["year"] for y in years or []):
            data = await self.call(self.api.query, RESULTS, {"y": year})
            found = [r for r in ((data or {}).get("assessment") or {}).get("results") or []
                     if r["unit"]["code"] == code]
            if found:
                points.append((year, found[0]["rank"]))
                name = found[0]["unit"]["name"]
        plot = self.query_one("#rank", PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        if points:
            plt.plot([y for y, _r in points], [r for _y, r in points], marker="braille")
            plt.scatter([y for y, _r in points], [r for _y, r in points])
            plt.xticks([y for y, _r in points], [str(y) for y, _r in points])
            plt.yreverse()
        plt.title(f"Rank of {code}")
        plt.xlabel("year")
        plt.ylabel("rank (1 = first)")
        plot.refresh()
        shown = "、".join(f"{y} 年第 {r} 名" for y, r in points) or "没有考核结果 no results"
        self.caption("rank", f"{name}（{code}）历年名次 rank over the years: {shown}")
        return None

    @work(exclusive=True, exit_on_error=False, group="charts-progress")
    async def load_progress(self) -> None:
        day = self.mbo.today
        data = await self.call(self.api.query, PROGRESS, {"y": self.year, "d": day.isoformat()})
        if data is None:
            return None
        units = []
        for unit in data["units"]:
            found = unit_progress(unit["targets"])
            if found is not None:
                units.append((found[0], unit["code"], unit["name"], found[1]))
        if not units:
            return self.caption("progress", f"{self.year} 年尚无进度 no progress reported for {self.year}")
        units.sort()
        elapsed = units[0][3]
        plot = self.query_one("#progress", PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        plt.bar(list(range(1, len(units) + 1)), [p * 100 for p, *_r in units], width=0.6)
        plt.hline(elapsed * 100, "red")
        plt.ylim(0, 110)
        plt.title(f"Progress per unit, as of {day.isoformat()}")
        plt.xlabel("units, slowest first")
        plt.ylabel("% done")
        plot.refresh()
        behind = [u for u in units if u[0] < 0.9 * u[3]]
        slowest = "、".join(f"{name} {p:.0%}" for p, _c, name, _e in units[:5])
        self.caption("progress", f"截至 {day.isoformat()} 时间进度 elapsed {elapsed:.0%}（红线 red line）· "
                     f"{len(units)} 个单位 units, {len(behind)} 个落后于时间进度 behind the time line · "
                     f"最慢 slowest: {slowest}")
        return None
