"""applyResults (DESIGN.md §4.3, §8): turn a final published revision into reward lines, honours, one-time
awards, filings and cases.

Each person is judged by the stint they held on 31 December of the year (unit, position, team membership,
main-leader role that day); their establishment status, salary and bonus standard are their own current
values. The whole year is recomputed from the snapshot and the roster, compared with what is stored, and
only the differences are written — in bulk — so re-applying a revision writes nothing and a newer revision
touches only what it changed, each changed record carrying the revision and the reason.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from tortoise.models import Model

from kernel.audit import audited
from kernel.context import RequestContext
from kernel.errors import Conflict
from kernel.roles import Role
from services.personnel import bulk, rules
from services.personnel.models import (
    AdjustmentStatus,
    FilingRecord,
    FilingStatus,
    Honour,
    HonourKind,
    LeaderAdjustment,
    ResultSnapshot,
    RewardLine,
    UnitAward,
    UnitMembership,
)
from services.personnel.published import PublishedRevision, UnitOutcome, fetch

APPLY_ROLES = (Role.TARGET_OFFICE, Role.ORGANIZATION_DEPT)
LINE_FIELDS = ("person_name", "unit_code", "grade", "bonus_standard", "bonus_paid", "bonus_forfeited",
               "extra_salary", "one_time_award", "total", "rule_code", "rule_text")
FILING_FIELDS = ("person_name", "unit_code", "unit_name", "position", "team_role", "grade", "composite_score",
                 "rank", "reward_rule", "reward_text", "bonus_paid", "bonus_forfeited", "extra_salary", "honours",
                 "adjustment_points", "adjustments")
NO_STINT = ("NO_STINT", "12月31日不在任何单位任职：本年度不计奖惩")
ZERO = Decimal("0.00")
ADJUSTMENT_FIELDS = ("person_name", "unit_code", "position", "main_leader_role", "composite_score", "rank")
FROZEN_FILINGS = frozenset({FilingStatus.TRANSFERRED, FilingStatus.ARCHIVED})
FROZEN_ADJUSTMENTS = frozenset({AdjustmentStatus.DECIDED, AdjustmentStatus.EXECUTED})


@dataclass
class ApplyOutcome:
    year: int
    revision: int
    people: int = 0
    reward_lines: int = 0
    filing_records: int = 0
    leader_adjustments: int = 0
    honours: int = 0
    unit_awards: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    flagged_for_review: int = 0
    first_application: bool = False
    changes: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "year": self.year, "revision": self.revision, "people": self.people,
            "rewardLines": self.reward_lines, "filingRecords": self.filing_records,
            "leaderAdjustments": self.leader_adjustments, "honours": self.honours, "unitAwards": self.unit_awards,
            "created": self.created,
            "changed": self.changed, "unchanged": self.unchanged, "withdrawn": self.withdrawn,
            "flaggedForReview": self.flagged_for_review,
        }


class Roster(NamedTuple):
    """One person held in a unit on 31 December: their stint's post and their own pay, as plain values (a
    tuple: a city's 16,000 are made in a fraction of the time frozen dataclasses take)."""

    staff_no: str
    name: str
    unit_code: str
    position: str
    kind: tuple[bool, str | None, bool]  # leadership member, main-leader role, on the establishment
    bonus_standard: Decimal
    stored_salary: Any  # the monthly salary as the roster reads it (text); read by `salary` when a rule pays it

    @property
    def main_leader_role(self) -> str | None:
        return self.kind[1]

    def salary(self, rule: rules.RewardRule) -> Decimal:
        """The monthly salary when the rule pays an extra month (checked then), else 0."""
        if not rule.extra_month:
            return ZERO
        return _amount(self.stored_salary, "monthly_salary", self.staff_no)


