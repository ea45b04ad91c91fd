"""Every read query of the targets service's resolvers and loaders, and what each caller may read of it.

Read scoping lives here, one `readable_<records>(ctx, …)` function per kind of record: the queryset limited to
what the caller may see (a unit operator its own unit's targets, letters and sessions; the office roles
everything). `access` says who may do what; this module turns that into queries. The loaders' batch functions
(one query per batch of keys) read rows already cleared by the field that reached them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, TypeVar

from tortoise.queryset import QuerySet

from kernel.bulk import select_rows
from kernel.context import RequestContext
from services.targets import access, rules
from services.targets.models import (
    AssessmentYear,
    Direction,
    Letter,
    LetterTarget,
    Measure,
    NegotiationRound,
    NegotiationSession,
    ProgressReport,
    Target,
    TargetKind,
    TargetStatus,
    Unit,
    UnitKind,
)

R = TypeVar("R", Target, Letter, NegotiationSession)

# ---- scoping: one function per kind of record ----------------------------------------------------


def _of_unit(query: QuerySet[R], unit_code: str | None) -> QuerySet[R]:
    return query if unit_code is None else query.filter(unit_code=unit_code)


def readable_targets(ctx: RequestContext, unit_code: str | None = None) -> QuerySet[Target]:
    """The targets the caller may read (a unit operator: its own unit's; refused when it names another unit),
    of `unit_code` when given."""
    return _of_unit(Target.all(), access.readable_unit_filter(ctx, unit_code))


def readable_letters(ctx: RequestContext, unit_code: str | None = None) -> QuerySet[Letter]:
    """The responsibility letters the caller may read, as `readable_targets`."""
    return _of_unit(Letter.all(), access.readable_unit_filter(ctx, unit_code))


def readable_sessions(ctx: RequestContext) -> QuerySet[NegotiationSession]:
    """The negotiation sessions the caller may read: a unit operator its own unit's only."""
    return _of_unit(NegotiationSession.all(), access.readable_unit_filter(ctx, None))


# ---- units and years (read by everyone the service's gate lets in) --------------------------------


UNIT_FIELDS = ("code", "name", "kind", "group", "version")


_UNIT_KIND = {e.value: e for e in UnitKind}


def _unit_values(r: tuple[Any, ...]) -> dict[str, Any]:
    """One row of UNIT_FIELDS as the ORM's `.values()` gives it."""
    return {"code": r[0], "name": r[1], "kind": _UNIT_KIND[r[2]], "group": r[3], "version": r[4]}


async def list_units() -> list[dict[str, Any]]:
    """Every unit as plain values of UNIT_FIELDS (no model objects, nor the ORM's per-row conversion and query
    building: this list is read on almost every screen)."""
    return [_unit_values(r) for r in await select_rows(Unit, UNIT_FIELDS, '1 = 1 ORDER BY "code"')]


async def list_years() -> list[AssessmentYear]:
    return await AssessmentYear.all().order_by("year")


async def units_by_code(codes: list[str]) -> list[dict[str, Any] | None]:
    """The units of these codes as plain values of UNIT_FIELDS (None for an unknown code), in one query."""
    wanted = sorted(set(codes))
    where = f'"code" IN ({", ".join("{}" for _ in wanted)})'
    found = {r[0]: _unit_values(r) for r in await select_rows(Unit, UNIT_FIELDS, where, *wanted)}
    return [found.get(code) for code in codes]


async def years(wanted: list[int]) -> list[AssessmentYear | None]:
    found = {y.year: y for y in await AssessmentYear.filter(year__in=list(set(wanted)))}
    return [found.get(year) for year in wanted]


# ---- targets -------------------------------------------------------------------------------------


async def read_target(ctx: RequestContext, *, year: int, code: str) -> Target | None:
    """The target `code` of `year` (None when there is none); refused when it is another unit's."""
    row = await Target.get_or_none(year=year, code=code)
    if row is not None:
        access.require_read_unit(ctx, row.unit_code)
    return row


async def targets_by_id(ids: list[int]) -> list[Target | None]:
    found = {t.id: t for t in await Target.filter(id__in=list(set(ids)))}
    return [found.get(i) for i in ids]


async def children(keys: list[tuple[int, str]]) -> list[list[Target]]:
    """Children of (year, parent code) pairs, one query per distinct year."""
    by_year: dict[int, set[str]] = defaultdict(set)
    for year, code in keys:
        by_year[year].add(code)
    grouped: dict[tuple[int, str], list[Target]] = defaultdict(list)
    for year, codes in by_year.items():
        for t in await Target.filter(year=year, parent_code__in=sorted(codes)).order_by("code"):
            grouped[(year, t.parent_code or "")].append(t)
    return [grouped[key] for key in keys]


@dataclass(slots=True)
class TargetValues:
    """A target's columns as plain values (no ORM object, no timestamps): what a unit's tree is built from.

    Reading a unit's tree as `Target` objects spent most of the targets service's time on object set-up and
    timestamp parsing; the GraphQL `Target` only needs these attributes, under the model's names, and takes its
    own fields from this list (the people last: GraphQL shows them as `Person`s)."""
    id: int
    code: str
    year: int
    unit_code: str
    parent_code: str | None
    title: str
    category: str
    kind: TargetKind
    measure: Measure
    direction: Direction
    unit_of_measure: str
    baseline: Decimal | None
    proposed_value: Decimal | None
    agreed_value: Decimal | None
    points: Decimal
    benchmark_city: str
    benchmark_value: Decimal | None
    assessing_department: str
    responsible_department: str
    additive: bool
    status: TargetStatus
    stretch_override: str | None
    version: int
    responsible_leader: str | None
    assignee: str | None


TARGET_VALUE_COLUMNS = tuple(TargetValues.__dataclass_fields__)
_AMOUNT = Target._meta.fields_map["baseline"].to_python_value  # Decimal quantized as the ORM reads it
_POINTS = Target._meta.fields_map["points"].to_python_value
_KIND = {e.value: e for e in TargetKind}
_MEASURE = {e.value: e for e in Measure}
_DIRECTION = {e.value: e for e in Direction}
_STATUS = {e.value: e for e in TargetStatus}


def _target_values(r: tuple[Any, ...]) -> TargetValues:
    """One row of TARGET_VALUE_COLUMNS (as SQLite or PostgreSQL return it) as the ORM would convert it."""
    return TargetValues(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], _KIND[r[7]], _MEASURE[r[8]], _DIRECTION[r[9]], r[10],
        _AMOUNT(r[11]), _AMOUNT(r[12]), _AMOUNT(r[13]), _POINTS(r[14]), r[15], _AMOUNT(r[16]), r[17], r[18],
        bool(r[19]), _STATUS[r[20]], r[21], r[22], r[23], r[24])


