"""Every read the personnel resolvers and loaders run, and the one scope per kind of record behind them.

`readable_<records>(ctx)` is the query of what the caller may read of one kind of record, following `access.py`:
a unit-bound role reads its own unit's rows, a caller without the right is refused (or, for people, reads none).
Every other read here starts from one of them, the loaders' batches by key too; only the cadre file (its own rule,
`access.may_see_cadre_file`: a person's records of every unit) and the published unit names are read otherwise."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import TypeVar

from tortoise.expressions import Q, Subquery
from tortoise.models import Model
from tortoise.queryset import QuerySet

from kernel.context import RequestContext
from kernel.errors import Forbidden
from kernel.ids import record_id
from services.personnel import access, history
from services.personnel.models import (
    FilingRecord,
    FilingStatus,
    Honour,
    LeaderAdjustment,
    Person,
    ResultSnapshot,
    RewardLine,
    UnitAward,
    UnitMembership,
)
from services.personnel.pull import Page, page

M = TypeVar("M", bound=Model)
BATCH = 500  # keys per IN list
STAFF_FIELDS = ("staff_no", "name", "unit_code", "position", "leadership_member", "main_leader_role",
                "on_establishment", "monthly_salary", "bonus_standard", "left_on", "version")


def _in_unit(query: QuerySet[M], unit: str | None) -> QuerySet[M]:
    return query if unit is None else query.filter(unit_code=unit)


def readable_people(ctx: RequestContext) -> QuerySet[Person]:
    """The roster the caller reads: everyone for the city-wide readers, its own unit for a unit-bound role."""
    if access.sees_all_people(ctx):
        return Person.all()
    unit = access.own_people_unit(ctx)
    return Person.filter(unit_code=unit) if unit is not None else Person.filter(id__in=[])


def readable_stints(ctx: RequestContext) -> QuerySet[UnitMembership]:
    """Every stint of a person the caller reads, and the stints in the caller's own unit of anyone else (a person
    it knows only from its unit's records)."""
    if access.sees_all_people(ctx):
        return UnitMembership.all()
    unit = access.own_people_unit(ctx)
    if unit is None:
        return UnitMembership.filter(id__in=[])
    own_people = Subquery(Person.filter(unit_code=unit).values("staff_no"))
    return UnitMembership.filter(Q(unit_code=unit) | Q(staff_no__in=own_people))


def readable_reward_lines(ctx: RequestContext) -> QuerySet[RewardLine]:
    return _in_unit(RewardLine.all(), access.reward_scope(ctx))


def readable_filing_records(ctx: RequestContext) -> QuerySet[FilingRecord]:
    return _in_unit(FilingRecord.all(), access.filing_scope(ctx))


def readable_leader_adjustments(ctx: RequestContext) -> QuerySet[LeaderAdjustment]:
    return _in_unit(LeaderAdjustment.all(), access.filing_scope(ctx))


def readable_honours(ctx: RequestContext) -> QuerySet[Honour]:
    """The titles standing (withdrawn ones left out), public to every business role."""
    ctx.require(*access.HONOUR_READERS)
    return Honour.filter(active=True)


def readable_unit_awards(ctx: RequestContext) -> QuerySet[UnitAward]:
    """The one-time awards of advanced units standing, public like the titles they come with."""
    ctx.require(*access.HONOUR_READERS)
    return UnitAward.filter(active=True)


async def people_by_staff_no(ctx: RequestContext, staff_nos: Sequence[str]) -> list[SimpleNamespace | None]:
    """The readable people with these staff numbers, None for the others, in the order asked, as plain values
    (targets.csv has personnel look up ~80,000 staff numbers at province scale: an ORM object per number cost
    more than the query)."""
    found: dict[str, SimpleNamespace] = {}
    unique = list(set(staff_nos))
    readable = readable_people(ctx)
    for start in range(0, len(unique), BATCH):
        for values in await readable.filter(staff_no__in=unique[start:start + BATCH]).values(*STAFF_FIELDS):
            found[values["staff_no"]] = SimpleNamespace(**values)
    return [found.get(s) for s in staff_nos]


