"""What the filing-record and leader-adjustment screens share: a bilingual table of records (each role's own
queue first), a status filter and a search, the highlighted record's details, the workflow steps the caller's
role may take on it, and an XLSX export. A record keeps its place in the list after a step."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Header, Input, Label, Select, Static

from tui import keys
from tui.format import GRADE_STYLE, GRADES, amount, money
from tui.labels import label
from tui.screens.base import MboScreen, Sheets, in_chunks
from tui.widgets.footer import Footer

FIRST_ROWS = 200
"""Rows drawn at once; the rest follow in chunks of CHUNK."""
CHUNK = 400


@dataclass(frozen=True)
class Column:
    title: str
    value: Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class Step:
    """A workflow step: the status it starts from, the permission it needs and its bilingual name."""

    name: str
    title: str
    source: str
    permission: str


def when(value: Any) -> str:
    """A timestamp as 'YYYY-MM-DD HH:MM' (the server sends ISO 8601)."""
    if not value:
        return "—"
    return str(value).replace("T", " ")[:16]


def yes_no(value: Any) -> str:
    return "是 yes" if value else "否 no"


class DetailDialog(ModalScreen[None]):
    """One record in full: every field with its bilingual name."""

    BINDINGS = [Binding("escape", "close", "关闭 Close", id="close"), Binding("enter", "close", show=False)]
    CSS = """
    DetailDialog { align: center middle; }
    #detail-box { width: 100; height: auto; max-height: 90%; border: thick $accent; background: $panel;
                  padding: 0 1; }
    """

    def __init__(self, title: str, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines
        self.box_title = title

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail-box"):
            yield Static("\n".join(self.lines), id="detail-text")
            yield Label("Esc / Enter 关闭 Close")

    def on_mount(self) -> None:
        self.query_one("#detail-box").border_title = self.box_title

    def action_close(self) -> None:
        self.dismiss(None)


class RecordsScreen(MboScreen):
    BINDINGS = [keys.BACK, keys.RELOAD, keys.FILTER, keys.SEARCH, keys.WORKFLOW, keys.EXPORT, keys.OPEN]
    CSS = MboScreen.CSS + """
    #record-filters { height: auto; }
    #record-filters Select { width: 36; }
    #record-filters Input { width: 40; }
    #records { height: 1fr; }
    #record { height: auto; max-height: 9; border: round $accent; padding: 0 1; }
    """
    TITLE_TEXT = ""
    EXPORT_NAME = ""
    STATUSES: dict[str, str] = {}
    STEPS: tuple[Step, ...] = ()
    QUEUES: dict[str, tuple[str, ...]] = {}  # role → the statuses that wait for that role (shown first)
    COLUMNS: tuple[Column, ...] = ()

    def __init__(self) -> None:
        super().__init__()
        self.records: list[dict[str, Any]] = []
        self.shown: list[int] = []  # indexes into self.records, in table order

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="heading", classes="title")
        with Horizontal(id="record-filters"):
            yield Select([(text, code) for code, text in self.STATUSES.items()], prompt="状态 Status: 全部 all",
                         id="state")
            yield Input(placeholder="搜索 Search: 姓名、单位 name, unit — / to focus", id="needle")
        yield DataTable(id="records", cursor_type="row", zebra_stripes=True)
        yield Static("", id="record")
        yield Label("", classes="status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for column in self.COLUMNS:
            table.add_column(column.title)
        self.query_one("#record").border_title = "详情 Detail (enter 全部 full record)"
        table.focus()
        self.action_reload()

    # ---- what the role may do ----------------------------------------------------------------------------

    def my_steps(self) -> list[Step]:
        return [s for s in self.STEPS if self.may(s.permission)]

    def queue(self) -> tuple[str, ...]:
        return tuple(s for role in self.roles for s in self.QUEUES.get(role, ()))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "workflow":
            return bool(self.my_steps())
        return super().check_action(action, parameters)

    # ---- loading -----------------------------------------------------------------------------------------

    def action_reload(self) -> None:
        self.query_one("#heading", Label).update(f"{self.year} · {self.TITLE_TEXT}")
        self.status("加载中 Loading…")
        self.load()

    async def fetch(self) -> list[dict[str, Any]] | None:
        raise NotImplementedError

    def sort_key(self, record: dict[str, Any]) -> tuple[Any, ...]:
        mine = self.queue()
        return (0 if record.get("status") in mine else 1, record.get("unit", {}).get("code") or "",
                record.get("personName") or "", str(record.get("id")))

    @work(exclusive=True, exit_on_error=False, group="records")
    async def load(self) -> None:
        records = await self.fetch()
        if records is None:
            return
        records.sort(key=self.sort_key)
        self.records = records
        self.refill()

    @on(Select.Changed, "#state")
    @on(Input.Changed, "#needle")
    def refilter(self) -> None:
        self.refill()

    @on(Input.Submitted, "#needle")
    def searched(self) -> None:
        self.query_one(DataTable).focus()

    def matches(self, record: dict[str, Any]) -> bool:
        state = self.query_one("#state", Select).value
        if state is not Select.NULL and record.get("status") != state:
            return False
        needle = self.query_one("#needle", Input).value.strip().upper()
        if not needle:
            return True
        haystack = " ".join(str(record.get(k) or "") for k in ("personName", "unitName", "position"))
        return needle in haystack.upper() or needle in str((record.get("unit") or {}).get("code") or "") \
            or needle in str((record.get("person") or {}).get("staffNo") or "")

    def refill(self, keep: int | None = None) -> None:
        """Fill the table from `self.records` (their order is kept); `keep` puts the cursor on that row."""
        table = self.query_one(DataTable)
        row = table.cursor_row if keep is None else keep
        table.clear()
        self.shown = [i for i, r in enumerate(self.records) if self.matches(r)]
        at_once = max(FIRST_ROWS, row + 1)  # the cursor's row is drawn before the cursor goes back to it
        self.add_rows(self.shown[:at_once])
        if self.shown:
            table.move_cursor(row=min(max(row, 0), len(self.shown) - 1))
        self.show_current()
        waiting = sum(1 for r in self.records if r.get("status") in self.queue())
        steps = " · ".join(f"w {s.title}" for s in self.my_steps())
        queue = f" · 待我处理 waiting for you: {waiting}" if self.queue() else ""
        self.status(f"{len(self.shown)} / {len(self.records)} 条记录 records{queue}" + (f" · {steps}" if steps else ""))
        self.fill_rest(self.shown[at_once:])

    def add_rows(self, indexes: list[int]) -> None:
        table = self.query_one(DataTable)
        for i in indexes:
            record = self.records[i]
            style = GRADE_STYLE.get(str(record.get("grade")), "")
            table.add_row(*(Text(c.value(record), style=style) for c in self.COLUMNS), key=str(i))

    @work(exclusive=True, exit_on_error=False, group="fill")
    async def fill_rest(self, indexes: list[int]) -> None:
        """The rows after the first ones (a province's 3,552 records at once held the screen ~0.4 s)."""
        await in_chunks(indexes, CHUNK, self.add_rows)

    @property
    def current(self) -> dict[str, Any] | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return self.records[int(str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value))]

    @on(DataTable.RowHighlighted)
    def show_current(self) -> None:
        record = self.current
        self.query_one("#record", Static).update(" · ".join(self.detail(record)[:8]) if record else "")

    def detail(self, record: dict[str, Any]) -> list[str]:
        raise NotImplementedError

    def action_open(self) -> None:
        record = self.current
        if record is not None:
            self.app.push_screen(DetailDialog(self.record_title(record), self.detail(record)))

    @on(DataTable.RowSelected)
    def selected(self) -> None:
        self.action_open()

    def record_title(self, record: dict[str, Any]) -> str:
        return f"{record.get('personName') or ''} · {record.get('position') or ''} · {record.get('year')}"

    def action_filter(self) -> None:
        self.query_one("#state", Select).focus()

    def action_search(self) -> None:
        self.query_one("#needle", Input).focus()

    # ---- workflow ----------------------------------------------------------------------------------------

    def action_workflow(self) -> None:
        record = self.current
        if record is None:
            return
        step = next((s for s in self.my_steps() if s.source == record.get("status")), None)
        if step is None:
            offered = "、".join(f"{s.title}（{label(self.STATUSES, s.source)}）" for s in self.my_steps())
            self.fail(f"此记录为「{label(self.STATUSES, record.get('status'))}」，没有您可以进行的操作。"
                      f"Nothing for your role to do on a record in this state. 您的操作 Your steps: {offered}")
            return
        self.start_step(step, record)

    def start_step(self, step: Step, record: dict[str, Any]) -> None:
        raise NotImplementedError

    def stepped(self, record: dict[str, Any]) -> Callable[[dict[str, Any] | None], None]:
        """After a step: the record is replaced where it stands and the cursor stays on its row."""
        def done(result: dict[str, Any] | None) -> None:
            if result is None:
                return
            index = next((i for i, r in enumerate(self.records) if r["id"] == record["id"]), None)
            row = self.query_one(DataTable).cursor_row
            if index is not None:
                self.records[index] = {**record, **result}
            self.refill(keep=row)
            self.notify(f"完成 Done: {label(self.STATUSES, result.get('status'))}", timeout=4)
        return done

    # ---- export ------------------------------------------------------------------------------------------

    def export_sheets(self) -> tuple[str, Sheets] | None:
        if not self.records:
            return None
        columns = [c.title for c in self.COLUMNS]
        rows = [[c.value(self.records[i]) for c in self.COLUMNS] for i in self.shown]
        return f"{self.EXPORT_NAME}-{self.year}.xlsx", {str(self.year): (columns, rows)}


def grade(record: dict[str, Any]) -> str:
    return label(GRADES, record.get("grade"))


def score(record: dict[str, Any]) -> str:
    return amount(record.get("compositeScore"))


def line(name: str, value: Any) -> str:
    return f"[b]{escape(name)}[/b] {escape(str(value))}"


__all__ = ["Column", "RecordsScreen", "Step", "grade", "line", "money", "score", "when", "yes_no"]