@dataclass(frozen=True, slots=True)
class Plan:
    """What §4.3 decides for everyone of one kind of post (team member, main-leader role, establishment) in a
    unit of one grade: the reward rule, personal honours, whether a filing form and a leader case are due.
    The rules module decides it once for a stand-in of that kind; only the amounts are each person's own."""

    rule: rules.RewardRule
    honours: tuple[str, ...]
    unit_honours: tuple[str, ...]
    filing: bool
    adjustment: bool
    team_role: str

    @classmethod
    def of(cls, grade: str, kind: tuple[bool, str | None, bool], leader_award: Decimal, city: str) -> Plan:
        member, role, established = kind
        facts = rules.PersonFacts(staff_no="", leadership_member=member, main_leader_role=role,
                                  on_establishment=established)
        return cls(rule=rules.reward_rule(facts, grade, leader_award),
                   honours=tuple(rules.honours(grade, facts, city)),
                   unit_honours=tuple(rules.unit_honours(grade, city)),
                   filing=rules.needs_filing_record(grade, facts),
                   adjustment=rules.needs_leader_adjustment(grade, facts), team_role=team_role(facts))


class Plans(dict[tuple[str, tuple[bool, str | None, bool]], Plan]):
    """Plans by (grade, kind of post), each decided the first time it is asked for."""

    def __init__(self, leader_award: Decimal, city: str) -> None:
        super().__init__()
        self.leader_award = leader_award
        self.city = city

    def __missing__(self, key: tuple[str, tuple[bool, str | None, bool]]) -> Plan:
        plan = self[key] = Plan.of(key[0], key[1], self.leader_award, self.city)
        return plan


def team_role(facts: rules.PersonFacts) -> str:
    if facts.main_leader_role is not None:
        return facts.main_leader_role.value
    return "MEMBER" if rules.is_leadership_member(facts) else "STAFF"


# The stints held on a day joined to the people holding them: one query, read as plain rows (a province's
# 160,000 people as ORM values cost a second more than the rest of the roster). The amounts come as text (as
# SQLite stores them): asyncpg's decoding of a numeric into a Decimal cost more than a third of the query, and
# the salary is read only for the people a rule pays an extra month.
ROSTER_SQL = ('SELECT m.staff_no, p.name, m.unit_code, m.position, m.leadership_member, m.main_leader_role, '
              'p.on_establishment, CAST(p.monthly_salary AS TEXT), CAST(p.bonus_standard AS TEXT), m.since '
              'FROM unit_membership m '
              'JOIN person p ON p.staff_no = m.staff_no '
              'WHERE (m.since IS NULL OR m.since <= {day}) AND (m."until" IS NULL OR m."until" >= {day})')


def _amount(value: Any, what: str, staff_no: str) -> Decimal:
    """A stored amount as the roster reads it (text) as a Decimal ≥ 0; an infinite or NaN one fails here or when
    it is rounded."""
    number = Decimal(value)
    if number < 0:
        raise ValueError(f"{what} of {staff_no} must be a finite amount ≥ 0, got {number}")
    return number


async def stints_held(year: int) -> list[Sequence[Any]]:
    """Every stint held on 31 December of `year` joined to its person, as ROSTER_SQL reads them (`roster_of`
    makes the roster of them)."""
    day = rules.year_end(year)
    connection = UnitMembership._meta.db
    if connection.capabilities.dialect == "postgres":
        _, rows = await connection.execute_query(ROSTER_SQL.format(day="$1"), [day])
    else:
        _, rows = await connection.execute_query(ROSTER_SQL.format(day="?"), [day.isoformat(), day.isoformat()])
    return rows


def roster_of(stints: Iterable[Sequence[Any]], unit_codes: Iterable[str]) -> list[Roster]:
    """Everyone whose stint on 31 December (from `stints_held`) is in one of the given units, with that stint's
    post and their own pay."""
    units = set(unit_codes)
    held: dict[str, Any] = {}
    for row in stints:
        staff_no = row[0]
        if row[2] in units and (staff_no not in held or str(row[9] or "") > str(held[staff_no][9] or "")):
            held[staff_no] = row
    roles = {role.value for role in rules.MainLeaderRole}
    kinds: dict[tuple[Any, Any, Any], tuple[bool, str | None, bool]] = {}
    people: list[Roster] = []
    for staff_no, name, unit, position, member, role, established, salary, bonus, _ in held.values():
        kind = kinds.get((member, role, established))
        if kind is None:
            if role and role not in roles:
                raise ValueError(f"unknown main leader role {role!r} of {staff_no}")
            kind = kinds[member, role, established] = (bool(member), role or None, bool(established))
        people.append(Roster(staff_no, name, unit, position or "", kind, _amount(bonus, "bonus_standard", staff_no),
                             salary))
    people.sort(key=lambda p: p.staff_no)
    return people


