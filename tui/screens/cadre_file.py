"""干部档案 A person's cadre file: filing records and adjustment cases across years, newest first."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import DataTable, Footer, Header, Input, Label

from tui import keys
from tui.screens.base import MboScreen
from tui.screens.records import PREFERRED, cell


class CadreFileScreen(MboScreen):
    BINDINGS = [keys.BACK, keys.SEARCH]

    def __init__(self, staff_no: str = "") -> None:
        super().__init__()
        self.staff_no = staff_no

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(self.staff_no, placeholder="工号 Staff number, then enter", id="staff-no")
        yield Label("", id="who", classes="title")
        yield DataTable(id="file", cursor_type="row", zebra_stripes=True)
        yield Label("", classes="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        if self.staff_no:
            self.load(self.staff_no)

    def action_search(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.load(event.value.strip())

    @work(exclusive=True, exit_on_error=False)
    async def load(self, staff_no: str) -> None:
        if not self.api.has("Person", "cadreFile"):
            await self.api.load_schema()
        found = await self.call(self.api.cadre_file, staff_no)
        if found is None:
            self.status(f"未找到 No person {staff_no}")
            return
        self.query_one("#who", Label).update(f"{found['name']}（{found['staffNo']}）· {found.get('position') or ''}")
        entries: Any = found.get("cadreFile")
        if entries is None:
            self.status("服务器尚未提供干部档案 This server does not offer Person.cadreFile yet.")
            return
        if isinstance(entries, dict):  # a wrapper object: flatten its lists
            entries = [e for v in entries.values() if isinstance(v, list) for e in v]
        table = self.query_one(DataTable)
        table.clear(columns=True)
        present = list(entries[0]) if entries else []
        columns = [c for c in PREFERRED if c in present] + [c for c in present if c not in PREFERRED][:5]
        for c in columns:
            table.add_column(c)
        for e in entries:
            table.add_row(*(cell(e.get(c)) for c in columns))
        self.status(f"{len(entries)} 条记录 entries")
