"""The four year-end sources (DESIGN.md §4.1, §5): certifications, ballots, inspections, grassroots.

Every entry goes through the same path as an import: rows are checked all together (values in range,
known targets and units of the year's snapshot, a year that has agreed targets), every bad row is
reported and nothing is written; a good file is written in one audited transaction. Rows of one file
that name the same ballot group or the same unit's grassroots are summed; a file replaces the stored
values of the keys it names and leaves the others alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tortoise.expressions import F
from tortoise.models import Model

from kernel.audit import AuditDraft, audited
from kernel.context import RequestContext
from kernel.errors import BadInput, Conflict, Forbidden
from kernel.roles import Role
from kernel.tabular import RowErrors
from services.assessment import rules
from services.assessment.models import (
    Assessment,
    BallotTally,
    Certification,
    GrassrootsTally,
    InspectionScore,
    SnapshotTarget,
    SnapshotUnit,
    Status,
)
from services.assessment.snapshot import MAX_YEAR, MIN_YEAR, NoTargets, ensure_open

MAX_COUNT = 100_000_000
MAX_DECIMAL_PLACES = 6
MAX_ABS = Decimal("1e15")


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class CertificationRow:
    row: int
    target_code: str | None = None
    year: str | None = None
    actual_value: str | None = None
    completion: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class BallotRow:
    row: int
    unit_code: str | None = None
    year: str | None = None
    voter_group: str | None = None
    excellent: str | None = None
    good: str | None = None
    fair: str | None = None
    poor: str | None = None


@dataclass(frozen=True)
class InspectionRow:
    row: int
    unit_code: str | None = None
    year: str | None = None
    inspector: str | None = None
    score: str | None = None


@dataclass(frozen=True)
class GrassrootsRow:
    row: int
    unit_code: str | None = None
    year: str | None = None
    satisfied: str | None = None
    basically_satisfied: str | None = None
    dissatisfied: str | None = None


def _given(value: str | None) -> bool:
    return bool((value or "").strip())


def _exact_decimal(errors: RowErrors, row: int, column: str, value: str | None, **bounds: Any) -> Decimal | None:
    number = errors.decimal(row, column, value, **bounds)
    if number is None:
        return None
    if abs(number) >= MAX_ABS:
        errors.add(row, column, f"{number} is too large")
        return None
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_DECIMAL_PLACES:
        errors.add(row, column, f"{number} has more than {MAX_DECIMAL_PLACES} decimal places")
        return None
    return number


def _count(errors: RowErrors, row: int, column: str, value: str | None) -> int | None:
    if not _given(value):
        return 0
    return errors.integer(row, column, value, minimum=0, maximum=MAX_COUNT)


async def open_years(ctx: RequestContext, errors: RowErrors, year_rows: dict[int, list[int]]
                     ) -> dict[int, Assessment]:
    """Open (snapshot) every year the rows name; rows of a year with no agreed targets are bad rows."""
    opened: dict[int, Assessment] = {}
    for year in sorted(year_rows):
        try:
            opened[year] = await ensure_open(ctx, year)
        except NoTargets:
            for row in year_rows[year]:
                errors.add(row, "year", f"{year} has no agreed targets to assess")
    return opened


def refuse_if_published(assessments: Iterable[Assessment]) -> None:
    for assessment in assessments:
        if assessment.status == Status.PUBLISHED:
            raise Conflict(
                f"revision {assessment.revision} of {assessment.year} is published and its inputs are read-only; "
                "the target office opens a correction to change them", year=assessment.year,
            )


async def mark_changed(years: Iterable[int]) -> None:
    """Inside the writing transaction: the years' results are stale; refuse if one was published meanwhile."""
    for year in sorted(set(years)):
        changed = await Assessment.filter(year=year, status__in=[Status.OPEN, Status.COMPUTED]).update(
            status=Status.OPEN, inputs_version=F("inputs_version") + 1)
        if not changed:
            raise Conflict(f"the {year} assessment was published meanwhile; its inputs are read-only", year=year)


