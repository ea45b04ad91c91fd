"""申诉 Appeals: while a published revision is on public notice (公示), a unit's operator or a leader of the
unit appeals against the unit's result (n); the target office decides each appeal with a written reason (w)
and, once the notice has ended and every appeal is decided, makes the revision final (F).

An accepted appeal is answered by a correction: the target office opens a new revision, corrects the inputs
and publishes again, and the new revision's notice starts afresh.
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.widgets import Label

from tui import keys
from tui.dialogs.form import Field, FormDialog, required_check
from tui.format import standing
from tui.screens.queue import QueueScreen, ask_to_finalise

DECISIONS = [("ACCEPTED", "采纳 Accept"), ("REJECTED", "驳回 Reject")]


class AppealsScreen(QueueScreen):
    BINDINGS = [keys.BACK, keys.RELOAD, keys.NEW, keys.WORKFLOW, keys.FINALIZE]
    ROLE_ACTIONS = {"new": "file_appeal", "workflow": "decide_appeal", "finalize": "finalize"}
    COLUMNS = ("编号 No.", "单位 Unit", "版本 Revision", "申诉理由 Reason", "状态 Status", "提出人 Filed by",
               "处理意见 Decision", "处理人 Decided by")
    DETAIL_TITLE = "申诉与处理 Appeal and decision"
    STATUS = {"FILED": "待处理 pending", "ACCEPTED": "已采纳 accepted", "REJECTED": "已驳回 rejected"}
    STATUS_STYLE = {"FILED": "yellow", "ACCEPTED": "green", "REJECTED": "dim"}

    def __init__(self) -> None:
        super().__init__()
        self.assessment: dict[str, Any] | None = None

    @property
    def appeals(self) -> list[dict[str, Any]]:
        return self.records

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

    @work(exclusive=True, exit_on_error=False, group="appeals")
    async def load(self) -> None:
        await self.load_unit_names()
        self.assessment = await self.call(self.api.assessment_status, self.year)
        appeals = await self.call(self.api.appeals, self.year)
        if appeals is None:
            return
        a = self.assessment
        state = (f"第 {a['revision']} 版 revision · {standing(a) or '尚未发布 not published yet'}" if a
                 else "尚无考核结果 no results yet")
        self.query_one("#heading", Label).update(f"{self.year} 申诉 Appeals · {state}")
        self.fill(appeals)
        pending = sum(1 for x in appeals if x["status"] == "FILED")
        self.status(f"{len(appeals)} 件申诉 appeals · 待处理 pending {pending}")

    def cells(self, x: dict[str, Any]) -> list[object]:
        return [x["id"], self.unit_label(x["unitCode"]), x["revision"], x["reason"], self.status_label(x),
                x["filedBy"], x.get("decision") or "", x.get("decidedBy") or ""]

    def describe(self, x: dict[str, Any]) -> list[str]:
        lines = [f"{self.unit_label(x['unitCode'])} 第 {x['revision']} 版：{x['reason']}（{x['filedBy']}）"]
        if x.get("decision"):
            lines.append(f"{self.status_label(x)}（{x.get('decidedBy') or ''}）：{x['decision']}")
        return lines

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
        if not self.in_status(x, "FILED", "只有待处理的申诉可以处理 Only pending appeals can be decided."):
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
        message = f"已保存 Saved: {self.status_label(result)}"
        if result["status"] == "ACCEPTED":
            message += "；请开启更正版本、更正数据并重新发布 open a correction, correct the inputs and publish again"
        self.notify(message, timeout=6)
        self.load()

    def action_finalize(self) -> None:
        if self.assessment is not None:
            ask_to_finalise(self, self.assessment["revision"], self.load)
