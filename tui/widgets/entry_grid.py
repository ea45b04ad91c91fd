"""A keyboard-only entry grid: arrows move, enter (or a digit) edits the cell, the range is checked before
the value is taken, changed rows are marked and the totals line is recomputed on every change."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Label

Check = Callable[[str, dict[str, Any]], str | None]


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    check: Check | None = None  # editable when set

    @property
    def editable(self) -> bool:
        return self.check is not None


def int_check(text: str, row: dict[str, Any]) -> str | None:
    if not text.isdigit():
        return "请输入非负整数 Enter a whole number ≥ 0"
    return None


def range_check(low: float, high: float | None) -> Check:
    def check(text: str, row: dict[str, Any]) -> str | None:
        try:
            value = float(text)
        except ValueError:
            return "请输入数字 Enter a number"
        if value < low or (high is not None and value > high):
            return f"范围 Range {low}–{high}" if high is not None else f"不能小于 Must be ≥ {low}"
        return None
    return check


class EntryGrid(Vertical):
    DEFAULT_CSS = """
    EntryGrid { height: 1fr; }
    EntryGrid DataTable { height: 1fr; }
    EntryGrid #editor-row { height: auto; display: none; }
    EntryGrid.editing #editor-row { display: block; }
    EntryGrid #editor-label { width: auto; padding: 1 1 0 1; }
    EntryGrid #editor { width: 30; }
    EntryGrid #editor-error { color: $error; padding: 1 1 0 1; width: 1fr; }
    EntryGrid #totals { height: auto; padding: 0 1; text-style: bold; }
    """

    class Changed(Message):
        def __init__(self, grid: EntryGrid) -> None:
            super().__init__()
            self.grid = grid

    def __init__(self, columns: list[Column], totals: Callable[[list[dict[str, Any]]], str], *, id: str) -> None:
        super().__init__(id=id)
        self.columns = columns
        self.totals = totals
        self.rows: list[dict[str, Any]] = []
        self.dirty: set[int] = set()
        self.editing: tuple[int, int] | None = None
        self.read_only = ""  # why the values cannot change now (a published year); empty: they can

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="cell", zebra_stripes=True)
        with Horizontal(id="editor-row"):
            yield Label("", id="editor-label")
            yield Input(id="editor", select_on_focus=False)
            yield Label("", id="editor-error")
        yield Label("", id="totals")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for c in self.columns:
            table.add_column(Text(c.label + (" ✎" if c.editable else ""), style="bold"), key=c.key)

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one(DataTable)

    def load(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.dirty = set()
        self.refill()

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        self.dirty.add(len(self.rows) - 1)
        self.refill()
        self.table.move_cursor(row=len(self.rows) - 1)

    def refill(self) -> None:
        table = self.table
        table.clear()
        for index in range(len(self.rows)):
            table.add_row(*(self.cell(index, c) for c in self.columns), key=str(index))
        self.query_one("#totals", Label).update(self.totals(self.rows) + (
            f"   · 未保存 unsaved rows: {len(self.dirty)} (ctrl+s)" if self.dirty else "") + (
            f"\n{self.read_only}" if self.read_only else ""))

    def cell(self, index: int, column: Column) -> Text:
        value = self.rows[index].get(column.key)
        text = "" if value is None else str(value)
        editable = column.editable and not self.read_only
        style = "bold yellow" if index in self.dirty and editable else ""
        return Text(text or ("·" if editable else ""), style=style)

    def begin(self, initial: str | None = None) -> None:
        table = self.table
        if not self.rows:
            return
        if self.read_only:
            self.query_one("#totals", Label).update(self.read_only)
            return
        row, col = table.cursor_coordinate
        column = self.columns[col]
        if not column.editable:
            col = next((i for i, c in enumerate(self.columns) if c.editable), col)
            column = self.columns[col]
            table.move_cursor(column=col)
        self.editing = (row, col)
        value = self.rows[row].get(column.key)
        editor = self.query_one("#editor", Input)
        editor.value = initial if initial is not None else ("" if value is None else str(value))
        self.query_one("#editor-label", Label).update(f"{column.label}（第 {row + 1} 行 row）")
        self.query_one("#editor-error", Label).update("")
        self.add_class("editing")
        editor.focus()
        editor.cursor_position = len(editor.value)

    def cancel(self) -> None:
        self.editing = None
        self.remove_class("editing")
        self.table.focus()

    @on(DataTable.CellSelected)
    def selected(self) -> None:
        if self.editing is None:
            self.begin()

    def on_key(self, event: events.Key) -> None:
        editor = self.query_one("#editor", Input)
        if self.editing is None and event.character and (event.character.isdigit() or event.character == "."):
            if self.table.has_focus:
                event.stop()
                self.begin(event.character)
        elif self.editing is not None and not editor.has_focus and event.character and event.is_printable:
            event.stop()  # typed before the editor took focus
            editor.value += event.character
        elif self.editing is not None and event.key == "escape":
            event.stop()
            self.cancel()

    @on(Input.Submitted, "#editor")
    def commit(self, event: Input.Submitted) -> None:
        event.stop()
        if self.editing is None:
            return
        row, col = self.editing
        column = self.columns[col]
        text = event.value.strip()
        problem = column.check(text, self.rows[row]) if column.check else None
        if problem:
            self.query_one("#editor-error", Label).update(problem)
            return
        if str(self.rows[row].get(column.key) or "") != text:
            self.rows[row][column.key] = text
            self.dirty.add(row)
        self.cancel()
        self.refill()
        self.table.move_cursor(row=min(row + 1, len(self.rows) - 1), column=col)
        self.post_message(self.Changed(self))
