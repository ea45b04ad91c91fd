"""Hand-computed cases for DESIGN.md §4.1–§4.2 (services/assessment/rules.py).

Every expected value is worked out in the comment next to it.
"""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace

import pytest

from services.assessment.rules import (
    BallotCount,
    Components,
    Direction,
    Grade,
    GrassrootsCount,
    Measure,
    ScoredTarget,
    Settings,
    SettingsError,
    Source,
    TargetKind,
    UnitInput,
    UnitScore,
    assess,
    completion_ratio,
    composite,
    department_score,
    grassroots_score,
    inspection_score,
    is_qualified,
    rank_units,
    ranking_key,
    round_half_up,
    score_unit,
    settings_from_pairs,
    validate_settings,
    voting_score,
)

D = Decimal
DEFAULTS = Settings()


def base(code: str, points: str, agreed: str, actual: str | None, **kw: object) -> ScoredTarget:
    return ScoredTarget(
        code=code,
        kind=TargetKind.BASE,
        points=D(points),
        agreed_value=D(agreed),
        actual_value=None if actual is None else D(actual),
        **kw,  # type: ignore[arg-type]
    )


def stretch(code: str, points: str, agreed: str, actual: str | None) -> ScoredTarget:
    return ScoredTarget(
        code=code,
        kind=TargetKind.STRETCH,
        points=D(points),
        agreed_value=D(agreed),
        actual_value=None if actual is None else D(actual),
    )


def veto(code: str, agreed: str, actual: str | None, **kw: object) -> ScoredTarget:
    return ScoredTarget(
        code=code,
        kind=TargetKind.VETO,
        points=D(0),
        agreed_value=D(agreed),
        actual_value=None if actual is None else D(actual),
        **kw,  # type: ignore[arg-type]
    )


def unit_score(
    code: str,
    department: str,
    voting: str = "80",
    inspection: str = "80",
    grassroots: str = "80",
    *,
    qualified: bool = True,
    group: str | None = None,
    settings: Settings = DEFAULTS,
) -> UnitScore:
    comps = Components(D(department), D(voting), D(inspection), D(grassroots))
    return UnitScore(
        unit_code=code,
        group=group,
        department=comps.department,
        voting=comps.voting,
        inspection=comps.inspection,
        grassroots=comps.grassroots,
        composite=composite(comps, settings),
        qualified=qualified,
    )


# ------------------------------------------------------------------------------------------------
# Rounding
# ------------------------------------------------------------------------------------------------


class TestRounding:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (D("87.125"), D("87.13")),  # exact tie → up (banker's rounding would give 87.12)
            (D("87.1249"), D("87.12")),
            (D("0.005"), D("0.01")),
            (D("-0.005"), D("-0.01")),  # half-up = ties away from zero, as ROUND_HALF_UP
            (D("100"), D("100.00")),
            (Fraction(87125, 1000), D("87.13")),  # exact tie as a fraction
            (Fraction(174249, 2000), D("87.12")),  # 87.1245
            (Fraction(1, 3), D("0.33")),
            (Fraction(2, 3), D("0.67")),
            (Fraction(-2, 3), D("-0.67")),
            (Fraction(-1, 1000), D("0.00")),  # no negative zero
            (Fraction(0), D("0.00")),
            (7, D("7.00")),
        ],
    )
    def test_half_up(self, value: Decimal | Fraction | int, expected: Decimal) -> None:
        result = round_half_up(value)
        assert result == expected
        assert str(result) == str(expected)

    def test_float_is_refused(self) -> None:
        with pytest.raises(TypeError):
            round_half_up(0.5)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------
# §4.1 completion ratio and department score
# ------------------------------------------------------------------------------------------------


class TestCompletionRatio:
    def test_higher_is_better(self) -> None:
        # 150 / 200 = 3/4
        assert completion_ratio(base("T", "10", "200", "150")) == Fraction(3, 4)

    def test_higher_is_better_above_one_is_kept_exact(self) -> None:
        # 120 / 100 = 6/5 (the cap at 1 applies to the points, not the ratio)
        assert completion_ratio(base("T", "10", "100", "120")) == Fraction(6, 5)

    def test_lower_is_better(self) -> None:
        # agreed / actual = 5 / 8
        t = base("T", "10", "5", "8", direction=Direction.LOWER_IS_BETTER)
        assert completion_ratio(t) == Fraction(5, 8)

    def test_lower_is_better_actual_zero_is_one(self) -> None:
        # e.g. "major safety accidents ≤ 2", actual 0 → r = 1 (no division by zero)
        t = base("T", "10", "2", "0", direction=Direction.LOWER_IS_BETTER)
        assert completion_ratio(t) == 1
        # and with agreed 0 too
        t0 = base("T", "10", "0", "0", direction=Direction.LOWER_IS_BETTER)
        assert completion_ratio(t0) == 1

    def test_lower_is_better_agreed_zero_missed(self) -> None:
        # agreed 0, actual 2 → 0 / 2 = 0
        t = base("T", "10", "0", "2", direction=Direction.LOWER_IS_BETTER)
        assert completion_ratio(t) == 0

    def test_qualitative_uses_certified_completion(self) -> None:
        t = ScoredTarget("Q", TargetKind.BASE, D(20), Measure.QUALITATIVE, completion=D("0.85"))
        assert completion_ratio(t) == Fraction(85, 100)

    def test_qualitative_out_of_range_is_rejected(self) -> None:
        t = ScoredTarget("Q", TargetKind.BASE, D(20), Measure.QUALITATIVE, completion=D("1.2"))
        with pytest.raises(ValueError, match="between 0 and 1"):
            completion_ratio(t)

    def test_uncertified_is_zero(self) -> None:
        assert completion_ratio(base("T", "10", "100", None)) == 0
        q = ScoredTarget("Q", TargetKind.BASE, D(20), Measure.QUALITATIVE, actual_value=D(5))
        assert not q.certified  # a qualitative target needs `completion`
        assert completion_ratio(q) == 0

    def test_never_negative(self) -> None:
        # growth target 5 %, actual −2 % → −2/5 would be negative → 0
        assert completion_ratio(base("T", "10", "5", "-2")) == 0

    def test_higher_is_better_agreed_zero(self) -> None:
        # "no decline" (agreed 0): met when actual ≥ 0
        assert completion_ratio(base("T", "10", "0", "0")) == 1
        assert completion_ratio(base("T", "10", "0", "-1")) == 0

    def test_quantitative_without_agreed_value_is_rejected(self) -> None:
        t = ScoredTarget("T", TargetKind.BASE, D(10), actual_value=D(1))
        with pytest.raises(ValueError, match="no agreed value"):
            completion_ratio(t)

    def test_kinds_accept_strings(self) -> None:
        t = ScoredTarget("T", "base", D(10), "quantitative", "lower_is_better", D(1), D(2))  # type: ignore[arg-type]
        assert t.kind is TargetKind.BASE and t.direction is Direction.LOWER_IS_BETTER
        with pytest.raises(ValueError, match="kind"):
            ScoredTarget("T", "bonus", D(10))  # type: ignore[arg-type]