async def unit_year_trees(keys: list[tuple[str, int]]) -> list[list[rules.Node]]:
    """For each (unit code, year), the roots of its target forest; one query per distinct year."""
    by_year: dict[int, set[str]] = defaultdict(set)
    for unit_code, year in keys:
        by_year[year].add(unit_code)
    forests: dict[tuple[str, int], list[rules.Node]] = {}
    for year, units in by_year.items():
        grouped: dict[str, list[TargetValues]] = defaultdict(list)
        codes = sorted(units)
        where = f'"year" = {{}} AND "unit_code" IN ({", ".join("{}" for _ in codes)}) ORDER BY "code"'
        for row in await select_rows(Target, TARGET_VALUE_COLUMNS, where, year, *codes):
            t = _target_values(row)
            grouped[t.unit_code].append(t)
        for unit_code in units:
            forests[(unit_code, year)] = [
                root for root in rules.build_forest((t.code, t.parent_code, t) for t in grouped[unit_code])
                if root.parent_code is None
            ]
    return [forests[key] for key in keys]


AGREED_FIELDS = ("code", "unit_code", "title", "kind", "measure", "direction", "agreed_value", "points",
                 "assessing_department", "status", "version")


async def agreed_targets(ctx: RequestContext, *, year: int) -> list[SimpleNamespace]:
    """Every top-level AGREED or SIGNED target of the year (for the assessment service; office roles only), as
    plain values of the fields it reads (a province's ~30,000 ORM objects took most of the request's time)."""
    ctx.require(*access.READ_ALL)
    rows = await Target.filter(year=year, parent_code__isnull=True,
                               status__in=[TargetStatus.AGREED, TargetStatus.SIGNED]).order_by("unit_code", "code") \
        .values(*AGREED_FIELDS)
    return [SimpleNamespace(**values) for values in rows]


