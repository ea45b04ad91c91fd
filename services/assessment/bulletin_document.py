"""The 通报 as an official document (DOCX): the bulletin's own lists, with the honours of the advanced units' main
leaders and the one-time awards, which the personnel service holds once the results are applied."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from kernel import upstream
from kernel.context import RequestContext
from kernel.errors import NotFound
from kernel.official_document import SMALL_TABLE_PT, OfficialDocument, document_number
from services.assessment import repository
from services.assessment.bulletin import GRADE_NAMES, Bulletin, group_label, items_text
from services.assessment.models import UnitResult

PERSONNEL_QUERY = """query($year: Int!) {
  honours(year: $year) { kind title unit { code } person { name position } }
  unitAwards(year: $year) { title amount reason unit { code } } }"""
ADDRESSEES = "各区人民政府，市人民政府各部门"


@dataclass(frozen=True)
class Honours:
    """What personnel recorded for the year: the main leaders' titles and the units' one-time awards."""

    leaders: list[dict[str, Any]] = field(default_factory=list)
    awards: list[dict[str, Any]] = field(default_factory=list)


async def honours_of(ctx: RequestContext, year: int) -> Honours:
    assert ctx.http is not None
    data = await upstream.call(ctx.http, ctx.settings, "personnel", PERSONNEL_QUERY, {"year": year},
                               request_id=ctx.request_id)
    leaders = [h for h in data["honours"] if h["kind"] == "PERSON" and h.get("person")]
    return Honours(leaders=leaders, awards=list(data["unitAwards"]))


def office_of(city: str) -> str:
    return f"{city}人民政府目标管理办公室"


def number_of(b: Bulletin) -> str:
    """武目考〔2026〕1号: the city's first character, 目考 (目标考核), the revision as the serial."""
    return document_number(f"{b.city[:1]}目考", b.year, b.revision.number)


def _units(rows: list[UnitResult]) -> list[list[object]]:
    return [[group_label(r.unit_group), r.rank, r.unit_name, r.composite] for r in rows]


UNIT_HEADER = ["组别", "名次", "单位", "综合得分"]
DETAIL_HEADER = ["组别", "名次", "单位", "专项目标考核", "投票测评", "年终检查", "基层评议", "加减分", "综合得分",
                 "等次"]


def render(b: Bulletin, honours: Honours) -> bytes:
    doc = OfficialDocument()
    doc.mark("定稿" if b.final else "公示")
    doc.number(number_of(b))
    doc.title(b.title)
    doc.addressee(ADDRESSEES)
    doc.text(f"根据{b.city}{b.year}年度目标管理考核办法，经专项目标考核部门考核、投票测评、年终检查和基层评议，"
             f"综合计算得分并按考核组别排序，现将{b.year}年度目标管理考核结果通报如下。参加考核单位"
             f"{len(b.results)}个，达标单位{sum(r.qualified for r in b.results)}个。")
    doc.text(f"{b.standing}。" + (f"（第{b.revision.number}版，更正原因：{b.revision.reason}）"
                                   if b.revision.reason else ""))

    doc.heading(f"一、先进单位（{len(b.advanced)}个）")
    doc.text(f"授予以下单位“{b.city}年度目标管理先进单位”称号，其党政主要负责人“{b.city}年度目标管理先进个人”称号。")
    _list(doc, b.advanced)
    names = {r.unit_code: r.unit_name for r in b.results}
    if honours.leaders:
        doc.subheading(f"（一）先进个人（{len(honours.leaders)}名）")
        doc.table(["单位", "姓名", "职务", "称号"],
                  [[names.get(h["unit"]["code"], h["unit"]["code"]), h["person"]["name"], h["person"]["position"],
                    h["title"]] for h in honours.leaders])

    doc.heading(f"二、达标单位（{len(b.qualified)}个）")
    _list(doc, b.qualified)
    doc.heading(f"三、未达标单位（{len(b.unqualified)}个）")
    doc.text("以下单位未完成年度目标，予以通报批评。")
    _list(doc, b.unqualified)
    doc.heading(f"四、末位单位（{len(b.last_place)}个）")
    _list(doc, b.last_place)
    for g in b.groups:
        label = group_label(str(g["group"]))
        if g.get("advancedOverflow"):
            doc.text(f"{label}：先进名额{g['advancedQuota']}个，因得分并列增加{g['advancedOverflow']}个。")
        if g.get("lastPlaceShortfall"):
            doc.text(f"{label}：末位名额{g['lastPlaceCount']}个，未达标单位不足，实际"
                     f"{len(g.get('lastPlaceUnits') or [])}个。")

    doc.heading(f"五、加减分情况（{len(b.adjusted)}个单位）")
    if b.adjusted:
        doc.table(["单位", "加减分", "事项及理由"], [[r.unit_name, r.adjustment_points, items_text(r)]
                                                   for r in b.adjusted])
    else:
        doc.text("无。")
    doc.heading(f"六、一次性奖励（{len(honours.awards)}个单位）")
    if honours.awards:
        doc.table(["单位", "奖励", "金额（元）"], [[names.get(a["unit"]["code"], a["unit"]["code"]), a["title"],
                                                 a["amount"]] for a in honours.awards])
    else:
        doc.text("无。")

    doc.heading("附：各单位得分明细")
    doc.table(DETAIL_HEADER,
              [[group_label(r.unit_group), r.rank, r.unit_name, r.department, r.voting, r.inspection, r.grassroots,
                r.adjustment_points, r.composite, GRADE_NAMES[r.grade]] for r in b.results], size=SMALL_TABLE_PT)
    doc.signature(office_of(b.city), b.published_on)
    return doc.to_bytes()


def _list(doc: OfficialDocument, rows: list[UnitResult]) -> None:
    if rows:
        doc.table(UNIT_HEADER, _units(rows))
    else:
        doc.text("无。")


async def bulletin_document(ctx: RequestContext, year: int) -> tuple[str, bytes]:
    """(filename, DOCX) of the latest published revision's bulletin; NOT_FOUND while nothing is published."""
    found = await repository.bulletin_revision(ctx, year)
    if found is None:
        raise NotFound(f"no published results for {year}: the bulletin exists once a revision is published")
    revision, rows = found
    b = Bulletin(year, ctx.settings.city, revision, rows, json.loads(revision.groups))
    honours = await honours_of(ctx, year)
    return f"{b.file_stem}.docx", await asyncio.to_thread(render, b, honours)