async def staff_of_units(ctx: RequestContext, codes: Sequence[str]) -> list[list[SimpleNamespace]]:
    """Every unit's staff in one query, ordered by staff number, as plain values (a city's staff list is
    ~16,000 rows: building ORM objects for them took five times as long as the query)."""
    by_unit: dict[str, list[SimpleNamespace]] = {code: [] for code in codes}
    rows = await readable_people(ctx).filter(unit_code__in=list(set(codes))).order_by("staff_no") \
        .values(*STAFF_FIELDS)
    for values in rows:
        by_unit[values["unit_code"]].append(SimpleNamespace(**values))
    return [by_unit[code] for code in codes]


async def unit_histories(ctx: RequestContext, staff_nos: Sequence[str]) -> list[list[UnitMembership]]:
    """Every person's readable stints, oldest first by business date, in one query."""
    found: dict[str, list[UnitMembership]] = {s: [] for s in staff_nos}
    for stint in await readable_stints(ctx).filter(staff_no__in=list(set(staff_nos))):
        found[stint.staff_no].append(stint)
    return [history.oldest_first(found[s]) for s in staff_nos]


async def by_ids(query: QuerySet[M], ids: Sequence[str]) -> list[M | None]:
    """The rows of `query` with these GraphQL ids, None for the others, in the order asked."""
    numbers = {key for i in ids if (key := record_id(i))}
    found = {str(row.pk): row for row in await query.filter(id__in=list(numbers))} if numbers else {}
    return [found.get(i) for i in ids]


async def reward_lines_page(ctx: RequestContext, *, year: int, first: int | None, after: str | None,
                            updated_since: datetime | None) -> Page[RewardLine]:
    return await page(readable_reward_lines(ctx).filter(year=year), first=first, after=after,
                      updated_since=updated_since)


async def filing_records_page(ctx: RequestContext, *, year: int | None, status: FilingStatus | None,
                              first: int | None, after: str | None, updated_since: datetime | None
                              ) -> Page[FilingRecord]:
    query = readable_filing_records(ctx)
    if year is not None:
        query = query.filter(year=year)
    if status is not None:
        query = query.filter(status=status)
    return await page(query, first=first, after=after, updated_since=updated_since)


async def leader_adjustments(ctx: RequestContext, *, year: int) -> list[LeaderAdjustment]:
    return list(await readable_leader_adjustments(ctx).filter(year=year).order_by("unit_code", "staff_no"))


async def honours(ctx: RequestContext, *, year: int, unit_code: str | None = None) -> list[Honour]:
    query = _in_unit(readable_honours(ctx).filter(year=year), unit_code)
    return list(await query.order_by("unit_code", "kind", "staff_no"))


async def unit_awards(ctx: RequestContext, *, year: int, unit_code: str | None = None) -> list[UnitAward]:
    return list(await _in_unit(readable_unit_awards(ctx).filter(year=year), unit_code).order_by("unit_code"))


async def reward_lines_of_year(ctx: RequestContext, *, year: int) -> list[RewardLine]:
    return list(await readable_reward_lines(ctx).filter(year=year).order_by("unit_code", "staff_no"))


async def filing_records_of_year(ctx: RequestContext, *, year: int, status: FilingStatus | None = None
                                 ) -> list[FilingRecord]:
    """The year's forms the caller reads, by unit and staff number: those in `status`, else all but withdrawn."""
    query = readable_filing_records(ctx).filter(year=year)
    query = query.filter(status=status) if status is not None else query.exclude(status=FilingStatus.WITHDRAWN)
    return list(await query.order_by("unit_code", "staff_no"))


async def cadre_file(ctx: RequestContext, person: Person) -> tuple[list[FilingRecord], list[LeaderAdjustment]]:
    """A person's filing records (but withdrawn ones) and adjustment cases across years and units, newest first."""
    if not access.may_see_cadre_file(ctx, person.unit_code):
        raise Forbidden("a cadre file is visible only to the target office, the supervision office, the "
                        "organisation department and the leadership of the person's unit")
    records = await FilingRecord.filter(staff_no=person.staff_no).exclude(status=FilingStatus.WITHDRAWN) \
        .order_by("-year", "-id")
    cases = await LeaderAdjustment.filter(staff_no=person.staff_no).order_by("-year", "-id")
    return list(records), list(cases)


async def unit_names(year: int) -> dict[str, str]:
    """The unit names of the year's latest published revision."""
    latest = await ResultSnapshot.filter(year=year).order_by("-revision").first()
    if latest is None:
        return {}
    return {r["unitCode"]: r.get("unitName") or "" for r in latest.results}
