"""领导干部目标考核结果备案表 as an official document (DOCX): one form per cadre, one per page, for the organisation
department to print: who, the unit's grade and rank, the composite, the appraisal, and the opinions of the
supervision office (or target office) and of the organisation department with their dates."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from kernel import clock
from kernel.context import RequestContext
from kernel.errors import NotFound
from kernel.official_document import OfficialDocument, chinese_date
from services.personnel import repository
from services.personnel.access import filing_scope, may_see_pay
from services.personnel.exports import GRADE_NAMES, STATUS_NAMES, TEAM_ROLES, adjustment_text
from services.personnel.models import FilingRecord

TITLE = "领导干部目标考核结果备案表"
REVIEW_OFFICES = {"SUPERVISION_OFFICE": "市委督查室", "TARGET_OFFICE": "市政府目标办"}
BLANK_SIGNATURE = "（签章）            年    月    日"


def day_of(moment: datetime | None) -> str:
    return chinese_date(moment.astimezone(clock.CITY_TIME).date()) if moment else ""


def appraisal(r: FilingRecord, show_money: bool) -> str:
    """考核评价: the reward or penalty the unit's grade brings the cadre, with the titles awarded."""
    text = r.reward_text or "—"
    if show_money:
        text += f"（发放奖金{r.bonus_paid}元，扣发{r.bonus_forfeited}元，加发工资{r.extra_salary}元）"
    if r.honours:
        text += f"；授予“{r.honours}”称号"
    return text


def review_opinion(r: FilingRecord) -> str:
    if r.reviewed_at is None:
        return f"\n{BLANK_SIGNATURE}"
    office = REVIEW_OFFICES.get(r.reviewed_role or "", "审核部门")
    return (f"{r.remarks or '经审核，情况属实，同意备案。'}\n{office}  审核人：{r.reviewed_by}  "
            f"日期：{day_of(r.reviewed_at)}")


def organisation_opinion(r: FilingRecord) -> str:
    if r.archived_at is not None:
        return f"已归档。\n市委组织部  经办人：{r.archived_by}  日期：{day_of(r.archived_at)}"
    if r.transferred_at is not None:
        return (f"已收到移交（移交人：{r.transferred_by}，日期：{day_of(r.transferred_at)}），待归档。\n"
                f"{BLANK_SIGNATURE}")
    return f"\n{BLANK_SIGNATURE}"


def render(records: Sequence[FilingRecord], show_money: bool) -> bytes:
    doc = OfficialDocument()
    for r in records:
        doc.new_page()
        doc.title(TITLE)
        doc.line(f"考核年度：{r.year}年度            状态：{STATUS_NAMES.get(r.status.value, '')}")
        doc.form([
            ("姓名", r.person_name, "工号", r.staff_no),
            ("单位", r.unit_name or r.unit_code, "职务", r.position),
            ("班子职务", TEAM_ROLES.get(r.team_role, r.team_role), "考核年度", f"{r.year}年度"),
            ("单位考核等次", GRADE_NAMES.get(r.grade, r.grade), "单位名次", "" if r.rank is None else r.rank),
            ("综合得分", "" if r.composite_score is None else r.composite_score, "加减分", r.adjustment_points),
            ("加减分事项", adjustment_text(r) or "无"),
            ("考核评价", appraisal(r, show_money)),
            ("备注", r.review_note or ""),
            ("审核意见", review_opinion(r)),
            ("组织部门意见", organisation_opinion(r)),
        ])
    return doc.to_bytes()


async def filing_records_document(ctx: RequestContext, year: int) -> tuple[str, bytes]:
    """(filename, DOCX) of the year's forms the caller may read (withdrawn ones left out), as the filing
    records export reads them; bonuses only for the roles that may see pay."""
    unit = filing_scope(ctx)
    records = await repository.filing_records_of_year(ctx, year=year)
    if not records:
        raise NotFound(f"no filing records in {year}: they are made when the year's results are applied")
    show_money = may_see_pay(ctx, unit or "")
    content = await asyncio.to_thread(render, records, show_money)
    suffix = f"-{unit}" if unit else ""
    return f"领导干部目标考核结果备案表-{year}{suffix}.docx", content
