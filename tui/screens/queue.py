"""What the adjustment-item and appeal screens share: a table of a year's records keyed by id, the highlighted
record in full below it, unit names next to their codes; and, with the ranking screen, making a published
revision final (定稿) behind a confirmation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import DataTable, Header, Label, Static

from tui.screens.base import MboScreen
from tui.widgets.footer import Footer


def ask_to_finalise(screen: MboScreen, revision: int, after: Callable[[], None]) -> None:
    """Ask, then make the year's latest revision final; `after` runs once it is."""
    question = (f"将 {screen.year} 年度第 {revision} 版考核结果定稿？定稿后为最终结果，用于奖惩兑现。\n"
                f"Make revision {revision} of {screen.year} final? Its public notice must have ended and every "
                "appeal must be decided; final results are what rewards are applied from.")

    async def finalise() -> None:
        done = await screen.call(screen.api.finalize, screen.year)
        if done is not None:
            screen.notify(f"已定稿 Revision {done['revision']} is final", timeout=4)
            after()

    screen.confirm(question, "定稿 Finalise",
                   lambda: screen.run_worker(finalise(), group="finalize", exclusive=True, exit_on_error=False))


class QueueScreen(MboScreen):
    """A year's records (each with an `id`, a `unitCode` and a `status`); subclasses say how they read."""

    COLUMNS: tuple[str, ...] = ()
    DETAIL_TITLE = ""
    STATUS: dict[str, str] = {}
    STATUS_STYLE: dict[str, str] = {}
    CSS = MboScreen.CSS + """
    #records { height: 1fr; }
    #detail { height: auto; max-height: 6; border: round $accent; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.records: list[dict[str, Any]] = []
        self.unit_names: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="heading", classes="title")
        yield DataTable(id="records", cursor_type="row", zebra_stripes=True)
        yield Static("", id="detail")
        yield Label("", classes="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#detail").border_title = self.DETAIL_TITLE
        self.query_one(DataTable).add_columns(*self.COLUMNS)
        self.query_one(DataTable).focus()
        self.action_reload()

    def action_reload(self) -> None:
        self.status("加载中 Loading…")
        self.load()

    def load(self) -> None:
        raise NotImplementedError

    def cells(self, record: dict[str, Any]) -> list[object]:
        raise NotImplementedError

    def describe(self, record: dict[str, Any]) -> list[str]:
        raise NotImplementedError

    def unit_label(self, code: str) -> str:
        name = self.unit_names.get(code)
        return f"{name}（{code}）" if name else code

    async def load_unit_names(self) -> None:
        if not self.unit_names:
            units = await self.call(self.api.units)
            self.unit_names = {u["code"]: u["name"] for u in units or []}

    def fill(self, records: list[dict[str, Any]]) -> None:
        self.records = records
        table = self.query_one(DataTable)
        table.clear()
        for record in records:
            style = self.STATUS_STYLE.get(record["status"], "")
            table.add_row(*(Text(str(v), style=style) for v in self.cells(record)), key=record["id"])
        self.refresh_bindings()

    def status_label(self, record: dict[str, Any]) -> str:
        return self.STATUS.get(record["status"], record["status"])

    @property
    def current(self) -> dict[str, Any] | None:
        tables = self.query(DataTable)
        if not tables or not tables.first().row_count:
            return None
        table = tables.first()
        key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        return next((r for r in self.records if r["id"] == key), None)

    @on(DataTable.RowHighlighted)
    def highlighted(self) -> None:
        record = self.current
        if record is not None:
            self.query_one("#detail", Static).update("\n".join(self.describe(record)))
            self.refresh_bindings()
