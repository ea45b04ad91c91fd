"""What the charts screen draws, as plain functions over the rows the gateway returns.

The screen only fetches and plots; the figures (where the advanced and last-place lines fall, a unit's ranks
over the years, each unit's progress weighted by points against the share of the year elapsed) are computed
here so they can be checked without a terminal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

GRADE_ORDER = ("ADVANCED", "QUALIFIED", "UNQUALIFIED", "LAST_PLACE")


@dataclass(frozen=True)
class Distribution:
    """Composites by grade and the two lines of the ranking."""

    by_grade: dict[str, list[float]]
    advanced_line: float | None  # the lowest composite still advanced
    last_place_line: float | None  # the highest composite placed last

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.by_grade.values())

    @property
    def bounds(self) -> tuple[float, float]:
        values = [v for vs in self.by_grade.values() for v in vs]
        return (min(values), max(values)) if values else (0.0, 100.0)


def histogram(d: Distribution, bins: int) -> tuple[list[float], dict[str, list[int]]]:
    """Common bins over the whole range: each bin's centre, and per grade how many composites fall in it (the
    top edge belongs to the last bin)."""
    low, high = d.bounds
    width = (high - low) / bins or 1.0
    centres = [low + width * (i + 0.5) for i in range(bins)]
    counts = {g: [0] * bins for g in d.by_grade}
    for grade, values in d.by_grade.items():
        for v in values:
            counts[grade][min(int((v - low) / width), bins - 1)] += 1
    return centres, counts


def distribution(results: Iterable[Mapping[str, Any]]) -> Distribution:
    """`results` are UnitResult rows with `compositeScore` and `grade`."""
    by_grade: dict[str, list[float]] = {g: [] for g in GRADE_ORDER}
    for r in results:
        by_grade.setdefault(r["grade"], []).append(float(Decimal(str(r["compositeScore"]))))
    advanced = by_grade["ADVANCED"]
    last = by_grade["LAST_PLACE"]
    return Distribution(by_grade, min(advanced) if advanced else None, max(last) if last else None)


@dataclass(frozen=True)
class RankPoint:
    year: int
    rank: int
    of: int  # units ranked that year
    grade: str


def rank_history(years: Mapping[int, Iterable[Mapping[str, Any]]], unit_code: str) -> list[RankPoint]:
    """The unit's rank in each year it was ranked, oldest first; `years` maps a year to its UnitResult rows
    (`unitCode`, `rank`, `grade`)."""
    points = []
    for year in sorted(years):
        rows = list(years[year])
        mine = next((r for r in rows if r["unitCode"] == unit_code), None)
        if mine is not None:
            points.append(RankPoint(year, int(mine["rank"]), len(rows), mine["grade"]))
    return points


@dataclass(frozen=True)
class UnitProgress:
    code: str
    name: str
    progress: Decimal  # completion weighted by points, 0–1 (may exceed 1)
    elapsed: Decimal  # share of the period elapsed, 0–1
    targets: int

    @property
    def behind(self) -> bool:
        return self.progress < self.elapsed


def unit_progress(units: Iterable[Mapping[str, Any]]) -> list[UnitProgress]:
    """Each unit's top-level targets' progress weighted by their points (equal weights when no target carries
    points), against the mean elapsed share; units without a target are left out. Weakest first."""
    found = []
    for unit in units:
        rows = [t for t in unit.get("targets") or [] if t.get("progress")]
        if not rows:
            continue
        weights = [Decimal(str(t["points"])) for t in rows]
        if not any(weights):
            weights = [Decimal(1)] * len(rows)
        total = sum(weights)
        progress = sum(w * Decimal(str(t["progress"]["progress"])) for w, t in zip(weights, rows, strict=True))
        elapsed = sum(Decimal(str(t["progress"]["elapsed"])) for t in rows) / len(rows)
        found.append(UnitProgress(unit["code"], unit["name"], progress / total, elapsed, len(rows)))
    return sorted(found, key=lambda u: (u.progress - u.elapsed, u.code))
