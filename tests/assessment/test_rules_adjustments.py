"""Adjustment points (加减分, DESIGN.md §4.2) and the exact advanced quota, hand-computed; one property.

Every expected value is worked out in the comment next to it.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.assessment.rules import (
    DEFAULTS,
    BallotCount,
    Grade,
    GrassrootsCount,
    ScoredTarget,
    Settings,
    TargetKind,
    UnitInput,
    UnitScore,
    adjustment_points,
    advanced_quota,
    assess,
    points_problem,
    rank_units,
    score_unit,
)

D = Decimal


def unit(code: str, inspection: str, *adjustments: str) -> UnitInput:
    """Department 100 (one BASE target met), voting 80 (one 良好), grassroots 100 (one 满意), the given inspection;
    composite = 60 + 12 + 0.15 × inspection + 10 = 82 + 0.15 × inspection (+ the adjustment points)."""
    return UnitInput(code, targets=[ScoredTarget(code=f"{code}-1", kind=TargetKind.BASE, points=D(100),
                                                 agreed_value=D(1), actual_value=D(1))],
                     ballots=[BallotCount("市民代表", good=1)], inspections=[D(inspection)],
                     grassroots=[GrassrootsCount(1, 0, 0)], adjustments=tuple(D(a) for a in adjustments))


class TestAdjustmentPoints:
    def test_no_items_is_zero(self) -> None:
        assert adjustment_points([], D(5)) == D("0.00")

    def test_bonuses_past_the_cap_are_clamped(self) -> None:
        # +3 + 2.5 + 1 = 6.5 → clamped to +5.00
        assert adjustment_points([D(3), D("2.5"), D(1)], D(5)) == D("5.00")

    def test_deductions_past_the_cap_are_clamped(self) -> None:
        # −4 − 2 = −6 → clamped to −5.00
        assert adjustment_points([D(-4), D(-2)], D(5)) == D("-5.00")

    def test_bonuses_and_deductions_net_before_the_clamp(self) -> None:
        # +4 + 4 − 2 = 6 → 5.00 (clamping each side first would give 8 → 5, −2: 3.00)
        assert adjustment_points([D(4), D(4), D(-2)], D(5)) == D("5.00")
        # +0.25 − 0.5 = −0.25, inside the cap
        assert adjustment_points([D("0.25"), D("-0.5")], D(5)) == D("-0.25")

    def test_the_cap_is_a_setting(self) -> None:
        assert adjustment_points([D(2), D(2)], D("3.5")) == D("3.50")
        assert adjustment_points([D(2)], D(0)) == D("0.00")

    def test_points_are_added_to_the_rounded_composite(self) -> None:
        # inspection 90.01 → 82 + 13.5015 = 95.5015 → 95.50, then +6 clamped to +5 → 100.50
        score = score_unit(unit("A", "90.01", "3", "3"), DEFAULTS)
        assert (score.composite, score.adjustment_points, score.unadjusted_composite) == (
            D("100.50"), D("5.00"), D("95.50"))
        # −2 −2 −2 = −6 → −5 → 90.50
        assert score_unit(unit("B", "90.01", "-2", "-2", "-2"), DEFAULTS).composite == D("90.50")

    @pytest.mark.parametrize(("points", "problem"), [
        (D(0), "must not be 0"), (D("0.125"), "decimal places"), (D("100.01"), "between"),
        (D("-101"), "between"), (D("NaN"), "finite"),
    ])
    def test_a_bad_item(self, points: Decimal, problem: str) -> None:
        assert problem in (points_problem(points) or "")

    def test_good_items(self) -> None:
        assert [points_problem(D(p)) for p in ("1", "-2", "0.5", "-0.25", "100", "-100")] == [None] * 6


class TestAdjustmentsMoveUnitsAcrossLines:
    def test_a_bonus_moves_a_unit_across_the_advanced_line(self) -> None:
        # four qualified units, advanced_ratio 0.25 → quota floor(0.25 × 4) = 1.
        # A: inspection 80 → 82 + 12 = 94.00;  B: 79 → 82 + 11.85 = 93.85;  C: 70 → 92.50;  D: 60 → 91.00.
        # Without items A is advanced; B's +0.2 gives 94.05 > 94.00, so B is advanced and A only qualified.
        plain = [unit("A", "80"), unit("B", "79"), unit("C", "70"), unit("D", "60")]
        assert assess(plain, DEFAULTS).grades()["A"] == Grade.ADVANCED
        adjusted = [unit("A", "80"), unit("B", "79", "0.2"), unit("C", "70"), unit("D", "60")]
        result = assess(adjusted, DEFAULTS)
        assert result.unit("B").score.composite == D("94.05")
        assert result.grades() == {"B": Grade.ADVANCED, "A": Grade.QUALIFIED, "C": Grade.QUALIFIED,
                                   "D": Grade.QUALIFIED}
        assert [(u.unit_code, u.rank) for u in result.units] == [("B", 1), ("A", 2), ("C", 3), ("D", 4)]

    def test_a_deduction_moves_a_unit_below_the_pass_line(self) -> None:
        # inspection 0 → 82.00; pass_line 80: qualified. −2.5 → 79.50: not qualified, and the only one → last place.
        s = Settings(pass_line=D(80))
        assert score_unit(unit("A", "0"), s).qualified
        result = assess([unit("A", "0", "-2.5"), unit("B", "10")], s)
        assert result.unit("A").score.composite == D("79.50")
        assert result.grades()["A"] == Grade.LAST_PLACE

    def test_a_bonus_lifts_a_unit_to_the_pass_line_exactly(self) -> None:
        # 82.00 with pass line 82.50 is not qualified; +0.5 → 82.50 ≥ 82.50: qualified (the comparison is ≥)
        s = Settings(pass_line=D("82.50"))
        assert not score_unit(unit("A", "0"), s).qualified
        assert score_unit(unit("A", "0", "0.5"), s).qualified


class TestExactQuota:
    def test_the_quota_is_the_floor_of_the_exact_product(self) -> None:
        # 0.99999999999999999999999999999 × 1 is just below 1: floor 0. A 28-digit Decimal product rounds it to 1.
        assert advanced_quota(D("0.99999999999999999999999999999"), 1) == 0
        # 0.249999999999999999999999999999 × 4 = 0.999999999999999999999999999996: floor 0, not 1
        assert advanced_quota(D("0.249999999999999999999999999999"), 4) == 0
        assert advanced_quota(D("0.25"), 4) == 1
        assert advanced_quota(D("0.25"), 7) == 1  # 1.75
        assert advanced_quota(D("0.3333333333333333333333333333"), 3) == 0  # 0.9999999999999999999999999999

    def test_ranking_uses_the_exact_quota(self) -> None:
        score = UnitScore(unit_code="A", department=D(100), voting=D(80), inspection=D(80), grassroots=D(100),
                          composite=D(94), qualified=True)
        s = Settings(advanced_ratio=D("0.99999999999999999999999999999"))
        result = rank_units([score], s)
        assert result.group(None).advanced_quota == 0
        assert result.grades() == {"A": Grade.QUALIFIED}


points = st.decimals(min_value=D(-100), max_value=D(100), places=2).filter(lambda p: p != 0)


@settings(max_examples=150, deadline=None)
@given(inspection=st.decimals(min_value=D(0), max_value=D(100), places=2),
       items=st.lists(points, max_size=8),
       cap=st.decimals(min_value=D(0), max_value=D(20), places=2))
def test_items_change_the_composite_by_at_most_the_cap(inspection: Decimal, items: list[Decimal],
                                                      cap: Decimal) -> None:
    s = Settings(adjustment_cap=cap)
    before = score_unit(unit("A", str(inspection)), s)
    after = score_unit(unit("A", str(inspection), *map(str, items)), s)
    change = after.composite - before.composite
    assert abs(change) <= cap
    assert change == after.adjustment_points
    assert change == max(-cap, min(cap, sum(items, D(0))))
    assert (after.department, after.voting, after.inspection, after.grassroots) == (
        before.department, before.voting, before.inspection, before.grassroots)