async def revision_and_stints(ctx: RequestContext, year: int) -> tuple[PublishedRevision, list[Sequence[Any]]]:
    """The year's published revision (two calls to the assessment service) and the stints held on its 31 December,
    read at the same time rather than one after the other. Should the revision fail (none published, the service
    unreachable), the roster's read is cancelled and that failure is what the caller sees."""
    stints_read = asyncio.create_task(stints_held(year))
    try:
        published = await fetch(ctx, year)
        if published is None:
            raise Conflict(f"nothing is published for {year} yet; publish the assessment first, then apply it",
                           field="year")
        return published, await stints_read
    except BaseException:
        stints_read.cancel()
        await asyncio.wait([stints_read])
        if not stints_read.cancelled():
            stints_read.exception()  # retrieved; the revision's failure is the one reported
        raise


def _reason(published: PublishedRevision, what: str) -> str:
    head = f"revision {published.revision}"
    if published.reason:
        head += f" ({published.reason})"
    return f"{head}: {what}"


def _describe(before: dict[str, Any], after: dict[str, Any], names: Iterable[str]) -> str:
    parts = [f"{n} {before[n]} → {after[n]}" for n in names if before.get(n) != after.get(n)]
    return "; ".join(parts)


async def _stored(model: type[Model], year: int, names: Sequence[str]) -> dict[str, dict[str, Any]]:
    rows = await model.filter(year=year).values("id", "staff_no", *names)
    return {row["staff_no"]: row for row in rows}


async def apply_revision(ctx: RequestContext, published: PublishedRevision,
                         stints: Iterable[Sequence[Any]]) -> ApplyOutcome:
    """Apply one published revision of a year to the stints held on its 31 December (`stints_held`, read just
    before: under PostgreSQL's read-committed isolation reading them inside the transaction saw no more);
    idempotent, incremental, audited."""
    caller = ctx.require(*APPLY_ROLES)
    year = published.year
    outcome = ApplyOutcome(year=year, revision=published.revision)
    city = ctx.settings.city if ctx.settings else rules.DEFAULT_CITY
    async with audited(ctx, action="applyResults", entity="AssessmentYear") as audit:
        audit.entity_id = f"{year}/r{published.revision}"
        published.require_final()
        await _snapshot(published, caller.username, outcome)
        by_unit = published.by_unit()
        people = roster_of(stints, by_unit)
        outcome.people = len(people)
        now = datetime.now(UTC)
        plans = Plans(published.advanced_leader_award, city)
        await _reward_lines(published, by_unit, people, plans, now, outcome)
        await _honours(published, by_unit, people, plans, city, now, outcome)
        await _unit_awards(published, by_unit, city, now, outcome)
        await _filing_records(published, by_unit, people, plans, now, outcome)
        await _leader_adjustments(published, by_unit, people, plans, now, outcome)
        audit.after = {**outcome.summary(), "changes": outcome.changes}
        audit.detail = published.reason or None
    return outcome


async def _snapshot(published: PublishedRevision, username: str, outcome: ApplyOutcome) -> None:
    latest = await ResultSnapshot.filter(year=published.year).order_by("-revision").first()
    if latest is not None and latest.revision > published.revision:
        raise Conflict(f"revision {latest.revision} of {published.year} is applied already; "
                       f"revision {published.revision} is older", field="year")
    same = latest if latest is not None and latest.revision == published.revision else None
    if same is not None:
        if same.digest != published.digest:
            raise Conflict(f"revision {published.revision} of {published.year} was applied with other results; "
                           "a published revision must never change — ask the target office", field="year")
        return
    outcome.first_application = latest is None
    await ResultSnapshot.create(
        year=published.year, revision=published.revision, published_at=published.published_at,
        reason=published.reason, results=[r.as_json() for r in published.results], digest=published.digest,
        advanced_unit_award=published.advanced_unit_award, advanced_leader_award=published.advanced_leader_award,
        applied_at=datetime.now(UTC), applied_by=username,
    )


# A reward line as written and compared: these fields in this order, decimals as the database holds them.
INSERT_LINE = ("year", "staff_no", *LINE_FIELDS, "revision", "reason", "created_at", "updated_at")
MONEY_FIELDS = frozenset({"bonus_standard", "bonus_paid", "bonus_forfeited", "extra_salary", "one_time_award",
                          "total"})


