"""Ranking within groups, the advanced quota and last place, grades (DESIGN.md §4.2)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from services.assessment.rules.composite import UnitInput, UnitScore, score_unit
from services.assessment.rules.enums import Grade
from services.assessment.rules.exact import exact
from services.assessment.rules.settings import Settings, advanced_ratio_for, last_place_count_for

RankKey = tuple[Decimal, Decimal, Decimal, Decimal, Decimal]


def ranking_key(score: UnitScore) -> RankKey:
    """Ordering key, compared descending for "best first": composite, department, grassroots,
    voting, inspection."""
    return (score.composite, score.department, score.grassroots, score.voting, score.inspection)


def last_place_order_key(score: UnitScore) -> tuple[RankKey, str]:
    """Ascending order for last place (lowest first); unit code only breaks ties for display."""
    return (ranking_key(score), score.unit_code)


def _best_first(score: UnitScore) -> tuple[bool, tuple[Decimal, ...], str]:
    return (not score.qualified, tuple(-v for v in ranking_key(score)), score.unit_code)


def _group_order(group: str | None) -> tuple[int, str]:
    return (0, "") if group is None else (1, group)


@dataclass(frozen=True)
class RankedUnit:
    score: UnitScore
    rank: int
    grade: Grade

    @property
    def unit_code(self) -> str:
        return self.score.unit_code

    @property
    def group(self) -> str | None:
        return self.score.group


@dataclass(frozen=True)
class GroupResult:
    """Per-group quotas and boundary reports. Unit tuples are in rank order, then unit code."""

    group: str | None
    unit_count: int
    qualified_count: int
    advanced_ratio: Decimal
    advanced_quota: int  # floor(advanced_ratio × qualified_count)
    advanced_units: tuple[str, ...]
    advanced_overflow: int  # advanced beyond the quota because of a tie at the boundary
    advanced_overflow_units: tuple[str, ...]  # the tied units past position `quota` (unit-code order)
    advanced_boundary_units: tuple[str, ...]  # every unit sharing the boundary key, when overflowing
    last_place_count: int
    last_place_units: tuple[str, ...]  # lowest first
    last_place_shortfall: int  # last_place_count − non-qualified units, when positive
    last_place_overflow: int  # beyond the count because of a tie at the boundary
    last_place_overflow_units: tuple[str, ...]
    last_place_boundary_units: tuple[str, ...]


@dataclass(frozen=True)
class RankingResult:
    units: tuple[RankedUnit, ...]  # by group (default group first), rank, unit code
    groups: tuple[GroupResult, ...]  # default group first, then by name

    @property
    def advanced_overflow(self) -> int:
        return sum(g.advanced_overflow for g in self.groups)

    @property
    def last_place_shortfall(self) -> int:
        return sum(g.last_place_shortfall for g in self.groups)

    @property
    def last_place_overflow(self) -> int:
        return sum(g.last_place_overflow for g in self.groups)

    def unit(self, unit_code: str) -> RankedUnit:
        for ranked in self.units:
            if ranked.unit_code == unit_code:
                return ranked
        raise KeyError(unit_code)

    def group(self, group: str | None) -> GroupResult:
        for result in self.groups:
            if result.group == (group or None):
                return result
        raise KeyError(group)

    def grades(self) -> dict[str, Grade]:
        return {ranked.unit_code: ranked.grade for ranked in self.units}


def advanced_quota(ratio: Decimal, qualified_count: int) -> int:
    """``floor(ratio × qualified_count)``, of the exact product (a 28-digit ``Decimal`` product can round
    0.99999999999999999999999999999 up to 1 before the floor)."""
    return math.floor(exact(ratio, "advanced_ratio") * Fraction(qualified_count))


def _ranks(ordered: list[UnitScore]) -> dict[str, int]:
    """Competition ranks (1, 2, 2, 4) of units ordered best first: equal qualification and key, equal rank."""
    ranks: dict[str, int] = {}
    previous: tuple[bool, RankKey] | None = None
    rank = 0
    for position, score in enumerate(ordered, start=1):
        identity = (score.qualified, ranking_key(score))
        if identity != previous:
            rank = position
            previous = identity
        ranks[score.unit_code] = rank
    return ranks


def _advanced(qualified: list[UnitScore], quota: int) -> tuple[list[UnitScore], list[str]]:
    """The first `quota` qualified units (best first), plus ties with the last of them; and the tied units at the
    boundary when the ties overflow the quota."""
    if quota <= 0:
        return [], []
    boundary = ranking_key(qualified[quota - 1])
    advanced = [s for s in qualified if ranking_key(s) >= boundary]
    if len(advanced) <= quota:
        return advanced, []
    return advanced, [s.unit_code for s in advanced if ranking_key(s) == boundary]


def _last_place(lowest_first: list[UnitScore], count: int) -> tuple[list[UnitScore], int, list[str]]:
    """The `count` non-qualified units with the lowest keys, ties at the boundary included; the shortfall when
    there are fewer; the tied units at the boundary when the ties overflow the count."""
    if count <= 0:
        return [], 0, []
    if len(lowest_first) <= count:
        return lowest_first, count - len(lowest_first), []
    boundary = ranking_key(lowest_first[count - 1])
    last = [s for s in lowest_first if ranking_key(s) <= boundary]
    if len(last) <= count:
        return last, 0, []
    return last, 0, [s.unit_code for s in last if ranking_key(s) == boundary]


def _grade(score: UnitScore, advanced: set[str], last: set[str]) -> Grade:
    if score.unit_code in advanced:
        return Grade.ADVANCED
    if score.qualified:
        return Grade.QUALIFIED
    if score.unit_code in last:
        return Grade.LAST_PLACE
    return Grade.UNQUALIFIED


def _rank_group(
    group: str | None, members: list[UnitScore], settings: Settings
) -> tuple[list[RankedUnit], GroupResult]:
    ordered = sorted(members, key=_best_first)
    ranks = _ranks(ordered)
    qualified = [s for s in ordered if s.qualified]
    ratio = advanced_ratio_for(settings, group)
    quota = advanced_quota(ratio, len(qualified))
    advanced, adv_boundary = _advanced(qualified, quota)
    count = last_place_count_for(settings, group)
    lowest_first = sorted((s for s in ordered if not s.qualified), key=last_place_order_key)
    last, shortfall, last_boundary = _last_place(lowest_first, count)

    advanced_codes = {s.unit_code for s in advanced}
    last_codes = {s.unit_code for s in last}
    ranked = [RankedUnit(score, ranks[score.unit_code], _grade(score, advanced_codes, last_codes))
              for score in ordered]
    result = GroupResult(
        group=group,
        unit_count=len(members),
        qualified_count=len(qualified),
        advanced_ratio=ratio,
        advanced_quota=quota,
        advanced_units=tuple(s.unit_code for s in advanced),
        advanced_overflow=max(len(advanced) - quota, 0),
        advanced_overflow_units=tuple(s.unit_code for s in advanced[quota:]),
        advanced_boundary_units=tuple(adv_boundary),
        last_place_count=count,
        last_place_units=tuple(s.unit_code for s in last),
        last_place_shortfall=shortfall,
        last_place_overflow=max(len(last) - count, 0),
        last_place_overflow_units=tuple(s.unit_code for s in last[count:]),
        last_place_boundary_units=tuple(last_boundary),
    )
    return ranked, result


def rank_units(scores: Iterable[UnitScore], settings: Settings) -> RankingResult:
    """Rank units within their assessment groups and grade them (§4.2).

    The result does not depend on the order of ``scores``. Unit codes must be unique.
    """
    by_group: dict[str | None, list[UnitScore]] = {}
    seen: set[str] = set()
    for score in scores:
        if score.unit_code in seen:
            raise ValueError(f"unit {score.unit_code} is given more than once")
        seen.add(score.unit_code)
        by_group.setdefault(score.group or None, []).append(score)
    units: list[RankedUnit] = []
    groups: list[GroupResult] = []
    for group in sorted(by_group, key=_group_order):
        ranked, result = _rank_group(group, by_group[group], settings)
        units.extend(ranked)
        groups.append(result)
    return RankingResult(tuple(units), tuple(groups))


def assess(units: Iterable[UnitInput], settings: Settings) -> RankingResult:
    """Score every unit and rank them: §4.1 and §4.2 in one call."""
    return rank_units((score_unit(unit, settings) for unit in units), settings)
