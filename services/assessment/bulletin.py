"""The bulletin (通报) of a published revision: grouped lists, an XLSX workbook, a printable Markdown text."""

from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from kernel import clock
from kernel.spreadsheet import safe_cell
from services.assessment import rules
from services.assessment.models import Revision, UnitResult

GRADE_NAMES = {"ADVANCED": "先进", "QUALIFIED": "达标", "UNQUALIFIED": "未达标", "LAST_PLACE": "末位"}
LOCAL_TIME = clock.CITY_TIME


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class Bulletin:
    year: int
    city: str
    revision: Revision
    results: list[UnitResult]
    groups: list[dict[str, object]] = field(default_factory=list)

    @classmethod
    def of(cls, year: int, city: str, revision: Revision, results: list[UnitResult]) -> Bulletin:
        return cls(year, city, revision, results, json.loads(revision.groups))

    @property
    def title(self) -> str:
        return f"{self.city}{self.year}年度目标管理考核结果通报"

    @property
    def file_stem(self) -> str:
        return f"{self.year}年度目标管理考核结果通报-第{self.revision.number}版"

    def graded(self, grade: str) -> list[UnitResult]:
        return [r for r in self.results if r.grade == grade]

    @property
    def advanced(self) -> list[UnitResult]:
        return self.graded("ADVANCED")

    @property
    def qualified(self) -> list[UnitResult]:
        return self.graded("QUALIFIED")

    @property
    def unqualified(self) -> list[UnitResult]:
        """Every unit that did not meet its targets, last-place units included (all are criticised)."""
        return [r for r in self.results if not r.qualified]

    @property
    def last_place(self) -> list[UnitResult]:
        """Last-place units, lowest first."""
        return sorted(self.graded("LAST_PLACE"), key=lambda r: (r.unit_group, -r.rank, r.position))

    @property
    def published_on(self) -> str:
        if self.revision.published_on is not None:
            return chinese_date(self.revision.published_on)
        published = self.revision.published_at or datetime.now(LOCAL_TIME)
        return chinese_date(published.astimezone(LOCAL_TIME).date())

    @property
    def final(self) -> bool:
        return self.revision.final_at is not None

    @property
    def on_notice(self) -> bool:
        return not self.final and rules.on_notice(self.revision.notice_ends_on, clock.today())

    @property
    def standing(self) -> str:
        """公示 or final, in words: what the bulletin's reader may still do."""
        if self.final:
            return "本结果为最终结果"
        ends = self.revision.notice_ends_on
        until = chinese_date(ends) if ends else "—"
        if self.on_notice:
            return f"本结果正在公示，公示期至{until}；对本单位考核结果有异议的，可在公示期内提出申诉"
        return f"本结果公示期已于{until}结束，待最终确定"

    @property
    def adjusted(self) -> list[UnitResult]:
        """Units with adjustment items, by group and rank."""
        return [r for r in self.results if json.loads(r.adjustments or "[]")]


def group_label(group: str) -> str:
    return group or "全部单位"


def md_cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(rows: list[UnitResult]) -> list[str]:
    lines = ["| 组别 | 名次 | 单位 | 综合得分 |", "|---|---:|---|---:|"]
    lines += [f"| {md_cell(group_label(r.unit_group))} | {r.rank} | {md_cell(r.unit_name)} | {r.composite} |"
              for r in rows]
    return lines


def signed(points: str | Decimal) -> str:
    value = Decimal(points)
    return f"+{value}" if value > 0 else str(value)


def items_text(result: UnitResult) -> str:
    """The unit's adjustment items in one line: ``+1.00 国家级表彰（理由）；-2.00 …``."""
    return "；".join(f"{signed(a['points'])} {a['category']}（{a['reason']}）"
                    for a in json.loads(result.adjustments or "[]"))


