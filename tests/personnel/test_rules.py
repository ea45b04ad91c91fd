"""Hand-computed cases for DESIGN.md §4.3 (services/personnel/rules.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.assessment.rules import Grade as AssessmentGrade
from services.personnel.rules import (
    REWARD_RULES,
    Grade,
    MainLeaderRole,
    PersonFacts,
    consequences,
    honours,
    is_leadership_member,
    named_for_criticism,
    needs_filing_record,
    needs_leader_adjustment,
    reward_line,
    round_money,
    unit_honours,
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
