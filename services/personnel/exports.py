"""XLSX exports: reward sheets (one sheet per unit, with totals) and filing forms (a list and one page each), of
the records the caller reads (repository), bonuses only for the roles that may see pay."""

from __future__ import annotations

import base64
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.worksheet import Worksheet

from kernel.context import RequestContext
from kernel.errors import Forbidden
from kernel.spreadsheet import safe_cell
from services.personnel import repository
from services.personnel.access import filing_scope, may_see_pay, reward_scope
from services.personnel.models import FilingRecord, FilingStatus, RewardLine, UnitAward

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
GRADE_NAMES = {"ADVANCED": "先进", "QUALIFIED": "达标", "UNQUALIFIED": "未达标", "LAST_PLACE": "末位"}
TEAM_ROLES = {"PARTY_SECRETARY": "党委（党组）书记", "ADMIN_HEAD": "行政主要负责人", "MEMBER": "领导班子成员"}
STATUS_NAMES = {"DRAFT": "待审核", "REVIEWED": "已审核", "TRANSFERRED": "已移交组织部", "ARCHIVED": "已归档",
                "WITHDRAWN": "已撤销"}
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in values]


def sheet_title(text: str, used: set[str]) -> str:
    base = SHEET_FORBIDDEN.sub("_", text).strip("'")[:31] or "sheet"
    title, n = base, 1
    while title.lower() in used:
        n += 1
        suffix = f"~{n}"
        title = base[: 31 - len(suffix)] + suffix
    used.add(title.lower())
    return title


def _bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


REWARD_HEADER = ["工号", "姓名", "单位", "单位等次", "年度目标责任奖标准", "发放", "扣发", "加发一个月工资",
                 "一次性物质奖励", "合计", "规则", "依据"]
AWARD_SHEET = "先进单位奖励"


def reward_workbook(year: int, lines: Sequence[RewardLine], unit_names: dict[str, str],
                    awards: Sequence[UnitAward] = ()) -> bytes:
    """One summary sheet with a total per unit, then one sheet per unit with a line per person and totals, and
    the one-time awards of the advanced units (一次性物质奖励) when there are any."""
    book = Workbook()
    summary = book.active
    summary.title = "汇总"
    summary.append(row([f"{year}年度目标责任奖发放表（汇总）"]))
    summary.append(row(["单位代码", "单位", "等次", "人数", "标准合计", "发放合计", "扣发合计", "加发工资合计",
                        "一次性奖励合计", "合计"]))
    by_unit: dict[str, list[RewardLine]] = defaultdict(list)
    for line in lines:
        by_unit[line.unit_code].append(line)
    used = {"汇总", AWARD_SHEET}
    grand = [Decimal(0)] * 6
    for code in sorted(by_unit):
        unit_lines = sorted(by_unit[code], key=lambda item: item.staff_no)
        sheet = book.create_sheet(sheet_title(f"{code} {unit_names.get(code, '')}".strip(), used))
        sheet.append(row([f"{year}年度目标责任奖发放表 — {unit_names.get(code, code)}（{code}）"]))
        sheet.append(row(REWARD_HEADER))
        sums = [Decimal(0)] * 6
        for line in unit_lines:
            money = [line.bonus_standard, line.bonus_paid, line.bonus_forfeited, line.extra_salary,
                     line.one_time_award, line.total]
            sums = [a + b for a, b in zip(sums, money, strict=True)]
            sheet.append(row([line.staff_no, line.person_name, code, GRADE_NAMES.get(line.grade, line.grade),
                              *money, line.rule_code, line.rule_text]))
        sheet.append(row(["合计", f"{len(unit_lines)}人", "", "", *sums, "", ""]))
        _money_format(sheet, 5, 10)
        _widths(sheet, [12, 10, 10, 8, 16, 12, 12, 14, 14, 12, 28, 40])
        grand = [a + b for a, b in zip(grand, sums, strict=True)]
        grade = unit_lines[0].grade if unit_lines else ""
        summary.append(row([code, unit_names.get(code, ""), GRADE_NAMES.get(grade, grade), len(unit_lines), *sums]))
    summary.append(row(["合计", "", "", len(lines), *grand]))
    _money_format(summary, 5, 10)
    _widths(summary, [10, 24, 8, 8, 16, 16, 16, 16, 16, 16])
    if awards:
        sheet = book.create_sheet(AWARD_SHEET, 1)
        sheet.append(row([f"{year}年度先进单位一次性物质奖励"]))
        sheet.append(row(["单位代码", "单位", "称号", "奖励金额", "依据"]))
        for award in awards:
            sheet.append(row([award.unit_code, unit_names.get(award.unit_code, ""), award.title, award.amount,
                              award.reason]))
        sheet.append(row(["合计", f"{len(awards)}个单位", "", sum((a.amount for a in awards), Decimal(0)), ""]))
        _money_format(sheet, 4, 4)
        _widths(sheet, [10, 24, 30, 14, 40])
    return _bytes(book)


def adjustment_text(record: FilingRecord) -> str:
    """The unit's 加减分 items as one line: "国家级表彰 +1.00（获评全国文明城区）；安全事故 −2.00（…）"."""
    items = []
    for item in record.adjustments or []:
        points = Decimal(str(item.get("points") or 0))
        sign = "+" if points >= 0 else "−"
        items.append(f"{item.get('category') or '加减分'} {sign}{abs(points)}（{item.get('reason') or ''}）")
    return "；".join(items)


def _money_format(sheet: Worksheet, first_col: int, last_col: int) -> None:
    for cells in sheet.iter_rows(min_row=3, min_col=first_col, max_col=last_col):
        for cell in cells:
            cell.number_format = "#,##0.00"