async def upsert(
    model: type[Model],
    *,
    years: set[int],
    key: Callable[[Any], tuple[Any, ...]],
    key_fields: tuple[str, ...],
    incoming: dict[tuple[Any, ...], dict[str, Any]],
    actor: str,
    audit: AuditDraft,
) -> ImportResult:
    """Create or update the rows of `model` keyed by `key_fields`; record every change in the audit entry."""
    existing = {key(row): row for row in await model.filter(year__in=sorted(years))}
    now = datetime.now(UTC)
    create: list[Model] = []
    update: list[Model] = []
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    unchanged = 0
    value_fields: list[str] = []
    for k, values in incoming.items():
        value_fields = list(values)
        label = "/".join(str(part) for part in k)
        row = existing.get(k)
        if row is None:
            create.append(model(**dict(zip(key_fields, k, strict=True)), **values, entered_by=actor))
            after[label] = values
        elif any(getattr(row, name) != value for name, value in values.items()):
            before[label] = {name: getattr(row, name) for name in values}
            for name, value in values.items():
                setattr(row, name, value)
            row.entered_by = actor
            row.updated_at = now
            update.append(row)
            after[label] = values
        else:
            unchanged += 1
    if create:
        await model.bulk_create(create, batch_size=1000)
    if update:
        await model.bulk_update(update, fields=[*value_fields, "entered_by", "updated_at"], batch_size=1000)
    if create or update:
        await mark_changed(years)
    audit.before = before or None
    audit.after = {"created": len(create), "updated": len(update), "unchanged": unchanged, "changes": after}
    return ImportResult(created=len(create), updated=len(update), unchanged=unchanged)


def row_year(errors: RowErrors, row: int, value: str | None, year_rows: dict[int, list[int]]) -> int | None:
    year = errors.integer(row, "year", value, minimum=MIN_YEAR, maximum=MAX_YEAR)
    if year is not None:
        year_rows.setdefault(year, []).append(row)
    return year


def nonempty(rows: list[Any], file: str) -> None:
    if not rows:
        raise BadInput(f"{file} has no rows", field="rows")


# --------------------------------------------------------------------------------------------------
# Certifications (专项目标考核): the target's assessing department or the target office
# --------------------------------------------------------------------------------------------------


def may_certify(ctx: RequestContext, target: SnapshotTarget) -> bool:
    caller = ctx.caller
    if caller is None:
        return False
    if caller.has(Role.TARGET_OFFICE):
        return True
    return Role.ASSESSOR in caller.roles and bool(caller.unit) and caller.unit == target.assessing_department


async def import_certifications(ctx: RequestContext, rows: list[CertificationRow]) -> ImportResult:
    """Load certifications.csv rows, all or nothing."""
    caller = ctx.require(Role.TARGET_OFFICE, Role.ASSESSOR)
    nonempty(rows, "certifications.csv")
    errors = RowErrors("certifications.csv")
    year_rows: dict[int, list[int]] = {}
    parsed = []
    for r in rows:
        year = row_year(errors, r.row, r.year, year_rows)
        code = errors.text(r.row, "target_code", r.target_code, max_length=64)
        actual = _exact_decimal(errors, r.row, "actual_value", r.actual_value, required=False)
        completion = _exact_decimal(errors, r.row, "completion", r.completion, required=False,
                                    minimum=Decimal(0), maximum=Decimal(1))
        note = errors.text(r.row, "note", r.note, required=False, max_length=2000)
        parsed.append((r, year, code, actual, completion, note))
    opened = await open_years(ctx, errors, year_rows)
    targets = {(t.year, t.code): t for t in await SnapshotTarget.filter(year__in=sorted(opened))}
    seen: dict[tuple[int, str], int] = {}
    forbidden: list[dict[str, Any]] = []
    incoming: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r, year, code, actual, completion, note in parsed:
        if year is None or code is None or year not in opened:
            continue
        target = targets.get((year, code))
        if target is None:
            errors.add(r.row, "target_code", f"{code} is not an agreed top-level target of {year}")
            continue
        if (year, code) in seen:
            errors.add(r.row, "target_code", f"{code} is also certified on row {seen[(year, code)]}")
            continue
        seen[(year, code)] = r.row
        if target.measure == rules.Measure.QUALITATIVE:
            if _given(r.actual_value):
                errors.add(r.row, "actual_value", f"{code} is qualitative: give its completion (0–1), not a value")
            if not _given(r.completion):
                errors.add(r.row, "completion", f"is required for the qualitative target {code}")
        else:
            if _given(r.completion):
                errors.add(r.row, "completion", f"{code} is quantitative: give its actual value, not a completion")
            if not _given(r.actual_value):
                errors.add(r.row, "actual_value", f"is required for the quantitative target {code}")
        if not may_certify(ctx, target):
            forbidden.append({"row": r.row, "column": "target_code",
                              "reason": f"{code} is certified by {target.assessing_department or 'the target office'}"
                                        f", not by {caller.unit or caller.username}"})
        incoming[(year, code)] = {
            "actual_value": str(actual) if actual is not None else None,
            "completion": str(completion) if completion is not None else None,
            "note": note,
        }
    errors.raise_if_any()
    if forbidden:
        raise Forbidden("an assessing department certifies only the targets it assesses", rowErrors=forbidden)
    refuse_if_published(opened.values())
    async with audited(ctx, action="importCertifications", entity="Certification") as audit:
        audit.entity_id = ",".join(str(y) for y in sorted(opened))
        return await upsert(Certification, years=set(opened), key=lambda c: (c.year, c.target_code),
                            key_fields=("year", "target_code"), incoming=incoming,
                            actor=caller.username, audit=audit)


