"""Rewards and cadre consequences of DESIGN.md §4.3, as pure functions over plain data.

The personnel service turns a published assessment into, per person of a unit: a reward line, the
personal honours, whether a filing record (领导干部目标考核结果备案表) is due and whether a leader
adjustment case is due; and per unit: the unit honours and whether it is named for public criticism.

This module deliberately does not import the assessment service: it receives grades as published
(``"ADVANCED"`` …) as :class:`kernel.vocabulary.Grade`, a ``StrEnum``, so a member and the plain
string are interchangeable.

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
* The one-time award (一次性物质奖励) of a main leader of an advanced unit is paid whatever the
  establishment status: §4.3 ties it to the role, not to the establishment.

Whose unit (§4.3): a person is judged by the :class:`Stint` they held on 31 December of the assessed
year. Stints come from the unit history with business effective dates; :func:`apply_move` is the one
place where a transfer (调动), a join or a leave changes that history, so the service and the
``transfers.csv`` import follow the same rules:

* a move effective on day D closes the held stint on D − 1 and opens the new one on D;
* a move effective before the person's last recorded change (the start of the stint held, or the day
  they left) is refused: history is not rewritten by a transfer;
* a move effective on the very day the held stint began replaces that stint (the later entry is the
  correction of the earlier one), and a leave that day removes it;
* a move that changes nothing (same unit, position, team membership and role) is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from kernel.vocabulary import Grade

__all__ = [
    "CENT",
    "DEFAULT_CITY",
    "REWARD_RULES",
    "Grade",
    "MainLeaderRole",
    "Move",
    "MoveRefused",
    "PersonConsequences",
    "PersonFacts",
    "RewardLine",
    "RewardRule",
    "Stint",
    "apply_move",
    "consequences",
    "honours",
    "is_leadership_member",
    "is_main_leader",
    "last_change",
    "move_recorded",
    "named_for_criticism",
    "needs_filing_record",
    "needs_leader_adjustment",
    "one_time_award",
    "reward_line",
    "reward_rule",
    "round_money",
    "stint_on",
    "unit_award",
    "unit_honours",
    "year_end",
]

CENT = Decimal("0.01")
DEFAULT_CITY = "武汉市"

_FULL = Decimal(1)
_STAFF_SHARE_WHEN_UNQUALIFIED = Decimal("0.6")  # others forfeit 40 %
_LEADER_SHARE_WHEN_UNQUALIFIED = Decimal(0)  # leadership-team members forfeit 100 %


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
    """One person's annual target bonus outcome. ``total = bonus_paid + extra_salary + one_time_award``."""

    staff_no: str
    grade: Grade
    bonus_standard: Decimal
    bonus_paid: Decimal
    bonus_forfeited: Decimal
    extra_salary: Decimal
    total: Decimal
    rule_code: str
    rule_text: str
    one_time_award: Decimal = Decimal("0.00")

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


def _award(amount: Decimal | int) -> Decimal:
    money = round_money(amount)
    if money < 0:
        raise ValueError(f"an award cannot be negative, got {amount}")
    return money


_NO_AWARD = Decimal("0.00")


def one_time_award(grade: Grade | str, person: PersonFacts, leader_award: Decimal | int = 0) -> Decimal:
    """一次性物质奖励 of a person: ``advanced_leader_award`` for each main leader of an advanced unit, else 0."""
    if _grade(grade) is Grade.ADVANCED and is_main_leader(person):
        return _award(leader_award)
    return _NO_AWARD


def unit_award(grade: Grade | str, unit_award_setting: Decimal | int = 0) -> Decimal | None:
    """一次性物质奖励 of a unit: ``advanced_unit_award`` for an advanced unit; None (no award record) when the
    unit is not advanced or the setting is 0."""
    amount = _award(unit_award_setting)
    return amount if _grade(grade) is Grade.ADVANCED and amount > 0 else None


@dataclass(frozen=True)
class RewardRule:
    """The §4.3 rule one person's line follows: decided by the unit's grade and the person's team role and
    establishment status alone, so a year's roster needs one per grade and kind of post; the amounts then
    come from the person's own bonus standard and salary (:meth:`amounts`)."""

    grade: Grade
    code: str
    text: str
    share: Decimal
    extra_month: bool
    award: Decimal

    def amounts(self, bonus_standard: Decimal, monthly_salary: Decimal
                ) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal]:
        """(bonus_standard, bonus_paid, bonus_forfeited, extra_salary, total), each rounded to the cent."""
        standard = bonus_standard.quantize(CENT, rounding=ROUND_HALF_UP)
        paid = (bonus_standard * self.share).quantize(CENT, rounding=ROUND_HALF_UP)
        extra = monthly_salary.quantize(CENT, rounding=ROUND_HALF_UP) if self.extra_month else _NO_AWARD
        return standard, paid, standard - paid, extra, paid + extra + self.award


def reward_rule(person: PersonFacts, grade: Grade | str, leader_award: Decimal | int = 0) -> RewardRule:
    """The rule of ``person``'s line when their unit got ``grade`` (their amounts play no part in it)."""
    unit_grade = _grade(grade)
    code = _rule_code(unit_grade, person)
    share, extra_month, text = _RULES[code]
    award = _award(leader_award) if unit_grade is Grade.ADVANCED and is_main_leader(person) else _NO_AWARD
    return RewardRule(unit_grade, code, text, share, extra_month, award)


