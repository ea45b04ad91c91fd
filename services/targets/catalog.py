"""Assessment years and targets: create, change, import, decompose (the targets service's logic; reads are in
`repository`)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field, make_dataclass
from decimal import Decimal
from typing import Any

from kernel.audit import audited
from kernel.bulk import insert_dicts
from kernel.context import RequestContext
from kernel.errors import BadInput, Conflict, NotFound
from kernel.roles import Role
from kernel.tabular import RowErrors
from services.targets import access, rules
from services.targets.models import (
    AssessmentYear,
    Direction,
    Measure,
    Target,
    TargetKind,
    TargetStatus,
    Unit,
    YearStatus,
)
from services.targets.people import check_staff_of_unit, not_of_unit, units_of

KINDS = {"base": "BASE", "stretch": "STRETCH", "veto": "VETO", "基本": "BASE", "争取": "STRETCH",
         "一票否决": "VETO"}
MEASURES = {"quantitative": "QUANTITATIVE", "qualitative": "QUALITATIVE", "定量": "QUANTITATIVE",
            "定性": "QUALITATIVE"}
DIRECTIONS = {"higher": "HIGHER_IS_BETTER", "lower": "LOWER_IS_BETTER", "higher_is_better": "HIGHER_IS_BETTER",
              "lower_is_better": "LOWER_IS_BETTER"}
# The members a choice above names, looked up directly (calling the Enum class costs more than the row's checks).
KIND_MEMBERS = {k.value: k for k in TargetKind}
MEASURE_MEMBERS = {m.value: m for m in Measure}
DIRECTION_MEMBERS = {d.value: d for d in Direction}
SPACE = re.compile(r"\s")  # exactly the characters str.isspace() is true for
AMOUNT_MAX = Decimal("999999999999999999")
CODE_MAX = 64
OPEN_FOR_NEGOTIATION = frozenset({YearStatus.PLANNING, YearStatus.NEGOTIATING})


# ---- shared helpers ------------------------------------------------------------------------------


def target_fields(t: Target) -> dict[str, Any]:
    """A target's content fields (camelCase), as hashed into letters and written to the audit trail."""
    return {
        "code": t.code, "year": t.year, "unitCode": t.unit_code, "parentCode": t.parent_code, "title": t.title,
        "category": t.category, "kind": t.kind.value, "measure": t.measure.value, "direction": t.direction.value,
        "unitOfMeasure": t.unit_of_measure, "baseline": rules.plain(t.baseline),
        "agreedValue": rules.plain(t.agreed_value), "points": rules.plain(t.points),
        "benchmarkCity": t.benchmark_city, "benchmarkValue": rules.plain(t.benchmark_value),
        "assessingDepartment": t.assessing_department, "responsibleLeader": t.responsible_leader,
        "responsibleDepartment": t.responsible_department, "assignee": t.assignee, "additive": t.additive,
    }


def snapshot(t: Target) -> dict[str, Any]:
    return target_fields(t) | {"proposedValue": rules.plain(t.proposed_value), "status": t.status.value,
                               "version": t.version, "stretchOverride": t.stretch_override}


def stale(kind: str, key: str, seen: int, current: int) -> Conflict:
    return Conflict(f"{kind} {key} was changed by someone else (you saw version {seen}, it is now {current}); "
                    "reload and try again", field="version", currentVersion=current)


async def get_year(year: int) -> AssessmentYear:
    found = await AssessmentYear.get_or_none(year=year)
    if found is None:
        raise NotFound(f"no assessment year {year}")
    return found


async def open_year(year: int, allowed: frozenset[YearStatus] | None = None) -> AssessmentYear:
    """The year, when it exists and is not CLOSED (or is in one of `allowed`)."""
    found = await get_year(year)
    if allowed is not None and found.status not in allowed:
        raise Conflict(f"year {year} is {found.status.value}; this needs it to be "
                       f"{' or '.join(sorted(s.value for s in allowed))}", field="year")
    if found.status is YearStatus.CLOSED:
        raise Conflict(f"year {year} is CLOSED; nothing in it changes any more", field="year")
    return found


async def get_target(year: int, code: str) -> Target:
    found = await Target.get_or_none(year=year, code=code)
    if found is None:
        raise NotFound(f"no target {code} in {year}")
    return found


