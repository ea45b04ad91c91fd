"""Rewards and cadre consequences of DESIGN.md §4.3, as pure functions over plain data.

The personnel service turns a published assessment into, per person of a unit: a reward line, the
personal honours, whether a filing record (领导干部目标考核结果备案表) is due and whether a leader
adjustment case is due; and per unit: the unit honours and whether it is named for public criticism.

This module deliberately does not import the assessment service: it receives grades as published
(``"ADVANCED"`` …) and has its own :class:`Grade` enum with the same values, so an assessment
``Grade`` member, a personnel ``Grade`` member and the plain string are interchangeable.

Decisions where §4.3 is silent:

* Money is rounded half-up to 0.01. ``bonus_paid = round(standard × share)`` and
  ``bonus_forfeited = round(standard) − bonus_paid``, so paid + forfeited always equals the
  (rounded) standard. For standards already in whole cents this is the same as rounding
  ``standard × (1 − share)`` on its own.
* A main leader (党政主要负责人: party secretary or administrative head) is always treated as a
  leadership-team member (领导班子成员), even if the ``leadership_member`` flag was left unset: the
  main leaders belong to the leadership team by definition. So a main leader of a non-qualified
  unit forfeits 100 % and gets a filing record.
* The "one month's salary" extra for advanced units is the person's ``monthly_salary`` as recorded,
  rounded to cents; people not on the establishment get no extra.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

__all__ = [
    "CENT",
    "DEFAULT_CITY",
    "REWARD_RULES",
    "Grade",
    "MainLeaderRole",
    "PersonConsequences",
    "PersonFacts",
    "RewardLine",
    "consequences",
    "honours",
    "is_leadership_member",
    "is_main_leader",
    "named_for_criticism",
    "needs_filing_record",
    "needs_leader_adjustment",
    "reward_line",
    "round_money",
    "unit_honours",
]

CENT = Decimal("0.01")
DEFAULT_CITY = "武汉市"

_FULL = Decimal(1)
_STAFF_SHARE_WHEN_UNQUALIFIED = Decimal("0.6")  # others forfeit 40 %
_LEADER_SHARE_WHEN_UNQUALIFIED = Decimal(0)  # leadership-team members forfeit 100 %


class Grade(StrEnum):
    ADVANCED = "ADVANCED"  # 先进
    QUALIFIED = "QUALIFIED"  # 达标
    UNQUALIFIED = "UNQUALIFIED"  # 未达标
    LAST_PLACE = "LAST_PLACE"  # 末位


class MainLeaderRole(StrEnum):
    PARTY_SECRETARY = "PARTY_SECRETARY"  # 党委（党组）书记
    ADMIN_HEAD = "ADMIN_HEAD"  # 行政主要负责人


_NON_QUALIFIED = frozenset({Grade.UNQUALIFIED, Grade.LAST_PLACE})


def _grade(value: Grade | str) -> Grade:
    try:
        return Grade(str(value.value if isinstance(value, StrEnum) else value).strip().upper())
    except ValueError:
        raise ValueError(f"unknown grade {value!r}") from None


def round_money(value: Decimal) -> Decimal:
    """CNY rounded half-up to 0.01: ``value.quantize(Decimal("0.01"), ROUND_HALF_UP)``."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"money must be a Decimal, not {type(value).__name__}")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PersonFacts:
    """What §4.3 needs to know about one person."""

    staff_no: str
    leadership_member: bool = False
    main_leader_role: MainLeaderRole | None = None
    on_establishment: bool = False
    monthly_salary: Decimal = Decimal(0)
    bonus_standard: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        role = self.main_leader_role
        if role is not None and not isinstance(role, MainLeaderRole):
            text = str(role).strip().upper()
            try:
                object.__setattr__(self, "main_leader_role", MainLeaderRole(text) if text else None)
            except ValueError:
                raise ValueError(f"unknown main leader role {role!r}") from None
        for name in ("monthly_salary", "bonus_standard"):
            amount = getattr(self, name)
            if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
                raise TypeError(f"{name} must be a Decimal, not {type(amount).__name__}")
            if not Decimal(amount).is_finite() or amount < 0:
                raise ValueError(f"{name} must be a finite amount ≥ 0, got {amount}")


def is_main_leader(person: PersonFacts) -> bool:
    """党政主要负责人: party secretary or administrative head."""
    return person.main_leader_role is not None


def is_leadership_member(person: PersonFacts) -> bool:
    """领导班子成员; a main leader always counts as one."""
    return person.leadership_member or is_main_leader(person)


@dataclass(frozen=True)
class RewardLine:
    """One person's annual target bonus outcome. ``total = bonus_paid + extra_salary``."""

    staff_no: str
    grade: Grade
    bonus_standard: Decimal
    bonus_paid: Decimal
    bonus_forfeited: Decimal
    extra_salary: Decimal
    total: Decimal
    rule_code: str
    rule_text: str

    @property
    def rule(self) -> str:
        """Stable code plus Chinese explanation, e.g. ``QUALIFIED: 达标单位：全额发放年度目标责任奖``."""
        return f"{self.rule_code}: {self.rule_text}"


