"""Progress monitoring (进度督办): reports, status against elapsed time, roll-up, lagging targets."""

from __future__ import annotations

import asyncio
from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from kernel.audit import audited
from kernel.context import RequestContext
from kernel.errors import BadInput, Conflict, NotFound
from kernel.roles import Role
from services.targets import access, rules, standing
from services.targets.catalog import AMOUNT_MAX, get_target, open_year, stale
from services.targets.models import Direction, Measure, ProgressReport, Target, TargetStatus
from services.targets.standing import fingerprint

TRACKED = (TargetStatus.AGREED, TargetStatus.SIGNED)


async def report_progress(ctx: RequestContext, *, year: int, code: str, period: str, as_of: date,
                          actual_to_date: Decimal, note: str | None, evidence: str | None,
                          version: int | None = None) -> ProgressReport:
    """A periodic progress report on an agreed target by its unit (or the target office).

    One report per target and period: the first is created (version 1); another for the same period is a
    correction of it and must carry the version the caller saw (optimistic locking).
    """
    period = _checked_entry(year, period, as_of, actual_to_date)
    async with audited(ctx, action="reportProgress", entity="ProgressReport") as audit:
        audit.entity_id = f"{year}:{code}:{period}"
        target = await get_target(year, code)
        caller = access.require_write_unit(ctx, target.unit_code)
        await open_year(year)
        _check_target(target, actual_to_date)
        values = {"as_of": as_of, "actual_to_date": actual_to_date, "note": (note or "").strip(),
                  "evidence": (evidence or "").strip(), "reporter": caller.username, "at": datetime.now(UTC)}
        report = await ProgressReport.get_or_none(target_id=target.id, period=period)
        if report is None:
            if version is not None:
                raise NotFound(f"{code} has no report for {period} to correct; report it without a version",
                               field="version")
            report = await ProgressReport.create(target_id=target.id, year=year, period=period, **values)
            await _standing_after_reports(year, [target.unit_code], [as_of], added=1, versions=1)
        else:
            if version is None:
                raise Conflict(f"{code} already has a report for {period} (version {report.version}); to "
                               "correct it, send that version", field="version", currentVersion=report.version)
            audit.before = _shown(report, code)
            changed = await ProgressReport.filter(id=report.id, version=version).update(**values,
                                                                                      version=version + 1)
            if not changed:
                current = (await ProgressReport.get(id=report.id)).version
                raise stale("the report of", f"{code} for {period}", version, current)
            report = await ProgressReport.get(id=report.id)
            await _standing_after_reports(year, [target.unit_code], [as_of], added=0, versions=1)
        audit.after = _shown(report, code)
    return report


def _checked_entry(year: int, period: str, as_of: date, actual_to_date: Decimal) -> str:
    """The period, trimmed, once the report's own fields are valid (no database needed)."""
    period = (period or "").strip()
    if not period or len(period) > 32:
        raise BadInput("a period is 1–32 characters, e.g. 2026-03 or 2026-Q1", field="period")
    if not actual_to_date.is_finite() or abs(actual_to_date) > AMOUNT_MAX:
        raise BadInput("the actual to date is out of range", field="actualToDate")
    if as_of.year != year:
        raise BadInput(f"asOf must be a day of {year}", field="asOf")
    return period


def _check_target(target: Target, actual_to_date: Decimal) -> None:
    """Progress is reported on agreed (or signed) targets, with an actual the target can have."""
    if target.status not in TRACKED:
        raise Conflict(f"target {target.code} is {target.status.value}; progress is reported on agreed targets",
                       field="code")
    refusal = rules.negative_actual_refusal(target.measure is Measure.QUANTITATIVE, target.direction,
                                            target.unit_of_measure, target.agreed_value, target.baseline,
                                            actual_to_date)
    if refusal:
        raise BadInput(refusal, field="actualToDate")


@dataclass(frozen=True)
class Entry:
    """One report of a batch (a unit's quarter, reported in one sitting)."""

    code: str
    period: str
    as_of: date
    actual_to_date: Decimal
    note: str | None = None
    evidence: str | None = None


MAX_BATCH = 20_000