async def _reward_lines(published: PublishedRevision, by_unit: dict[str, UnitOutcome], people: list[Roster],
                        plans: Plans, now: datetime, outcome: ApplyOutcome) -> None:
    """Every person's line, compared with the stored one as plain tuples; new lines in one bulk insert."""
    year, revision = published.year, published.revision
    stored = {row[1]: row for row in await bulk.select_rows(RewardLine, ("id", "staff_no", *LINE_FIELDS),
                                                            "year = {}", year)}
    as_db = bulk.money(RewardLine)
    when = bulk.db_value(RewardLine, "created_at", now)
    applied = _reason(published, "applied")
    grades = {code: unit.grade for code, unit in by_unit.items()}
    changed: list[dict[str, Any]] = []

    def new_rows() -> Iterator[tuple[Any, ...]]:
        """The lines not stored yet, made while they are written (the COPY sends each slice as it fills); the
        stored ones that differ are collected in `changed` on the way."""
        for person in people:
            rule = plans[grades[person.unit_code], person.kind].rule
            standard, paid, forfeited, extra, total = rule.amounts(person.bonus_standard, person.salary(rule))
            wanted = (person.name, person.unit_code, rule.grade.value, as_db(standard), as_db(paid),
                      as_db(forfeited), as_db(extra), as_db(rule.award), as_db(total), rule.code, rule.text)
            old = stored.get(person.staff_no)
            if old is None:
                outcome.created += 1
                yield (year, person.staff_no, *wanted, revision, applied, when, when)
                continue
            if old[2:] == wanted:
                outcome.unchanged += 1
                continue
            before = dict(zip(LINE_FIELDS, old[2:], strict=True))
            after = dict(zip(LINE_FIELDS, wanted, strict=True))
            what = _describe(before, after, LINE_FIELDS)
            changed.append({**_typed(after), "id": old[0], "revision": revision,
                            "reason": _reason(published, what), "updated_at": now})
            outcome.changes.append({"entity": "RewardLine", "staffNo": person.staff_no, "change": what})
    await bulk.insert_rows(RewardLine, INSERT_LINE, new_rows())
    present = {p.staff_no for p in people}
    for staff_no, row in stored.items():
        old = dict(zip(("id", "staff_no", *LINE_FIELDS), row, strict=True))
        if staff_no in present or old["rule_code"] == NO_STINT[0]:
            continue
        # No stint on 31 December any more (a transfer recorded since): the line is kept, at zero, so an
        # incremental pull sees the change.
        zero = {**{n: old[n] for n in ("person_name", "unit_code", "grade")}, "bonus_standard": ZERO,
                "bonus_paid": ZERO, "bonus_forfeited": ZERO, "extra_salary": ZERO, "one_time_award": ZERO,
                "total": ZERO, "rule_code": NO_STINT[0], "rule_text": NO_STINT[1]}
        changed.append({**zero, "id": old["id"], "revision": revision,
                        "reason": _reason(published, "no stint on 31 December: nothing for this year"),
                        "updated_at": now})
        outcome.changes.append({"entity": "RewardLine", "staffNo": staff_no, "change": "no stint on 31 December"})
    await bulk.bulk_update(RewardLine, changed, (*LINE_FIELDS, "revision", "reason", "updated_at"))
    outcome.reward_lines = len(people)
    outcome.changed += len(changed)


def _typed(line: dict[str, Any]) -> dict[str, Any]:
    """A line's fields with its amounts as Decimals again (for bulk_update, which converts every value)."""
    return {n: bulk.decimal(v) if n in MONEY_FIELDS else v for n, v in line.items()}


