"""备案表 Filing records (领导干部目标考核结果备案表): 待审核 → 已审核 → 已移交 → 已归档.

The supervision office (or the target office) reviews and transfers, the organisation department archives;
each role finds its own queue at the top. The bonus columns are asked for only by the roles that may read
salaries and bonuses (target office, organisation department)."""

from __future__ import annotations

from typing import Any

from tui import keys
from tui.dialogs.form import Field, FormDialog
from tui.documents import save_document
from tui.labels import FILING_STATUS, SIGNATURE_STEP, TEAM_ROLE, label
from tui.roles import OFFICE, ORG_DEPT, SUPERVISION
from tui.screens.records import Column, RecordsScreen, Step, grade, line, money, score, when, yes_no

PAY_ROLES = (OFFICE, ORG_DEPT)
STEPS = (Step("review", "审核 Review", "DRAFT", "review_filing"),
         Step("transfer", "移交组织部 Transfer to the organisation department", "REVIEWED", "transfer_filing"),
         Step("archive", "归档 Archive into the cadre file", "TRANSFERRED", "archive_filing"))
COLUMNS = (
    Column("单位 Unit", lambda r: r.get("unitName") or ""),
    Column("姓名 Name", lambda r: r.get("personName") or ""),
    Column("职务 Position", lambda r: r.get("position") or ""),
    Column("班子职务 Team role", lambda r: label(TEAM_ROLE, r.get("teamRole"))),
    Column("等次 Grade", grade),
    Column("综合得分 Composite", score),
    Column("名次 Rank", lambda r: str(r.get("rank") or "—")),
    Column("状态 Status", lambda r: label(FILING_STATUS, r.get("status"))),
    Column("需复核 Review", lambda r: "需复核 yes" if r.get("needsReview") else ""),
)


class FilingsScreen(RecordsScreen):
    BINDINGS = [*RecordsScreen.BINDINGS, keys.DOCUMENT]
    TITLE_TEXT = ("领导干部目标考核结果备案表 Filing records · f 按状态筛选 status filter · w 流转 workflow · "
                  "enter 详情 detail")
    EXPORT_NAME = "filing-records"
    STATUSES = FILING_STATUS
    STEPS = STEPS
    QUEUES = {SUPERVISION: ("DRAFT", "REVIEWED"), OFFICE: ("DRAFT", "REVIEWED"), ORG_DEPT: ("TRANSFERRED",)}
    COLUMNS = COLUMNS

    async def fetch(self) -> list[dict[str, Any]] | None:
        pay = self.api.session.has_role(*PAY_ROLES)
        return await self.call(self.api.filing_records, self.year, None, pay=pay)

    def detail(self, r: dict[str, Any]) -> list[str]:
        lines = [
            line("姓名 Name", f"{r.get('personName')}（{(r.get('person') or {}).get('staffNo', '')}）"),
            line("单位 Unit", f"{r.get('unitName')}（{(r.get('unit') or {}).get('code', '')}）"),
            line("职务 Position", r.get("position") or "—"),
            line("班子职务 Team role", label(TEAM_ROLE, r.get("teamRole"))),
            line("等次 Grade", grade(r)), line("综合得分 Composite", score(r)),
            line("名次 Rank", r.get("rank") or "—"),
            line("状态 Status", label(FILING_STATUS, r.get("status"))),
            line("年度 Year", f"{r.get('year')} · 第 {r.get('revision')} 版 revision"),
            line("奖惩 Reward", r.get("rewardText") or "—"),
            line("荣誉 Honours", "、".join(r.get("honours") or []) or "—"),
            line("加减分 Adjustment points", amount_or_dash(r.get("adjustmentPoints"))),
        ]
        for item in r.get("adjustments") or []:
            text = f"{item['points']} {item.get('category') or ''}（{item['reason']}）"
            lines.append(line("  · 加减分项 Item", text))
        if "bonusPaid" in r:
            lines.append(line("奖金 Bonus paid / forfeited / extra salary",
                              f"{money(r.get('bonusPaid'))} / {money(r.get('bonusForfeited'))} / "
                              f"{money(r.get('extraSalary'))}"))
        lines.append(line("备注 Remarks", r.get("remarks") or "—"))
        if r.get("needsReview"):
            lines.append(line("需复核 Needs review", f"{yes_no(True)} · {r.get('reviewNote') or ''}"))
        for s in r.get("signatures") or []:
            lines.append(line(f"签署 {label(SIGNATURE_STEP, s['step'])}", f"{s['user']} · {when(s['at'])}"))
        lines.append(line("更新时间 Updated", f"{when(r.get('updatedAt'))} · v{r.get('version')}"))
        return lines

    def start_step(self, step: Step, record: dict[str, Any]) -> None:
        title = f"{step.title} · {record.get('personName')} · {record.get('unitName')}"
        if step.name == "review":
            async def save(values: dict[str, str]) -> dict[str, Any]:
                return await self.api.filing_step("review", record, values["remarks"])

            fields = [Field("remarks", "审核意见 Remarks", record.get("remarks") or "")]
            self.app.push_screen(FormDialog(title, fields, save), self.stepped(record))
            return

        self.confirm(f"{title}？", step.title, lambda: self.run_step(step.name, record))

    def run_step(self, step: str, record: dict[str, Any]) -> None:
        async def go() -> None:
            done = await self.call(self.api.filing_step, step, record)
            self.stepped(record)(done)

        self.run_worker(go(), group="step", exclusive=True, exit_on_error=False)

    def action_document(self) -> None:
        """Every form of the year as an official document (DOCX), one cadre per page, for printing."""
        save_document(self, f"{self.year} 年度领导干部目标考核结果备案表 filing records", "filingRecordsDocument",
                      {"year": self.year})


def amount_or_dash(value: Any) -> str:
    return "—" if value is None else str(value)