def markdown(bulletin: Bulletin) -> str:
    """The printable Chinese notice; scores and ranks as published."""
    b = bulletin
    lines = [f"# {b.title}", ""]
    edition = f"第{b.revision.number}版，{b.published_on}发布"
    if b.revision.reason:
        edition += f"；更正原因：{md_cell(b.revision.reason)}"
    lines += [f"（{edition}）", "", f"**{b.standing}。**", ""]
    lines += [
        f"根据{b.city}{b.year}年度目标管理考核办法，经专项目标考核部门考核、投票测评、年终检查和基层评议，"
        f"综合计算得分并按考核组别排序，现将{b.year}年度目标管理考核结果通报如下。",
        "",
        f"综合得分 = 专项目标考核 × 权重 + 投票测评 × 权重 + 年终检查 × 权重 + 基层评议 × 权重 + 加减分；"
        f"参加考核单位 {len(b.results)} 个，达标单位 {sum(r.qualified for r in b.results)} 个。",
        "",
        f"## 一、先进单位（{len(b.advanced)}个）",
        "",
        f"授予以下单位“{b.city}年度目标管理先进单位”称号，其党政主要负责人“{b.city}年度目标管理先进个人”称号：",
        "",
    ]
    lines += _table(b.advanced) if b.advanced else ["（无）"]
    lines += ["", f"## 二、达标单位（{len(b.qualified)}个）", ""]
    lines += _table(b.qualified) if b.qualified else ["（无）"]
    lines += ["", f"## 三、未达标单位（{len(b.unqualified)}个）", "",
              "以下单位未完成年度目标，予以通报批评：", ""]
    lines += _table(b.unqualified) if b.unqualified else ["（无）"]
    lines += ["", f"## 四、末位单位（{len(b.last_place)}个）", ""]
    lines += _table(b.last_place) if b.last_place else ["（无）"]
    notes = [g for g in b.groups if g.get("advancedOverflow") or g.get("lastPlaceShortfall")]
    if notes:
        lines += ["", "说明："]
        for g in notes:
            label = group_label(str(g["group"]))
            if g.get("advancedOverflow"):
                lines.append(f"- {label}：先进名额 {g['advancedQuota']} 个，"
                             f"因得分并列增加 {g['advancedOverflow']} 个。")
            if g.get("lastPlaceShortfall"):
                lines.append(f"- {label}：末位名额 {g['lastPlaceCount']} 个，未达标单位不足，"
                             f"实际 {len(g.get('lastPlaceUnits') or [])} 个。")
    lines += ["", f"## 五、加减分情况（{len(b.adjusted)}个单位）", ""]
    if b.adjusted:
        lines += ["| 单位 | 加减分 | 事项 |", "|---|---:|---|"]
        lines += [f"| {md_cell(r.unit_name)} | {r.adjustment_points} | {md_cell(items_text(r))} |" for r in b.adjusted]
    else:
        lines.append("（无）")
    lines += ["", "## 附：各单位得分明细", "",
              "| 组别 | 名次 | 单位 | 专项目标考核 | 投票测评 | 年终检查 | 基层评议 | 加减分 | 综合得分 | 等次 |",
              "|---|---:|---|---:|---:|---:|---:|---:|---:|---|"]
    lines += [
        f"| {md_cell(group_label(r.unit_group))} | {r.rank} | {md_cell(r.unit_name)} | {r.department} | {r.voting} "
        f"| {r.inspection} | {r.grassroots} | {r.adjustment_points} | {r.composite} | {GRADE_NAMES[r.grade]} |"
        for r in b.results
    ]
    lines += ["", f"{b.city}人民政府目标管理办公室", b.published_on, ""]
    return "\n".join(lines)


XLSX_HEADER = ["组别", "名次", "单位代码", "单位名称", "等次", "综合得分", "专项目标考核", "投票测评", "年终检查",
               "基层评议", "达标", "加减分", "加减分事项"]


def _score(value: str) -> Decimal:
    return Decimal(value)


def xlsx(bulletin: Bulletin) -> bytes:
    """A workbook: the whole ranking, then one sheet per grade list."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheets = [("考核结果", bulletin.results), ("先进单位", bulletin.advanced), ("达标单位", bulletin.qualified),
              ("未达标单位", bulletin.unqualified), ("末位单位", bulletin.last_place)]
    first = True
    for name, rows in sheets:
        sheet = book.active if first else book.create_sheet()
        first = False
        sheet.title = name
        sheet.append([safe_cell(bulletin.title)])
        sheet["A1"].font = Font(bold=True, size=14)
        edition = f"第{bulletin.revision.number}版 {bulletin.published_on}发布 {bulletin.standing}"
        if bulletin.revision.reason:
            edition += f" 更正原因：{bulletin.revision.reason}"
        sheet.append([safe_cell(edition)])
        sheet.append(XLSX_HEADER)
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for r in rows:
            sheet.append([safe_cell(group_label(r.unit_group)), r.rank, safe_cell(r.unit_code),
                          safe_cell(r.unit_name), GRADE_NAMES[r.grade], _score(r.composite), _score(r.department),
                          _score(r.voting), _score(r.inspection), _score(r.grassroots),
                          "是" if r.qualified else "否", _score(r.adjustment_points), safe_cell(items_text(r))])
            for cell in (*sheet[sheet.max_row][5:10], sheet[sheet.max_row][11]):
                cell.number_format = "0.00"
        sheet.column_dimensions["D"].width = 28
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_base64(bulletin: Bulletin) -> str:
    return base64.b64encode(xlsx(bulletin)).decode("ascii")