class TestDepartmentScore:
    def test_base_targets_partial_and_capped(self) -> None:
        # T1: 40 × min(150/200, 1) = 40 × 0.75 = 30
        # T2: 60 × min(120/100, 1) = 60 × 1   = 60   (over-fulfilment earns no more than the points)
        # department = 90.00; T1 not met → base_met False
        result = department_score([base("T1", "40", "200", "150"), base("T2", "60", "100", "120")])
        assert result.score == D("90.00")
        assert not result.base_met
        assert not result.veto_failed
        assert result.missing_targets == ()

    def test_lower_is_better_actual_zero_is_full_points(self) -> None:
        # T1 (lower, agreed 3, actual 0): r = 1 → 30; T2: 70 × 1 = 70 → 100.00, all met
        result = department_score(
            [base("T1", "30", "3", "0", direction=Direction.LOWER_IS_BETTER), base("T2", "70", "1", "1")]
        )
        assert result.score == D("100.00")
        assert result.base_met

    def test_lower_is_better_missed(self) -> None:
        # 20 × 5/8 = 12.5 ; + 80 × 1 = 80 → 92.50
        result = department_score(
            [base("T1", "20", "5", "8", direction=Direction.LOWER_IS_BETTER), base("T2", "80", "1", "1")]
        )
        assert result.score == D("92.50")
        assert not result.base_met

    def test_qualitative_completion_below_one(self) -> None:
        # Q: 20 × 0.85 = 17 ; T: 80 × 1 = 80 → 97.00; Q not met (0.85 < 1)
        q = ScoredTarget("Q", TargetKind.BASE, D(20), Measure.QUALITATIVE, completion=D("0.85"))
        result = department_score([q, base("T", "80", "10", "10")])
        assert result.score == D("97.00")
        assert not result.base_met
        assert [t.met for t in result.targets] == [False, True]

    def test_uncertified_target_counts_zero_and_is_reported(self) -> None:
        # T1 uncertified → r = 0 → 0 points; T2 60 × 1 → 60.00
        result = department_score([base("T1", "40", "100", None), base("T2", "60", "100", "100")])
        assert result.score == D("60.00")
        assert result.missing_targets == ("T1",)
        assert not result.base_met

    def test_stretch_full_points_only_when_met(self) -> None:
        # base 100 × 1 = 100; S1 met (r = 1) → 4; S2 r = 99/100 < 1 → 0 → 104.00
        result = department_score(
            [base("B", "100", "1", "1"), stretch("S1", "4", "50", "50"), stretch("S2", "5", "100", "99")]
        )
        assert result.score == D("104.00")
        assert result.stretch_earned == 4

    def test_stretch_cap_department_reaches_exactly_110(self) -> None:
        # base 100; stretch 6 + 9 = 15 met → capped at 10 → 110.00
        result = department_score(
            [base("B", "100", "1", "2"), stretch("S1", "6", "1", "1"), stretch("S2", "9", "1", "3")]
        )
        assert result.stretch_earned == 15
        assert result.stretch_bonus == 10
        assert result.score == D("110.00")

    def test_stretch_cap_is_a_parameter(self) -> None:
        # base 100 + min(15, 5) = 105.00
        result = department_score(
            [base("B", "100", "1", "1"), stretch("S1", "6", "1", "1"), stretch("S2", "9", "1", "1")],
            stretch_cap=D(5),
        )
        assert result.score == D("105.00")

    def test_uncertified_stretch_is_missing_and_earns_nothing(self) -> None:
        result = department_score([base("B", "100", "1", "1"), stretch("S", "5", "1", None)])
        assert result.score == D("100.00")
        assert result.missing_targets == ("S",)
        assert result.base_met  # a stretch target does not affect qualification

    def test_veto_earns_nothing_and_unmet_veto_fails(self) -> None:
        # V has 50 "points" but a VETO earns nothing; unmet (0 accidents agreed, 1 happened)
        v = ScoredTarget(
            "V",
            TargetKind.VETO,
            D(50),
            direction=Direction.LOWER_IS_BETTER,
            agreed_value=D(0),
            actual_value=D(1),
        )
        result = department_score([base("B", "100", "1", "1"), v])
        assert result.score == D("100.00")
        assert result.veto_failed
        assert result.base_met

    def test_met_veto_does_not_fail(self) -> None:
        result = department_score(
            [base("B", "100", "1", "1"), veto("V", "0", "0", direction=Direction.LOWER_IS_BETTER)]
        )
        assert not result.veto_failed

    def test_uncertified_veto_fails_and_is_missing(self) -> None:
        result = department_score([base("B", "100", "1", "1"), veto("V", "1", None)])
        assert result.veto_failed
        assert result.missing_targets == ("V",)

    def test_child_target_is_not_scored(self) -> None:
        # P is the top-level target (100 points, met). C is its decomposed child: it is uncertified
        # and would otherwise add 0 points and a missing certification — it must be ignored.
        parent = base("P", "100", "10", "10")
        child = base("C", "100", "10", None, parent_code="P")
        result = department_score([parent, child])
        assert result.score == D("100.00")
        assert result.missing_targets == ()
        assert result.base_met
        assert [t.code for t in result.targets] == ["P"]
        assert result.ignored_children == ("C",)

    def test_empty_parent_code_means_top_level(self) -> None:
        assert base("P", "100", "1", "1", parent_code="").top_level

    def test_no_targets_is_a_missing_source(self) -> None:
        result = department_score([])
        assert result.score == D("0.00")
        assert result.missing

    def test_intermediate_values_stay_exact(self) -> None:
        # Three targets 10 × (1/3) (lower-is-better, agreed 1, actual 3) = 10/3 each, exactly 10 together;
        # D: 50 × 9999/10000 = 49.995; E: 20 × 1 = 20. Exact total 79.995 → 80.00 (half-up).
        # A truncated decimal 1/3 would make the total 79.99499… and round to 79.99.
        thirds = [base(f"T{i}", "10", "1", "3", direction=Direction.LOWER_IS_BETTER) for i in range(3)]
        result = department_score([*thirds, base("D", "50", "10000", "9999"), base("E", "20", "1", "1")])
        assert result.base_earned == Fraction(79995, 1000)
        assert result.score == D("80.00")