# --------------------------------------------------------------------------------------------------
# Ballots, inspections, grassroots (EVALUATOR or the target office)
# --------------------------------------------------------------------------------------------------


async def known_units(years: Iterable[int]) -> set[tuple[int, str]]:
    return {(u.year, u.code) for u in await SnapshotUnit.filter(year__in=sorted(set(years))).only("year", "code")}


def _check_unit(errors: RowErrors, row: int, year: int, code: str, units: set[tuple[int, str]]) -> bool:
    if (year, code) not in units:
        errors.add(row, "unit_code", f"{code} is not a unit of the {year} assessment")
        return False
    return True


async def import_ballots(ctx: RequestContext, rows: list[BallotRow]) -> ImportResult:
    """Load ballots.csv rows, all or nothing; rows of the same unit and voter group are summed."""
    caller = ctx.require(Role.TARGET_OFFICE, Role.EVALUATOR)
    nonempty(rows, "ballots.csv")
    errors = RowErrors("ballots.csv")
    year_rows: dict[int, list[int]] = {}
    parsed = []
    for r in rows:
        year = row_year(errors, r.row, r.year, year_rows)
        unit = errors.text(r.row, "unit_code", r.unit_code, max_length=32)
        group = errors.text(r.row, "voter_group", r.voter_group, max_length=64)
        counts = [_count(errors, r.row, name, getattr(r, name)) for name in rules.VOTE_VALUES]
        parsed.append((r, year, unit, group, counts))
    opened = await open_years(ctx, errors, year_rows)
    units = await known_units(opened)
    incoming: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r, year, unit, group, counts in parsed:
        if year is None or unit is None or year not in opened or not _check_unit(errors, r.row, year, unit, units):
            continue
        if group is None or any(c is None for c in counts):
            continue
        total = incoming.setdefault((year, unit, group), dict.fromkeys(rules.VOTE_VALUES, 0))
        for name, count in zip(rules.VOTE_VALUES, counts, strict=True):
            total[name] += count
            if total[name] > MAX_COUNT:
                errors.add(r.row, name, f"the {group} ballots of {unit} add up to more than {MAX_COUNT}")
    errors.raise_if_any()
    refuse_if_published(opened.values())
    async with audited(ctx, action="importBallots", entity="BallotTally") as audit:
        audit.entity_id = ",".join(str(y) for y in sorted(opened))
        return await upsert(BallotTally, years=set(opened), key=lambda b: (b.year, b.unit_code, b.voter_group),
                            key_fields=("year", "unit_code", "voter_group"), incoming=incoming,
                            actor=caller.username, audit=audit)


