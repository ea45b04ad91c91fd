"""Property tests for the §4.2 ranking (and the exact rounding it relies on)."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from services.assessment.rules import (
    BallotCount,
    Components,
    Direction,
    Grade,
    RankingResult,
    ScoredTarget,
    Settings,
    TargetKind,
    UnitScore,
    composite,
    department_score,
    rank_units,
    ranking_key,
    round_half_up,
    voting_score,
)

D = Decimal
GROUPS = (None, "district", "municipal")

# A small pool of component values so that ties (on the composite and on the whole key) are common.
component = st.sampled_from([D("50.00"), D("60.00"), D("70.50"), D("80.00"), D("80.25"), D("95.00")])


@st.composite
def settings_strategy(draw: st.DrawFn) -> Settings:
    ratio = draw(st.sampled_from([D(0), D("0.1"), D("0.25"), D("0.34"), D("0.5"), D(1)]))
    count = draw(st.integers(min_value=0, max_value=6))
    group_ratio = draw(
        st.dictionaries(st.sampled_from(["district", "municipal"]), st.sampled_from([D("0.2"), D("0.5")]))
    )
    group_count = draw(st.dictionaries(st.sampled_from(["district", "municipal"]), st.integers(0, 4)))
    return Settings(
        advanced_ratio=ratio,
        last_place_count=count,
        group_advanced_ratio=group_ratio,
        group_last_place_count=group_count,
    )


def make_score(code: str, comps: Components, qualified: bool, group: str | None) -> UnitScore:
    return UnitScore(
        unit_code=code,
        group=group,
        department=comps.department,
        voting=comps.voting,
        inspection=comps.inspection,
        grassroots=comps.grassroots,
        composite=composite(comps, Settings()),
        qualified=qualified,
    )


components = st.builds(Components, component, component, component, component)


@st.composite
def unit_scores(draw: st.DrawFn, max_units: int = 24) -> list[UnitScore]:
    # Units pick their components from a few shared profiles, so that whole-key ties (also at the
    # advanced and last-place boundaries) are frequent.
    profiles = draw(st.lists(components, min_size=1, max_size=5))
    n = draw(st.integers(min_value=0, max_value=max_units))
    scores = []
    for i in range(n):
        comps = draw(st.sampled_from(profiles))
        scores.append(make_score(f"U{i:02d}", comps, draw(st.booleans()), draw(st.sampled_from(GROUPS))))
    return scores


def by_group(result: RankingResult) -> dict[str | None, list]:
    groups: dict[str | None, list] = {}
    for ranked in result.units:
        groups.setdefault(ranked.group, []).append(ranked)
    return groups


def better(a: UnitScore, b: UnitScore) -> bool:
    """a strictly before b: qualified first, then the key descending."""
    if a.qualified != b.qualified:
        return a.qualified
    return ranking_key(a) > ranking_key(b)


@settings(max_examples=300, deadline=None)
@given(unit_scores(), settings_strategy())
def test_ranks_are_competition_ranks(scores: list[UnitScore], cfg: Settings) -> None:
    result = rank_units(scores, cfg)
    for members in by_group(result).values():
        for ranked in members:
            strictly_better = sum(1 for other in members if better(other.score, ranked.score))
            assert ranked.rank == 1 + strictly_better
        # units are listed by rank, then unit code
        assert [(r.rank, r.unit_code) for r in members] == sorted((r.rank, r.unit_code) for r in members)
        # equal key and equal qualification ⇔ equal rank
        for a in members:
            for b in members:
                same = a.score.qualified == b.score.qualified and ranking_key(a.score) == ranking_key(b.score)
                assert same == (a.rank == b.rank)


@settings(max_examples=300, deadline=None)
@given(unit_scores(), settings_strategy())
def test_grades_are_consistent_with_qualification(scores: list[UnitScore], cfg: Settings) -> None:
    result = rank_units(scores, cfg)
    for ranked in result.units:
        if ranked.score.qualified:
            assert ranked.grade in (Grade.ADVANCED, Grade.QUALIFIED)
        else:
            assert ranked.grade in (Grade.UNQUALIFIED, Grade.LAST_PLACE)


@settings(max_examples=300, deadline=None)
@given(unit_scores(), settings_strategy())
def test_no_advanced_unit_ranks_below_a_qualified_one(scores: list[UnitScore], cfg: Settings) -> None:
    result = rank_units(scores, cfg)
    for members in by_group(result).values():
        advanced = [r.rank for r in members if r.grade is Grade.ADVANCED]
        qualified = [r.rank for r in members if r.grade is Grade.QUALIFIED]
        if advanced and qualified:
            assert max(advanced) < min(qualified)


@settings(max_examples=300, deadline=None)
@given(unit_scores(), settings_strategy())
def test_advanced_count_is_quota_plus_boundary_ties_only(scores: list[UnitScore], cfg: Settings) -> None:
    result = rank_units(scores, cfg)
    for group, members in by_group(result).items():
        report = result.group(group)
        qualified = [r.score for r in members if r.score.qualified]
        quota = math.floor(Fraction(cfg.advanced_ratio_for(group)) * len(qualified))
        assert report.advanced_quota == quota
        advanced = [r.score for r in members if r.grade is Grade.ADVANCED]
        assert tuple(s.unit_code for s in advanced) == report.advanced_units
        if quota == 0:
            assert advanced == []
            continue
        boundary = ranking_key(qualified[quota - 1])
        ties_beyond_quota = [s for s in qualified[quota:] if ranking_key(s) == boundary]
        assert len(advanced) == quota + len(ties_beyond_quota)
        assert report.advanced_overflow == len(ties_beyond_quota)
        assert all(ranking_key(s) == boundary for s in advanced[quota:])


@settings(max_examples=300, deadline=None)
@given(unit_scores(), settings_strategy())
def test_last_place_is_count_plus_boundary_ties_or_shortfall(scores: list[UnitScore], cfg: Settings) -> None:
    result = rank_units(scores, cfg)
    for group, members in by_group(result).items():
        report = result.group(group)
        count = cfg.last_place_count_for(group)
        non_qualified = sorted((r.score for r in members if not r.score.qualified), key=ranking_key)
        last = {r.unit_code for r in members if r.grade is Grade.LAST_PLACE}
        assert last == set(report.last_place_units)
        if count == 0:
            assert not last and report.last_place_shortfall == 0
        elif len(non_qualified) <= count:
            assert last == {s.unit_code for s in non_qualified}
            assert report.last_place_shortfall == count - len(non_qualified)
        else:
            boundary = ranking_key(non_qualified[count - 1])
            assert last == {s.unit_code for s in non_qualified if ranking_key(s) <= boundary}
            assert report.last_place_shortfall == 0
            assert report.last_place_overflow == len(last) - count


@settings(max_examples=200, deadline=None)
@given(unit_scores(), settings_strategy(), st.data())
def test_changing_a_non_qualified_unit_never_changes_who_is_advanced(
    scores: list[UnitScore], cfg: Settings, data: st.DataObject
) -> None:
    candidates = [i for i, s in enumerate(scores) if not s.qualified]
    if not candidates:
        return
    i = data.draw(st.sampled_from(candidates))
    comps = data.draw(components)
    changed = list(scores)
    changed[i] = make_score(scores[i].unit_code, comps, False, scores[i].group)
    before = {r.unit_code for r in rank_units(scores, cfg).units if r.grade is Grade.ADVANCED}
    after = {r.unit_code for r in rank_units(changed, cfg).units if r.grade is Grade.ADVANCED}
    assert before == after


@settings(max_examples=200, deadline=None)
@given(unit_scores(), settings_strategy(), st.randoms(use_true_random=False))
def test_permuting_the_input_changes_nothing(scores: list[UnitScore], cfg: Settings, rnd: random.Random) -> None:
    shuffled = list(scores)
    rnd.shuffle(shuffled)
    assert rank_units(shuffled, cfg) == rank_units(scores, cfg)


@settings(max_examples=200, deadline=None)
@given(unit_scores(max_units=12), settings_strategy())
def test_moving_a_unit_to_another_group_leaves_other_groups_alone(scores: list[UnitScore], cfg: Settings) -> None:
    if not scores:
        return
    moved = [replace(scores[0], group="elsewhere"), *scores[1:]]
    before, after = rank_units(scores, cfg), rank_units(moved, cfg)
    untouched = {g for g in GROUPS if g != scores[0].group}
    for group in untouched:
        old = [(r.unit_code, r.rank, r.grade) for r in before.units if r.group == group]
        new = [(r.unit_code, r.rank, r.grade) for r in after.units if r.group == group]
        assert old == new


# ------------------------------------------------------------------------------------------------
# Rounding and voting properties
# ------------------------------------------------------------------------------------------------


@given(st.integers(min_value=-(10**9), max_value=10**9), st.integers(min_value=0, max_value=6))
def test_round_half_up_of_a_terminating_fraction_equals_quantize(numerator: int, places: int) -> None:
    value = Decimal(numerator).scaleb(-places)
    assert round_half_up(Fraction(value)) == value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


@given(st.fractions(min_value=-1000, max_value=1000, max_denominator=10**6))
def test_round_half_up_of_any_fraction_is_nearest_cent_ties_away_from_zero(value: Fraction) -> None:
    result = Fraction(round_half_up(value))
    assert abs(result - value) <= Fraction(1, 200)
    if abs(result - value) == Fraction(1, 200):  # a tie: away from zero
        assert abs(result) > abs(value)
    assert result * 100 == int(result * 100)


ballot_rows = st.lists(
    st.builds(
        BallotCount,
        st.sampled_from(["A", "B", "C"]),
        st.integers(0, 50),
        st.integers(0, 50),
        st.integers(0, 50),
        st.integers(0, 50),
    ),
    max_size=8,
)


@given(ballot_rows)
def test_voting_score_is_between_0_and_100_and_row_order_free(rows: list[BallotCount]) -> None:
    result = voting_score(rows)
    assert D(0) <= result.score <= D(100)
    assert voting_score(list(reversed(rows))) == result
    assert result.missing == (sum(r.total for r in rows) == 0)


@st.composite
def target_sets(draw: st.DrawFn) -> list[ScoredTarget]:
    # BASE points that total 100, some STRETCH and VETO targets, any certification (or none).
    cuts = sorted(draw(st.lists(st.integers(0, 100), max_size=4)))
    bounds = [0, *cuts, 100]
    points = [b - a for a, b in pairwise(bounds)]
    actual = st.one_of(st.none(), st.integers(0, 300).map(Decimal))
    targets = [
        ScoredTarget(
            f"B{i}",
            TargetKind.BASE,
            D(p),
            direction=draw(st.sampled_from(list(Direction))),
            agreed_value=D(draw(st.integers(1, 200))),
            actual_value=draw(actual),
        )
        for i, p in enumerate(points)
    ]
    for i in range(draw(st.integers(0, 3))):
        targets.append(
            ScoredTarget(
                f"S{i}", TargetKind.STRETCH, D(draw(st.integers(0, 8))), agreed_value=D(100), actual_value=draw(actual)
            )
        )
    for i in range(draw(st.integers(0, 2))):
        targets.append(ScoredTarget(f"V{i}", TargetKind.VETO, agreed_value=D(1), actual_value=draw(actual)))
    return targets


@given(target_sets(), st.sampled_from([D(0), D(5), D(10)]), st.randoms(use_true_random=False))
def test_department_score_bounds_and_order_free(targets: list[ScoredTarget], cap: Decimal, rnd: random.Random) -> None:
    result = department_score(targets, cap)
    assert D(0) <= result.score <= D(100) + cap
    shuffled = list(targets)
    rnd.shuffle(shuffled)
    again = department_score(shuffled, cap)
    assert (again.score, again.base_met, again.veto_failed) == (result.score, result.base_met, result.veto_failed)
    assert set(again.missing_targets) == set(result.missing_targets) == {t.code for t in targets if not t.certified}
    if result.base_met:  # every BASE target met → full 100 base points
        assert result.base_earned == 100