def _widths(sheet: Worksheet, widths: list[int]) -> None:
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width


FILING_HEADER = ["编号", "年度", "工号", "姓名", "单位代码", "单位", "职务", "班子职务", "单位等次", "综合得分", "名次",
                 "奖惩规则", "奖惩内容", "发放", "扣发", "加发工资", "荣誉", "备注", "状态", "审核人", "审核时间",
                 "移交人", "移交时间", "归档人", "归档时间", "需复核", "复核说明", "加减分", "加减分事项"]


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def filing_workbook(records: Sequence[FilingRecord], *, show_money: bool) -> bytes:
    """One list sheet with a row per form, then one printable sheet per form (A4, the paper layout)."""
    book = Workbook()
    listing = book.active
    listing.title = "备案表清单"
    listing.append(row(FILING_HEADER))
    used = {"备案表清单"}
    for r in records:
        money = [r.bonus_paid, r.bonus_forfeited, r.extra_salary] if show_money else ["", "", ""]
        listing.append(row([
            r.id, r.year, r.staff_no, r.person_name, r.unit_code, r.unit_name, r.position,
            TEAM_ROLES.get(r.team_role, r.team_role), GRADE_NAMES.get(r.grade, r.grade), r.composite_score, r.rank,
            r.reward_rule, r.reward_text, *money, r.honours, r.remarks, STATUS_NAMES.get(r.status.value),
            r.reviewed_by or "", _when(r.reviewed_at), r.transferred_by or "", _when(r.transferred_at),
            r.archived_by or "", _when(r.archived_at), "是" if r.needs_review else "", r.review_note,
            r.adjustment_points, adjustment_text(r),
        ]))
    for r in records:
        _form_sheet(book.create_sheet(sheet_title(f"{r.year}-{r.staff_no}", used)), r, show_money)
    return _bytes(book)


def _form_sheet(sheet: Worksheet, r: FilingRecord, show_money: bool) -> None:
    sheet.merge_cells("A1:D1")
    sheet["A1"] = safe_cell(f"领导干部目标考核结果备案表（{r.year}年度）")
    sheet["A1"].font = Font(bold=True, size=16)
    sheet["A1"].alignment = Alignment(horizontal="center")
    reward = r.reward_text
    if show_money:
        reward += f"（发放 {r.bonus_paid}，扣发 {r.bonus_forfeited}，加发工资 {r.extra_salary}）"
    pairs = [
        ("姓名", r.person_name, "工号", r.staff_no),
        ("单位", r.unit_name or r.unit_code, "职务", r.position),
        ("班子职务", TEAM_ROLES.get(r.team_role, r.team_role), "单位考核等次", GRADE_NAMES.get(r.grade, r.grade)),
        ("综合得分", "" if r.composite_score is None else str(r.composite_score), "名次",
         "" if r.rank is None else str(r.rank)),
        ("加减分", str(r.adjustment_points), "", ""),
    ]
    line = 3
    for left, left_value, right, right_value in pairs:
        for column, value in zip("ABCD", (left, left_value, right, right_value), strict=True):
            sheet[f"{column}{line}"] = safe_cell(value)
            sheet[f"{column}{line}"].border = BOX
        line += 1
    for label, value in (("加减分事项", adjustment_text(r) or "无"), ("奖惩情况", reward),
                         ("荣誉称号", r.honours or "无"), ("备注", r.remarks or "")):
        sheet[f"A{line}"] = label
        sheet[f"A{line}"].border = BOX
        sheet.merge_cells(f"B{line}:D{line}")
        sheet[f"B{line}"] = safe_cell(value)
        sheet[f"B{line}"].alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[line].height = 48
        line += 1
    line += 1
    signatures = [
        ("审核（市委督查室/市政府目标办）", r.reviewed_by, r.reviewed_at),
        ("移交组织部", r.transferred_by, r.transferred_at),
        ("组织部归档", r.archived_by, r.archived_at),
    ]
    for label, who, when in signatures:
        sheet[f"A{line}"] = label
        sheet[f"B{line}"] = safe_cell(who or "")
        sheet[f"C{line}"] = "日期"
        sheet[f"D{line}"] = _when(when)
        line += 1
    _widths(sheet, [26, 30, 16, 30])
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_area = f"A1:D{line}"


@dataclass(frozen=True)
class Export:
    filename: str
    content_type: str
    content: bytes
    rows: int

    @property
    def content_base64(self) -> str:
        return base64.b64encode(self.content).decode()


async def reward_export(ctx: RequestContext, *, year: int) -> Export:
    unit = reward_scope(ctx)
    if not may_see_pay(ctx, unit or ""):
        raise Forbidden("reward sheets carry bonuses; they are for the target office, the organisation "
                        "department and the unit's own leadership")
    lines = await repository.reward_lines_of_year(ctx, year=year)
    awards = await repository.unit_awards(ctx, year=year, unit_code=unit)
    content = reward_workbook(year, lines, await repository.unit_names(year), awards)
    suffix = f"-{unit}" if unit else ""
    return Export(f"reward-lines-{year}{suffix}.xlsx", XLSX, content, len(lines))


async def filing_export(ctx: RequestContext, *, year: int, status: FilingStatus | None) -> Export:
    records = await repository.filing_records_of_year(ctx, year=year, status=status)
    content = filing_workbook(records, show_money=may_see_pay(ctx, filing_scope(ctx) or ""))
    return Export(f"filing-records-{year}.xlsx", XLSX, content, len(records))
