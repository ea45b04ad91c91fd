"""What the filing-record and leader-adjustment screens share: a table of records whose columns follow the
live schema, workflow actions discovered from the schema's mutations, and an XLSX export."""

from __future__ import annotations

import asyncio
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.widgets import DataTable, Footer, Header, Label, Static

from tui import keys
from tui.dialogs.form import Field, FormDialog
from tui.export import write_xlsx
from tui.format import GRADE_STYLE, GRADES, person
from tui.screens.base import MboScreen

PREFERRED = ("id", "person", "unit", "year", "grade", "status", "position", "teamRole", "mainLeaderRole",
             "compositeScore", "rank", "decisionKind", "decisionText", "needsReview", "updatedAt")
STEP_PERMISSION = {"review": "review_filing", "transfer": "transfer_filing", "archive": "archive_filing",
                   "decide": "decide_adjustment", "execute": "decide_adjustment"}


def cell(value: Any) -> str:
    if isinstance(value, dict):
        if "points" in value and "reason" in value:  # an adjustment item (加减分) with its reason
            return f"{value['points']} {value.get('category') or ''}（{value['reason']}）"
        return person(value) if "staffNo" in value else str(value.get("code", value))
    if isinstance(value, bool):
        return "是 yes" if value else "否 no"
    if isinstance(value, list):
        return ", ".join(cell(v) for v in value)
    return "" if value is None else str(value)


class RecordsScreen(MboScreen):
    BINDINGS = [keys.BACK, keys.RELOAD, keys.WORKFLOW, keys.EXPORT]
    KIND = ""  # "Filing" or "LeaderAdjustment": mutations whose names contain it are the workflow actions
    TITLE_TEXT = ""
    EXPORT_NAME = ""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[dict[str, Any]] = []
        self.columns: list[str] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="heading", classes="title")
        yield DataTable(id="records", cursor_type="row", zebra_stripes=True)
        yield Static("", id="record")
        yield Label("", classes="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.action_reload()

    def steps(self) -> list[str]:
        """Workflow mutations the server offers and the caller's role may run."""
        found = []
        for name in self.api.workflow_mutations(self.KIND):
            if name.lower().startswith(("import", "create", "update", "delete")):
                continue
            verb = next((v for v in STEP_PERMISSION if name.lower().startswith(v)), None)
            if verb is None or self.may(STEP_PERMISSION[verb]):
                found.append(name)
        return found

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "workflow":
            return bool(self.steps())
        return super().check_action(action, parameters)

    def action_reload(self) -> None:
        self.query_one("#heading", Label).update(f"{self.year} · {self.TITLE_TEXT}")
        self.status("加载中 Loading…")
        self.load()

    async def fetch(self) -> list[dict[str, Any]] | None:
        raise NotImplementedError

    @work(exclusive=True, exit_on_error=False, group="records")
    async def load(self) -> None:
        records = await self.fetch()
        if records is None:
            return
        self.records = records
        table = self.query_one(DataTable)
        table.clear(columns=True)
        present = list(records[0]) if records else []
        self.columns = [c for c in PREFERRED if c in present] + [c for c in present if c not in PREFERRED][:4]
        for column in self.columns:
            table.add_column(column)
        for index, r in enumerate(records):
            style = GRADE_STYLE.get(str(r.get("grade")), "")
            table.add_row(*(Text(GRADES.get(str(r[c]), cell(r[c])) if c == "grade" else cell(r[c]), style=style)
                            for c in self.columns), key=str(index))
        self.refresh_bindings()
        self.status(f"{len(records)} 条记录 records" + (f" · w 流转 workflow: {', '.join(self.steps())}"
                                                      if self.steps() else ""))

    @property
    def current(self) -> dict[str, Any] | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return self.records[int(str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value))]

    @on(DataTable.RowHighlighted)
    def highlighted(self) -> None:
        record = self.current
        if record:
            self.query_one("#record", Static).update(
                " · ".join(f"{k}: {cell(v)}" for k, v in record.items() if v not in (None, "", [])))

    def extra_fields(self) -> list[Field]:
        return [Field("remarks", "备注 Remarks / note")]

    def action_workflow(self) -> None:
        record = self.current
        steps = self.steps()
        if record is None or not steps:
            return
        fields = [Field("step", "操作 Action", steps[0], choices=[(s, s) for s in steps]), *self.extra_fields()]

        async def save(values: dict[str, str]) -> dict[str, Any]:
            extra = {k: v for k, v in values.items() if k != "step" and v}
            for alias in ("remarks", "note", "text"):
                extra.setdefault(alias, values.get("remarks") or values.get("text") or "")
            return await self.api.workflow(values["step"], record, extra)

        self.app.push_screen(FormDialog(f"流转 Workflow · {cell(record.get('person'))}", fields, save), self.done)

    def done(self, result: dict[str, Any] | None) -> None:
        if result is not None:
            self.notify(f"完成 Done: {cell(result.get('status'))}", timeout=4)
            self.load()

    def action_export(self) -> None:
        self.export()

    @work(exclusive=True, exit_on_error=False, group="export")
    async def export(self) -> None:
        if not self.records:
            self.fail("没有可导出的数据 Nothing to export")
            return
        columns = list(self.records[0])
        rows = [[cell(r.get(c)) for c in columns] for r in self.records]
        path = await asyncio.to_thread(write_xlsx, f"{self.EXPORT_NAME}-{self.year}.xlsx",
                                       {str(self.year): (columns, rows)})
        self.status(f"已导出 Exported to {path}")
        self.notify(f"已导出 Saved {path}", timeout=8)
