"""Units (目标责任单位): a searchable, sortable table."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Label

from tui.api import ApiError

KINDS = {"DISTRICT": "区 District", "MUNICIPAL": "市直 Municipal"}
QUERY = "{ units { code name kind group staff { staffNo } } }"


class UnitsScreen(Screen[None]):
    BINDINGS = [
        Binding("r", "reload", "刷新 Reload", id="reload"),
        Binding("slash", "search", "搜索 Search", id="search"),
        Binding("s", "sort", "排序 Sort", id="sort"),
    ]
    CSS = "#status { height: 1; color: $text-muted; } #filter { dock: top; }"

    def __init__(self) -> None:
        super().__init__()
        self.units: list[dict[str, Any]] = []
        self.sort_column = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="搜索单位 Search units (code or name)", id="filter")
        yield DataTable(id="units", zebra_stripes=True, cursor_type="row")
        yield Label("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("代码 Code", "名称 Name", "类别 Kind", "考核组 Group", "人数 Staff")
        self.action_reload()

    def action_reload(self) -> None:
        self.query_one("#status", Label).update("加载中 Loading…")
        self.load()

    def action_search(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_sort(self) -> None:
        self.sort_column = (self.sort_column + 1) % 5
        self.refill()

    @work(exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        try:
            data = await self.app.api.query(QUERY)  # type: ignore[attr-defined]
        except ApiError as exc:
            self.query_one("#status", Label).update(exc.message)
            return
        self.units = data["units"]
        self.refill()

    @on(Input.Changed, "#filter")
    def refill(self) -> None:
        needle = self.query_one("#filter", Input).value.strip()
        rows = [
            (u["code"], u["name"], KINDS.get(u["kind"], u["kind"]), u["group"], len(u["staff"]))
            for u in self.units
            if not needle or needle in u["code"] or needle in u["name"]
        ]
        rows.sort(key=lambda row: row[self.sort_column])
        table = self.query_one(DataTable)
        table.clear()
        for row in rows:
            table.add_row(*(str(v) for v in row), key=row[0])
        self.query_one("#status", Label).update(f"{len(rows)} / {len(self.units)} 个单位 units")