async def _honours(published: PublishedRevision, by_unit: dict[str, UnitOutcome], people: list[Roster],
                   plans: Plans, city: str, now: datetime, outcome: ApplyOutcome) -> None:
    wanted: dict[tuple[str, str, str], HonourKind] = {}
    for unit in by_unit.values():
        for title in rules.unit_honours(unit.grade, city):
            wanted[(unit.unit_code, "", title)] = HonourKind.UNIT
    for person in people:
        for title in plans[by_unit[person.unit_code].grade, person.kind].honours:
            wanted[(person.unit_code, person.staff_no, title)] = HonourKind.PERSON
    stored = {(r["unit_code"], r["staff_no"], r["title"]): r
              for r in await Honour.filter(year=published.year).values("id", "unit_code", "staff_no", "title",
                                                                        "active")}
    new_rows, changed = [], []
    for key, kind in wanted.items():
        old = stored.get(key)
        if old is None:
            new_rows.append({"year": published.year, "kind": kind, "unit_code": key[0], "staff_no": key[1],
                             "title": key[2], "active": True, "revision": published.revision,
                             "reason": _reason(published, "awarded"), "created_at": now, "updated_at": now})
        elif not old["active"]:
            changed.append({"id": old["id"], "active": True, "revision": published.revision,
                            "reason": _reason(published, "awarded again"), "updated_at": now})
            outcome.changes.append({"entity": "Honour", "unitCode": key[0], "staffNo": key[1], "change": "awarded"})
        else:
            outcome.unchanged += 1
    for key, old in stored.items():
        if key not in wanted and old["active"]:
            changed.append({"id": old["id"], "active": False, "revision": published.revision,
                            "reason": _reason(published, "withdrawn: the unit is no longer advanced"),
                            "updated_at": now})
            outcome.changes.append({"entity": "Honour", "unitCode": key[0], "staffNo": key[1], "change": "withdrawn"})
            outcome.withdrawn += 1
    await bulk.insert_dicts(Honour, new_rows)
    await bulk.bulk_update(Honour, changed, ("active", "revision", "reason", "updated_at"))
    outcome.honours = len(wanted)
    outcome.created += len(new_rows)
    outcome.changed += sum(1 for c in changed if c["active"])


async def _unit_awards(published: PublishedRevision, by_unit: dict[str, UnitOutcome], city: str, now: datetime,
                       outcome: ApplyOutcome) -> None:
    """一次性物质奖励 of each advanced unit (the revision's `advancedUnitAward`; none while it is 0)."""
    title = rules.unit_honours(rules.Grade.ADVANCED, city)[0]
    wanted = {code: amount for code, unit in by_unit.items()
              if (amount := rules.unit_award(unit.grade, published.advanced_unit_award)) is not None}
    stored = {r["unit_code"]: r for r in await UnitAward.filter(year=published.year).values(
        "id", "unit_code", "amount", "title", "active")}
    new_rows, changed = [], []
    for code, amount in wanted.items():
        old = stored.get(code)
        if old is None:
            new_rows.append({"year": published.year, "unit_code": code, "title": title, "amount": amount,
                             "active": True, "revision": published.revision,
                             "reason": _reason(published, "awarded"), "created_at": now, "updated_at": now})
        elif not old["active"] or old["amount"] != amount or old["title"] != title:
            what = "awarded again" if not old["active"] else f"amount {old['amount']} → {amount}"
            changed.append({"id": old["id"], "amount": amount, "title": title, "active": True,
                            "revision": published.revision, "reason": _reason(published, what), "updated_at": now})
            outcome.changes.append({"entity": "UnitAward", "unitCode": code, "change": what})
        else:
            outcome.unchanged += 1
    for code, old in stored.items():
        if code not in wanted and old["active"]:
            changed.append({"id": old["id"], "amount": old["amount"], "title": old["title"], "active": False,
                            "revision": published.revision, "updated_at": now,
                            "reason": _reason(published, "withdrawn: the unit is no longer advanced or the award "
                                                         "setting is 0")})
            outcome.changes.append({"entity": "UnitAward", "unitCode": code, "change": "withdrawn"})
            outcome.withdrawn += 1
    await bulk.insert_dicts(UnitAward, new_rows)
    await bulk.bulk_update(UnitAward, changed, ("amount", "title", "active", "revision", "reason", "updated_at"))
    outcome.unit_awards = len(wanted)
    outcome.created += len(new_rows)
    outcome.changed += sum(1 for c in changed if c["active"])