async def import_inspections(ctx: RequestContext, rows: list[InspectionRow]) -> ImportResult:
    """Load inspections.csv rows, all or nothing; one score (0–100) per unit and inspector."""
    caller = ctx.require(Role.TARGET_OFFICE, Role.EVALUATOR)
    nonempty(rows, "inspections.csv")
    errors = RowErrors("inspections.csv")
    year_rows: dict[int, list[int]] = {}
    parsed = []
    for r in rows:
        year = row_year(errors, r.row, r.year, year_rows)
        unit = errors.text(r.row, "unit_code", r.unit_code, max_length=32)
        inspector = errors.text(r.row, "inspector", r.inspector, max_length=64)
        score = _exact_decimal(errors, r.row, "score", r.score, minimum=Decimal(0), maximum=Decimal(100))
        parsed.append((r, year, unit, inspector, score))
    opened = await open_years(ctx, errors, year_rows)
    units = await known_units(opened)
    seen: dict[tuple[int, str, str], int] = {}
    incoming: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r, year, unit, inspector, score in parsed:
        if year is None or unit is None or year not in opened or not _check_unit(errors, r.row, year, unit, units):
            continue
        if inspector is None or score is None:
            continue
        if (year, unit, inspector) in seen:
            errors.add(r.row, "inspector", f"{inspector} already scored {unit} on row {seen[(year, unit, inspector)]}")
            continue
        seen[(year, unit, inspector)] = r.row
        incoming[(year, unit, inspector)] = {"score": str(score)}
    errors.raise_if_any()
    refuse_if_published(opened.values())
    async with audited(ctx, action="importInspections", entity="InspectionScore") as audit:
        audit.entity_id = ",".join(str(y) for y in sorted(opened))
        return await upsert(InspectionScore, years=set(opened), key=lambda i: (i.year, i.unit_code, i.inspector),
                            key_fields=("year", "unit_code", "inspector"), incoming=incoming,
                            actor=caller.username, audit=audit)


GRASSROOTS_COLUMNS = ("satisfied", "basically_satisfied", "dissatisfied")


async def import_grassroots(ctx: RequestContext, rows: list[GrassrootsRow]) -> ImportResult:
    """Load grassroots.csv rows, all or nothing; rows of the same unit are summed."""
    caller = ctx.require(Role.TARGET_OFFICE, Role.EVALUATOR)
    nonempty(rows, "grassroots.csv")
    errors = RowErrors("grassroots.csv")
    year_rows: dict[int, list[int]] = {}
    parsed = []
    for r in rows:
        year = row_year(errors, r.row, r.year, year_rows)
        unit = errors.text(r.row, "unit_code", r.unit_code, max_length=32)
        counts = [_count(errors, r.row, name, getattr(r, name)) for name in GRASSROOTS_COLUMNS]
        parsed.append((r, year, unit, counts))
    opened = await open_years(ctx, errors, year_rows)
    units = await known_units(opened)
    incoming: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r, year, unit, counts in parsed:
        if year is None or unit is None or year not in opened or not _check_unit(errors, r.row, year, unit, units):
            continue
        if any(c is None for c in counts):
            continue
        total = incoming.setdefault((year, unit), dict.fromkeys(GRASSROOTS_COLUMNS, 0))
        for name, count in zip(GRASSROOTS_COLUMNS, counts, strict=True):
            total[name] += count
            if total[name] > MAX_COUNT:
                errors.add(r.row, name, f"the responses for {unit} add up to more than {MAX_COUNT}")
    errors.raise_if_any()
    refuse_if_published(opened.values())
    async with audited(ctx, action="importGrassroots", entity="GrassrootsTally") as audit:
        audit.entity_id = ",".join(str(y) for y in sorted(opened))
        return await upsert(GrassrootsTally, years=set(opened), key=lambda g: (g.year, g.unit_code),
                            key_fields=("year", "unit_code"), incoming=incoming,
                            actor=caller.username, audit=audit)


# --------------------------------------------------------------------------------------------------
# One entry at a time: the same checks as a one-row file, with the failing column as the field
# --------------------------------------------------------------------------------------------------

COLUMN_FIELDS = {
    "target_code": "targetCode", "actual_value": "actualValue", "voter_group": "voterGroup",
    "unit_code": "unitCode", "basically_satisfied": "basicallySatisfied",
}


async def single(entry: Any) -> None:
    """Await one entry; turn a one-row file report into a field error."""
    try:
        await entry
    except BadInput as exc:
        row_errors = exc.extensions.get("rowErrors") or []
        if not row_errors:
            raise
        first = row_errors[0]
        column = str(first["column"])
        reason = "; ".join(f"{e['column']} {e['reason']}" for e in row_errors)
        raise BadInput(reason, field=COLUMN_FIELDS.get(column, column)) from None