async def report_progress_batch(ctx: RequestContext, *, year: int, entries: list[Entry]) -> int:
    """New progress reports of many targets at once, all or nothing: each checked as `report_progress` checks
    one, in one transaction with one audit entry listing them; a period already reported is corrected one
    report at a time (with its version), never by a batch. Returns how many reports were written."""
    if not entries:
        raise BadInput("a batch holds at least one report", field="reports")
    if len(entries) > MAX_BATCH:
        raise BadInput(f"a batch holds at most {MAX_BATCH} reports", field="reports")
    caller = ctx.require(*access.WRITE_ALL, Role.UNIT_OPERATOR)
    checked = [(e, _checked_entry(year, e.period, e.as_of, e.actual_to_date)) for e in entries]
    keys = [(e.code, period) for e, period in checked]
    if len(set(keys)) != len(keys):
        raise BadInput("the batch reports a target twice for the same period", field="reports")
    async with audited(ctx, action="reportProgressBatch", entity="ProgressReport") as audit:
        await open_year(year)
        codes = sorted({e.code for e in entries})
        targets: dict[str, Target] = {}
        for start in range(0, len(codes), 900):
            for t in await Target.filter(year=year, code__in=codes[start:start + 900]):
                targets[t.code] = t
        missing = [c for c in codes if c not in targets]
        if missing:
            raise NotFound(f"no target {', '.join(missing[:10])} in {year}", field="reports")
        for unit_code in sorted({t.unit_code for t in targets.values()}):
            access.require_write_unit(ctx, unit_code)
        for e, _period in checked:
            _check_target(targets[e.code], e.actual_to_date)
        ids = [t.id for t in targets.values()]
        taken: set[tuple[int, str]] = set()
        for start in range(0, len(ids), 900):
            taken.update(await ProgressReport.filter(target_id__in=ids[start:start + 900])
                         .values_list("target_id", "period"))
        again = [f"{e.code} {period}" for e, period in checked if (targets[e.code].id, period) in taken]
        if again:
            raise Conflict(f"already reported: {', '.join(again[:10])}; correct a report on its own, with its "
                           "version", field="reports")
        now = datetime.now(UTC)
        await ProgressReport.bulk_create([
            ProgressReport(target_id=targets[e.code].id, year=year, period=period, as_of=e.as_of,
                           actual_to_date=e.actual_to_date, note=(e.note or "").strip(),
                           evidence=(e.evidence or "").strip(), reporter=caller.username, at=now)
            for e, period in checked
        ], batch_size=1000)
        await _standing_after_reports(year, sorted({t.unit_code for t in targets.values()}),
                                      [e.as_of for e, _period in checked], added=len(checked), versions=len(checked))
        audit.entity_id = f"{year}:{len(checked)}"
        audit.after = {"year": year, "reports": [
            [e.code, period, e.as_of.isoformat(), str(rules.plain(e.actual_to_date))] for e, period in checked]}
    return len(checked)


def _shown(report: ProgressReport, code: str) -> dict[str, object]:
    return {"target": code, "period": report.period, "asOf": report.as_of.isoformat(),
            "actualToDate": str(rules.plain(report.actual_to_date)), "note": report.note,
            "evidence": report.evidence, "version": report.version}


@dataclass(frozen=True)
class Progress:
    target_id: int
    code: str
    unit_code: str
    title: str
    responsible_leader: str | None
    progress: Decimal
    elapsed: Decimal
    status: rules.ProgressStatus
    reported: bool
    actual_to_date: Decimal | None


COLUMNS = ("id", "code", "unit_code", "parent_code", "title", "responsible_leader", "measure", "direction",
           "agreed_value", "points")


BEHIND_KEPT = 8
"""How many answers of `progress_of(..., behind_only=True)` stay in memory (the home screen's count and the
lagging screen ask the same question one after the other; each answer holds only the targets behind)."""
BEHIND_ROWS_KEPT = 50_000
"""Beyond this many targets in all, older answers go (the newest stays): a province with nothing reported has
~146,000 targets behind, ~70 MB of answer."""

_behind: OrderedDict[tuple[int, date, tuple[str, ...] | None], tuple[tuple[int, ...], dict[str, Progress]]] = \
    OrderedDict()


_computing: dict[tuple[int, date, tuple[str, ...] | None], asyncio.Lock] = {}


async def progress_of(year: int, as_of: date, unit_codes: list[str] | None, *,
                      behind_only: bool = False) -> dict[str, Progress]:
    """Every tracked target's progress (rolled up through its tree) as of a day; two queries. `behind_only`
    leaves out the targets ON_TRACK (the lagging list needs only the others: a few percent of a city); that
    answer is kept while the year's targets and reports stay as they were (see `fingerprint`), so asking it
    again costs two aggregate queries instead of reading every target and report."""
    if not behind_only:
        return await _computed(year, as_of, unit_codes, behind_only=False)
    key = (year, as_of, tuple(sorted(unit_codes)) if unit_codes is not None else None)
    lock = _computing.setdefault(key, asyncio.Lock())
    try:
        return await _kept_or_computed(lock, key, year, as_of, unit_codes)
    finally:
        if not lock.locked():  # nobody else asking: the lock goes (one per question asked at once, not per day)
            _computing.pop(key, None)