@dataclass
class _Reviewed:
    """One kind of reviewed record (filing forms, adjustment cases) being brought in line with a revision: what is
    stored for the year, what is due, and the rows to insert, rewrite and flag."""

    model: type[FilingRecord] | type[LeaderAdjustment]
    fields: tuple[str, ...]
    published: PublishedRevision
    now: datetime
    outcome: ApplyOutcome
    stored: dict[str, dict[str, Any]]
    new_rows: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)
    due_staff: set[str] = field(default_factory=set)

    @classmethod
    async def load(cls, model: type[FilingRecord] | type[LeaderAdjustment], fields: tuple[str, ...],
                   published: PublishedRevision, now: datetime, outcome: ApplyOutcome) -> _Reviewed:
        names = (*fields, "status", "needs_review", "review_note", "version")
        return cls(model, fields, published, now, outcome, await _stored(model, published.year, names))

    @property
    def statuses(self) -> tuple[Any, frozenset[Any]]:
        """The record's WITHDRAWN status and the statuses it is frozen in."""
        if self.model is FilingRecord:
            return FilingStatus.WITHDRAWN, FROZEN_FILINGS
        return AdjustmentStatus.WITHDRAWN, FROZEN_ADJUSTMENTS

    def change(self, old: dict[str, Any], wanted: dict[str, Any], staff_no: str, *, again: str) -> str | None:
        """What changed in a stored record that is due (`again` when only its withdrawal ends), or None when it
        stays as it is: unchanged, or frozen and flagged for review instead."""
        withdrawn, frozen = self.statuses
        status = type(withdrawn)(old["status"])
        same = all(old[n] == wanted[n] for n in self.fields)
        if same and status is not withdrawn:
            self.outcome.unchanged += 1
            return None
        what = _describe(old, wanted, self.fields) or again
        if status in frozen:
            _flag(old, self.published, what, self.now, self.flags, self.outcome, self.model.__name__, staff_no)
            return None
        return what

    async def save(self, *, withdrawn_because: str) -> None:
        """Withdraw (or flag) the stored records no longer due, then write everything in bulk."""
        withdrawn, frozen = self.statuses
        withdrawals = _withdrawals(
            self.stored, self.due_staff, self.published, self.now, self.flags, self.outcome,
            entity=self.model.__name__, withdrawn=withdrawn, frozen=frozen, what=withdrawn_because)
        await _save(self.model, self.fields, self.new_rows, self.updates, withdrawals, self.flags, self.outcome)


async def _filing_records(published: PublishedRevision, by_unit: dict[str, UnitOutcome], people: list[Roster],
                          plans: Plans, now: datetime, outcome: ApplyOutcome) -> None:
    batch = await _Reviewed.load(FilingRecord, FILING_FIELDS, published, now, outcome)
    stored, new_rows, updates, due_staff = batch.stored, batch.new_rows, batch.updates, batch.due_staff
    for person in people:
        unit = by_unit[person.unit_code]
        plan = plans[unit.grade, person.kind]
        if not plan.filing:
            continue
        due_staff.add(person.staff_no)
        _, paid, forfeited, extra, _ = plan.rule.amounts(person.bonus_standard, person.salary(plan.rule))
        wanted = {
            "person_name": person.name, "unit_code": person.unit_code, "unit_name": unit.unit_name,
            "position": person.position, "team_role": plan.team_role, "grade": unit.grade,
            "composite_score": unit.composite_score, "rank": unit.rank, "reward_rule": plan.rule.code,
            "reward_text": plan.rule.text, "bonus_paid": paid, "bonus_forfeited": forfeited,
            "extra_salary": extra,
            "honours": "、".join([*plan.unit_honours, *plan.honours]),
            "adjustment_points": unit.adjustment_points, "adjustments": [a.as_json() for a in unit.adjustments],
        }
        old = stored.get(person.staff_no)
        if old is None:
            new_rows.append({**wanted, "year": published.year, "staff_no": person.staff_no,
                             "status": FilingStatus.DRAFT, "revision": published.revision,
                             "reason": _reason(published, "filing form due"), "created_at": now, "updated_at": now})
            continue
        what = batch.change(old, wanted, person.staff_no, again="filing form due again")
        if what is None:
            continue
        reset = FilingStatus(old["status"]) is not FilingStatus.DRAFT
        updates.append({**wanted, "id": old["id"], "status": FilingStatus.DRAFT, "revision": published.revision,
                        "reason": _reason(published, what + ("; back to DRAFT for a new review" if reset else "")),
                        "version": old["version"] + 1, "updated_at": now})
        outcome.changes.append({"entity": "FilingRecord", "staffNo": person.staff_no, "change": what})
    await batch.save(withdrawn_because="no longer due (unit grade or the person's role changed)")
    outcome.filing_records = len(due_staff)


