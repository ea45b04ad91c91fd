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
from typing import Any, Generic, TypeVar

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
class FileRow:
    """A row of an import file as given: its number in the file and its cells (None when empty)."""

    row: int
    year: str | None = None


@dataclass(frozen=True)
class UnitRow(FileRow):
    """A row of a file of values per unit."""

    unit_code: str | None = None


@dataclass(frozen=True)
class CertificationRow(FileRow):
    target_code: str | None = None
    actual_value: str | None = None
    completion: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class BallotRow(UnitRow):
    voter_group: str | None = None
    excellent: str | None = None
    good: str | None = None
    fair: str | None = None
    poor: str | None = None


@dataclass(frozen=True)
class InspectionRow(UnitRow):
    inspector: str | None = None
    score: str | None = None


@dataclass(frozen=True)
class GrassrootsRow(UnitRow):
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
    key_fields: tuple[str, ...],
    incoming: dict[tuple[Any, ...], dict[str, Any]],
    actor: str,
    audit: AuditDraft,
) -> ImportResult:
    """Create or update the rows of `model` keyed by `key_fields`; record every change in the audit entry."""
    existing = {tuple(getattr(row, f) for f in key_fields): row for row in await model.filter(year__in=sorted(years))}
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
# Every file: its rows checked one by one, the years they name opened, then written at once
# --------------------------------------------------------------------------------------------------

R = TypeVar("R", bound=FileRow)
V = TypeVar("V")


@dataclass(frozen=True)
class Checked(Generic[R, V]):
    """A row of an opened year: the row as given, its year, its unit (files per unit) and its other cells as
    `parse` made them."""

    given: R
    year: int
    values: V
    unit: str = ""


@dataclass
class CheckedFile(Generic[R, V]):
    """A file after the checks of each row on its own: the errors found so far, the years it opened and its
    rows of those years."""

    errors: RowErrors
    opened: dict[int, Assessment]
    rows: list[Checked[R, V]]


async def check_file(ctx: RequestContext, rows: list[R], file: str,
                     parse: Callable[[RowErrors, R], V]) -> CheckedFile[R, V]:
    """Check every row's year and (with `parse`) its other cells, then open the years the rows name."""
    nonempty(rows, file)
    errors = RowErrors(file)
    year_rows: dict[int, list[int]] = {}
    parsed = [(r, row_year(errors, r.row, r.year, year_rows), parse(errors, r)) for r in rows]
    opened = await open_years(ctx, errors, year_rows)
    return CheckedFile(errors, opened, [Checked(r, year, values) for r, year, values in parsed
                                        if year is not None and year in opened])


async def check_unit_file(ctx: RequestContext, rows: list[UnitRow], file: str,
                          parse: Callable[[RowErrors, Any], V]) -> CheckedFile[Any, V]:
    """`check_file` for a file of values per unit: every row names a unit of its year's snapshot."""
    def with_unit(errors: RowErrors, r: UnitRow) -> tuple[str | None, V]:
        return errors.text(r.row, "unit_code", r.unit_code, max_length=32), parse(errors, r)

    checked = await check_file(ctx, rows, file, with_unit)
    units = await known_units(checked.opened)
    known: list[Checked[Any, V]] = []
    for c in checked.rows:
        unit, values = c.values
        if unit is None:
            continue
        if (c.year, unit) not in units:
            checked.errors.add(c.given.row, "unit_code", f"{unit} is not a unit of the {c.year} assessment")
            continue
        known.append(Checked(c.given, c.year, values, unit))
    return CheckedFile(checked.errors, checked.opened, known)


async def write_file(ctx: RequestContext, checked: CheckedFile[Any, Any], model: type[Model], *, action: str,
                     key_fields: tuple[str, ...], incoming: dict[tuple[Any, ...], dict[str, Any]],
                     actor: str) -> ImportResult:
    """Refuse a file with a bad row or of a published year; else write it in one audited transaction."""
    checked.errors.raise_if_any()
    refuse_if_published(checked.opened.values())
    async with audited(ctx, action=action, entity=model.__name__) as audit:
        audit.entity_id = ",".join(str(y) for y in sorted(checked.opened))
        return await upsert(model, years=set(checked.opened), key_fields=key_fields, incoming=incoming,
                            actor=actor, audit=audit)


def add_counts(errors: RowErrors, row: int, total: dict[str, int], counts: list[int], too_many: str) -> None:
    """Add a row's counts to the total of its key (rows of one file naming the same key are summed)."""
    for name, count in zip(total, counts, strict=True):
        total[name] += count
        if total[name] > MAX_COUNT:
            errors.add(row, name, f"{too_many} add up to more than {MAX_COUNT}")



def _counts(errors: RowErrors, r: UnitRow, columns: tuple[str, ...]) -> list[int | None]:
    return [_count(errors, r.row, name, getattr(r, name)) for name in columns]


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


def _certification_cells(errors: RowErrors, r: CertificationRow) -> tuple[str | None, Decimal | None,
                                                                          Decimal | None, str | None]:
    code = errors.text(r.row, "target_code", r.target_code, max_length=64)
    actual = _exact_decimal(errors, r.row, "actual_value", r.actual_value, required=False)
    completion = _exact_decimal(errors, r.row, "completion", r.completion, required=False,
                                minimum=Decimal(0), maximum=Decimal(1))
    note = errors.text(r.row, "note", r.note, required=False, max_length=2000)
    return code, actual, completion, note


