"""A unit's 目标责任书 as an official document (DOCX): every letter of the year that is in force or waiting for
signatures, level by level (city → unit, unit → department, department → person), one per page, each with the
targets it binds, both parties' signature blocks and the seal hash."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime

from kernel import clock, upstream
from kernel.context import RequestContext
from kernel.errors import NotFound
from kernel.official_document import OfficialDocument, chinese_date
from services.targets import access, rules
from services.targets.models import Letter, LetterLevel, LetterStatus, Target, Unit
from services.targets.repository import list_letters, targets_of_letters

LEVEL_NAMES = {LetterLevel.CITY_UNIT: "市政府与单位", LetterLevel.UNIT_DEPARTMENT: "单位与处室",
               LetterLevel.DEPARTMENT_PERSON: "处室与个人"}
LEVEL_ORDER = {LetterLevel.CITY_UNIT: 0, LetterLevel.UNIT_DEPARTMENT: 1, LetterLevel.DEPARTMENT_PERSON: 2}
STATUS_MARKS = {LetterStatus.DRAFT: "待签订", LetterStatus.SIGNED: "已签订"}
TARGET_HEADER = ["编号", "目标", "分值", "目标值", "责任领导", "责任部门"]
NAMES_OF = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { staffNo name } } }"


async def names_of(ctx: RequestContext, staff_nos: Iterable[str | None]) -> dict[str, str]:
    """Staff number → name, from the personnel service (a number it does not know is left out)."""
    wanted = sorted({s for s in staff_nos if s})
    if not wanted:
        return {}
    assert ctx.http is not None
    data = await upstream.call(ctx.http, ctx.settings, "personnel", NAMES_OF,
                               {"r": [{"__typename": "Person", "staffNo": s} for s in wanted]},
                               request_id=ctx.request_id)
    return {p["staffNo"]: p["name"] for p in data["_entities"] if p}


def signed_on(moment: datetime | None) -> str:
    return chinese_date(moment.astimezone(clock.CITY_TIME).date()) if moment else "（未签署）"


def value_text(t: Target) -> str:
    value = rules.plain(t.agreed_value)
    if value is None:
        return "定性" if t.measure.value == "QUALITATIVE" else ""
    return f"{value}{t.unit_of_measure}"


def person(names: dict[str, str], staff_no: str | None) -> str:
    if not staff_no:
        return ""
    return f"{names[staff_no]}（{staff_no}）" if staff_no in names else staff_no


def letter_title(letter: Letter, unit: Unit) -> str:
    return letter.title or f"{unit.name}{letter.year}年度目标管理责任书"


def render(year: int, unit: Unit, letters: list[Letter], bound: list[list[Target]], names: dict[str, str]) -> bytes:
    doc = OfficialDocument()
    for letter, targets in zip(letters, bound, strict=True):
        doc.new_page()
        doc.mark(STATUS_MARKS.get(letter.status, ""))
        doc.number(f"责任书编号：{letter.id}（{LEVEL_NAMES[letter.level]}）")
        doc.title(letter_title(letter, unit))
        receiver = person(names, letter.receiver) if letter.level is LetterLevel.DEPARTMENT_PERSON \
            else letter.receiver
        doc.line(f"甲方（签发方）：{letter.issuer}")
        doc.line(f"乙方（接收方）：{receiver}")
        doc.text(f"为确保{year}年度目标任务全面完成，经甲乙双方协商一致，签订本责任书。乙方对下列"
                 f"{len(targets)}项目标负责，甲方据此于年终考核。")
        if letter.amends_id is not None:
            doc.text(f"本责任书变更第{letter.amends_id}号责任书，变更原因：{letter.reason}。")
        if letter.parent_id is not None:
            doc.text(f"本责任书由第{letter.parent_id}号责任书分解而来。")
        doc.heading("一、目标任务")
        doc.table(TARGET_HEADER, [[t.code, t.title, rules.plain(t.points), value_text(t),
                                   person(names, t.responsible_leader), t.responsible_department] for t in targets])
        doc.heading("二、签署")
        doc.table(["", "甲方（签发方）", "乙方（接收方）"], [
            ["单位或个人", letter.issuer, receiver],
            ["签署人", letter.issuer_signed_by or "（未签署）", letter.receiver_signed_by or "（未签署）"],
            ["签署日期", signed_on(letter.issuer_signed_at), signed_on(letter.receiver_signed_at)],
        ])
        doc.line(f"印章校验码（SHA-256）：{letter.content_hash}" if letter.content_hash
                 else "印章校验码：双方签署后生成")
    return doc.to_bytes()


async def letter_document(ctx: RequestContext, year: int, unit_code: str) -> tuple[str, bytes]:
    """(filename, DOCX) of the unit's letters in force or waiting for signatures; the letters' own read rules."""
    access.require_read_unit(ctx, unit_code)
    unit = await Unit.get_or_none(code=unit_code)
    if unit is None:
        raise NotFound(f"no unit {unit_code}")
    letters = [x for x in await list_letters(ctx, year=year, unit_code=unit_code)
               if x.status is not LetterStatus.SUPERSEDED]
    if not letters:
        raise NotFound(f"unit {unit_code} has no responsibility letter in {year}")
    letters.sort(key=lambda x: (LEVEL_ORDER[x.level], x.id))
    bound = await targets_of_letters([x.id for x in letters])
    people = [t.responsible_leader for targets in bound for t in targets]
    people += [x.receiver for x in letters if x.level is LetterLevel.DEPARTMENT_PERSON]
    names = await names_of(ctx, people)
    content = await asyncio.to_thread(render, year, unit, letters, bound, names)
    return f"目标责任书-{year}-{unit_code}.docx", content