async def _kept_or_computed(lock: asyncio.Lock, key: tuple[int, date, tuple[str, ...] | None], year: int,
                            as_of: date, unit_codes: list[str] | None) -> dict[str, Progress]:
    async with lock:  # the same question at once (the home count, the lagging screen's page): computed once
        now = await fingerprint(year)
        kept = _behind.get(key)
        if kept is not None and kept[0] == now:
            _behind.move_to_end(key)
            return dict(kept[1])
        found = await _computed(year, as_of, unit_codes, behind_only=True)
        _keep(key, now, found)
        return dict(found)


def _keep(key: tuple[int, date, tuple[str, ...] | None], now: tuple[int, ...], found: dict[str, Progress]) -> None:
    _behind[key] = (now, found)
    _behind.move_to_end(key)
    while len(_behind) > BEHIND_KEPT or (len(_behind) > 1 and sum(len(k[1]) for k in _behind.values())
                                              > BEHIND_ROWS_KEPT):
        _behind.popitem(last=False)


def _tracked(year: int, unit_codes: list[str] | None) -> QuerySet[Target]:
    query = Target.filter(year=year, status__in=list(TRACKED))
    return query if unit_codes is None else query.filter(unit_code__in=unit_codes)


async def _computed(year: int, as_of: date, unit_codes: list[str] | None, *, behind_only: bool,
                    rows: list[dict[str, Any]] | None = None) -> dict[str, Progress]:
    """Progress as of a day of the tracked targets (of the units asked), from `rows` when already read."""
    if rows is None:
        rows = await _tracked(year, unit_codes).values(*COLUMNS)
    reports = ProgressReport.filter(year=year, as_of__lte=as_of)
    if unit_codes is not None:  # only the reports on those units' targets
        reports = reports.filter(target_id__in=Subquery(_tracked(year, unit_codes).values("id")))
    latest: dict[int, Decimal] = {}
    for target_id, actual in await reports.order_by("as_of", "id").values_list("target_id", "actual_to_date"):
        latest[target_id] = actual
    own: dict[str, Decimal] = {}
    points: dict[str, Decimal | None] = {}
    for r in rows:
        measure = r["measure"] if isinstance(r["measure"], Measure) else Measure(r["measure"])
        direction = r["direction"] if isinstance(r["direction"], Direction) else Direction(r["direction"])
        own[r["code"]] = rules.completion(measure is Measure.QUANTITATIVE, direction, r["agreed_value"],
                                          latest.get(r["id"]))
        points[r["code"]] = r["points"]
    forest = rules.build_forest((r["code"], r["parent_code"], r) for r in rows)
    rolled = rules.roll_up(forest, own, points)
    elapsed = rules.elapsed_fraction(year, as_of)
    reported_codes = _reported(forest, {r["code"] for r in rows if r["id"] in latest})
    statuses: dict[Decimal, rules.ProgressStatus] = {}  # many targets share a figure (0, 1, …): one division each
    found = {}
    for r in rows:
        value = rolled[r["code"]]
        status = statuses.get(value)
        if status is None:
            status = statuses[value] = rules.progress_status(value, elapsed)
        if behind_only and status is rules.ProgressStatus.ON_TRACK:
            continue
        found[r["code"]] = Progress(
            target_id=r["id"], code=r["code"], unit_code=r["unit_code"], title=r["title"],
            responsible_leader=r["responsible_leader"], progress=value, elapsed=elapsed, status=status,
            reported=r["code"] in reported_codes, actual_to_date=latest.get(r["id"]),
        )
    return found


def _reported(forest: list[rules.Node], direct: set[str]) -> set[str]:
    """Codes with a report of their own or, for a parent, on some target below it."""
    out: set[str] = set()

    def walk(node: rules.Node) -> bool:
        below = [walk(child) for child in node.children]
        has = node.code in direct or any(below)
        if has:
            out.add(node.code)
        return has

    for root in forest:
        walk(root)
    return out


async def unit_progress(keys: list[tuple[str, int, date]]) -> list[dict[str, Progress]]:
    """DataLoader batch: progress per (unit code, year, as of)."""
    grouped: dict[tuple[int, date], set[str]] = defaultdict(set)
    for unit_code, year, as_of in keys:
        grouped[(year, as_of)].add(unit_code)
    found: dict[tuple[int, date], dict[str, Progress]] = {}
    for (year, as_of), units in grouped.items():
        found[(year, as_of)] = await progress_of(year, as_of, sorted(units))
    return [found[(year, as_of)] for _unit, year, as_of in keys]


SEVERITY = {rules.ProgressStatus.AT_RISK: 0, rules.ProgressStatus.LAGGING: 1}


