"""The targets service's pure rules: state machines, stretch check, gaps, trees, progress, letter hashes."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.targets import rules
from services.targets.models import Direction, TargetStatus, YearStatus
from services.targets.rules import ProgressStatus

D = Decimal
HIGHER, LOWER = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER


class TestYearTransitions:
    def test_each_step_forward_is_allowed(self) -> None:
        flow = list(rules.YEAR_FLOW)
        assert all(rules.year_transition_allowed(a, b) for a, b in itertools.pairwise(flow))

    @pytest.mark.parametrize(("current", "wanted"), [
        (YearStatus.PLANNING, YearStatus.SIGNED), (YearStatus.NEGOTIATING, YearStatus.PLANNING),
        (YearStatus.CLOSED, YearStatus.PLANNING), (YearStatus.SIGNED, YearStatus.SIGNED)])
    def test_skipping_going_back_or_staying_is_refused(self, current: YearStatus, wanted: YearStatus) -> None:
        assert not rules.year_transition_allowed(current, wanted)


class TestTargetMoves:
    def test_negotiation_path(self) -> None:
        assert rules.target_move(TargetStatus.DRAFT, "propose") is TargetStatus.PROPOSED
        assert rules.target_move(TargetStatus.PROPOSED, "accept") is TargetStatus.PROPOSED
        assert rules.target_move(TargetStatus.PROPOSED, "counter") is TargetStatus.NEGOTIATING
        assert rules.target_move(TargetStatus.NEGOTIATING, "propose") is TargetStatus.PROPOSED
        assert rules.target_move(TargetStatus.NEGOTIATING, "agree") is TargetStatus.AGREED
        assert rules.target_move(TargetStatus.AGREED, "sign") is TargetStatus.SIGNED

    @pytest.mark.parametrize(("status", "move"), [
        (TargetStatus.DRAFT, "agree"), (TargetStatus.DRAFT, "accept"), (TargetStatus.AGREED, "propose"),
        (TargetStatus.SIGNED, "counter"), (TargetStatus.NEGOTIATING, "accept"), (TargetStatus.PROPOSED, "sign")])
    def test_illegal_moves(self, status: TargetStatus, move: str) -> None:
        assert rules.target_move(status, move) is None


class TestStretch:
    def test_equal_is_no_stretch_in_either_direction(self) -> None:
        assert rules.needs_stretch_override(D(100), D(100), HIGHER)
        assert rules.needs_stretch_override(D(100), D(100), LOWER)

    def test_direction_decides_what_improves(self) -> None:
        assert not rules.needs_stretch_override(D(101), D(100), HIGHER)
        assert rules.needs_stretch_override(D(99), D(100), HIGHER)
        assert not rules.needs_stretch_override(D(99), D(100), LOWER)
        assert rules.needs_stretch_override(D(101), D(100), LOWER)

    def test_without_baseline_or_value_nothing_is_flagged(self) -> None:
        assert not rules.needs_stretch_override(None, D(1), HIGHER)
        assert not rules.needs_stretch_override(D(1), None, HIGHER)


def test_plain_decimals_drop_trailing_zeros_without_exponents() -> None:
    assert str(rules.plain(D("95.000000"))) == "95"
    assert str(rules.plain(D("1000.000000"))) == "1000"
    assert str(rules.plain(D("0.500"))) == "0.5"
    assert rules.plain(None) is None


def test_uncovered_gap_is_parent_minus_children() -> None:
    assert rules.uncovered_gap(D(100), [D(60), D(30), None]) == D(10)
    assert rules.uncovered_gap(D(100), [D(60), D(50)]) == D(-10)
    assert rules.uncovered_gap(None, [D(1)]) is None


class TestTrees:
    def test_forest_with_parents_listed_after_children(self) -> None:
        roots = rules.build_forest([("A-1-x", "A-1", 3), ("A-1", "A", 2), ("A", None, 1), ("B", None, 4)])
        assert [r.code for r in roots] == ["A", "B"]
        assert roots[0].children[0].children[0].code == "A-1-x"
        assert [n.code for n in rules.leaves(roots)] == ["A-1-x", "B"]

    def test_cycles_are_found(self) -> None:
        assert rules.find_cycles({"a": "b", "b": "c", "c": "a", "d": "a", "e": None}) == {"a", "b", "c"}
        assert rules.find_cycles({"a": "a"}) == {"a"}
        assert rules.find_cycles({"a": None, "b": "a"}) == set()

    def test_base_points_count_top_level_base_only(self) -> None:
        total = rules.base_points_total([("BASE", D(60), None), ("BASE", D(40), None), ("STRETCH", D(5), None),
                                         ("BASE", D(99), "X"), ("VETO", None, None)])
        assert total == D(100)


class TestProgress:
    def test_elapsed_fraction_of_the_year(self) -> None:
        assert rules.elapsed_fraction(2029, date(2029, 12, 31)) == 1
        assert rules.elapsed_fraction(2029, date(2028, 12, 31)) == 0
        assert rules.elapsed_fraction(2029, date(2029, 6, 30)) == D(181) / D(365)
        assert rules.elapsed_fraction(2028, date(2028, 12, 31)) == 1  # leap year

    @pytest.mark.parametrize(("progress", "elapsed", "status"), [
        (D("0.45"), D("0.5"), ProgressStatus.ON_TRACK), (D("0.449"), D("0.5"), ProgressStatus.LAGGING),
        (D("0.35"), D("0.5"), ProgressStatus.LAGGING), (D("0.349"), D("0.5"), ProgressStatus.AT_RISK),
        (D(0), D(0), ProgressStatus.ON_TRACK), (D(1), D(1), ProgressStatus.ON_TRACK)])
    def test_status_thresholds(self, progress: Decimal, elapsed: Decimal, status: ProgressStatus) -> None:
        assert rules.progress_status(progress, elapsed) is status

    def test_completion_by_measure_and_direction(self) -> None:
        assert rules.completion(True, HIGHER, D(200), D(50)) == D("0.25")
        assert rules.completion(True, HIGHER, D(200), D(300)) == 1
        assert rules.completion(True, LOWER, D(30), D(40)) == D("0.75")
        assert rules.completion(True, LOWER, D(30), D(0)) == 1
        assert rules.completion(False, HIGHER, None, D("0.4")) == D("0.4")
        assert rules.completion(True, HIGHER, D(10), None) == 0

    def test_completion_agrees_with_the_assessment_s_ratio_at_zero(self) -> None:
        # lower-is-better, agreed 0 (e.g. no fatal accidents): actual 5 is 0/5 = 0 % done, actual 0 is done
        assert rules.completion(True, LOWER, D(0), D(5)) == 0
        assert rules.completion(True, LOWER, D(0), D(0)) == 1
        # higher-is-better, agreed 0: done once actual reaches it
        assert rules.completion(True, HIGHER, D(0), D(3)) == 1
        assert rules.completion(True, HIGHER, D(0), D(-1)) == 0

    def test_roll_up_weighted_by_points_unweighted_when_equal(self) -> None:
        assert rules.weighted_progress([(D(1), D(30)), (D(0), D(10))]) == D("0.75")
        assert rules.weighted_progress([(D(1), D(5)), (D(0), D(5))]) == D("0.5")
        assert rules.weighted_progress([(D(1), None), (D(0), D(0))]) == D("0.5")
        assert rules.weighted_progress([]) == 0

    def test_roll_up_through_two_levels(self) -> None:
        roots = rules.build_forest([("T", None, None), ("D1", "T", None), ("D2", "T", None), ("P1", "D1", None),
                                    ("P2", "D1", None)])
        rolled = rules.roll_up(roots, {"P1": D(1), "P2": D("0.5"), "D2": D(0), "T": D(1)},
                               {"D1": D(3), "D2": D(1)})
        assert rolled["D1"] == D("0.75")
        assert rolled["T"] == (D("0.75") * 3 + 0) / 4

    @given(st.lists(st.tuples(st.decimals(0, 1, places=3), st.decimals(0, 100, places=1)), min_size=1, max_size=8))
    def test_roll_up_stays_between_the_children(self, children: list[tuple[Decimal, Decimal]]) -> None:
        result = rules.weighted_progress(children)
        assert min(g for g, _ in children) <= result <= max(g for g, _ in children)


class TestLetterHash:
    LETTER = {"id": 7, "year": 2028, "unitCode": "JA", "level": "CITY_UNIT", "issuer": "市政府", "receiver": "江岸区",
              "issuerSignedAt": datetime(2028, 2, 1, 9, 30, tzinfo=UTC)}
    TARGET = {"code": "T-1", "year": 2028, "unitCode": "JA", "agreedValue": D("100.000000"), "points": D("60.0")}

    def test_canonical_content_is_sorted_compact_and_plain(self) -> None:
        text = rules.canonical_content(self.LETTER, [self.TARGET])
        body = json.loads(text)
        assert list(body) == ["letter", "targets"]
        assert body["targets"][0]["agreedValue"] == "100" and body["targets"][0]["points"] == "60"
        assert body["letter"]["issuerSignedAt"] == "2028-02-01T09:30:00+00:00"
        assert ", " not in text and "市政府" in text
        assert set(body["targets"][0]) == set(rules.TARGET_FIELDS)

    def test_order_of_targets_and_decimal_spelling_do_not_matter(self) -> None:
        other = {**self.TARGET, "code": "T-0", "agreedValue": D(5)}
        assert rules.content_hash(self.LETTER, [self.TARGET, other]) == rules.content_hash(
            self.LETTER, [other, {**self.TARGET, "agreedValue": D(100)}])

    def test_any_field_change_changes_the_hash(self) -> None:
        base = rules.content_hash(self.LETTER, [self.TARGET])
        assert rules.content_hash(self.LETTER, [{**self.TARGET, "agreedValue": D("100.01")}]) != base
        assert rules.content_hash({**self.LETTER, "receiver": "江汉区"}, [self.TARGET]) != base
        assert len(base) == 64
