"""The stored standing of a year's progress: per unit, how many tracked targets stand at each latest progress
figure (rolled up through their trees, every report counted), stamped with what it was computed from.

As of a day on or after the year's latest report, a target's progress is its latest figure and its status a
function of that figure and the day's elapsed share; so the targets behind are counted from the distinct
figures and how many targets stand at each — one aggregate query — instead of reading every target and report
and rolling them up. The figures are trusted only while the stamp equals the year's fingerprint: a report
keeps them current (its units' trees computed again, the stamp moved on by exactly that report, see
`moved_on`); any other change leaves the stamp behind, and the next count computes the year again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tortoise.functions import Count, Max, Sum
from tortoise.transactions import in_transaction

from services.targets.models import ProgressReport, ProgressStanding, Target, UnitProgress

Fingerprint = tuple[int, ...]
Figures = dict[str, Counter[str]]
"""Per unit code: how many targets stand at each figure (the exact decimal as text)."""

CHUNK = 900


async def fingerprint(year: int) -> Fingerprint:
    """What the year's progress is computed from, in six numbers that change with every write: targets and
    reports are never deleted, every change of one bumps its version, every new one takes a higher id — so
    (count, highest id, sum of versions) of each table moves whenever a figure could."""
    found: list[int] = []
    for model in (Target, ProgressReport):
        row = await model.filter(year=year).annotate(n=Count("id"), top=Max("id"), versions=Sum("version")) \
            .first().values("n", "top", "versions")
        found += [int(row["n"] or 0), int(row["top"] or 0), int(row["versions"] or 0)] if row else [0, 0, 0]
    return tuple(found)


async def reported_to(year: int) -> date | None:
    """The latest day the year's reports are as of (None: nothing reported)."""
    row = await ProgressReport.filter(year=year).annotate(last=Max("as_of")).first().values("last")
    last = row["last"] if row else None
    return date.fromisoformat(last) if isinstance(last, str) else last


async def highest_report(year: int) -> int:
    row = await ProgressReport.filter(year=year).annotate(top=Max("id")).first().values("top")
    return int(row["top"] or 0) if row else 0


@dataclass(frozen=True)
class Stamp:
    fingerprint: Fingerprint
    reported_to: date | None
    within_units: bool

    def usable(self, now: Fingerprint, as_of: date, unit_code: str | None) -> bool:
        """The stored figures are the progress as of `as_of` (of the whole year, or of one unit's targets)."""
        return (self.fingerprint == now and (self.reported_to is None or self.reported_to <= as_of)
                and (unit_code is None or self.within_units))

    def after_reports(self, *, added: int, versions: int, top: int, as_ofs: list[date]) -> Stamp:
        """The stamp once reports are written: `added` new ones (the highest id now `top`) and `versions`
        added to the sum of versions (one per new report and per correction); the targets untouched."""
        count, highest, summed = self.fingerprint[3:6]
        days = [d for d in (self.reported_to, *as_ofs) if d is not None]
        return Stamp((*self.fingerprint[:3], count + added, max(highest, top), summed + versions),
                     max(days) if days else None, self.within_units)


def _text(found: Fingerprint) -> str:
    return ",".join(str(n) for n in found)


async def stamp_of(year: int) -> Stamp | None:
    row = await ProgressStanding.get_or_none(year=year)
    if row is None:
        return None
    return Stamp(tuple(int(n) for n in row.fingerprint.split(",")), row.reported_to, row.within_units)


async def figures(year: int, unit_code: str | None) -> Counter[Decimal]:
    """How many targets (of the year, or of one unit) stand at each stored figure: one aggregate query."""
    query = UnitProgress.filter(year=year)
    if unit_code is not None:
        query = query.filter(unit_code=unit_code)
    counted: Counter[Decimal] = Counter()
    for rolled, n in await query.annotate(n=Sum("target_count")).group_by("rolled").values_list("rolled", "n"):
        counted[Decimal(rolled)] += int(n)
    return counted


async def _store(year: int, found: Figures, units: list[str] | None) -> None:
    """The stored figures of `units` (every unit of the year when None) replaced by `found`, rewriting only the
    units whose figures changed."""
    stored: Figures = {}
    chunks = [None] if units is None else [units[i:i + CHUNK] for i in range(0, len(units), CHUNK)]
    for chunk in chunks:
        query = UnitProgress.filter(year=year) if chunk is None else \
            UnitProgress.filter(year=year, unit_code__in=chunk)
        for unit_code, rolled, n in await query.values_list("unit_code", "rolled", "target_count"):
            stored.setdefault(unit_code, Counter())[rolled] += n
    asked = set(stored) | set(found) if units is None else set(units)
    changed = sorted(u for u in asked if stored.get(u, Counter()) != found.get(u, Counter()))
    for start in range(0, len(changed), CHUNK):
        await UnitProgress.filter(year=year, unit_code__in=changed[start:start + CHUNK]).delete()
    await UnitProgress.bulk_create([
        UnitProgress(year=year, unit_code=unit_code, rolled=rolled, target_count=n)
        for unit_code in changed for rolled, n in sorted(found.get(unit_code, Counter()).items())
    ], batch_size=1000)


async def restamp(year: int, found: Figures, stamp: Stamp) -> None:
    """The year's figures computed again from everything (what `stamp` says), stored in one transaction."""
    async with in_transaction():
        await _store(year, found, None)
        values = {"fingerprint": _text(stamp.fingerprint), "reported_to": stamp.reported_to,
                  "within_units": stamp.within_units}
        if not await ProgressStanding.filter(year=year).update(**values):
            await ProgressStanding.create(year=year, **values)


async def moved_on(year: int, units: list[str], found: Figures, was: Stamp, now: Stamp) -> bool:
    """In a report's transaction: the figures of the `units` reported on replaced by `found`, and the stamp moved
    from `was` to `now` — only if it still is `was`. A stamp that was behind the year before the reports stays
    behind it after (each number moves by the same amount), and a report written at once by another
    transaction leaves one of the two unable to move it: the next count then computes the year again."""
    await _store(year, found, units)
    moved = await ProgressStanding.filter(year=year, fingerprint=_text(was.fingerprint)).update(
        fingerprint=_text(now.fingerprint), reported_to=now.reported_to)
    return bool(moved)