# ------------------------------------------------------------------------------------------------
# §4.1 voting, inspection, grassroots
# ------------------------------------------------------------------------------------------------


class TestVoting:
    def test_single_group(self) -> None:
        # (5×100 + 3×80 + 2×60 + 0×0) / 10 = 860 / 10 = 86.00
        result = voting_score([BallotCount("cadres", 5, 3, 2, 0)])
        assert result.score == D("86.00")
        assert not result.missing

    def test_equal_weights_by_default(self) -> None:
        # A: 86 (as above); B: (100 + 80 + 0) / 3 = 60 → (86 + 60) / 2 = 73.00
        result = voting_score([BallotCount("A", 5, 3, 2, 0), BallotCount("B", 1, 1, 0, 1)])
        assert result.score == D("73.00")

    def test_weighted_voter_groups(self) -> None:
        # A weight 2 → 86; B weight 1 → 60; (2×86 + 1×60) / 3 = 232/3 = 77.333… → 77.33
        result = voting_score(
            [BallotCount("A", 5, 3, 2, 0), BallotCount("B", 1, 1, 0, 1)],
            {"A": D(2), "B": D(1)},
        )
        assert result.score == D("77.33")
        # weights are relative: 0.5 / 0.25 gives the same mean
        again = voting_score(
            [BallotCount("A", 5, 3, 2, 0), BallotCount("B", 1, 1, 0, 1)],
            {"A": D("0.5"), "B": D("0.25")},
        )
        assert again.score == D("77.33")

    def test_weighted_mean_of_exact_group_scores(self) -> None:
        # A (w 1): (100 + 80 + 0)/3 = 60; B (w 2): (100 + 100 + 60)/3 = 260/3
        # (60 + 2 × 260/3) / 3 = (180 + 520)/9 = 700/9 = 77.777… → 77.78
        result = voting_score([BallotCount("A", 1, 1, 0, 1), BallotCount("B", 2, 0, 1, 0)], {"A": D(1), "B": D(2)})
        assert result.group_scores == {"A": Fraction(60), "B": Fraction(260, 3)}
        assert result.score == D("77.78")

    def test_rounded_only_at_the_end_half_up(self) -> None:
        # A: 2000 ballots, 1 优秀 + 1999 良好 → (100 + 159920)/2000 = 80.01; B: one 良好 → 80
        # mean (80.01 + 80)/2 = 80.005 → 80.01 (half-up; half-even would give 80.00)
        result = voting_score([BallotCount("A", 1, 1999, 0, 0), BallotCount("B", 0, 1, 0, 0)])
        assert result.score == D("80.01")

    def test_groups_with_no_ballots_are_left_out(self) -> None:
        # C has a row but no ballots (and a configured weight): left out, not scored as 0.
        # (2×86 + 60)/3 = 77.33 as in the weighted case
        result = voting_score(
            [BallotCount("A", 5, 3, 2, 0), BallotCount("B", 1, 1, 0, 1), BallotCount("C")],
            {"A": D(2), "B": D(1), "C": D(5)},
        )
        assert result.score == D("77.33")
        assert result.left_out_groups == ("C",)
        assert "C" not in result.group_scores

    def test_rows_of_the_same_group_are_summed(self) -> None:
        # A rows: (1 优秀) and (1 差) → A = (100 + 0)/2 = 50; B: 80 → (50 + 80)/2 = 65.00
        # (averaging per row instead would give (100 + 0 + 80)/3 = 60)
        result = voting_score([BallotCount("A", excellent=1), BallotCount("A", poor=1), BallotCount("B", good=1)])
        assert result.group_scores == {"A": Fraction(50), "B": Fraction(80)}
        assert result.score == D("65.00")

    def test_no_ballots_is_missing(self) -> None:
        assert voting_score([]).missing
        result = voting_score([BallotCount("A")])
        assert result.missing
        assert result.score == D("0.00")

    def test_one_group_weighted_the_others_weigh_1(self) -> None:
        # A = (500 + 240 + 120)/10 = 86 with weight 3; B = (100 + 80 + 0)/3 = 60 and C = 80 have no weight
        # setting and weigh 1 (§4.1): (3×86 + 60 + 80)/5 = 398/5 = 79.60. Leaving B and C out would give 86.
        result = voting_score([BallotCount("A", 5, 3, 2, 0), BallotCount("B", 1, 1, 0, 1), BallotCount("C", good=2)],
                              {"A": D(3)})
        assert result.weights == {"A": D(3), "B": D(1), "C": D(1)}
        assert result.score == D("79.60")

    def test_all_weights_zero_is_missing(self) -> None:
        result = voting_score([BallotCount("A", 1)], {"A": D(0)})
        assert result.missing
        assert result.score == D("0.00")

    def test_bad_counts_are_rejected(self) -> None:
        with pytest.raises(ValueError, match="excellent"):
            BallotCount("A", -1)
        with pytest.raises(ValueError, match="good"):
            BallotCount("A", 1, 1.5)  # type: ignore[arg-type]