def _check_measure(errors: RowErrors, r: CertificationRow, target: SnapshotTarget) -> None:
    """A qualitative target is certified by its completion, a quantitative one by its actual value."""
    code = target.code
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


async def import_certifications(ctx: RequestContext, rows: list[CertificationRow]) -> ImportResult:
    """Load certifications.csv rows, all or nothing."""
    caller = ctx.require(Role.TARGET_OFFICE, Role.ASSESSOR)
    checked = await check_file(ctx, rows, "certifications.csv", _certification_cells)
    errors = checked.errors
    targets = {(t.year, t.code): t for t in await SnapshotTarget.filter(year__in=sorted(checked.opened))}
    seen: dict[tuple[int, str], int] = {}
    forbidden: list[dict[str, Any]] = []
    incoming: dict[tuple[Any, ...], dict[str, Any]] = {}
    for c in checked.rows:
        r, year, (code, actual, completion, note) = c.given, c.year, c.values
        if code is None:
            continue
        target = targets.get((year, code))
        if target is None:
            errors.add(r.row, "target_code", f"{code} is not an agreed top-level target of {year}")
            continue
        if not errors.first_time(seen, (year, code), r.row, "target_code", f"{code} is also certified"):
            continue
        _check_measure(errors, r, target)
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
    return await write_file(ctx, checked, Certification, action="importCertifications",
                            key_fields=("year", "target_code"), incoming=incoming, actor=caller.username)


# --------------------------------------------------------------------------------------------------
# Ballots, inspections, grassroots (EVALUATOR or the target office)
# --------------------------------------------------------------------------------------------------


async def known_units(years: Iterable[int]) -> set[tuple[int, str]]:
    return {(u.year, u.code) for u in await SnapshotUnit.filter(year__in=sorted(set(years))).only("year", "code")}


def _ballot_cells(errors: RowErrors, r: BallotRow) -> tuple[str | None, list[int | None]]:
    return (errors.text(r.row, "voter_group", r.voter_group, max_length=64),
            _counts(errors, r, rules.VOTE_VALUES))


async def import_ballots(ctx: RequestContext, rows: list[BallotRow]) -> ImportResult:
    """Load ballots.csv rows, all or nothing; rows of the same unit and voter group are summed."""
    caller = ctx.require(Role.TARGET_OFFICE, Role.EVALUATOR)
    checked = await check_unit_file(ctx, rows, "ballots.csv", _ballot_cells)
    incoming: dict[tuple[Any, ...], dict[str, Any]] = {}
    for c in checked.rows:
        group, counts = c.values
        if group is None or any(n is None for n in counts):
            continue
        total = incoming.setdefault((c.year, c.unit, group), dict.fromkeys(rules.VOTE_VALUES, 0))
        add_counts(checked.errors, c.given.row, total, counts, f"the {group} ballots of {c.unit}")
    return await write_file(ctx, checked, BallotTally, action="importBallots",
                            key_fields=("year", "unit_code", "voter_group"), incoming=incoming, actor=caller.username)


def _inspection_cells(errors: RowErrors, r: InspectionRow) -> tuple[str | None, Decimal | None]:
    return (errors.text(r.row, "inspector", r.inspector, max_length=64),
            _exact_decimal(errors, r.row, "score", r.score, minimum=Decimal(0), maximum=Decimal(100)))


async def import_inspections(ctx: RequestContext, rows: list[InspectionRow]) -> ImportResult:
    """Load inspections.csv rows, all or nothing; one score (0–100) per unit and inspector."""
    caller = ctx.require(Role.TARGET_OFFICE, Role.EVALUATOR)
    checked = await check_unit_file(ctx, rows, "inspections.csv", _inspection_cells)
    seen: dict[tuple[int, str, str], int] = {}
    incoming: dict[tuple[Any, ...], dict[str, Any]] = {}
    for c in checked.rows:
        inspector, score = c.values
        if inspector is None or score is None:
            continue
        key = (c.year, c.unit, inspector)
        if checked.errors.first_time(seen, key, c.given.row, "inspector", f"{inspector} already scored {c.unit}"):
            incoming[key] = {"score": str(score)}
    return await write_file(ctx, checked, InspectionScore, action="importInspections",
                            key_fields=("year", "unit_code", "inspector"), incoming=incoming, actor=caller.username)


GRASSROOTS_COLUMNS = ("satisfied", "basically_satisfied", "dissatisfied")


async def import_grassroots(ctx: RequestContext, rows: list[GrassrootsRow]) -> ImportResult:
    """Load grassroots.csv rows, all or nothing; rows of the same unit are summed."""
    caller = ctx.require(Role.TARGET_OFFICE, Role.EVALUATOR)
    checked = await check_unit_file(ctx, rows, "grassroots.csv",
                                    lambda errors, r: _counts(errors, r, GRASSROOTS_COLUMNS))
    incoming: dict[tuple[Any, ...], dict[str, Any]] = {}
    for c in checked.rows:
        if any(n is None for n in c.values):
            continue
        total = incoming.setdefault((c.year, c.unit), dict.fromkeys(GRASSROOTS_COLUMNS, 0))
        add_counts(checked.errors, c.given.row, total, c.values, f"the responses for {c.unit}")
    return await write_file(ctx, checked, GrassrootsTally, action="importGrassroots",
                            key_fields=("year", "unit_code"), incoming=incoming, actor=caller.username)


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