def reward_line(person: PersonFacts, grade: Grade | str, leader_award: Decimal | int = 0) -> RewardLine:
    """The §4.3 reward line of ``person`` whose unit got ``grade`` (``leader_award``: the revision's
    ``advanced_leader_award``)."""
    rule = reward_rule(person, grade, leader_award)
    standard, paid, forfeited, extra, total = rule.amounts(Decimal(person.bonus_standard),
                                                           Decimal(person.monthly_salary))
    return RewardLine(
        staff_no=person.staff_no,
        grade=rule.grade,
        bonus_standard=standard,
        bonus_paid=paid,
        bonus_forfeited=forfeited,
        extra_salary=extra,
        total=total,
        rule_code=rule.code,
        rule_text=rule.text,
        one_time_award=rule.award,
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


def consequences(grade: Grade | str, person: PersonFacts, city: str = DEFAULT_CITY,
                 leader_award: Decimal | int = 0) -> PersonConsequences:
    """Everything §4.3 derives for one person from their unit's grade."""
    return PersonConsequences(
        reward=reward_line(person, grade, leader_award),
        honours=tuple(honours(grade, person, city)),
        filing_record=needs_filing_record(grade, person),
        leader_adjustment=needs_leader_adjustment(grade, person),
    )


# ---- whose unit: stints with business effective dates ---------------------------------------------------


def year_end(year: int) -> date:
    """31 December of the assessed year: the day whose stint decides a person's unit (§4.3)."""
    return date(year, 12, 31)


@dataclass(frozen=True)
class Stint:
    """One period in one unit: ``since`` None = before any year in the system; ``until`` None = still held."""

    unit_code: str
    position: str = ""
    leadership_member: bool = False
    main_leader_role: MainLeaderRole | None = None
    since: date | None = None
    until: date | None = None

    def covers(self, day: date) -> bool:
        return (self.since is None or self.since <= day) and (self.until is None or day <= self.until)

    def same_post(self, other: Stint | Move) -> bool:
        """Same unit, position, team membership and main-leader role."""
        return (self.unit_code, self.position, self.leadership_member, self.main_leader_role) == (
            other.unit_code, other.position, other.leadership_member, other.main_leader_role)

    @property
    def facts(self) -> PersonFacts:
        return PersonFacts(staff_no="", leadership_member=self.leadership_member,
                           main_leader_role=self.main_leader_role)


@dataclass(frozen=True)
class Move:
    """A transfer effective on ``effective``: into ``unit_code`` with that post, or out of the system when
    ``unit_code`` is None."""

    effective: date
    unit_code: str | None
    position: str = ""
    leadership_member: bool = False
    main_leader_role: MainLeaderRole | None = None

    @property
    def leaves(self) -> bool:
        return self.unit_code is None


class MoveRefused(ValueError):
    """A move that the unit history cannot take: why, and which part of the move (a ``transfers.csv`` column)."""

    def __init__(self, reason: str, column: str = "effective_date") -> None:
        super().__init__(reason)
        self.reason = reason
        self.column = column


def stint_on(stints: Sequence[Stint], day: date) -> Stint | None:
    """The stint held on ``day`` (None: not in the system that day)."""
    held = [s for s in stints if s.covers(day)]
    return max(held, key=lambda s: s.since or date.min) if held else None


def _ordered(stints: Sequence[Stint]) -> list[Stint]:
    return sorted(stints, key=lambda s: s.since or date.min)


def last_change(stints: Sequence[Stint]) -> date | None:
    """The date of the last recorded change: the start of the held stint, or the day after the last one ended
    (the day the person left); None for a person whose only stint began before any year in the system."""
    if not stints:
        return None
    latest = _ordered(stints)[-1]
    return latest.since if latest.until is None else latest.until + timedelta(days=1)


def move_recorded(stints: Sequence[Stint], move: Move) -> bool:
    """Whether the history already holds this move (re-importing a transfers.csv changes nothing)."""
    if move.leaves:
        ended = any(s.until == move.effective - timedelta(days=1) for s in stints)
        return ended and not any(s.since == move.effective for s in stints)
    return any(s.since == move.effective and s.same_post(move) for s in stints)


def apply_move(stints: Sequence[Stint], move: Move) -> list[Stint]:
    """The unit history after ``move`` (oldest first); :class:`MoveRefused` says why a move cannot be taken."""
    if move.main_leader_role is not None and not move.leadership_member:
        raise MoveRefused("a main leader is a leadership-team member", "main_leader_role")
    history = _ordered(stints)
    held = history[-1] if history and history[-1].until is None else None
    boundary = last_change(history)
    if boundary is not None and move.effective < boundary:
        what = "the stint held began" if held is not None else "the person left"
        raise MoveRefused(f"{move.effective.isoformat()} is before {boundary.isoformat()}, when {what}")
    if move.leaves:
        if held is None:
            raise MoveRefused("the person is not in any unit (left already)", "unit_code")
        if held.since == move.effective:
            return history[:-1]
        return [*history[:-1], replace(held, until=move.effective - timedelta(days=1))]
    assert move.unit_code is not None
    new = Stint(unit_code=move.unit_code, position=move.position, leadership_member=move.leadership_member,
                main_leader_role=move.main_leader_role, since=move.effective)
    if held is None:
        return [*history, new]
    if held.same_post(move):
        raise MoveRefused("this is the post the person already holds", "unit_code")
    if held.since == move.effective:
        return [*history[:-1], new]
    return [*history[:-1], replace(held, until=move.effective - timedelta(days=1)), new]