class TestInspectionAndGrassroots:
    def test_inspection_mean(self) -> None:
        # (90 + 85 + 88) / 3 = 263/3 = 87.666… → 87.67
        assert inspection_score([D(90), D(85), D(88)]).score == D("87.67")

    def test_inspection_half_up(self) -> None:
        # (90.5 + 85.25) / 2 = 87.875 → 87.88
        assert inspection_score([D("90.5"), D("85.25")]).score == D("87.88")

    def test_inspection_missing(self) -> None:
        result = inspection_score([])
        assert result.missing and result.score == D("0.00")

    @pytest.mark.parametrize(
        ("counts", "expected"),
        [
            ((30, 15, 5), D("78.00")),  # (100×30 + 60×15)/50 = 3900/50 = 78
            ((1, 1, 1), D("53.33")),  # 160/3 = 53.333…
            ((1, 0, 799), D("0.13")),  # 100/800 = 0.125 → 0.13 half-up
            ((0, 0, 4), D("0.00")),  # all dissatisfied is a real 0, not missing
            ((2, 0, 0), D("100.00")),
        ],
    )
    def test_grassroots(self, counts: tuple[int, int, int], expected: Decimal) -> None:
        result = grassroots_score(*counts)
        assert result.score == expected
        assert not result.missing

    def test_grassroots_no_responses_is_missing(self) -> None:
        result = grassroots_score(0, 0, 0)
        assert result.missing and result.score == D("0.00")


# ------------------------------------------------------------------------------------------------
# §4.2 composite and qualification
# ------------------------------------------------------------------------------------------------


class TestComposite:
    def test_default_weights(self) -> None:
        # 0.6×90 + 0.15×80 + 0.15×70 + 0.1×60 = 54 + 12 + 10.5 + 6 = 82.50
        assert composite(Components(D(90), D(80), D(70), D(60)), DEFAULTS) == D("82.50")

    def test_half_up_at_xx5_where_float_differs(self) -> None:
        # 0.60 × 86.63 = 51.978
        # 0.15 × 86.46 = 12.969
        # 0.15 × 90.00 = 13.500
        # 0.10 × 86.78 =  8.678
        #               -------
        #                87.125 → 87.13 (half-up)
        comps = Components(D("86.63"), D("86.46"), D("90.00"), D("86.78"))
        assert composite(comps, DEFAULTS) == D("87.13")
        # The same sum in binary floating point is 87.12499999999999, which rounds to 87.12.
        as_float = 0.6 * 86.63 + 0.15 * 86.46 + 0.15 * 90.00 + 0.1 * 86.78
        assert as_float < 87.125
        assert round(as_float, 2) == 87.12

    def test_custom_weights(self) -> None:
        s = settings_from_pairs(
            [
                ("weight_department", "0.5"),
                ("weight_voting", "0.2"),
                ("weight_inspection", "0.2"),
                ("weight_grassroots", "0.1"),
            ]
        )
        # 0.5×90 + 0.2×80 + 0.2×70 + 0.1×60 = 45 + 16 + 14 + 6 = 81.00
        assert composite(Components(D(90), D(80), D(70), D(60)), s) == D("81.00")

    def test_composite_uses_rounded_components(self) -> None:
        # department exact 79.995 (see TestDepartmentScore.test_intermediate_values_stay_exact) → 80.00
        # voting: 1 优秀 + 199 良好 = (100 + 15920)/200 = 80.10; inspection 80; grassroots (100+60)/2 = 80
        # composite from the rounded components:
        #   0.6×80.00 + 0.15×80.10 + 0.15×80 + 0.1×80 = 48 + 12.015 + 12 + 8 = 80.015 → 80.02
        # (from the unrounded 79.995 it would be 47.997 + 32.015 = 80.012 → 80.01)
        thirds = [base(f"T{i}", "10", "1", "3", direction=Direction.LOWER_IS_BETTER) for i in range(3)]
        unit = UnitInput(
            "U1",
            targets=[*thirds, base("D", "50", "10000", "9999"), base("E", "20", "1", "1")],
            ballots=[BallotCount("all", 1, 199, 0, 0)],
            inspections=[D(80)],
            grassroots=[GrassrootsCount(1, 1, 0)],
        )
        result = score_unit(unit, DEFAULTS)
        assert (result.department, result.voting, result.inspection, result.grassroots) == (
            D("80.00"),
            D("80.10"),
            D("80.00"),
            D("80.00"),
        )
        assert result.composite == D("80.02")