async def lagging_targets(ctx: RequestContext, *, year: int, as_of: date, unit_code: str | None,
                          responsible_leader: str | None, first: int | None = None) -> list[Progress]:
    """Targets (any level) whose progress is LAGGING or AT_RISK as of a day, by unit and code; with `first`,
    only the `first` most urgent (at risk before lagging, furthest behind the elapsed time first), in that
    order — a screen's first page without the whole list."""
    if first is not None and first < 0:
        raise BadInput("first is 0 or more", field="first")
    unit_code = access.readable_unit_filter(ctx, unit_code)
    progress = await progress_of(year, as_of, [unit_code] if unit_code else None, behind_only=True)
    found = [p for p in progress.values() if p.status is not rules.ProgressStatus.ON_TRACK
             and (responsible_leader is None or p.responsible_leader == responsible_leader)]
    if first is None:
        return sorted(found, key=lambda p: (p.unit_code, p.code))
    urgent = sorted(found, key=lambda p: (SEVERITY[p.status], p.progress - p.elapsed, p.unit_code, p.code))
    return urgent[:first]


async def lagging_count(ctx: RequestContext, *, year: int, as_of: date,
                        unit_code: str | None) -> dict[rules.ProgressStatus, int]:
    """How many targets are LAGGING and AT_RISK as of a day (the same targets `lagging_targets` lists): from the
    stored standing when it is current (see services.targets.standing), else from the targets behind."""
    unit_code = access.readable_unit_filter(ctx, unit_code)
    counts = {rules.ProgressStatus.LAGGING: 0, rules.ProgressStatus.AT_RISK: 0}
    figures = await _standing_figures(year, as_of, unit_code)
    if figures is not None:
        elapsed = rules.elapsed_fraction(year, as_of)
        for value, n in figures.items():
            status = rules.progress_status(value, elapsed)
            if status in counts:
                counts[status] += n
        return counts
    progress = await progress_of(year, as_of, [unit_code] if unit_code else None, behind_only=True)
    for p in progress.values():
        if p.status in counts:
            counts[p.status] += 1
    return counts


async def _standing_figures(year: int, as_of: date, unit_code: str | None) -> Counter[Decimal] | None:
    """How many targets stand at each progress figure as of the day, from the stored standing — computed again
    first when it is behind the year and the question is the whole year's with no kept answer to count
    instead; None when the targets behind are to be counted (kept, a unit's own trees, or a past day)."""
    now = await fingerprint(year)
    stamp = await standing.stamp_of(year)
    if stamp is not None and stamp.fingerprint == now:
        return await standing.figures(year, unit_code) if stamp.usable(now, as_of, unit_code) else None
    if unit_code is not None:
        return None
    key = (year, as_of, None)
    lock = _computing.setdefault(key, asyncio.Lock())
    try:
        async with lock:  # the lagging screen asking at once waits for this answer, kept below
            kept = _behind.get(key)
            if kept is not None and kept[0] == now:
                return None
            return await _restood(year, as_of, now)
    finally:
        if not lock.locked():
            _computing.pop(key, None)


async def _restood(year: int, as_of: date, now: tuple[int, ...]) -> Counter[Decimal] | None:
    """The whole year's progress as of the day, computed (its targets behind kept for the lagging screen) and,
    when the day is on or after the latest report, stored as the year's standing."""
    last = await standing.reported_to(year)
    rows = await _tracked(year, None).values(*COLUMNS)
    found = await _computed(year, as_of, None, behind_only=False, rows=rows)
    _keep((year, as_of, None), now, {c: p for c, p in found.items() if p.status is not rules.ProgressStatus.ON_TRACK})
    if last is not None and last > as_of:
        return None
    await standing.restamp(year, _figures(found), standing.Stamp(now, last, _within_units(rows)))
    return Counter(p.progress for p in found.values())


async def _standing_after_reports(year: int, units: list[str], as_ofs: list[date], *, added: int,
                                  versions: int) -> None:
    """In a report's transaction: the reported units' figures computed again (a few trees) and the standing's
    stamp moved on by these reports, so the next count needs no computing (when the stamp was current)."""
    stamp = await standing.stamp_of(year)
    if stamp is None or not stamp.within_units:
        return
    found = await _computed(year, date(year, 12, 31), units, behind_only=False)
    top = await standing.highest_report(year)
    await standing.moved_on(year, units, _figures(found),
                            stamp, stamp.after_reports(added=added, versions=versions, top=top, as_ofs=as_ofs))


def _figures(found: dict[str, Progress]) -> standing.Figures:
    per_unit: standing.Figures = defaultdict(Counter)
    for p in found.values():
        per_unit[p.unit_code][str(p.progress)] += 1
    return dict(per_unit)


def _within_units(rows: list[dict[str, Any]]) -> bool:
    """No tracked target has its tracked parent in another unit (a unit's trees are whole within it)."""
    unit_of = {r["code"]: r["unit_code"] for r in rows}
    return all(unit_of.get(r["parent_code"], r["unit_code"]) == r["unit_code"] for r in rows)