# code → (share of the bonus paid, extra month's salary?, explanation)
_RULES: dict[str, tuple[Decimal, bool, str]] = {
    "ADVANCED_ON_ESTABLISHMENT": (_FULL, True, "先进单位：全额发放年度目标责任奖，在编人员加发一个月工资"),
    "ADVANCED_OFF_ESTABLISHMENT": (_FULL, False, "先进单位：全额发放年度目标责任奖；非在编人员不加发工资"),
    "QUALIFIED": (_FULL, False, "达标单位：全额发放年度目标责任奖"),
    "UNQUALIFIED_LEADERSHIP": (
        _LEADER_SHARE_WHEN_UNQUALIFIED,
        False,
        "未达标单位领导班子成员：扣发全部年度目标责任奖",
    ),
    "UNQUALIFIED_STAFF": (
        _STAFF_SHARE_WHEN_UNQUALIFIED,
        False,
        "未达标单位其他人员：扣发年度目标责任奖的40%，发放60%",
    ),
    "LAST_PLACE_LEADERSHIP": (
        _LEADER_SHARE_WHEN_UNQUALIFIED,
        False,
        "末位单位（未达标）领导班子成员：扣发全部年度目标责任奖",
    ),
    "LAST_PLACE_STAFF": (
        _STAFF_SHARE_WHEN_UNQUALIFIED,
        False,
        "末位单位（未达标）其他人员：扣发年度目标责任奖的40%，发放60%",
    ),
}

REWARD_RULES: dict[str, str] = {code: text for code, (_, _, text) in _RULES.items()}


def _rule_code(grade: Grade, person: PersonFacts) -> str:
    if grade is Grade.ADVANCED:
        return "ADVANCED_ON_ESTABLISHMENT" if person.on_establishment else "ADVANCED_OFF_ESTABLISHMENT"
    if grade is Grade.QUALIFIED:
        return "QUALIFIED"
    role = "LEADERSHIP" if is_leadership_member(person) else "STAFF"
    return f"{grade.value}_{role}"


def reward_line(person: PersonFacts, grade: Grade | str) -> RewardLine:
    """The §4.3 reward line of ``person`` whose unit got ``grade``."""
    unit_grade = _grade(grade)
    code = _rule_code(unit_grade, person)
    share, extra_month, text = _RULES[code]
    standard = round_money(person.bonus_standard)
    paid = round_money(person.bonus_standard * share)
    forfeited = standard - paid
    extra = round_money(person.monthly_salary) if extra_month else round_money(Decimal(0))
    return RewardLine(
        staff_no=person.staff_no,
        grade=unit_grade,
        bonus_standard=standard,
        bonus_paid=paid,
        bonus_forfeited=forfeited,
        extra_salary=extra,
        total=paid + extra,
        rule_code=code,
        rule_text=text,
    )


def unit_honours(grade: Grade | str, city: str = DEFAULT_CITY) -> list[str]:
    """Unit titles: an advanced unit becomes ``{city}年度目标管理先进单位``."""
    if _grade(grade) is Grade.ADVANCED:
        return [f"{city}年度目标管理先进单位"]
    return []


def honours(unit_grade: Grade | str, person: PersonFacts, city: str = DEFAULT_CITY) -> list[str]:
    """Personal titles: main leaders of an advanced unit get ``{city}年度目标管理先进个人``."""
    if _grade(unit_grade) is Grade.ADVANCED and is_main_leader(person):
        return [f"{city}年度目标管理先进个人"]
    return []


def named_for_criticism(grade: Grade | str) -> bool:
    """Non-qualified and last-place units are named for public criticism in the bulletin."""
    return _grade(grade) in _NON_QUALIFIED


def needs_filing_record(grade: Grade | str, person: PersonFacts) -> bool:
    """A filing record is due for each leadership-team member of an advanced or non-qualified unit."""
    unit_grade = _grade(grade)
    due = unit_grade is Grade.ADVANCED or unit_grade in _NON_QUALIFIED
    return due and is_leadership_member(person)


def needs_leader_adjustment(grade: Grade | str, person: PersonFacts) -> bool:
    """A leader-adjustment case is due for each main leader of a last-place unit."""
    return _grade(grade) is Grade.LAST_PLACE and is_main_leader(person)


@dataclass(frozen=True)
class PersonConsequences:
    reward: RewardLine
    honours: tuple[str, ...]
    filing_record: bool
    leader_adjustment: bool


def consequences(grade: Grade | str, person: PersonFacts, city: str = DEFAULT_CITY) -> PersonConsequences:
    """Everything §4.3 derives for one person from their unit's grade."""
    return PersonConsequences(
        reward=reward_line(person, grade),
        honours=tuple(honours(grade, person, city)),
        filing_record=needs_filing_record(grade, person),
        leader_adjustment=needs_leader_adjustment(grade, person),
    )