@dataclass(frozen=True)
class StretchFlag:
    target: Target
    value: Decimal
    baseline: Decimal


async def stretch_flags(ctx: RequestContext, *, year: int, unit_code: str | None) -> list[StretchFlag]:
    """Top-level quantitative targets whose agreed (else proposed) value does not improve on the baseline."""
    query = readable_targets(ctx, unit_code).filter(year=year, parent_code__isnull=True,
                                                    measure=Measure.QUANTITATIVE, baseline__isnull=False)
    flags = []
    for t in await query.order_by("unit_code", "code"):
        value = t.agreed_value if t.agreed_value is not None else t.proposed_value
        if value is not None and t.baseline is not None and rules.needs_stretch_override(value, t.baseline,
                                                                                          t.direction):
            flags.append(StretchFlag(t, value, t.baseline))
    return flags


async def top_level_status_counts(ctx: RequestContext, *, year: int, unit_code: str | None) -> dict[str, int]:
    """How many top-level targets of the year are in each status (one aggregate query), scoped as
    `readable_targets`."""
    unit = access.readable_unit_filter(ctx, unit_code)
    connection = Target._meta.db  # plain SQL: building this query with the ORM cost more than running it
    first, second = ("$1", "$2") if connection.capabilities.dialect == "postgres" else ("?", "?")
    sql = f'SELECT "status", COUNT(*) FROM "target" WHERE "year" = {first} AND "parent_code" IS NULL'
    params: list[Any] = [year]
    if unit:
        sql += f' AND "unit_code" = {second}'
        params.append(unit)
    _, rows = await connection.execute_query(sql + ' GROUP BY "status"', params)
    return {str(status): int(count) for status, count in rows}


# ---- negotiation ---------------------------------------------------------------------------------


async def rounds_of(target_ids: list[int]) -> list[list[NegotiationRound]]:
    grouped: dict[int, list[NegotiationRound]] = {i: [] for i in target_ids}
    for r in await NegotiationRound.filter(target_id__in=list(set(target_ids))).order_by("id"):
        grouped[r.target_id].append(r)
    return [grouped[i] for i in target_ids]


async def sessions(ctx: RequestContext, *, year: int, day: date | None = None) -> list[NegotiationSession]:
    """The year's sessions (one day's, for printing), by day, slot and room, as `readable_sessions`."""
    query = readable_sessions(ctx).filter(year=year)
    if day is not None:
        query = query.filter(day=day)
    return await query.order_by("day", "slot", "room")


# ---- responsibility letters ----------------------------------------------------------------------


async def list_letters(ctx: RequestContext, *, year: int, unit_code: str | None) -> list[Letter]:
    return await readable_letters(ctx, unit_code).filter(year=year).order_by("unit_code", "id")


async def read_letter(ctx: RequestContext, *, letter_id: int) -> Letter | None:
    """The letter (None when there is none); refused when it is another unit's."""
    letter = await Letter.get_or_none(id=letter_id)
    if letter is not None:
        access.require_read_unit(ctx, letter.unit_code)
    return letter


async def bound_targets(letter_id: int) -> list[Target]:
    ids = await LetterTarget.filter(letter_id=letter_id).values_list("target_id", flat=True)
    return await Target.filter(id__in=list(ids)).order_by("code")


async def targets_of_letters(letter_ids: list[int]) -> list[list[Target]]:
    links = await LetterTarget.filter(letter_id__in=list(set(letter_ids))).values_list("letter_id", "target_id")
    by_id = {t.id: t for t in await Target.filter(id__in=list({t for _, t in links}))}
    grouped: dict[int, list[Target]] = {i: [] for i in letter_ids}
    for letter_id, target_id in links:
        grouped[letter_id].append(by_id[target_id])
    return [sorted(grouped[i], key=lambda t: t.code) for i in letter_ids]


async def reports_of(target_ids: list[int]) -> list[list[ProgressReport]]:
    """Each target's progress reports, oldest first (the `reports` loader; the target was read through its scope)."""
    grouped: dict[int, list[ProgressReport]] = {i: [] for i in target_ids}
    for r in await ProgressReport.filter(target_id__in=list(set(target_ids))).order_by("as_of", "id"):
        grouped[r.target_id].append(r)
    return [grouped[i] for i in target_ids]
