"""进度督办 Lagging targets for supervision, filterable by unit, responsible leader and day."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable, Header, Input, Label, Select

from tui import keys
from tui.format import amount, person
from tui.screens.base import MboScreen, in_chunks
from tui.widgets.footer import Footer

STATES = {"LAGGING": ("滞后 Lagging", "yellow"), "AT_RISK": ("风险 At risk", "bold red"),
          "ON_TRACK": ("正常 On track", "green")}
SEVERITY = {"AT_RISK": 0, "LAGGING": 1, "ON_TRACK": 2}
FIRST_ROWS = 200
"""Rows drawn at once; the rest follow in chunks so the first rows show in well under a second at city scale."""
CHUNK = 400
SHOWN = 1000
"""At most this many rows in the table (the most urgent); the filters narrow the whole list."""


def behind(row: dict[str, Any]) -> Decimal:
    """How far progress trails the elapsed time (the larger, the further behind)."""
    try:
        return Decimal(str(row.get("elapsed") or 0)) - Decimal(str(row.get("progress") or 0))
    except ArithmeticError:
        return Decimal(0)


def urgency(row: dict[str, Any]) -> tuple[Any, ...]:
    """At risk before lagging, the furthest behind first, then by unit and code."""
    return SEVERITY.get(row["status"], 3), -behind(row), row["unitCode"], row["code"]


def percent(value: Any) -> str:
    return "—" if value is None else f"{Decimal(str(value)) * 100:.1f}%"


class LaggingScreen(MboScreen):
    BINDINGS = [keys.BACK, keys.RELOAD, keys.FILTER, keys.OPEN]
    CSS = MboScreen.CSS + """
    #filters { height: auto; }
    #filters Input { width: 24; }
    #filters Select { width: 24; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []
        self.whole = False
        """Whether `rows` holds every row the table may show: the whole list, or (`counts` known) the SHOWN most
        urgent of more — then the lagging ones beyond them are asked for when that status is chosen."""
        self.counts: dict[str, int] | None = None
        """How many targets are LAGGING and AT_RISK, when `rows` is not the whole list."""
        self.asked: tuple[str, str | None] = ("", None)
        """The day and unit `rows` answer."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="filters"):
            yield Input(placeholder="单位 Unit code", id="unit")
            yield Input(placeholder="责任领导 Leader staff no", id="leader")
            yield Input(self.mbo.today.isoformat(), placeholder="截至 As of YYYY-MM-DD", id="as-of")
            yield Select([(text, key) for key, (text, _) in STATES.items() if key != "ON_TRACK"],
                         prompt="状态 Status (all)", id="state")
        yield DataTable(id="lagging", cursor_type="row", zebra_stripes=True)
        yield Label("", classes="status")
        yield Footer()

    def on_mount(self) -> None:
        if self.api.session.has_role("UNIT_OPERATOR") and self.api.session.unit:
            unit = self.query_one("#unit", Input)
            unit.value = self.api.session.unit
        self.query_one(DataTable).add_columns("单位 Unit", "代码 Code", "目标 Target", "进度 Progress",
                                              "时间 Elapsed", "状态 Status", "累计 Actual", "已报 Reported",
                                              "责任领导 Leader")
        self.query_one(DataTable).focus()
        self.action_reload()

    def action_filter(self) -> None:
        self.query_one("#unit", Input).focus()

    @on(Input.Submitted)
    def action_reload(self) -> None:
        self.status("加载中 Loading…")
        self.load()

    @on(Select.Changed)
    def refilter(self) -> None:
        self.refill()
        if self.whole and self.counts is not None and self.query_one("#state", Select).value == "LAGGING":
            have = sum(1 for r in self.rows if r["status"] == "LAGGING")
            if have < min(self.counts["LAGGING"], SHOWN):  # the lagging ones come after every one at risk
                self.load_lagging()

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            unit = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value).split(":", 1)[0]
            from tui.screens.unit_tree import UnitTreeScreen

            self.app.push_screen(UnitTreeScreen(unit))

    @on(DataTable.RowSelected)
    def selected(self) -> None:
        self.action_open()

    @work(exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        unit = self.query_one("#unit", Input).value.strip().upper() or None
        leader = self.query_one("#leader", Input).value.strip() or None
        as_of = self.query_one("#as-of", Input).value.strip() or self.mbo.today.isoformat()
        self.whole = False
        self.counts = None
        self.asked = (as_of, unit)
        if self.api.has("Query", "laggingCount"):  # the server ranks: its most urgent page first, the rest after
            page = await self.call(self.api.lagging_first, self.year, as_of, unit, leader, FIRST_ROWS)
            if page is None:
                return
            self.rows = sorted(page, key=urgency)
            self.refill(partial=True)
            if leader is None and len(page) == FIRST_ROWS:  # more than the first page (the count has no leader)
                counts = await self.call(self.api.lagging_count, self.year, as_of, unit)
                if counts is None:
                    return
                if counts["LAGGING"] + counts["AT_RISK"] > SHOWN:  # more than the table shows: the most urgent
                    urgent = await self.call(self.api.lagging_first, self.year, as_of, unit, None, SHOWN, names=True)
                    if urgent is None:
                        return
                    self.counts, self.whole, self.rows = counts, True, sorted(urgent, key=urgency)
                    self.refill()
                    return
        rows = await self.call(self.api.lagging, self.year, as_of, unit, leader)  # the whole list, named
        if rows is None:
            return
        self.whole = True
        rows.sort(key=urgency)
        self.rows = rows
        self.refill()

    @work(exclusive=True, exit_on_error=False)
    async def load_lagging(self) -> None:
        """The SHOWN most urgent lagging targets, which come after every one at risk."""
        counts, (as_of, unit) = self.counts, self.asked
        if counts is None:
            return
        self.whole = False
        self.status("加载中 Loading…")
        rows = await self.call(self.api.lagging_first, self.year, as_of, unit, None, counts["AT_RISK"] + SHOWN,
                               names=True)
        if rows is None:
            return
        self.whole, self.rows = True, sorted(rows, key=urgency)
        self.refill()

    def refill(self, keep: bool = False, partial: bool = False) -> None:
        """The most urgent rows first (at risk, then lagging, furthest behind first): the first ones at once,
        the rest in chunks, at most SHOWN of them, so a city's ~14,600 rows never hold the screen."""
        state = self.query_one("#state", Select).value
        table = self.query_one(DataTable)
        row = table.cursor_row if keep else 0
        table.clear()
        matching = [r for r in self.rows if state is Select.NULL or r["status"] == state]
        shown = matching[:SHOWN]
        self.add_rows(shown[:FIRST_ROWS])
        if keep and table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))
        behind_schedule = sum(1 for r in matching if r["status"] != "ON_TRACK")
        if self.counts is not None:  # the rows are the most urgent only: the counts say how many in all
            behind_schedule = sum(n for key, n in self.counts.items() if state is Select.NULL or key == state)
        more = (f" · 显示最紧急的 {SHOWN} 行，请用 f 筛选 the {SHOWN} most urgent shown; f filters"
                if behind_schedule > SHOWN else "")
        if partial:
            self.status(f"最紧急的 {len(matching)} 个目标 the {len(matching)} most urgent targets · "
                        "其余加载中 the rest loading…")
        else:
            self.status(f"{behind_schedule} 个目标 targets behind schedule（由重到轻 most urgent first）{more} · "
                        "enter 打开目标树 opens the unit's tree" + self.taken_warnings())
        self.fill_rest(shown[FIRST_ROWS:])

    def add_rows(self, rows: list[dict[str, Any]]) -> None:
        table = self.query_one(DataTable)
        for r in rows:
            text, style = STATES.get(r["status"], (r["status"], ""))
            table.add_row(r["unitCode"], r["code"], r["title"], percent(r["progress"]), percent(r["elapsed"]),
                          Text(text, style=style), amount(r.get("actualToDate")),
                          "是 yes" if r["reported"] else "否 no",
                          person(r.get("responsibleLeader")) or "—", key=f"{r['unitCode']}:{r['code']}")

    @work(exclusive=True, exit_on_error=False, group="fill")
    async def fill_rest(self, rows: list[dict[str, Any]]) -> None:
        await in_chunks(rows, CHUNK, self.add_rows)
