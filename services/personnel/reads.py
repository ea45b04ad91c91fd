"""What the personnel service lets each caller read: reward lines, filing forms, cases, honours, exports."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from kernel.context import RequestContext
from kernel.errors import Forbidden
from kernel.roles import Role
from services.personnel import exports
from services.personnel.access import FILING_OFFICES, HONOUR_READERS, filing_scope, may_see_pay, reward_scope
from services.personnel.models import (
    FilingRecord,
    FilingStatus,
    Honour,
    LeaderAdjustment,
    Person,
    ResultSnapshot,
    RewardLine,
    UnitAward,
)
from services.personnel.pull import Page, page


async def reward_lines(ctx: RequestContext, *, year: int, first: int | None, after: str | None,
                       updated_since: datetime | None) -> Page:
    unit = reward_scope(ctx)
    query = RewardLine.filter(year=year)
    if unit is not None:
        query = query.filter(unit_code=unit)
    return await page(query, first=first, after=after, updated_since=updated_since)


async def filing_records(ctx: RequestContext, *, year: int | None, status: FilingStatus | None,
                         first: int | None, after: str | None, updated_since: datetime | None) -> Page:
    unit = filing_scope(ctx)
    query = FilingRecord.all()
    if year is not None:
        query = query.filter(year=year)
    if status is not None:
        query = query.filter(status=status)
    if unit is not None:
        query = query.filter(unit_code=unit)
    return await page(query, first=first, after=after, updated_since=updated_since)


async def leader_adjustments(ctx: RequestContext, *, year: int) -> list[LeaderAdjustment]:
    unit = filing_scope(ctx)
    query = LeaderAdjustment.filter(year=year)
    if unit is not None:
        query = query.filter(unit_code=unit)
    return list(await query.order_by("unit_code", "staff_no"))


async def honours(ctx: RequestContext, *, year: int, unit_code: str | None = None) -> list[Honour]:
    ctx.require(*HONOUR_READERS)
    query = Honour.filter(year=year, active=True)
    if unit_code is not None:
        query = query.filter(unit_code=unit_code)
    return list(await query.order_by("unit_code", "kind", "staff_no"))


async def unit_awards(ctx: RequestContext, *, year: int) -> list[UnitAward]:
    """The year's one-time awards of advanced units (public like the titles they come with)."""
    ctx.require(*HONOUR_READERS)
    return list(await UnitAward.filter(year=year, active=True).order_by("unit_code"))


@dataclass(frozen=True)
class CadreFile:
    staff_no: str
    filing_records: list[FilingRecord]
    leader_adjustments: list[LeaderAdjustment]


async def cadre_file(ctx: RequestContext, person: Person) -> CadreFile:
    """A person's filing records and adjustment cases across years, newest first."""
    caller = ctx.caller
    allowed = caller is not None and (caller.has(*FILING_OFFICES) or (
        caller.has(Role.LEADER) and caller.unit is not None and caller.unit == person.unit_code))
    if not allowed:
        raise Forbidden("a cadre file is visible only to the target office, the supervision office, the "
                        "organisation department and the leadership of the person's unit")
    records = await FilingRecord.filter(staff_no=person.staff_no).exclude(status=FilingStatus.WITHDRAWN) \
        .order_by("-year", "-id")
    cases = await LeaderAdjustment.filter(staff_no=person.staff_no).order_by("-year", "-id")
    return CadreFile(staff_no=person.staff_no, filing_records=list(records), leader_adjustments=list(cases))


@dataclass(frozen=True)
class Export:
    filename: str
    content_type: str
    content: bytes
    rows: int

    @property
    def content_base64(self) -> str:
        return base64.b64encode(self.content).decode()


async def unit_names(year: int) -> dict[str, str]:
    latest = await ResultSnapshot.filter(year=year).order_by("-revision").first()
    if latest is None:
        return {}
    return {r["unitCode"]: r.get("unitName") or "" for r in latest.results}


async def reward_export(ctx: RequestContext, *, year: int) -> Export:
    unit = reward_scope(ctx)
    if not may_see_pay(ctx, unit or ""):
        raise Forbidden("reward sheets carry bonuses; they are for the target office, the organisation "
                        "department and the unit's own leadership")
    query = RewardLine.filter(year=year)
    if unit is not None:
        query = query.filter(unit_code=unit)
    lines = list(await query.order_by("unit_code", "staff_no"))
    awards = UnitAward.filter(year=year, active=True)
    if unit is not None:
        awards = awards.filter(unit_code=unit)
    content = exports.reward_workbook(year, lines, await unit_names(year),
                                      list(await awards.order_by("unit_code")))
    suffix = f"-{unit}" if unit else ""
    return Export(f"reward-lines-{year}{suffix}.xlsx", exports.XLSX, content, len(lines))


async def filing_export(ctx: RequestContext, *, year: int, status: FilingStatus | None) -> Export:
    unit = filing_scope(ctx)
    query = FilingRecord.filter(year=year)
    query = query.filter(status=status) if status is not None else query.exclude(status=FilingStatus.WITHDRAWN)
    if unit is not None:
        query = query.filter(unit_code=unit)
    records = list(await query.order_by("unit_code", "staff_no"))
    show_money = may_see_pay(ctx, unit or "")
    content = exports.filing_workbook(records, show_money=show_money)
    return Export(f"filing-records-{year}.xlsx", exports.XLSX, content, len(records))