class TestQualification:
    def test_rule(self) -> None:
        assert is_qualified(base_met=True, veto_failed=False, composite_score=D("60.00"), pass_line=D(60))
        assert not is_qualified(base_met=True, veto_failed=False, composite_score=D("59.99"), pass_line=D(60))
        assert not is_qualified(base_met=False, veto_failed=False, composite_score=D(99), pass_line=D(60))
        assert not is_qualified(base_met=True, veto_failed=True, composite_score=D(99), pass_line=D(60))

    def test_above_pass_line_but_missed_a_base_target(self) -> None:
        # department 50 × 1 + 50 × 90/100 = 95; voting (100 + 80)/2 = 90; inspection 90;
        # grassroots 900/10 = 90 → 0.6×95 + 0.15×90 + 0.15×90 + 0.1×90 = 57 + 36 = 93.00 ≥ 60,
        # but B2 was missed → not qualified
        unit = UnitInput(
            "U",
            targets=[base("B1", "50", "1", "1"), base("B2", "50", "100", "90")],
            ballots=[BallotCount("all", 1, 1, 0, 0)],
            inspections=[D(90)],
            grassroots=[GrassrootsCount(9, 0, 1)],
        )
        result = score_unit(unit, DEFAULTS)
        assert result.department == D("95.00")
        assert result.composite == D("93.00")
        assert not result.base_met
        assert not result.qualified

    def test_exactly_at_pass_line_qualifies(self) -> None:
        # department 100, voting 60 (one 一般), inspection 0, grassroots 0 (one 不满意)
        # 0.6×100 + 0.15×60 + 0.15×0 + 0.1×0 = 60 + 9 = 69.00
        unit = UnitInput(
            "U",
            targets=[base("B", "100", "1", "1")],
            ballots=[BallotCount("v", fair=1)],
            inspections=[D(0)],
            grassroots=[GrassrootsCount(0, 0, 1)],
        )
        assert score_unit(unit, DEFAULTS).composite == D("69.00")
        assert score_unit(unit, settings_from_pairs([("pass_line", "69")])).qualified
        assert not score_unit(unit, settings_from_pairs([("pass_line", "69.01")])).qualified

    def test_missing_sources_are_reported_and_scored_zero(self) -> None:
        # only targets: department 100; voting, inspection, grassroots missing → 0
        # composite 0.6 × 100 = 60.00 → qualified at the default pass line
        unit = UnitInput("U", targets=[base("B", "100", "1", "1"), base("T9", "0", "1", None)])
        result = score_unit(unit, DEFAULTS)
        assert (result.voting, result.inspection, result.grassroots) == (D("0.00"),) * 3
        assert result.missing_sources == (Source.VOTING, Source.INSPECTION, Source.GRASSROOTS)
        assert result.missing_targets == ("T9",)
        assert result.missing == ("target:T9", "voting", "inspection", "grassroots")
        assert result.composite == D("60.00")
        assert not result.qualified  # T9 (a BASE target, 0 points) is uncertified → not met

    def test_missing_department(self) -> None:
        result = score_unit(UnitInput("U", ballots=[BallotCount("v", 1)]), DEFAULTS)
        assert result.department == D("0.00")
        assert Source.DEPARTMENT in result.missing_sources

    def test_a_voter_group_without_a_weight_weighs_1(self) -> None:
        # cadres 100 (weight 3), public 80 (no weight → 1): (300 + 80)/4 = 95.00; nothing is missing
        s = settings_from_pairs([("voter_group_weight:cadres", "3")])
        result = score_unit(UnitInput("U", ballots=[BallotCount("cadres", 1), BallotCount("public", 0, 1)]), s)
        assert result.voting == D("95.00")
        assert "voting" not in result.missing and not any("weight" in m for m in result.missing)

    def test_voter_group_weights_from_settings(self) -> None:
        s = settings_from_pairs([("voter_group_weight:A", "2"), ("voter_group_weight:B", "1")])
        result = score_unit(UnitInput("U", ballots=[BallotCount("A", 5, 3, 2, 0), BallotCount("B", 1, 1, 0, 1)]), s)
        assert result.voting == D("77.33")  # (2×86 + 60)/3


# ------------------------------------------------------------------------------------------------
# §4.2 ranking and grades
# ------------------------------------------------------------------------------------------------


def ranks(result: object) -> dict[str, int]:
    return {u.unit_code: u.rank for u in result.units}  # type: ignore[attr-defined]


def grades(result: object) -> dict[str, Grade]:
    return result.grades()  # type: ignore[attr-defined]


