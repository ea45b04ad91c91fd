"""Hand-computed cases for DESIGN.md §4.3 (services/personnel/rules.py)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.assessment.rules import Grade as AssessmentGrade
from services.personnel.rules import (
    REWARD_RULES,
    Grade,
    MainLeaderRole,
    Move,
    MoveRefused,
    PersonFacts,
    Stint,
    apply_move,
    consequences,
    honours,
    is_leadership_member,
    last_change,
    move_recorded,
    named_for_criticism,
    needs_filing_record,
    needs_leader_adjustment,
    one_time_award,
    reward_line,
    round_money,
    stint_on,
    unit_award,
    unit_honours,
    year_end,
)

D = Decimal


def person(
    *,
    leadership: bool = False,
    role: MainLeaderRole | None = None,
    on_establishment: bool = True,
    salary: str = "8500.00",
    bonus: str = "20000.00",
) -> PersonFacts:
    return PersonFacts(
        staff_no="S001",
        leadership_member=leadership,
        main_leader_role=role,
        on_establishment=on_establishment,
        monthly_salary=D(salary),
        bonus_standard=D(bonus),
    )


STAFF = person()
LEADER = person(leadership=True)
SECRETARY = person(leadership=True, role=MainLeaderRole.PARTY_SECRETARY)
HEAD = person(leadership=True, role=MainLeaderRole.ADMIN_HEAD)


class TestRewardLines:
    def test_advanced_on_establishment(self) -> None:
        # 100 % of 20000.00 + one month's salary 8500.00 → total 28500.00
        line = reward_line(STAFF, Grade.ADVANCED)
        assert (line.bonus_paid, line.bonus_forfeited, line.extra_salary, line.total) == (
            D("20000.00"),
            D("0.00"),
            D("8500.00"),
            D("28500.00"),
        )
        assert line.rule_code == "ADVANCED_ON_ESTABLISHMENT"
        assert line.rule == "ADVANCED_ON_ESTABLISHMENT: 先进单位：全额发放年度目标责任奖，在编人员加发一个月工资"
        assert line.grade is Grade.ADVANCED
        assert line.staff_no == "S001"

    def test_advanced_off_establishment_gets_no_extra_month(self) -> None:
        line = reward_line(person(on_establishment=False), Grade.ADVANCED)
        assert (line.bonus_paid, line.extra_salary, line.total) == (D("20000.00"), D("0.00"), D("20000.00"))
        assert line.rule_code == "ADVANCED_OFF_ESTABLISHMENT"

    def test_advanced_leaders_get_the_same_money(self) -> None:
        # leadership does not change an advanced unit's money: 20000 + 8500
        for who in (LEADER, SECRETARY, HEAD):
            assert reward_line(who, Grade.ADVANCED).total == D("28500.00")

    @pytest.mark.parametrize("who", [STAFF, LEADER, SECRETARY, person(on_establishment=False)])
    def test_qualified_is_full_bonus_no_extra(self, who: PersonFacts) -> None:
        line = reward_line(who, Grade.QUALIFIED)
        assert (line.bonus_paid, line.bonus_forfeited, line.extra_salary, line.total) == (
            D("20000.00"),
            D("0.00"),
            D("0.00"),
            D("20000.00"),
        )
        assert line.rule_code == "QUALIFIED"

    @pytest.mark.parametrize("grade", [Grade.UNQUALIFIED, Grade.LAST_PLACE])
    def test_non_qualified_leadership_member_forfeits_everything(self, grade: Grade) -> None:
        line = reward_line(LEADER, grade)
        assert (line.bonus_paid, line.bonus_forfeited, line.extra_salary, line.total) == (
            D("0.00"),
            D("20000.00"),
            D("0.00"),
            D("0.00"),
        )
        assert line.rule_code == f"{grade.value}_LEADERSHIP"

    @pytest.mark.parametrize("grade", [Grade.UNQUALIFIED, Grade.LAST_PLACE])
    def test_non_qualified_other_staff_get_60_percent(self, grade: Grade) -> None:
        # 60 % of 20000.00 = 12000.00 paid, 8000.00 forfeited; on the establishment or not
        for who in (STAFF, person(on_establishment=False)):
            line = reward_line(who, grade)
            assert (line.bonus_paid, line.bonus_forfeited, line.extra_salary, line.total) == (
                D("12000.00"),
                D("8000.00"),
                D("0.00"),
                D("12000.00"),
            )
            assert line.rule_code == f"{grade.value}_STAFF"

    def test_main_leader_is_a_leadership_member_even_without_the_flag(self) -> None:
        secretary = person(leadership=False, role=MainLeaderRole.PARTY_SECRETARY)
        assert is_leadership_member(secretary)
        line = reward_line(secretary, Grade.UNQUALIFIED)
        assert line.bonus_paid == D("0.00") and line.rule_code == "UNQUALIFIED_LEADERSHIP"

    def test_cents_round_half_up_on_the_60_percent(self) -> None:
        # 0.6 × 12345.675 = 7407.405 → 7407.41 (half-up; half-even would give 7407.40)
        # forfeited = 12345.68 (the standard rounded) − 7407.41 = 4938.27 (= 0.4 × 12345.675 = 4938.27)
        line = reward_line(person(bonus="12345.675"), Grade.UNQUALIFIED)
        assert line.bonus_paid == D("7407.41")
        assert line.bonus_forfeited == D("4938.27")
        assert line.bonus_standard == D("12345.68")
        assert line.bonus_paid + line.bonus_forfeited == line.bonus_standard

    def test_cents_whole_cent_standard(self) -> None:
        # 0.6 × 12345.67 = 7407.402 → 7407.40
        # forfeited 12345.67 − 7407.40 = 4938.27 (the same as 0.4 × 12345.67 = 4938.268 → 4938.27)
        line = reward_line(person(bonus="12345.67"), Grade.LAST_PLACE)
        assert (line.bonus_paid, line.bonus_forfeited) == (D("7407.40"), D("4938.27"))

    def test_another_half_cent(self) -> None:
        # 0.6 × 10000.125 = 6000.075 → 6000.08
        assert reward_line(person(bonus="10000.125"), Grade.UNQUALIFIED).bonus_paid == D("6000.08")

    def test_extra_salary_rounds_half_up(self) -> None:
        # 8765.425 → 8765.43 (half-even would give 8765.42); total 20000.00 + 8765.43 = 28765.43
        line = reward_line(person(salary="8765.425"), Grade.ADVANCED)
        assert line.extra_salary == D("8765.43")
        assert line.total == D("28765.43")

    def test_round_money(self) -> None:
        assert round_money(D("0.005")) == D("0.01")
        assert round_money(D("2.675")) == D("2.68")  # float 2.675 rounds to 2.67
        assert round(2.675, 2) == 2.67
        with pytest.raises(TypeError):
            round_money(2.675)  # type: ignore[arg-type]

    def test_zero_bonus_standard(self) -> None:
        line = reward_line(person(bonus="0"), Grade.UNQUALIFIED)
        assert (line.bonus_paid, line.bonus_forfeited, line.total) == (D("0.00"), D("0.00"), D("0.00"))

    def test_grade_given_as_string_or_assessment_enum(self) -> None:
        assert reward_line(STAFF, "ADVANCED").rule_code == "ADVANCED_ON_ESTABLISHMENT"
        assert reward_line(STAFF, "last_place").rule_code == "LAST_PLACE_STAFF"
        assert reward_line(STAFF, AssessmentGrade.QUALIFIED).grade is Grade.QUALIFIED
        with pytest.raises(ValueError, match="grade"):
            reward_line(STAFF, "EXCELLENT")

    def test_every_rule_has_a_chinese_explanation(self) -> None:
        assert set(REWARD_RULES) == {
            "ADVANCED_ON_ESTABLISHMENT",
            "ADVANCED_OFF_ESTABLISHMENT",
            "QUALIFIED",
            "UNQUALIFIED_LEADERSHIP",
            "UNQUALIFIED_STAFF",
            "LAST_PLACE_LEADERSHIP",
            "LAST_PLACE_STAFF",
        }
        assert all(text for text in REWARD_RULES.values())


class TestHonours:
    def test_unit_honour_only_for_advanced(self) -> None:
        assert unit_honours(Grade.ADVANCED, "武汉市") == ["武汉市年度目标管理先进单位"]
        assert unit_honours(Grade.ADVANCED) == ["武汉市年度目标管理先进单位"]  # demo city by default
        assert unit_honours(Grade.ADVANCED, "襄阳市") == ["襄阳市年度目标管理先进单位"]
        for grade in (Grade.QUALIFIED, Grade.UNQUALIFIED, Grade.LAST_PLACE):
            assert unit_honours(grade, "武汉市") == []

    @pytest.mark.parametrize("who", [SECRETARY, HEAD])
    def test_main_leaders_of_advanced_units(self, who: PersonFacts) -> None:
        assert honours(Grade.ADVANCED, who, "武汉市") == ["武汉市年度目标管理先进个人"]

    def test_no_personal_honour_for_others(self) -> None:
        assert honours(Grade.ADVANCED, LEADER, "武汉市") == []  # leadership member, not main leader
        assert honours(Grade.ADVANCED, STAFF, "武汉市") == []
        assert honours(Grade.QUALIFIED, SECRETARY, "武汉市") == []
        assert honours(Grade.LAST_PLACE, HEAD, "武汉市") == []

    def test_named_for_criticism(self) -> None:
        assert named_for_criticism(Grade.UNQUALIFIED)
        assert named_for_criticism(Grade.LAST_PLACE)
        assert not named_for_criticism(Grade.QUALIFIED)
        assert not named_for_criticism(Grade.ADVANCED)


class TestCadreConsequences:
    @pytest.mark.parametrize(
        ("grade", "expected"),
        [
            (Grade.ADVANCED, True),
            (Grade.QUALIFIED, False),
            (Grade.UNQUALIFIED, True),
            (Grade.LAST_PLACE, True),
        ],
    )
    def test_filing_record_for_leadership_members(self, grade: Grade, expected: bool) -> None:
        assert needs_filing_record(grade, LEADER) is expected
        assert needs_filing_record(grade, SECRETARY) is expected
        assert needs_filing_record(grade, STAFF) is False

    def test_leader_adjustment_only_for_main_leaders_of_last_place_units(self) -> None:
        assert needs_leader_adjustment(Grade.LAST_PLACE, SECRETARY)
        assert needs_leader_adjustment(Grade.LAST_PLACE, HEAD)
        assert not needs_leader_adjustment(Grade.LAST_PLACE, LEADER)
        assert not needs_leader_adjustment(Grade.LAST_PLACE, STAFF)
        for grade in (Grade.ADVANCED, Grade.QUALIFIED, Grade.UNQUALIFIED):
            assert not needs_leader_adjustment(grade, SECRETARY)

    def test_consequences_bundle(self) -> None:
        result = consequences(Grade.LAST_PLACE, HEAD, "武汉市")
        assert result.reward.rule_code == "LAST_PLACE_LEADERSHIP"
        assert result.honours == ()
        assert result.filing_record and result.leader_adjustment
        advanced = consequences(Grade.ADVANCED, SECRETARY, "武汉市")
        assert advanced.honours == ("武汉市年度目标管理先进个人",)
        assert advanced.filing_record and not advanced.leader_adjustment
        assert advanced.reward.total == D("28500.00")


class TestPersonFacts:
    def test_role_from_string(self) -> None:
        p = PersonFacts("S", main_leader_role="party_secretary")  # type: ignore[arg-type]
        assert p.main_leader_role is MainLeaderRole.PARTY_SECRETARY
        assert PersonFacts("S", main_leader_role="").main_leader_role is None  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="role"):
            PersonFacts("S", main_leader_role="mayor")  # type: ignore[arg-type]

    def test_money_must_be_decimal_and_not_negative(self) -> None:
        with pytest.raises(TypeError):
            PersonFacts("S", monthly_salary=8500.0)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="bonus_standard"):
            PersonFacts("S", bonus_standard=D("-1"))


# ---- whose unit: the stint held on 31 December (§4.3) -------------------------------------------------------

YEAR_END = year_end(2026)
START = Stint("JA", "科员")  # held since before any year in the system


def day(text: str) -> date:
    return date.fromisoformat(text)


def move(effective: str, unit: str | None, position: str = "科员", member: bool = False,
         role: MainLeaderRole | None = None) -> Move:
    return Move(day(effective), unit, position, member, role)


class TestStintOnYearEnd:
    def test_a_move_effective_30_june_counts_for_the_new_unit(self) -> None:
        history = apply_move([START], move("2026-06-30", "JH"))
        assert history == [Stint("JA", "科员", until=day("2026-06-29")), Stint("JH", "科员", since=day("2026-06-30"))]
        assert stint_on(history, YEAR_END).unit_code == "JH"

    def test_a_move_effective_31_december_counts_for_the_new_unit(self) -> None:
        history = apply_move([START], move("2026-12-31", "JH"))
        assert history[0].until == day("2026-12-30")
        assert stint_on(history, YEAR_END).unit_code == "JH"

    def test_a_move_effective_10_january_next_year_leaves_the_year_with_the_old_unit(self) -> None:
        history = apply_move([START], move("2027-01-10", "JH"))
        assert stint_on(history, YEAR_END).unit_code == "JA"
        assert stint_on(history, year_end(2027)).unit_code == "JH"

    def test_a_person_who_joined_in_september_counts(self) -> None:
        joined = [Stint("JA", "科员", since=day("2026-09-01"))]
        assert stint_on(joined, YEAR_END) == joined[0]
        assert stint_on(joined, day("2026-08-31")) is None

    def test_a_person_who_joined_after_the_year_gets_nothing_for_it(self) -> None:
        assert stint_on([Stint("JA", "科员", since=day("2027-02-01"))], YEAR_END) is None

    def test_a_person_who_left_in_november_gets_nothing_for_the_year(self) -> None:
        history = apply_move([START], move("2026-11-16", None))
        assert history == [Stint("JA", "科员", until=day("2026-11-15"))]
        assert stint_on(history, YEAR_END) is None
        assert stint_on(history, day("2026-11-15")).unit_code == "JA"

    def test_the_post_held_that_day_decides_team_membership_and_role(self) -> None:
        # a deputy promoted to party secretary of another unit on 1 July is judged as its party secretary
        deputy = [Stint("JA", "副区长", leadership_member=True)]
        history = apply_move(deputy, move("2026-07-01", "QK", "区委书记", True, MainLeaderRole.PARTY_SECRETARY))
        held = stint_on(history, YEAR_END)
        assert (held.unit_code, held.main_leader_role) == ("QK", MainLeaderRole.PARTY_SECRETARY)
        assert needs_leader_adjustment(Grade.LAST_PLACE, held.facts)


class TestApplyMove:
    def test_a_move_before_the_held_stint_began_is_refused(self) -> None:
        history = [Stint("JA", "科员", until=day("2026-06-29")), Stint("JH", "科员", since=day("2026-06-30"))]
        with pytest.raises(MoveRefused, match="2026-06-01 is before 2026-06-30") as refused:
            apply_move(history, move("2026-06-01", "QK"))
        assert refused.value.column == "effective_date"

    def test_a_move_before_the_person_left_is_refused_and_a_return_after_it_is_taken(self) -> None:
        left = [Stint("JA", "科员", until=day("2026-11-15"))]
        with pytest.raises(MoveRefused, match="when the person left"):
            apply_move(left, move("2026-11-01", "JH"))
        back = apply_move(left, move("2027-03-01", "JH"))
        assert back[-1] == Stint("JH", "科员", since=day("2027-03-01"))
        assert last_change(back) == day("2027-03-01")

    def test_a_move_on_the_day_the_held_stint_began_replaces_it(self) -> None:
        history = apply_move([START], move("2026-06-30", "JH"))
        corrected = apply_move(history, move("2026-06-30", "QK", "副处长"))
        assert corrected == [Stint("JA", "科员", until=day("2026-06-29")),
                             Stint("QK", "副处长", since=day("2026-06-30"))]

    def test_a_leave_on_the_day_the_held_stint_began_removes_it(self) -> None:
        history = apply_move([START], move("2026-06-30", "JH"))
        assert apply_move(history, move("2026-06-30", None)) == [Stint("JA", "科员", until=day("2026-06-29"))]

    def test_refusals_name_their_column(self) -> None:
        with pytest.raises(MoveRefused, match="already holds") as same:
            apply_move([START], move("2026-05-01", "JA"))
        assert same.value.column == "unit_code"
        with pytest.raises(MoveRefused, match="leadership-team member") as role:
            apply_move([START], move("2026-05-01", "JH", "局长", False, MainLeaderRole.ADMIN_HEAD))
        assert role.value.column == "main_leader_role"
        with pytest.raises(MoveRefused, match="left already"):
            apply_move([Stint("JA", until=day("2026-01-31"))], move("2026-05-01", None))

    def test_a_first_move_into_the_system_opens_a_stint(self) -> None:
        assert apply_move([], move("2026-09-01", "JA")) == [Stint("JA", "科员", since=day("2026-09-01"))]

    def test_recorded_moves_are_recognised(self) -> None:
        history = apply_move(apply_move([START], move("2026-06-30", "JH")), move("2026-11-16", None))
        assert move_recorded(history, move("2026-06-30", "JH"))
        assert move_recorded(history, move("2026-11-16", None))
        assert not move_recorded(history, move("2026-06-30", "QK"))
        assert not move_recorded(history, move("2026-11-17", None))


# ---- one-time awards (一次性物质奖励) -------------------------------------------------------------------------


class TestOneTimeAwards:
    def test_main_leaders_of_an_advanced_unit_get_the_leader_award_in_their_total(self) -> None:
        # 20000.00 bonus + 8500.00 month's salary + 50000.00 one-time award = 78500.00
        line = reward_line(SECRETARY, Grade.ADVANCED, D("50000"))
        assert (line.one_time_award, line.total) == (D("50000.00"), D("78500.00"))
        # off the establishment: no extra month, the award all the same: 20000.00 + 50000.00
        off = reward_line(person(leadership=True, role=MainLeaderRole.ADMIN_HEAD, on_establishment=False),
                          Grade.ADVANCED, D("50000"))
        assert (off.extra_salary, off.one_time_award, off.total) == (D("0.00"), D("50000.00"), D("70000.00"))

    def test_nobody_else_gets_it(self) -> None:
        assert reward_line(LEADER, Grade.ADVANCED, D("50000")).one_time_award == D("0.00")
        assert reward_line(STAFF, Grade.ADVANCED, D("50000")).total == D("28500.00")
        for grade in (Grade.QUALIFIED, Grade.UNQUALIFIED, Grade.LAST_PLACE):
            assert one_time_award(grade, SECRETARY, D("50000")) == D("0.00")

    def test_with_the_setting_0_nothing_changes(self) -> None:
        assert reward_line(SECRETARY, Grade.ADVANCED) == reward_line(SECRETARY, Grade.ADVANCED, D(0))
        assert reward_line(SECRETARY, Grade.ADVANCED).total == D("28500.00")

    def test_unit_award_only_for_an_advanced_unit_and_a_setting_above_0(self) -> None:
        assert unit_award(Grade.ADVANCED, D("200000")) == D("200000.00")
        assert unit_award(Grade.ADVANCED, D(0)) is None
        assert unit_award(Grade.QUALIFIED, D("200000")) is None
        with pytest.raises(ValueError, match="negative"):
            unit_award(Grade.ADVANCED, D("-1"))


# ---- property: a transfer effective after 31 December never changes that year's lines ----------------------

DAYS = st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31))
UNITS_ = st.sampled_from(["JA", "JH", "QK", "FGW"])
POSTS = st.tuples(UNITS_ | st.none(), st.booleans(), st.sampled_from([None, *MainLeaderRole]))
GRADES = {"JA": Grade.ADVANCED, "JH": Grade.QUALIFIED, "QK": Grade.LAST_PLACE, "FGW": Grade.UNQUALIFIED}


def history_from(moves: list[tuple[date, tuple[str | None, bool, MainLeaderRole | None]]]) -> list[Stint]:
    history = [START]
    for effective, (unit, member, role) in sorted(moves, key=lambda m: m[0]):
        try:
            history = apply_move(history, Move(effective, unit, "科员", member or role is not None, role))
        except MoveRefused:
            continue
    return history


def year_line(history: list[Stint], year: int) -> object:
    held = stint_on(history, year_end(year))
    if held is None:
        return None
    facts = PersonFacts("S", held.leadership_member, held.main_leader_role, True, D("8500.00"), D("20000.00"))
    return held.unit_code, reward_line(facts, GRADES[held.unit_code], D("50000")), needs_filing_record(
        GRADES[held.unit_code], facts), needs_leader_adjustment(GRADES[held.unit_code], facts)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(DAYS, POSTS), max_size=8), st.integers(2025, 2027), st.integers(1, 700), POSTS)
def test_a_transfer_effective_after_31_december_never_changes_that_years_line(
        moves: list, year: int, days_after: int, post: tuple) -> None:
    history = history_from(moves)
    unit, member, role = post
    after_both = max(year_end(year), last_change(history) or date.min)  # a move before the last change is refused
    later = Move(after_both + timedelta(days=days_after), unit, "科员", member or role is not None, role)
    try:
        after = apply_move(history, later)
    except MoveRefused:
        return
    assert year_line(after, year) == year_line(history, year)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(DAYS, POSTS), max_size=10))
def test_stints_never_overlap_and_at_most_one_is_held(moves: list) -> None:
    history = history_from(moves)
    for earlier, later in itertools.pairwise(history):
        assert earlier.until is not None and later.since is not None and earlier.until < later.since
    assert sum(1 for s in history if s.until is None) <= 1
    for d in (date(2025, 6, 30), date(2026, 12, 31), date(2028, 1, 1)):
        assert sum(1 for s in history if s.covers(d)) <= 1
