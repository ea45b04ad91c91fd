"""末位调整 Leader adjustments: a case per main leader of a last-place unit, 待决定 → 已决定 → 已执行; the
organisation department decides (with the kind of decision and its text) and executes."""

from __future__ import annotations

from typing import Any

from tui.dialogs.form import Field, FormDialog, required_check
from tui.labels import ADJUSTMENT_STATUS, DECISION_KIND, MAIN_LEADER_ROLE, label
from tui.roles import ORG_DEPT
from tui.screens.records import Column, RecordsScreen, Step, line, score, when, yes_no

STEPS = (Step("decide", "决定 Decide", "PROPOSED", "decide_adjustment"),
         Step("execute", "执行 Execute", "DECIDED", "decide_adjustment"))
COLUMNS = (
    Column("单位 Unit", lambda r: (r.get("unit") or {}).get("code") or ""),
    Column("姓名 Name", lambda r: r.get("personName") or ""),
    Column("职务 Position", lambda r: r.get("position") or ""),
    Column("主要负责人 Main leader", lambda r: label(MAIN_LEADER_ROLE, r.get("mainLeaderRole"))),
    Column("综合得分 Composite", score),
    Column("名次 Rank", lambda r: str(r.get("rank") or "—")),
    Column("状态 Status", lambda r: label(ADJUSTMENT_STATUS, r.get("status"))),
    Column("决定 Decision", lambda r: label(DECISION_KIND, r.get("decisionKind"))),
    Column("决定内容 Decision text", lambda r: r.get("decisionText") or ""),
)


class AdjustmentsScreen(RecordsScreen):
    TITLE_TEXT = "末位单位主要负责人调整 Leader adjustments · w 决定/执行 decide or execute · enter 详情 detail"
    EXPORT_NAME = "leader-adjustments"
    STATUSES = ADJUSTMENT_STATUS
    STEPS = STEPS
    QUEUES = {ORG_DEPT: ("PROPOSED", "DECIDED")}
    COLUMNS = COLUMNS

    async def fetch(self) -> list[dict[str, Any]] | None:
        return await self.call(self.api.leader_adjustments, self.year)

    def detail(self, r: dict[str, Any]) -> list[str]:
        return [
            line("姓名 Name", f"{r.get('personName')}（{(r.get('person') or {}).get('staffNo', '')}）"),
            line("单位 Unit", (r.get("unit") or {}).get("code") or "—"),
            line("职务 Position", r.get("position") or "—"),
            line("主要负责人 Main leader", label(MAIN_LEADER_ROLE, r.get("mainLeaderRole"))),
            line("综合得分 Composite", score(r)), line("名次 Rank", r.get("rank") or "—"),
            line("状态 Status", label(ADJUSTMENT_STATUS, r.get("status"))),
            line("年度 Year", f"{r.get('year')} · 第 {r.get('revision')} 版 revision"),
            line("原因 Reason", r.get("reason") or "—"),
            line("决定 Decision", f"{label(DECISION_KIND, r.get('decisionKind'))} · {r.get('decisionText') or '—'}"),
            line("决定人 Decided by", f"{r.get('decidedBy') or '—'} · {when(r.get('decidedAt'))}"),
            line("执行 Executed", f"{r.get('executedBy') or '—'} · {when(r.get('executedAt'))} · "
                                  f"{r.get('executionNote') or ''}"),
            line("需复核 Needs review", f"{yes_no(r.get('needsReview'))} {r.get('reviewNote') or ''}"),
            line("更新时间 Updated", f"{when(r.get('updatedAt'))} · v{r.get('version')}"),
        ]

    def start_step(self, step: Step, record: dict[str, Any]) -> None:
        title = f"{step.title} · {record.get('personName')} · {record.get('position')}"
        if step.name == "decide":
            fields = [Field("kind", "决定类型 Decision", "TRANSFER", choices=list(DECISION_KIND.items())),
                      Field("text", "决定内容 Decision text", check=required_check)]

            async def decide(values: dict[str, str]) -> dict[str, Any]:
                return await self.api.decide_leader_adjustment(record, values["kind"], values["text"])

            self.app.push_screen(FormDialog(title, fields, decide), self.stepped(record))
            return
        fields = [Field("note", "执行说明 Execution note")]

        async def execute(values: dict[str, str]) -> dict[str, Any]:
            return await self.api.execute_leader_adjustment(record, values["note"])

        self.app.push_screen(FormDialog(title, fields, execute), self.stepped(record))