class TestRanking:
    def test_competition_ranks_1_2_2_4(self) -> None:
        scores = [
            unit_score("A", "95"),
            unit_score("B", "90"),
            unit_score("C", "90"),
            unit_score("D", "85"),
        ]
        result = rank_units(scores, DEFAULTS)
        assert ranks(result) == {"A": 1, "B": 2, "C": 2, "D": 4}
        assert [u.unit_code for u in result.units] == ["A", "B", "C", "D"]

    def test_tie_breaks_department_grassroots_voting_inspection(self) -> None:
        # All composites 80.00:
        # A: 0.6×80 + 0.15×80 + 0.15×80 + 0.1×80 = 80
        # B: department 81, inspection 76: 48.6 + 12 + 11.4 + 8 = 80 → higher department → before A
        # C: department 80, grassroots 83, inspection 78: 48 + 12 + 11.7 + 8.3 = 80 → grassroots beats A
        # E: department 80, grassroots 80, voting 82, inspection 78: 48 + 12.3 + 11.7 + 8 = 80
        #    → voting beats A
        scores = [
            unit_score("A", "80", "80", "80", "80"),
            unit_score("B", "81", "80", "76", "80"),
            unit_score("C", "80", "80", "78", "83"),
            unit_score("E", "80", "82", "78", "80"),
        ]
        assert {s.composite for s in scores} == {D("80.00")}
        result = rank_units(scores, DEFAULTS)
        assert [u.unit_code for u in result.units] == ["B", "C", "E", "A"]
        assert ranks(result) == {"B": 1, "C": 2, "E": 3, "A": 4}

    def test_inspection_is_the_last_tie_breaker(self) -> None:
        # equal composite, department, grassroots; voting/inspection swapped 82/78 vs 80/80:
        # X: 0.15×82 + 0.15×78 = 24; Y: 0.15×80 + 0.15×80 = 24 → same composite; X voting higher.
        # Z: identical to Y → shares Y's rank.
        scores = [
            unit_score("Y", "80", "80", "80", "80"),
            unit_score("X", "80", "82", "78", "80"),
            unit_score("Z", "80", "80", "80", "80"),
        ]
        result = rank_units(scores, DEFAULTS)
        assert ranks(result) == {"X": 1, "Y": 2, "Z": 2}
        assert ranking_key(scores[0]) == ranking_key(scores[2])

    def test_qualified_before_non_qualified(self) -> None:
        # N has the best composite but is not qualified (a missed BASE target or a veto): it ranks after Q.
        scores = [unit_score("N", "99", qualified=False), unit_score("Q", "70")]
        result = rank_units(scores, DEFAULTS)
        assert ranks(result) == {"Q": 1, "N": 2}

    def test_equal_key_different_qualification_do_not_share(self) -> None:
        scores = [unit_score("A", "90"), unit_score("B", "90", qualified=False), unit_score("C", "90")]
        assert ranks(rank_units(scores, DEFAULTS)) == {"A": 1, "C": 1, "B": 3}

    def test_veto_failure_on_a_top_scorer(self) -> None:
        # TOP has every BASE target met and the best scores, but a failed VETO target → non-qualified:
        # not advanced, ranked after every qualified unit.
        def unit(code: str, actual: str, veto_actual: str) -> UnitInput:
            return UnitInput(
                code,
                targets=[
                    base("B", "100", "100", actual),
                    veto("V", "0", veto_actual, direction=Direction.LOWER_IS_BETTER),
                ],
                ballots=[BallotCount("all", 1)],
                inspections=[D(100)],
                grassroots=[GrassrootsCount(1, 0, 0)],
            )

        inputs = [unit("TOP", "100", "1")] + [unit(f"U{i}", "100", "0") for i in range(4)]
        # U0..U3 tie with TOP on every score: department 100, others 100 → composite 100.00
        result = assess(inputs, DEFAULTS)
        top = result.unit("TOP")
        assert top.score.composite == D("100.00")
        assert top.score.veto_failed and not top.score.qualified
        # qualified 4 → quota floor(0.25 × 4) = 1, all 4 tie → all 4 advanced (overflow 3)
        assert top.grade is Grade.LAST_PLACE  # the only non-qualified unit, count 13 → shortfall 12
        assert top.rank == 5
        group = result.group(None)
        assert group.advanced_units == ("U0", "U1", "U2", "U3")
        assert group.advanced_overflow == 3
        assert group.last_place_shortfall == 12

    def test_advanced_quota_floor(self) -> None:
        # 7 qualified × 0.25 = 1.75 → 1 advanced
        scores = [unit_score(f"U{i}", str(90 - i)) for i in range(7)]
        result = rank_units(scores, DEFAULTS)
        group = result.group(None)
        assert group.advanced_quota == 1
        assert group.advanced_units == ("U0",)
        assert group.advanced_overflow == 0
        assert grades(result)["U1"] is Grade.QUALIFIED

    def test_quota_zero_means_nobody_advanced(self) -> None:
        # 3 qualified × 0.25 = 0.75 → 0 — even the best unit is not advanced
        scores = [unit_score(f"U{i}", str(90 - i)) for i in range(3)]
        result = rank_units(scores, DEFAULTS)
        assert result.group(None).advanced_quota == 0
        assert all(g is Grade.QUALIFIED for g in grades(result).values())

    def test_tie_exactly_at_the_advanced_quota(self) -> None:
        # 8 qualified × 0.25 = 2 → quota 2. Keys: A 95, B 90, C 90, D 90, then 80…
        # The last unit inside the quota (B) ties with C and D → B, C, D all advanced; overflow 2.
        scores = [
            unit_score("A", "95"),
            unit_score("D", "90"),
            unit_score("C", "90"),
            unit_score("B", "90"),
            *(unit_score(f"Z{i}", "80") for i in range(4)),
        ]
        result = rank_units(scores, DEFAULTS)
        group = result.group(None)
        assert group.qualified_count == 8
        assert group.advanced_quota == 2
        assert group.advanced_units == ("A", "B", "C", "D")
        assert group.advanced_overflow == 2
        assert group.advanced_overflow_units == ("C", "D")  # past position 2 in unit-code order
        assert group.advanced_boundary_units == ("B", "C", "D")
        assert result.advanced_overflow == 2
        assert ranks(result)["B"] == ranks(result)["D"] == 2
        assert grades(result)["Z0"] is Grade.QUALIFIED

    def test_tie_just_outside_the_quota_boundary_without_overflow(self) -> None:
        # quota 2: A 95, B 92 are in; C and D tie at 90 just after → not advanced, no overflow
        scores = [unit_score("A", "95"), unit_score("B", "92"), unit_score("C", "90"), unit_score("D", "90")]
        scores += [unit_score(f"Z{i}", "80") for i in range(4)]
        group = rank_units(scores, DEFAULTS).group(None)
        assert group.advanced_units == ("A", "B")
        assert group.advanced_overflow == 0
        assert group.advanced_boundary_units == ()

    def test_last_place_lowest_keys(self) -> None:
        # count 2; non-qualified N1 50, N2 40, N3 45, N4 55 → lowest two: N2 (40), N3 (45)
        s = settings_from_pairs([("last_place_count", "2")])
        scores = [unit_score("Q", "90")]
        scores += [
            unit_score(c, d, qualified=False) for c, d in [("N1", "50"), ("N2", "40"), ("N3", "45"), ("N4", "55")]
        ]
        result = rank_units(scores, s)
        group = result.group(None)
        assert group.last_place_units == ("N2", "N3")
        assert (group.last_place_shortfall, group.last_place_overflow) == (0, 0)
        assert grades(result) == {
            "Q": Grade.QUALIFIED,  # 1 × 0.25 → quota 0
            "N4": Grade.UNQUALIFIED,
            "N1": Grade.UNQUALIFIED,
            "N3": Grade.LAST_PLACE,
            "N2": Grade.LAST_PLACE,
        }

    def test_tie_at_the_last_place_boundary(self) -> None:
        # count 2; keys 40, 45, 45, 50 → boundary (2nd lowest) is 45, shared by N3 and N5 → 3 last place
        s = settings_from_pairs([("last_place_count", "2")])
        scores = [
            unit_score(c, d, qualified=False) for c, d in [("N1", "50"), ("N2", "40"), ("N3", "45"), ("N5", "45")]
        ]
        group = rank_units(scores, s).group(None)
        assert group.last_place_units == ("N2", "N3", "N5")
        assert group.last_place_overflow == 1
        assert group.last_place_overflow_units == ("N5",)
        assert group.last_place_boundary_units == ("N3", "N5")

    def test_last_place_tie_broken_by_department_is_not_a_tie(self) -> None:
        # both composite 80: L1 department 79 & inspection 84 (47.4+12+12.6+8), L2 department 80 → L1 lower
        s = settings_from_pairs([("last_place_count", "1")])
        scores = [
            unit_score("L1", "79", "80", "84", "80", qualified=False),
            unit_score("L2", "80", "80", "80", "80", qualified=False),
        ]
        assert scores[0].composite == scores[1].composite == D("80.00")
        group = rank_units(scores, s).group(None)
        assert group.last_place_units == ("L1",)
        assert group.last_place_overflow == 0

    def test_fewer_non_qualified_than_the_count(self) -> None:
        # default count 13, only 3 non-qualified → all 3 last place, shortfall 13 − 3 = 10
        scores = [unit_score(f"Q{i}", "90") for i in range(5)]
        scores += [unit_score(f"N{i}", "50", qualified=False) for i in range(3)]
        result = rank_units(scores, DEFAULTS)
        group = result.group(None)
        assert group.last_place_count == 13
        assert group.last_place_units == ("N0", "N1", "N2")
        assert group.last_place_shortfall == 10
        assert result.last_place_shortfall == 10
        assert group.last_place_overflow == 0

    def test_last_place_count_zero(self) -> None:
        s = settings_from_pairs([("last_place_count", "0")])
        result = rank_units([unit_score("N", "10", qualified=False)], s)
        assert grades(result) == {"N": Grade.UNQUALIFIED}
        assert result.group(None).last_place_shortfall == 0

    def test_two_groups_with_their_own_quotas(self) -> None:
        # district: advanced_ratio:district 0.5, last_place_count:district 1
        # municipal: global advanced_ratio 0.25, last_place_count 2
        s = settings_from_pairs(
            [
                ("advanced_ratio:district", "0.5"),
                ("last_place_count:district", "1"),
                ("last_place_count", "2"),
            ]
        )
        district = [unit_score(f"D{i}", str(90 - i), group="district") for i in range(4)]
        district += [unit_score(f"DN{i}", str(50 - i), group="district", qualified=False) for i in range(3)]
        municipal = [unit_score(f"M{i}", str(90 - i), group="municipal") for i in range(4)]
        municipal += [unit_score(f"MN{i}", str(50 - i), group="municipal", qualified=False) for i in range(3)]
        result = rank_units(municipal + district, s)
        d, m = result.group("district"), result.group("municipal")
        # district: 4 qualified × 0.5 = 2 → D0, D1; last 1 → lowest DN2 (48)
        assert (d.advanced_quota, d.advanced_units, d.last_place_units) == (2, ("D0", "D1"), ("DN2",))
        # municipal: 4 × 0.25 = 1 → M0; last 2 → MN2 (48), MN1 (49)
        assert (m.advanced_quota, m.advanced_units, m.last_place_units) == (1, ("M0",), ("MN2", "MN1"))
        # ranks restart in each group
        assert ranks(result)["D0"] == ranks(result)["M0"] == 1
        assert [g.group for g in result.groups] == ["district", "municipal"]
        assert [u.unit_code for u in result.units][:7] == ["D0", "D1", "D2", "D3", "DN0", "DN1", "DN2"]

    def test_default_group_sorts_first(self) -> None:
        result = rank_units([unit_score("B", "80", group="x"), unit_score("A", "80")], DEFAULTS)
        assert [g.group for g in result.groups] == [None, "x"]
        assert [u.unit_code for u in result.units] == ["A", "B"]

    def test_output_is_independent_of_input_order(self) -> None:
        scores = [
            unit_score(f"U{i}", str(70 + i % 4), qualified=i % 3 != 0, group="g" if i % 2 else None) for i in range(12)
        ]
        forward = rank_units(scores, DEFAULTS)
        backward = rank_units(list(reversed(scores)), DEFAULTS)
        assert forward == backward

    def test_duplicate_unit_codes_are_rejected(self) -> None:
        with pytest.raises(ValueError, match="U1"):
            rank_units([unit_score("U1", "80"), unit_score("U1", "70")], DEFAULTS)

    def test_advanced_ratio_one_makes_every_qualified_unit_advanced(self) -> None:
        s = settings_from_pairs([("advanced_ratio", "1")])
        result = rank_units([unit_score("A", "80"), unit_score("B", "70"), unit_score("N", "50", qualified=False)], s)
        assert grades(result) == {"A": Grade.ADVANCED, "B": Grade.ADVANCED, "N": Grade.LAST_PLACE}


