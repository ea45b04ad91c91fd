"""申诉 Appeals: while a published revision is on public notice (公示), a unit's operator or a leader of the
unit appeals against the unit's result (n); the target office decides each appeal with a written reason (w)
and, once the notice has ended and every appeal is decided, makes the revision final (F).

An accepted appeal is answered by a correction: the target office opens a new revision, corrects the inputs
and publishes again, and the new revision's notice starts afresh.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.widgets import DataTable, Footer, Header, Label, Static

from tui import keys
from tui.dialogs.confirm import ConfirmDialog
from tui.dialogs.form import Field, FormDialog, required_check
from tui.format import standing
from tui.screens.base import MboScreen

STATUS = {"FILED": "待处理 pending", "ACCEPTED": "已采纳 accepted", "REJECTED": "已驳回 rejected"}
STATUS_STYLE = {"FILED": "yellow", "ACCEPTED": "green", "REJECTED": "dim"}
DECISIONS = [("ACCEPTED", "采纳 Accept"), ("REJECTED", "驳回 Reject")]
COLUMNS = ("编号 No.", "单位 Unit", "版本 Revision", "申诉理由 Reason", "状态 Status", "提出人 Filed by",
           "处理意见 Decision", "处理人 Decided by")


class AppealsScreen(MboScreen):
    BINDINGS = [keys.BACK, keys.RELOAD, keys.NEW, keys.WORKFLOW, keys.FINALIZE]
    ROLE_ACTIONS = {"new": "file_appeal", "workflow": "decide_appeal", "finalize": "finalize"}
    CSS = MboScreen.CSS + """
    #appeals { height: 1fr; }
    #detail { height: auto; max-height: 6; border: round $accent; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.appeals: list[dict[str, Any]] = []
        self.assessment: dict[str, Any] | None = None
        self.unit_names: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="heading", classes="title")
        yield DataTable(id="appeals", cursor_type="row", zebra_stripes=True)
        yield Static("", id="detail")
        yield Label("", classes="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#detail").border_title = "申诉与处理 Appeal and decision"
        self.query_one(DataTable).add_columns(*COLUMNS)
        self.query_one(DataTable).focus()
        self.action_reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        allowed = super().check_action(action, parameters)
        if not allowed:
            return allowed
        a = self.assessment
        if action == "new" and not self.api.session.unit:
            return False  # a leader of the city, not of a unit, has no unit to appeal for
        if action == "new" and not (a and a.get("onNotice")):
            return None  # shown, greyed out: appeals are taken while the results are on public notice
        if action == "workflow" and not (self.current and self.current["status"] == "FILED"):
            return None
        if action == "finalize" and not (a and a["status"] == "PUBLISHED" and not a.get("final")):
            return None
        return True

    def action_reload(self) -> None:
        self.status("加载中 Loading…")
        self.load()

    def unit_label(self, code: str) -> str:
        name = self.unit_names.get(code)
        return f"{name}（{code}）" if name else code

    @work(exclusive=True, exit_on_error=False, group="appeals")
    async def load(self) -> None:
        if not self.unit_names:
            units = await self.call(self.api.units)
            self.unit_names = {u["code"]: u["name"] for u in units or []}
        self.assessment = await self.call(self.api.assessment_status, self.year)
        appeals = await self.call(self.api.appeals, self.year)
        if appeals is None:
            return
        a = self.assessment
        state = (f"第 {a['revision']} 版 revision · {standing(a) or '尚未发布 not published yet'}" if a
                 else "尚无考核结果 no results yet")
        self.query_one("#heading", Label).update(f"{self.year} 申诉 Appeals · {state}")
        self.appeals = appeals
        table = self.query_one(DataTable)
        table.clear()
        for x in appeals:
            style = STATUS_STYLE.get(x["status"], "")
            table.add_row(*(Text(str(v), style=style) for v in (
                x["id"], self.unit_label(x["unitCode"]), x["revision"], x["reason"],
                STATUS.get(x["status"], x["status"]), x["filedBy"], x.get("decision") or "",
                x.get("decidedBy") or "")), key=x["id"])
        self.refresh_bindings()
        pending = sum(1 for x in appeals if x["status"] == "FILED")
        self.status(f"{len(appeals)} 件申诉 appeals · 待处理 pending {pending}")

    @property
    def current(self) -> dict[str, Any] | None:
        tables = self.query(DataTable)
        if not tables or not tables.first().row_count:
            return None
        table = tables.first()
        key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        return next((x for x in self.appeals if x["id"] == key), None)

    @on(DataTable.RowHighlighted)
    def highlighted(self) -> None:
        x = self.current
        if x is None:
            return
        lines = [f"{self.unit_label(x['unitCode'])} 第 {x['revision']} 版：{x['reason']}（{x['filedBy']}）"]
        if x.get("decision"):
            lines.append(f"{STATUS.get(x['status'], '')}（{x.get('decidedBy') or ''}）：{x['decision']}")
        self.query_one("#detail", Static).update("\n".join(lines))
        self.refresh_bindings()

    def action_new(self) -> None:
        unit = self.api.session.unit
        if not unit:
            self.fail("只有本单位的操作员或领导可以申诉 Only a unit's operator or leader appeals for the unit.")
            return
        fields = [Field("unit", "单位 Unit", self.unit_label(unit), disabled=True),
                  Field("reason", "申诉理由 Reason", check=required_check)]

        async def save(values: dict[str, str]) -> dict[str, Any]:
            return await self.api.file_appeal(self.year, unit, values["reason"])

        self.app.push_screen(FormDialog(f"提出申诉 File an appeal · {self.year}", fields, save), self.saved)

    def action_workflow(self) -> None:
        x = self.current
        if x is None or x["status"] != "FILED":
            self.fail("只有待处理的申诉可以处理 Only pending appeals can be decided.")
            return
        fields = [Field("decision", "处理 Decision", DECISIONS[0][0], choices=DECISIONS),
                  Field("reason", "书面理由 Written reason", check=required_check)]

        async def save(values: dict[str, str]) -> dict[str, Any]:
            return await self.api.decide_appeal(x, values["decision"] == "ACCEPTED", values["reason"])

        self.app.push_screen(FormDialog(f"处理申诉 Decide appeal {x['id']} · {self.unit_label(x['unitCode'])}",
                                        fields, save), self.saved)

    def saved(self, result: dict[str, Any] | None) -> None:
        if result is None:
            return
        message = f"已保存 Saved: {STATUS.get(result['status'], result['status'])}"
        if result["status"] == "ACCEPTED":
            message += "；请开启更正版本、更正数据并重新发布 open a correction, correct the inputs and publish again"
        self.notify(message, timeout=6)
        self.load()

    def action_finalize(self) -> None:
        a = self.assessment
        if a is None:
            return
        question = (f"将 {self.year} 年度第 {a['revision']} 版考核结果定稿？\n"
                    f"Make revision {a['revision']} of {self.year} final? The public notice must have ended and "
                    "every appeal must be decided.")

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.finalize()

        self.app.push_screen(ConfirmDialog(question, "定稿 Finalise"), confirmed)

    @work(exclusive=True, exit_on_error=False, group="finalize")
    async def finalize(self) -> None:
        done = await self.call(self.api.finalize, self.year)
        if done is not None:
            self.notify(f"已定稿 Revision {done['revision']} is final", timeout=4)
            self.load()