def check_version(t: Target, version: int) -> None:
    if t.version != version:
        raise stale("target", t.code, version, t.version)


def check_not_frozen(t: Target) -> None:
    if t.status is TargetStatus.SIGNED:
        raise Conflict(f"target {t.code} is bound by a signed responsibility letter; change it through an "
                       "amendment letter", field="code", currentVersion=t.version)


async def save_versioned(t: Target, version: int, **values: Any) -> Target:
    """Write `values` if the target is still at `version`; bump the version."""
    changed = await Target.filter(id=t.id, version=version).update(**values, version=version + 1)
    if not changed:
        current = await Target.get(id=t.id)
        raise stale("target", t.code, version, current.version)
    return await Target.get(id=t.id)


# ---- years ---------------------------------------------------------------------------------------


async def create_year(ctx: RequestContext, *, year: int) -> AssessmentYear:
    """Open a new assessment year in PLANNING (target office)."""
    ctx.require(Role.TARGET_OFFICE)
    if not 2000 <= year <= 2100:
        raise BadInput("the year must be between 2000 and 2100", field="year")
    async with audited(ctx, action="createYear", entity="AssessmentYear") as audit:
        audit.entity_id = str(year)
        if await AssessmentYear.filter(year=year).exists():
            raise Conflict(f"year {year} exists already", field="year")
        created = await AssessmentYear.create(year=year)
        audit.after = created.snapshot()
    return created


async def advance_year(ctx: RequestContext, *, year: int, status: str, version: int) -> AssessmentYear:
    """Move a year one step: PLANNING → NEGOTIATING → SIGNED → EXECUTING → CLOSED."""
    ctx.require(Role.TARGET_OFFICE)
    wanted = YearStatus(status)
    async with audited(ctx, action="advanceYear", entity="AssessmentYear") as audit:
        audit.entity_id = str(year)
        current = await get_year(year)
        audit.before = current.snapshot()
        if current.version != version:
            raise stale("year", str(year), version, current.version)
        if not rules.year_transition_allowed(current.status, wanted):
            raise Conflict(f"year {year} cannot go from {current.status.value} to {wanted.value}",
                           field="status", currentStatus=current.status.value)
        changed = await AssessmentYear.filter(year=year, version=version).update(status=wanted, version=version + 1)
        if not changed:
            raise stale("year", str(year), version, (await get_year(year)).version)
        current = await get_year(year)
        audit.after = current.snapshot()
    return current


# ---- create and change one target ----------------------------------------------------------------