class TestAssessEndToEnd:
    def test_small_year(self) -> None:
        # Eight units in one group; quota floor(0.25 × qualified) and last_place_count 1.
        s = settings_from_pairs([("last_place_count", "1")])

        def unit(code: str, actual: str, ballots: BallotCount) -> UnitInput:
            return UnitInput(
                code,
                targets=[
                    base("B1", "60", "100", actual),
                    base("B2", "40", "10", "10"),
                    stretch("S", "10", "1", "1"),
                ],
                ballots=[ballots],
                inspections=[D(90), D(80)],  # 85
                grassroots=[GrassrootsCount(8, 2, 0)],  # (800 + 120)/10 = 92
            )

        inputs = [
            # department 60 + 40 + 10 = 110; voting 100
            # composite 0.6×110 + 0.15×100 + 0.15×85 + 0.1×92 = 66 + 15 + 12.75 + 9.2 = 102.95
            unit("A", "100", BallotCount("v", 1)),
            # voting 80: 66 + 12 + 12.75 + 9.2 = 99.95
            unit("B", "100", BallotCount("v", 0, 1)),
            unit("C", "100", BallotCount("v", 0, 1)),
            unit("D", "100", BallotCount("v", 0, 0, 1)),  # voting 60: 66 + 9 + 12.75 + 9.2 = 96.95
            # B1 missed: 60 × 0.9 = 54 → 104: 62.4 + 15 + 12.75 + 9.2 = 99.35, non-qualified
            unit("E", "90", BallotCount("v", 1)),
            # B1 missed: 60 × 0.5 = 30 → 80: 48 + 15 + 12.75 + 9.2 = 84.95, non-qualified
            unit("F", "50", BallotCount("v", 1)),
        ]
        result = assess(inputs, s)
        composites = {u.unit_code: u.score.composite for u in result.units}
        assert composites == {
            "A": D("102.95"),
            "B": D("99.95"),
            "C": D("99.95"),
            "D": D("96.95"),
            "E": D("99.35"),
            "F": D("84.95"),
        }
        # 4 qualified → quota 1 → A; non-qualified E, F → last place F (lowest)
        assert grades(result) == {
            "A": Grade.ADVANCED,
            "B": Grade.QUALIFIED,
            "C": Grade.QUALIFIED,
            "D": Grade.QUALIFIED,
            "E": Grade.UNQUALIFIED,
            "F": Grade.LAST_PLACE,
        }
        assert ranks(result) == {"A": 1, "B": 2, "C": 2, "D": 4, "E": 5, "F": 6}


