"""Units (目标责任单位): a searchable, sortable table; enter opens the unit's target tree."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.widgets import DataTable, Header, Input, Label

from tui import keys
from tui.screens.base import MboScreen
from tui.widgets.footer import Footer

KINDS = {"DISTRICT": "区 District", "MUNICIPAL": "市直 Municipal"}
COLUMNS = ("代码 Code", "名称 Name", "类别 Kind", "考核组 Group", "人数 Staff")


class UnitsScreen(MboScreen):
    BINDINGS = [keys.BACK, keys.RELOAD, keys.SEARCH, keys.SORT, keys.STAFF, keys.OPEN]
    CSS = MboScreen.CSS + "#filter { dock: top; }"

    def __init__(self) -> None:
        super().__init__()
        self.units: list[dict[str, Any]] = []
        self.staff: dict[str, int] = {}
        self.sort_column = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="搜索单位 Search units (code or name) — / to focus, enter to open", id="filter")
        yield DataTable(id="units", zebra_stripes=True, cursor_type="row")
        yield Label("", classes="status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        table.focus()
        self.action_reload()

    def action_reload(self) -> None:
        self.status("加载中 Loading…")
        self.load()

    def action_search(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_sort(self) -> None:
        self.sort_column = (self.sort_column + 1) % len(COLUMNS)
        self.refill()
        self.notify(f"排序 Sorted by {COLUMNS[self.sort_column]}", timeout=2)

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return
        code = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        from tui.screens.unit_tree import UnitTreeScreen

        self.app.push_screen(UnitTreeScreen(str(code)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "staff":
            return self.may("staff_counts") or bool(self.own_unit)
        return super().check_action(action, parameters)

    def action_staff(self) -> None:
        """The highlighted unit's people (a unit's own roles: their own unit only)."""
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return
        code = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        if not self.may("staff_counts") and code != self.own_unit:
            self.fail(f"只能查看本单位人员 You see the staff of your own unit ({self.own_unit}) only")
            return
        self.show_staff(code)

    @work(exclusive=True, exit_on_error=False, group="staff-list")
    async def show_staff(self, code: str) -> None:
        people = await self.call(self.api.unit_staff, code)
        if people is None:
            return
        from tui.screens.records import DetailDialog

        lines = [escape(f"{p['staffNo']}  {p['name']}  {p.get('position') or ''}") for p in people] or ["—"]
        self.app.push_screen(DetailDialog(f"{code} 人员 Staff · {len(people)} 人 people", lines))

    @on(DataTable.RowSelected)
    def row_selected(self) -> None:
        self.action_open()

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        """Enter in the search opens the tree of the first unit found (as the hint says)."""
        table = self.query_one(DataTable)
        table.focus()
        if table.row_count:
            table.move_cursor(row=0)
            self.action_open()

    @work(exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        units = await self.call(self.api.units)
        if units is None:
            return
        self.units = units
        self.refill()
        if self.may("staff_counts") or self.own_unit:
            self.load_staff()

    @property
    def own_unit(self) -> str | None:
        """A unit-bound caller sees the staff of its own unit only (asking for others' would be refused)."""
        return None if self.may("staff_counts") else self.api.session.unit

    def staff_shown(self, code: str) -> object:
        if self.may("staff_counts") or code == self.own_unit:
            return self.staff.get(code, "…")
        return "—"

    @work(exclusive=True, exit_on_error=False, group="staff")
    async def load_staff(self) -> None:
        own = self.own_unit
        if own:
            people = await self.call(self.api.unit_staff, own)
            staff = {own: len(people)} if people is not None else None
        else:
            staff = await self.call(self.api.staff_counts)
        if staff:
            self.staff = staff
            self.refill()

    @on(Input.Changed, "#filter")
    def refill(self) -> None:
        needle = self.query_one("#filter", Input).value.strip().upper()
        rows = [
            (u["code"], u["name"], KINDS.get(u["kind"], u["kind"]), u["group"],
             self.staff_shown(u["code"]))
            for u in self.units
            if not needle or needle in u["code"].upper() or needle in u["name"]
        ]
        column = self.sort_column
        rows.sort(key=lambda row: str(row[column]).zfill(8) if column == 4 else str(row[column]))
        table = self.query_one(DataTable)
        table.clear()
        for row in rows:
            table.add_row(*(str(v) for v in row), key=row[0])
        self.status(f"{len(rows)} / {len(self.units)} 个单位 units · enter 打开目标树 opens the target tree")
