"""The roster: import people.csv, change a person, list a unit's staff and its people's unit histories."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from kernel import upstream
from kernel.audit import audited
from kernel.context import RequestContext
from kernel.errors import BadInput, Conflict, NotFound
from kernel.roles import Role
from kernel.tabular import RowErrors
from services.personnel import history, rules
from services.personnel.bulk import CHUNK, bulk_update, insert_dicts, refresh_statistics
from services.personnel.models import MainLeaderRole, Person, UnitMembership
from services.personnel.versions import check_version

# people.csv main_leader_role: the spellings a file may use for each role
MAIN_LEADER_ROLE_NAMES = {"party_secretary": MainLeaderRole.PARTY_SECRETARY.value,
                          "admin_head": MainLeaderRole.ADMIN_HEAD.value,
                          "书记": MainLeaderRole.PARTY_SECRETARY.value,
                          "行政主要负责人": MainLeaderRole.ADMIN_HEAD.value}
MONEY_MAX = Decimal("9999999999.99")
PERSON_FIELDS = ("name", "unit_code", "position", "leadership_member", "main_leader_role", "on_establishment",
                 "monthly_salary", "bonus_standard", "left_on", "version", "updated_at")


@dataclass(frozen=True)
class PersonRow:
    row: int
    staff_no: str | None
    name: str | None
    unit_code: str | None
    position: str | None
    leadership_member: str | None
    main_leader_role: str | None
    on_establishment: str | None
    monthly_salary: str | None
    bonus_standard: str | None
    since: str | None = None


@dataclass(frozen=True)
class CheckedPerson:
    staff_no: str
    name: str
    unit_code: str
    position: str
    leadership_member: bool
    main_leader_role: MainLeaderRole | None
    on_establishment: bool
    monthly_salary: Decimal
    bonus_standard: Decimal
    since: date | None = None

    @property
    def stint(self) -> rules.Stint:
        role = rules.MainLeaderRole(self.main_leader_role.value) if self.main_leader_role else None
        return rules.Stint(unit_code=self.unit_code, position=self.position,
                           leadership_member=self.leadership_member, main_leader_role=role, since=self.since)


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


async def known_unit_codes(ctx: RequestContext) -> set[str]:
    assert ctx.http is not None
    data = await upstream.call(ctx.http, ctx.settings, "targets", "{ units { code } }",
                               request_id=ctx.request_id)
    return {u["code"] for u in data["units"]}


def validate_people_rows(rows: list[PersonRow], units: set[str]) -> list[CheckedPerson]:
    errors = RowErrors("people.csv")
    seen: dict[str, int] = {}
    good: list[CheckedPerson] = []
    for r in rows:
        staff_no = errors.text(r.row, "staff_no", r.staff_no, max_length=32)
        if staff_no and not errors.first_time(seen, staff_no, r.row, "staff_no", f"{staff_no} is also"):
            staff_no = None
        name = errors.text(r.row, "name", r.name, max_length=64)
        unit_code = errors.text(r.row, "unit_code", r.unit_code, max_length=32)
        if unit_code and unit_code not in units:
            errors.add(r.row, "unit_code", f"no unit {unit_code}")
            unit_code = None
        position = errors.text(r.row, "position", r.position, required=False, max_length=128) or ""
        leadership = errors.flag(r.row, "leadership_member", r.leadership_member)
        role = errors.choice(r.row, "main_leader_role", r.main_leader_role, MAIN_LEADER_ROLE_NAMES, required=False)
        if role and leadership is False:
            errors.add(r.row, "main_leader_role", "a main leader is a leadership-team member")
        established = errors.flag(r.row, "on_establishment", r.on_establishment)
        salary = errors.decimal(r.row, "monthly_salary", r.monthly_salary, minimum=Decimal(0), maximum=MONEY_MAX)
        bonus = errors.decimal(r.row, "bonus_standard", r.bonus_standard, minimum=Decimal(0), maximum=MONEY_MAX)
        for column, value in (("monthly_salary", salary), ("bonus_standard", bonus)):
            if value is not None and value != value.quantize(Decimal("0.01")):
                errors.add(r.row, column, "has more than 2 decimal places")
        since = history.row_day(errors, r.row, "since", r.since, required=False)
        if staff_no and name and unit_code and leadership is not None and established is not None \
                and salary is not None and bonus is not None and (since is not None or not (r.since or "").strip()):
            good.append(CheckedPerson(
                staff_no=staff_no, name=name, unit_code=unit_code, position=position,
                leadership_member=leadership, main_leader_role=MainLeaderRole(role) if role else None,
                on_establishment=established, monthly_salary=salary, bonus_standard=bonus, since=since,
            ))
    errors.raise_if_any()
    return good


def _personal_differs(person: Person, checked: CheckedPerson) -> bool:
    return (person.name, person.on_establishment, person.monthly_salary, person.bonus_standard) != (
        checked.name, checked.on_establishment, checked.monthly_salary, checked.bonus_standard)


def place_stint(found: history.History, checked: CheckedPerson, row: int, errors: RowErrors) -> None:
    """Where an existing person's people.csv row fits their unit history (DESIGN §5 `since`):

    * the stint that began on the row's `since`: the row corrects it while it is held (an ended one is refused:
      history changes through transfers);
    * a later `since`: a move effective that day, checked as a transfer is;
    * a person with one held stint and no other history, where the row cannot be a move (same post, no or an
      earlier `since`): the row corrects that stint, `since` included.
    """
    wanted = checked.stint
    stints = found.stints
    same_day = next((s for s in stints if s.since == checked.since), None)
    if same_day is not None:
        if same_day.same_post(wanted):
            return
        if same_day.until is not None:
            errors.add(row, "since", f"the stint from {checked.since or 'before any year in the system'} ended on "
                                     f"{same_day.until.isoformat()}; change history with transfers.csv")
            return
        found.stints = [replace(wanted, until=s.until) if s is same_day else s for s in stints]
        return
    held = stints[-1] if stints and stints[-1].until is None else None
    sole = held is not None and len(stints) == 1
    if sole and (held.same_post(wanted) or checked.since is None or
                 (held.since is not None and checked.since < held.since)):
        found.stints = [wanted]
        return
    if held is not None and held.same_post(wanted):
        errors.add(row, "since", f"the person holds this post since {held.since or 'before any year in the system'}; "
                                 "after a transfer its start changes with transfers.csv")
        return
    if checked.since is None:
        first = min((s.since for s in stints if s.since), default=None)
        errors.add(row, "since", f"the person's recorded history begins on {first}; give the date this stint began")
        return
    try:
        found.stints = rules.apply_move(stints, rules.Move(
            effective=checked.since, unit_code=wanted.unit_code, position=wanted.position,
            leadership_member=wanted.leadership_member, main_leader_role=wanted.main_leader_role))
    except rules.MoveRefused as refused:
        errors.add(row, "since" if refused.column == "effective_date" else refused.column, refused.reason)


async def import_people(ctx: RequestContext, rows: list[PersonRow]) -> ImportResult:
    """Create or update people from people.csv rows, all or nothing; a row's stint finds its place in the person's
    dated unit history (`place_stint`)."""
    ctx.require(Role.TARGET_OFFICE, Role.ORGANIZATION_DEPT)
    if not rows:
        raise BadInput("people.csv has no rows", field="rows")
    checked = validate_people_rows(rows, await known_unit_codes(ctx))
    created = unchanged = 0
    now = datetime.now(UTC)
    async with audited(ctx, action="importPeople", entity="Person") as audit:
        existing: dict[str, Person] = {}
        codes = [c.staff_no for c in checked]
        for start in range(0, len(codes), CHUNK):
            for person in await Person.filter(staff_no__in=codes[start:start + CHUNK]).select_for_update():
                existing[person.staff_no] = person  # locked: a concurrent transfer waits, then sees this import
        stored = await history.histories(list(existing))
        errors = RowErrors("people.csv")
        rows_of = {r.staff_no.strip(): r.row for r in rows if r.staff_no}
        # New people and their first stints go in as plain rows (one executemany or COPY each), not ORM objects.
        new_people: list[dict[str, Any]] = []
        memberships: list[dict[str, Any]] = []
        changed: list[Person] = []
        moved: list[history.History] = []
        before: dict[str, object] = {}
        after: dict[str, object] = {}
        for c in checked:
            person = existing.get(c.staff_no)
            if person is None:
                new_people.append({
                    "staff_no": c.staff_no, "name": c.name, "unit_code": c.unit_code, "position": c.position,
                    "leadership_member": c.leadership_member, "main_leader_role": c.main_leader_role,
                    "on_establishment": c.on_establishment, "monthly_salary": c.monthly_salary,
                    "bonus_standard": c.bonus_standard,
                })
                memberships.append({
                    "staff_no": c.staff_no, "unit_code": c.unit_code, "position": c.position,
                    "leadership_member": c.leadership_member, "main_leader_role": c.main_leader_role,
                    "since": c.since})
                created += 1
                continue
            found = stored[c.staff_no]
            place_stint(found, c, rows_of.get(c.staff_no, 0), errors)
            if not _personal_differs(person, c) and not found.changed:
                unchanged += 1
                continue
            before[c.staff_no] = person.snapshot()
            if found.changed:
                moved.append(found)
                history.mirror(person, found.stints)
            person.name = c.name
            person.on_establishment = c.on_establishment
            person.monthly_salary, person.bonus_standard = c.monthly_salary, c.bonus_standard
            person.version += 1
            person.updated_at = now
            changed.append(person)
            after[c.staff_no] = person.snapshot()
        errors.raise_if_any()
        await history.save(moved, now)
        await bulk_update(Person, [{"id": p.id, **{n: getattr(p, n) for n in PERSON_FIELDS}} for p in changed],
                          PERSON_FIELDS)
        await insert_dicts(Person, new_people)
        await insert_dicts(UnitMembership, memberships)
        audit.before = before or None
        audit.after = {"created": created, "updated": len(changed), "unchanged": unchanged,
                       "staff_nos_created": [p["staff_no"] for p in new_people], "changed": after}
    await refresh_statistics(created, Person, UnitMembership)
    return ImportResult(created=created, updated=len(changed), unchanged=unchanged)


@dataclass(frozen=True)
class PersonChange:
    name: str | None = None
    unit_code: str | None = None
    position: str | None = None
    leadership_member: bool | None = None
    main_leader_role: MainLeaderRole | None = None
    clear_main_leader_role: bool = False
    on_establishment: bool | None = None
    monthly_salary: Decimal | None = None
    bonus_standard: Decimal | None = None


def _check_money(value: Decimal | None, name: str) -> None:
    if value is None:
        return
    if not value.is_finite() or value < 0 or value > MONEY_MAX or value != value.quantize(Decimal("0.01")):
        raise BadInput(f"{name} must be an amount between 0 and {MONEY_MAX} with at most 2 decimals", field=name)


async def update_person(ctx: RequestContext, *, staff_no: str, version: int, change: PersonChange) -> Person:
    """Change a person if nobody else did since `version`. Position, team membership and role correct the held
    stint in place; a move to another unit is a transfer with an effective date (`history.transfer_person`)."""
    ctx.require(Role.TARGET_OFFICE, Role.ORGANIZATION_DEPT)
    for name in ("name", "position"):
        value = getattr(change, name)
        if value is not None and (len(value.strip()) > (64 if name == "name" else 128) or
                                  (name == "name" and not value.strip())):
            raise BadInput(f"{name} must be 1–{64 if name == 'name' else 128} characters", field=name)
    _check_money(change.monthly_salary, "monthlySalary")
    _check_money(change.bonus_standard, "bonusStandard")
    if change.unit_code is not None and change.unit_code not in await known_unit_codes(ctx):
        raise BadInput(f"no unit {change.unit_code}", field="unitCode")
    async with audited(ctx, action="updatePerson", entity="Person") as audit:
        audit.entity_id = staff_no
        person = await Person.get_or_none(staff_no=staff_no)
        if person is None:
            raise NotFound(f"no person {staff_no}")
        check_version(person, version, f"person {staff_no}")
        audit.before = person.snapshot()
        if change.unit_code is not None and change.unit_code != person.unit_code:
            raise BadInput("a move to another unit takes effect on a date: use transferPerson with the effective "
                           "date", field="unitCode")
        if change.name is not None:
            person.name = change.name.strip()
        if change.position is not None:
            person.position = change.position.strip()
        if change.leadership_member is not None:
            person.leadership_member = change.leadership_member
        if change.clear_main_leader_role:
            person.main_leader_role = None
        elif change.main_leader_role is not None:
            person.main_leader_role = change.main_leader_role
        if person.main_leader_role is not None and not person.leadership_member:
            raise BadInput("a main leader is a leadership-team member", field="leadershipMember")
        if change.on_establishment is not None:
            person.on_establishment = change.on_establishment
        if change.monthly_salary is not None:
            person.monthly_salary = change.monthly_salary
        if change.bonus_standard is not None:
            person.bonus_standard = change.bonus_standard
        now = datetime.now(UTC)
        updated = await Person.filter(id=person.id, version=version).update(
            name=person.name, unit_code=person.unit_code, position=person.position,
            leadership_member=person.leadership_member, main_leader_role=person.main_leader_role,
            on_establishment=person.on_establishment, monthly_salary=person.monthly_salary,
            bonus_standard=person.bonus_standard, version=version + 1, updated_at=now,
        )
        if not updated:
            raise Conflict(f"person {staff_no} was changed by someone else; reload and try again", field="version")
        await UnitMembership.filter(staff_no=staff_no, until__isnull=True).update(
            position=person.position, leadership_member=person.leadership_member,
            main_leader_role=person.main_leader_role)
        person = await Person.get(staff_no=staff_no)
        audit.after = person.snapshot()
    return person