# ------------------------------------------------------------------------------------------------
# Settings
# ------------------------------------------------------------------------------------------------


class TestSettings:
    def test_defaults(self) -> None:
        s = Settings()
        validate_settings(s)
        assert (s.weight_department, s.weight_voting, s.weight_inspection, s.weight_grassroots) == (
            D("0.60"),
            D("0.15"),
            D("0.15"),
            D("0.10"),
        )
        assert (s.pass_line, s.advanced_ratio, s.last_place_count, s.stretch_cap) == (
            D(60),
            D("0.25"),
            13,
            D(10),
        )
        assert settings_from_pairs([]) == s

    def test_parse_every_key(self) -> None:
        s = settings_from_pairs(
            [
                ("weight_department", "0.5"),
                ("weight_voting", "0.2"),
                ("weight_inspection", "0.2"),
                ("weight_grassroots", "0.1"),
                ("pass_line", " 65 "),
                ("advanced_ratio", "0.3"),
                ("last_place_count", "13.0"),
                ("stretch_cap", "8"),
                ("voter_group_weight:cadres", "2"),
                ("advanced_ratio:district", "0.2"),
                ("last_place_count:district", "3"),
            ]
        )
        assert s.weight_department == D("0.5")
        assert s.pass_line == D(65)
        assert s.last_place_count == 13 and isinstance(s.last_place_count, int)
        assert s.stretch_cap == D(8)
        assert s.voter_group_weights == {"cadres": D(2)}
        assert s.advanced_ratio_for("district") == D("0.2")
        assert s.advanced_ratio_for("municipal") == D("0.3")
        assert s.advanced_ratio_for(None) == D("0.3")
        assert s.last_place_count_for("district") == 3
        assert s.last_place_count_for("municipal") == 13
        assert settings_from_pairs(s.as_pairs()) == s

    @pytest.mark.parametrize(
        ("pairs", "key"),
        [
            ([("weight_bonus", "1")], "weight_bonus"),
            ([("colour:red", "1")], "colour:red"),
            ([("pass_line", "abc")], "pass_line"),
            ([("pass_line", "NaN")], "pass_line"),
            ([("pass_line", "111")], "pass_line"),
            ([("pass_line", "-1")], "pass_line"),
            ([("advanced_ratio", "1.5")], "advanced_ratio"),
            ([("advanced_ratio:district", "-0.1")], "advanced_ratio:district"),
            ([("last_place_count", "1.5")], "last_place_count"),
            ([("last_place_count", "-1")], "last_place_count"),
            ([("last_place_count:district", "x")], "last_place_count:district"),
            ([("stretch_cap", "-1")], "stretch_cap"),
            ([("stretch_cap", "101")], "stretch_cap"),
            ([("voter_group_weight:public", "-2")], "voter_group_weight:public"),
            ([("voter_group_weight:", "1")], "voter_group_weight:"),
            ([("pass_line", "60"), ("pass_line", "61")], "pass_line"),
            ([("weight_department", "1.2")], "weight_department"),
        ],
    )
    def test_bad_settings_name_the_key(self, pairs: list[tuple[str, str]], key: str) -> None:
        with pytest.raises(SettingsError) as excinfo:
            settings_from_pairs(pairs)
        assert excinfo.value.key == key
        assert key in str(excinfo.value)
        assert isinstance(excinfo.value, ValueError)

    def test_weights_must_sum_to_exactly_one(self) -> None:
        with pytest.raises(SettingsError, match="sum to exactly 1") as excinfo:
            settings_from_pairs([("weight_department", "0.61")])
        assert "weight_department" in excinfo.value.key
        # 0.6 + 0.15 + 0.15 + 0.1 is exactly 1 in Decimal (in float it is 0.9999999999999999)
        settings_from_pairs(
            [
                ("weight_department", "0.6"),
                ("weight_voting", "0.15"),
                ("weight_inspection", "0.15"),
                ("weight_grassroots", "0.1"),
            ]
        )

    def test_validate_settings_directly(self) -> None:
        with pytest.raises(SettingsError) as excinfo:
            validate_settings(Settings(last_place_count=True))  # type: ignore[arg-type]
        assert excinfo.value.key == "last_place_count"
        with pytest.raises(SettingsError) as excinfo:
            validate_settings(Settings(pass_line=60.0))  # type: ignore[arg-type]
        assert excinfo.value.key == "pass_line"
        with pytest.raises(SettingsError) as excinfo:
            validate_settings(Settings(group_last_place_count={"x": -1}))
        assert excinfo.value.key == "last_place_count:x"

    def test_base_settings_are_layered(self) -> None:
        first = settings_from_pairs([("pass_line", "70")])
        second = settings_from_pairs([("stretch_cap", "5")], base=first)
        assert (second.pass_line, second.stretch_cap) == (D(70), D(5))

    def test_any_settings_shaped_object_works(self) -> None:
        # The service keeps its own settings record with the same attribute names; the rules only read
        # attributes, so such an object can be passed as is.
        shaped = SimpleNamespace(**{f.name: getattr(Settings(), f.name) for f in fields(Settings)})
        shaped.group_advanced_ratio = {"g": D("0.5")}
        scores = [unit_score("A", "90", group="g"), unit_score("B", "80", group="g")]
        result = rank_units(scores, shaped)  # type: ignore[arg-type]
        assert result.group("g").advanced_units == ("A",)  # 2 × 0.5 = 1
        assert composite(Components(D(90), D(80), D(70), D(60)), shaped) == D("82.50")  # type: ignore[arg-type]