@dataclass(frozen=True)
class TargetSpec:
    """The fields of a new target, or (None = leave as is) the fields of a change."""

    title: str | None = None
    category: str | None = None
    kind: str | None = None
    measure: str | None = None
    direction: str | None = None
    unit_of_measure: str | None = None
    baseline: Decimal | None = None
    points: Decimal | None = None
    benchmark_city: str | None = None
    benchmark_value: Decimal | None = None
    assessing_department: str | None = None
    responsible_leader: str | None = None
    responsible_department: str | None = None
    assignee: str | None = None
    additive: bool | None = None
    agreed_value: Decimal | None = None

    def given(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def _check_amount(name: str, value: Decimal | None) -> None:
    if value is not None and (not value.is_finite() or abs(value) > AMOUNT_MAX):
        raise BadInput(f"{name} is out of range", field=name)


def _check_spec(spec: TargetSpec) -> None:
    if spec.title is not None and not (0 < len(spec.title.strip()) <= 256):
        raise BadInput("a title is 1–256 characters", field="title")
    for name in ("baseline", "benchmark_value", "agreed_value"):
        _check_amount(name, getattr(spec, name))
    if spec.points is not None and not Decimal(0) <= spec.points <= Decimal(100):
        raise BadInput("points are between 0 and 100", field="points")


async def _check_people(ctx: RequestContext, unit_code: str, spec: TargetSpec) -> None:
    """The responsible leader and the assignee are staff of the target's unit."""
    await check_staff_of_unit(ctx, unit_code, [("responsibleLeader", spec.responsible_leader),
                                               ("assignee", spec.assignee)])


async def create_target(ctx: RequestContext, *, year: int, code: str, unit_code: str, spec: TargetSpec) -> Target:
    """A new top-level DRAFT target, to be negotiated (target office)."""
    ctx.require(Role.TARGET_OFFICE)
    code = (code or "").strip()
    if not code or len(code) > CODE_MAX or any(ch.isspace() for ch in code):
        raise BadInput(f"a target code is 1–{CODE_MAX} characters without spaces", field="code")
    if not spec.title or not spec.kind or not spec.measure or not spec.direction:
        raise BadInput("a target needs a title, kind, measure and direction", field="title")
    _check_spec(spec)
    await _check_people(ctx, unit_code, spec)
    async with audited(ctx, action="createTarget", entity="Target") as audit:
        audit.entity_id = f"{year}:{code}"
        await open_year(year, OPEN_FOR_NEGOTIATION)
        if not await Unit.filter(code=unit_code).exists():
            raise NotFound(f"no unit {unit_code}")
        if await Target.filter(year=year, code=code).exists():
            raise Conflict(f"target {code} exists already in {year}", field="code")
        values = spec.given()
        values.pop("agreed_value", None)
        measure = Measure(spec.measure)
        values.setdefault("additive", measure is Measure.QUANTITATIVE)
        created = await Target.create(year=year, code=code, unit_code=unit_code, status=TargetStatus.DRAFT,
                                      **values)
        audit.after = snapshot(created)
    return created


TOP_LEVEL_OPERATOR_FIELDS = frozenset({"responsible_department", "assignee"})


async def update_target(ctx: RequestContext, *, year: int, code: str, version: int, spec: TargetSpec) -> Target:
    """Change a target's fields. The target office changes any target (values of top-level targets only
    through negotiation); a unit operator changes its own unit's decomposed targets and the responsibility
    fields of its top-level targets. A signed target changes only through an amendment letter."""
    _check_spec(spec)
    if spec.responsible_leader or spec.assignee:
        target = await get_target(year, code)
        access.require_write_unit(ctx, target.unit_code)  # before anything is said about the people
        await _check_people(ctx, target.unit_code, spec)
    async with audited(ctx, action="updateTarget", entity="Target") as audit:
        audit.entity_id = f"{year}:{code}"
        target = await get_target(year, code)
        caller = access.require_write_unit(ctx, target.unit_code)
        audit.before = snapshot(target)
        await open_year(year)
        check_version(target, version)
        check_not_frozen(target)
        values = spec.given()
        if target.parent_code is None:
            if "agreed_value" in values:
                raise BadInput("a top-level target's value is set by negotiation (proposeTarget, agreeTarget)",
                               field="agreedValue")
            if not caller.has(Role.TARGET_OFFICE) and set(values) - TOP_LEVEL_OPERATOR_FIELDS:
                raise BadInput("a unit operator may change only the responsible department and assignee of a "
                               "top-level target", field="input")
        target = await save_versioned(target, version, **values)
        audit.after = snapshot(target)
    return target


# ---- decomposition -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildSpec:
    code: str
    title: str
    value: Decimal | None = None
    points: Decimal | None = None
    responsible_department: str | None = None
    responsible_leader: str | None = None
    assignee: str | None = None
    additive: bool | None = None


async def decompose_target(ctx: RequestContext, *, year: int, code: str, children: list[ChildSpec]) -> list[Target]:
    """Add child targets under an agreed target (分解细化): inherited kind, measure, direction, unit of
    measure, category and assessing department; the children are AGREED with the given values."""
    if not children:
        raise BadInput("give at least one child target", field="children")
    seen: set[str] = set()
    for child in children:
        _check_spec(TargetSpec(title=child.title, agreed_value=child.value, points=child.points))
        if not child.code or len(child.code) > CODE_MAX or any(ch.isspace() for ch in child.code):
            raise BadInput(f"a target code is 1–{CODE_MAX} characters without spaces", field="code")
        if child.code in seen:
            raise BadInput(f"child code {child.code} is given twice", field="code")
        seen.add(child.code)
    async with audited(ctx, action="decomposeTarget", entity="Target") as audit:
        audit.entity_id = f"{year}:{code}"
        parent = await get_target(year, code)
        access.require_write_unit(ctx, parent.unit_code)
        await open_year(year)
        if parent.status not in (TargetStatus.AGREED, TargetStatus.SIGNED):
            raise Conflict(f"target {code} is {parent.status.value}; only an agreed target is decomposed",
                           field="code")
        clash = await Target.filter(year=year, code__in=list(seen)).values_list("code", flat=True)
        if clash:
            raise Conflict(f"target code(s) {', '.join(sorted(clash))} exist already in {year}", field="code")
        people = [pair for c in children for pair in (("responsibleLeader", c.responsible_leader),
                                                      ("assignee", c.assignee))]
        await check_staff_of_unit(ctx, parent.unit_code, people)
        quantitative = parent.measure is Measure.QUANTITATIVE
        rows = [
            Target(
                year=year, code=c.code, unit_code=parent.unit_code, parent_code=parent.code, title=c.title.strip(),
                category=parent.category, kind=parent.kind, measure=parent.measure, direction=parent.direction,
                unit_of_measure=parent.unit_of_measure, agreed_value=c.value, proposed_value=c.value,
                points=c.points or Decimal(0), assessing_department=parent.assessing_department,
                responsible_department=c.responsible_department or "", responsible_leader=c.responsible_leader,
                assignee=c.assignee, additive=quantitative if c.additive is None else c.additive and quantitative,
                status=TargetStatus.AGREED,
            )
            for c in children
        ]
        await Target.bulk_create(rows)
        created = await Target.filter(year=year, code__in=list(seen)).order_by("code")
        audit.after = {"parent": code, "children": [snapshot(t) for t in created]}
    return created


# ---- import of targets.csv -----------------------------------------------------------------------


TARGET_COLUMNS = ("code", "unit_code", "year", "title", "category", "kind", "measure", "direction",
                  "unit_of_measure", "baseline", "agreed_value", "points", "benchmark_city", "benchmark_value",
                  "assessing_department", "parent_code", "responsible_department", "responsible_leader", "assignee")

# One targets.csv row as given: its number and the text of each of TARGET_COLUMNS (None when empty).
TargetRow = make_dataclass("TargetRow", [("row", int), *((c, str | None, None) for c in TARGET_COLUMNS)],
                           frozen=True, namespace={"__module__": __name__})


@dataclass
class CheckedTarget:
    row: int
    values: dict[str, Any] = field(default_factory=dict)
    key: tuple[int, str] = field(init=False)
    """(year, code), taken once from the values: the checks and the import look it up for every row."""

    def __post_init__(self) -> None:
        self.key = (self.values["year"], self.values["code"])


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


COMPARED = ("unit_code", "parent_code", "title", "category", "kind", "measure", "direction", "unit_of_measure",
            "baseline", "agreed_value", "points", "benchmark_city", "benchmark_value", "assessing_department",
            "responsible_department", "responsible_leader", "assignee")


def _row_fields(errors: RowErrors, r: TargetRow) -> CheckedTarget | None:
    n = r.row
    code = errors.text(n, "code", r.code, max_length=CODE_MAX)
    if code and SPACE.search(code):
        errors.add(n, "code", "must not contain spaces")
        code = None
    unit_code = errors.text(n, "unit_code", r.unit_code, max_length=32)
    year = errors.integer(n, "year", r.year, minimum=2000, maximum=2100)
    title = errors.text(n, "title", r.title, max_length=256)
    category = errors.text(n, "category", r.category, required=False, max_length=64) or ""
    kind = errors.choice(n, "kind", r.kind, KINDS)
    measure = errors.choice(n, "measure", r.measure, MEASURES)
    direction = errors.choice(n, "direction", r.direction, DIRECTIONS)
    unit_of_measure = errors.text(n, "unit_of_measure", r.unit_of_measure, required=False, max_length=32) or ""
    parent_code = errors.text(n, "parent_code", r.parent_code, required=False, max_length=CODE_MAX)
    quantitative = measure == "QUANTITATIVE"
    baseline = errors.decimal(n, "baseline", r.baseline, required=False, minimum=-AMOUNT_MAX, maximum=AMOUNT_MAX)
    agreed = errors.decimal(n, "agreed_value", r.agreed_value, required=quantitative, minimum=-AMOUNT_MAX,
                            maximum=AMOUNT_MAX)
    points = errors.decimal(n, "points", r.points, required=parent_code is None, minimum=Decimal(0),
                            maximum=Decimal(100))
    benchmark_city = errors.text(n, "benchmark_city", r.benchmark_city, required=False, max_length=64) or ""
    benchmark_value = errors.decimal(n, "benchmark_value", r.benchmark_value, required=False,
                                     minimum=-AMOUNT_MAX, maximum=AMOUNT_MAX)
    assessing = errors.text(n, "assessing_department", r.assessing_department, required=False,
                            max_length=128) or ""
    department = errors.text(n, "responsible_department", r.responsible_department, required=False,
                             max_length=128) or ""
    leader = errors.text(n, "responsible_leader", r.responsible_leader, required=False, max_length=32)
    assignee = errors.text(n, "assignee", r.assignee, required=False, max_length=32)
    if parent_code is not None and parent_code == code:
        errors.add(n, "parent_code", "a target cannot be its own parent")
        return None
    required = (code, unit_code, year, title, kind, measure, direction)
    if any(v is None for v in required) or (quantitative and agreed is None):
        return None
    if parent_code is None and points is None:
        return None
    return CheckedTarget(n, {
        "code": code, "unit_code": unit_code, "year": year, "title": title, "category": category,
        "kind": KIND_MEMBERS[kind], "measure": MEASURE_MEMBERS[measure], "direction": DIRECTION_MEMBERS[direction],
        "unit_of_measure": unit_of_measure, "baseline": baseline, "agreed_value": agreed,
        "points": points if points is not None else Decimal(0), "benchmark_city": benchmark_city,
        "benchmark_value": benchmark_value, "assessing_department": assessing, "parent_code": parent_code,
        "responsible_department": department, "responsible_leader": leader, "assignee": assignee,
    })


def validate_target_rows(rows: list[TargetRow], *, units: set[str], existing: dict[tuple[int, str], Target],
                         closed_years: set[int], people_units: dict[str, str]) -> list[CheckedTarget]:
    """Check targets.csv rows against the stored data; every bad row reported at once, else the good rows."""
    errors = RowErrors("targets.csv")
    checked: list[CheckedTarget] = []
    seen: dict[tuple[int, str], int] = {}
    for r in rows:
        c = _row_fields(errors, r)
        if c is None:
            continue
        v = c.values
        problems = False
        if not errors.first_time(seen, c.key, c.row, "code", f"{v['code']} ({v['year']}) is also"):
            continue
        if v["unit_code"] not in units:
            errors.add(c.row, "unit_code", f"no unit {v['unit_code']}")
            problems = True
        if v["year"] in closed_years:
            errors.add(c.row, "year", f"year {v['year']} is CLOSED")
            problems = True
        for column in ("responsible_leader", "assignee"):
            if v[column] is not None and people_units.get(v[column]) != v["unit_code"]:
                errors.add(c.row, column, not_of_unit(v[column], v["unit_code"], column).message)
                problems = True
        stored = existing.get(c.key)
        if stored is not None and stored.unit_code != v["unit_code"]:
            errors.add(c.row, "unit_code", f"target {v['code']} belongs to unit {stored.unit_code}")
            problems = True
        elif stored is not None and stored.status is TargetStatus.SIGNED and _differs(stored, v):
            errors.add(c.row, "code", f"target {v['code']} is bound by a signed responsibility letter; "
                                      "change it through an amendment letter")
            problems = True
        if not problems:
            checked.append(c)
    _check_tree(errors, checked, existing)
    _check_base_points(errors, checked, existing)
    errors.raise_if_any()
    return checked


def _check_tree(errors: RowErrors, checked: list[CheckedTarget], existing: dict[tuple[int, str], Target]) -> None:
    in_file = {c.key: c for c in checked}
    parents: dict[tuple[int, str], tuple[int, str] | None] = {
        key: ((key[0], t.parent_code) if t.parent_code else None) for key, t in existing.items()}
    for c in checked:
        parent = c.values["parent_code"]
        parents[c.key] = (c.key[0], parent) if parent else None
        if parent is None:
            continue
        parent_key = (c.key[0], parent)
        parent_unit = (in_file[parent_key].values["unit_code"] if parent_key in in_file
                       else existing[parent_key].unit_code if parent_key in existing else None)
        if parent_unit is None:
            errors.add(c.row, "parent_code", f"no target {parent} in {c.key[0]} (in the file or stored)")
        elif parent_unit != c.values["unit_code"]:
            errors.add(c.row, "parent_code", f"parent {parent} belongs to unit {parent_unit}")
    flat = {f"{y}\t{code}": (f"{p[0]}\t{p[1]}" if p else None) for (y, code), p in parents.items()}
    for looped in sorted(rules.find_cycles(flat)):
        key_year, code = looped.split("\t")
        c = in_file.get((int(key_year), code))
        if c is not None:
            errors.add(c.row, "parent_code", "the parent codes form a cycle")


def _check_base_points(errors: RowErrors, checked: list[CheckedTarget],
                       existing: dict[tuple[int, str], Target]) -> None:
    merged: dict[tuple[int, str], tuple[str, str, Decimal | None, str | None]] = {
        key: (t.unit_code, t.kind.value, t.points, t.parent_code) for key, t in existing.items()}
    first_row: dict[tuple[str, int], int] = {}
    for c in checked:
        v = c.values
        merged[c.key] = (v["unit_code"], v["kind"].value, v["points"], v["parent_code"])
        first_row.setdefault((v["unit_code"], v["year"]), c.row)
    totals: dict[tuple[str, int], list[tuple[str, Decimal | None, str | None]]] = defaultdict(list)
    for (year, _code), (unit_code, kind, points, parent) in merged.items():
        if (unit_code, year) in first_row:
            totals[(unit_code, year)].append((kind, points, parent))
    for (unit_code, year), row in sorted(first_row.items(), key=lambda item: item[1]):
        total = rules.base_points_total(totals[(unit_code, year)])
        if total != rules.BASE_POINTS_TOTAL:
            errors.add(row, "points", f"unit {unit_code}'s BASE top-level targets total {rules.plain(total)} "
                                      f"points in {year}; they must total 100")


def _differs(stored: Target, values: dict[str, Any]) -> bool:
    return any(getattr(stored, name) != values[name] for name in COMPARED)


async def import_targets(ctx: RequestContext, rows: list[TargetRow]) -> ImportResult:
    """Create or update targets from targets.csv rows, all or nothing; imported targets are AGREED."""
    ctx.require(Role.TARGET_OFFICE)
    if not rows:
        raise BadInput("targets.csv has no rows", field="rows")
    years = {int(r.year) for r in rows if (r.year or "").strip().isdigit()}
    units = set(await Unit.all().values_list("code", flat=True))
    existing = {(t.year, t.code): t for t in await Target.filter(year__in=sorted(years))}
    closed = set(await AssessmentYear.filter(year__in=sorted(years), status=YearStatus.CLOSED)
                 .values_list("year", flat=True))
    people = {value for r in rows for value in ((r.responsible_leader or "").strip(), (r.assignee or "").strip())}
    checked = validate_target_rows(rows, units=units, existing=existing, closed_years=closed,
                                   people_units=await units_of(ctx, people))
    created = updated = unchanged = 0
    async with audited(ctx, action="importTargets", entity="Target") as audit:
        known_years = set(await AssessmentYear.filter(year__in=sorted(years)).values_list("year", flat=True))
        for year in sorted({c.key[0] for c in checked} - known_years):
            await AssessmentYear.create(year=year)
            audit.also("importTargets.createYear", "AssessmentYear", str(year), None, {"year": year})
        # New targets go in as plain rows (one executemany or COPY): a province's 146,000 Target objects cost
        # more than checking the whole file.
        new_rows: list[dict[str, Any]] = []
        for c in checked:
            v = c.values
            stored = existing.get(c.key)
            if stored is None:
                v.update(proposed_value=v["agreed_value"], status=TargetStatus.AGREED,
                         additive=v["measure"] is Measure.QUANTITATIVE)
                new_rows.append(v)
                created += 1
                continue
            if not _differs(stored, v) and stored.status in (TargetStatus.AGREED, TargetStatus.SIGNED):
                unchanged += 1
                continue
            before = snapshot(stored)
            await Target.filter(id=stored.id).update(**v, status=TargetStatus.AGREED, version=stored.version + 1)
            audit.also("importTargets.update", "Target", f"{stored.year}:{stored.code}", before,
                       {**before, **{k: rules.canonical_value(x) for k, x in v.items()}, "status": "AGREED"})
            updated += 1
        await insert_dicts(Target, new_rows)
        audit.after = {"created": created, "updated": updated, "unchanged": unchanged,
                       "codes_created": [f"{t['year']}:{t['code']}" for t in new_rows]}
    return ImportResult(created=created, updated=updated, unchanged=unchanged)