def _flag(old: dict[str, Any], published: PublishedRevision, what: str, now: datetime,
          flags: list[dict[str, Any]], outcome: ApplyOutcome, entity: str, staff_no: str) -> None:
    """A frozen record is never rewritten; it is flagged so a person looks at it (once per change)."""
    note = _reason(published, what)
    if old["needs_review"] and old["review_note"] == note:
        outcome.unchanged += 1
        return
    flags.append({"id": old["id"], "needs_review": True, "review_note": note, "updated_at": now})
    outcome.flagged_for_review += 1
    outcome.changes.append({"entity": entity, "staffNo": staff_no, "change": "flagged for review: " + what})


async def _leader_adjustments(published: PublishedRevision, by_unit: dict[str, UnitOutcome], people: list[Roster],
                              plans: Plans, now: datetime, outcome: ApplyOutcome) -> None:
    batch = await _Reviewed.load(LeaderAdjustment, ADJUSTMENT_FIELDS, published, now, outcome)
    stored, new_rows, updates, due_staff = batch.stored, batch.new_rows, batch.updates, batch.due_staff
    for person in people:
        unit = by_unit[person.unit_code]
        if not plans[unit.grade, person.kind].adjustment:
            continue
        due_staff.add(person.staff_no)
        assert person.main_leader_role is not None
        wanted = {"person_name": person.name, "unit_code": person.unit_code, "position": person.position,
                  "main_leader_role": person.main_leader_role,
                  "composite_score": unit.composite_score, "rank": unit.rank}
        old = stored.get(person.staff_no)
        if old is None:
            new_rows.append({**wanted, "year": published.year, "staff_no": person.staff_no,
                             "status": AdjustmentStatus.PROPOSED, "revision": published.revision,
                             "reason": _reason(published, "main leader of a last-place unit"),
                             "created_at": now, "updated_at": now})
            continue
        what = batch.change(old, wanted, person.staff_no, again="case due again")
        if what is None:
            continue
        updates.append({**wanted, "id": old["id"], "status": AdjustmentStatus.PROPOSED,
                        "revision": published.revision, "reason": _reason(published, what),
                        "version": old["version"] + 1, "updated_at": now})
        outcome.changes.append({"entity": "LeaderAdjustment", "staffNo": person.staff_no, "change": what})
    await batch.save(withdrawn_because="no longer due (the unit is no longer last place or the person is no longer "
                                       "its main leader)")
    outcome.leader_adjustments = len(due_staff)


def _withdrawals(stored: dict[str, dict[str, Any]], due_staff: set[str],
                 published: PublishedRevision, now: datetime, flags: list[dict[str, Any]], outcome: ApplyOutcome,
                 *, entity: str, withdrawn: Any, frozen: Any, what: str) -> list[dict[str, Any]]:
    """Records the revision no longer calls for (the unit's grade, the person's post on 31 December or their
    stint that day changed): withdrawn, or flagged when already frozen."""
    withdrawals = []
    for staff_no, old in stored.items():
        if staff_no in due_staff or old["status"] == withdrawn:
            continue
        if type(withdrawn)(old["status"]) in frozen:
            _flag(old, published, what, now, flags, outcome, entity, staff_no)
            continue
        withdrawals.append({"id": old["id"], "status": withdrawn, "revision": published.revision,
                            "reason": _reason(published, what), "version": old["version"] + 1, "updated_at": now})
        outcome.changes.append({"entity": entity, "staffNo": staff_no, "change": "withdrawn: " + what})
    return withdrawals


async def _save(model: Any, fields: tuple[str, ...], new_rows: list[dict[str, Any]], updates: list[dict[str, Any]],
                withdrawals: list[dict[str, Any]], flags: list[dict[str, Any]], outcome: ApplyOutcome) -> None:
    """Write one kind of record in bulk: new rows, content updates, withdrawals, review flags."""
    await bulk.insert_dicts(model, new_rows)
    await bulk.bulk_update(model, updates, (*fields, "status", "revision", "reason", "version", "updated_at"))
    await bulk.bulk_update(model, withdrawals, ("status", "revision", "reason", "version", "updated_at"))
    await bulk.bulk_update(model, flags, ("needs_review", "review_note", "updated_at"))
    outcome.created += len(new_rows)
    outcome.changed += len(updates)
    outcome.withdrawn += len(withdrawals)
