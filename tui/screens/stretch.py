"""跳起来摘桃子 Stretch flags: top-level targets whose value does not improve on the baseline."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.widgets import DataTable, Header, Label

from tui import keys
from tui.format import amount
from tui.screens.base import MboScreen
from tui.widgets.footer import Footer


class StretchScreen(MboScreen):
    BINDINGS = [keys.BACK, keys.RELOAD, keys.OPEN]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("自娱自乐：商定值未超过基数的目标，需说明理由方可商定 "
                    "Targets that do not beat their baseline need an override reason", classes="title")
        yield DataTable(id="flags", cursor_type="row", zebra_stripes=True)
        yield Label("", classes="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("单位 Unit", "代码 Code", "目标 Target", "值 Value", "基数 Baseline",
                                              "已说明 Overridden", "理由 Reason")
        self.action_reload()

    def action_reload(self) -> None:
        self.load()

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            from tui.screens.unit_tree import UnitTreeScreen

            key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
            self.app.push_screen(UnitTreeScreen(key.split(":", 1)[0]))

    @work(exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        flags = await self.call(self.api.stretch_flags, self.year, None)
        if flags is None:
            return
        table = self.query_one(DataTable)
        table.clear()
        for f in flags:
            t = f["target"]
            table.add_row(t["unitCode"], t["code"], t["title"], amount(f["value"]), amount(f["baseline"]),
                          Text("是 yes", "green") if f["overridden"] else Text("否 no", "bold yellow"),
                          f.get("overrideReason") or "", key=f"{t['unitCode']}:{t['code']}")
        self.status(f"{len(flags)} 个标记 flags")
