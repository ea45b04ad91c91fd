"""身份审计 Identity audit (AUDITOR): the identity store's trail — sign-ins, lockouts, account changes — newest
first, with a filter and the before/after of the highlighted entry."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.widgets import DataTable, Header, Input, Label, Static

from tui import keys
from tui.screens.base import MboScreen
from tui.widgets.footer import Footer

COLUMNS = ("编号 Id", "时间 Time", "操作者 Actor", "操作 Action", "对象 Entity", "结果 Result", "来源 Source",
           "详情 Detail")
PAGE = 200


def local_time(stamp: str | None) -> str:
    """The server's ISO time in this machine's time zone, to the second."""
    if not stamp:
        return ""
    try:
        return datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return stamp[:19]


def shown(value: Any) -> str:
    """A before/after value as compact JSON (the store may hold it as JSON text already)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return "—" if value is None else json.dumps(value, ensure_ascii=False)


class IdentityAuditScreen(MboScreen):
    BINDINGS = [keys.BACK, keys.RELOAD, keys.SEARCH, keys.MORE]
    CSS = MboScreen.CSS + """
    #filter { dock: top; }
    #entries { height: 1fr; }
    #detail { height: 7; border: round $accent; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="筛选 Filter (actor, action, account) — / to focus", id="filter")
        yield DataTable(id="entries", zebra_stripes=True, cursor_type="row")
        yield Static("", id="detail", markup=False)
        yield Label("", classes="status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#entries", DataTable)
        table.add_columns(*COLUMNS)
        table.focus()
        self.query_one("#detail").border_title = "变更前后 Before → after"
        self.action_reload()

    def action_reload(self) -> None:
        self.entries = []
        self.status("加载中 Loading…")
        self.load(None)

    def action_more(self) -> None:
        if self.entries:
            self.load(min(e["id"] for e in self.entries))

    def action_search(self) -> None:
        self.query_one("#filter", Input).focus()

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        self.query_one("#entries", DataTable).focus()

    @work(exclusive=True, exit_on_error=False)
    async def load(self, before: int | None) -> None:
        found = await self.call(self.api.identity_audit, PAGE, before)
        if found is None:
            return
        self.entries += found
        self.refill()

    @on(Input.Changed, "#filter")
    def refill(self) -> None:
        needle = self.query_one("#filter", Input).value.strip().lower()
        table = self.query_one("#entries", DataTable)
        table.clear()
        shown = 0
        for e in self.entries:
            row = [str(e["id"]), local_time(e.get("at")), e.get("actor") or "",
                   e.get("action") or "", f"{e.get('entity') or ''} {e.get('entityId') or ''}".strip(),
                   "成功 ok" if e.get("success") else "失败 refused", e.get("source") or "", e.get("detail") or ""]
            if needle and not any(needle in cell.lower() for cell in row):
                continue
            table.add_row(*(Text(cell) for cell in row), key=str(e["id"]))  # no markup: actors are typed in
            shown += 1
        self.status(f"{shown} / {len(self.entries)} 条 entries · m 更早 older")

    @on(DataTable.RowHighlighted, "#entries")
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        entry = next((e for e in self.entries if str(e["id"]) == event.row_key.value), None)
        if entry is None:
            return
        who = f"角色 Roles: {entry.get('roles') or '—'} · 请求 Request: {entry.get('requestId') or '—'}"
        self.query_one("#detail", Static).update(
            f"{shown(entry.get('before'))} → {shown(entry.get('after'))}\n{entry.get('detail') or ''}\n{who}")
