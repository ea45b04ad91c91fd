"""The roster: import people.csv, list a unit's staff (the personnel service's logic)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from kernel import upstream
from kernel.audit import audited
from kernel.context import RequestContext
from kernel.errors import BadInput
from kernel.roles import Role
from kernel.tabular import RowErrors
from services.personnel.models import MainLeaderRole, Person, UnitMembership

ROLES = {"party_secretary": MainLeaderRole.PARTY_SECRETARY.value, "admin_head": MainLeaderRole.ADMIN_HEAD.value,
         "书记": MainLeaderRole.PARTY_SECRETARY.value, "行政主要负责人": MainLeaderRole.ADMIN_HEAD.value}
MONEY_MAX = Decimal("9999999999.99")
PAY_ROLES = (Role.TARGET_OFFICE, Role.ORGANIZATION_DEPT)


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


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def may_see_pay(ctx: RequestContext, unit_code: str) -> bool:
    """Salaries and bonuses: the target office, the organisation department, the unit's own leadership."""
    caller = ctx.caller
    if caller is None:
        return False
    if caller.has(*PAY_ROLES):
        return True
    return caller.has(Role.LEADER) and caller.unit == unit_code


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
        if staff_no and staff_no in seen:
            errors.add(r.row, "staff_no", f"{staff_no} is also on row {seen[staff_no]}")
            staff_no = None
        if staff_no:
            seen[staff_no] = r.row
        name = errors.text(r.row, "name", r.name, max_length=64)
        unit_code = errors.text(r.row, "unit_code", r.unit_code, max_length=32)
        if unit_code and unit_code not in units:
            errors.add(r.row, "unit_code", f"no unit {unit_code}")
            unit_code = None
        position = errors.text(r.row, "position", r.position, required=False, max_length=128) or ""
        leadership = errors.flag(r.row, "leadership_member", r.leadership_member)
        role = errors.choice(r.row, "main_leader_role", r.main_leader_role, ROLES, required=False)
        if role and leadership is False:
            errors.add(r.row, "main_leader_role", "a main leader is a leadership-team member")
        established = errors.flag(r.row, "on_establishment", r.on_establishment)
        salary = errors.decimal(r.row, "monthly_salary", r.monthly_salary, minimum=Decimal(0), maximum=MONEY_MAX)
        bonus = errors.decimal(r.row, "bonus_standard", r.bonus_standard, minimum=Decimal(0), maximum=MONEY_MAX)
        for column, value in (("monthly_salary", salary), ("bonus_standard", bonus)):
            if value is not None and value != value.quantize(Decimal("0.01")):
                errors.add(r.row, column, "has more than 2 decimal places")
        if staff_no and name and unit_code and leadership is not None and established is not None \
                and salary is not None and bonus is not None:
            good.append(CheckedPerson(
                staff_no=staff_no, name=name, unit_code=unit_code, position=position,
                leadership_member=leadership, main_leader_role=MainLeaderRole(role) if role else None,
                on_establishment=established, monthly_salary=salary, bonus_standard=bonus,
            ))
    errors.raise_if_any()
    return good


def _differs(person: Person, checked: CheckedPerson) -> bool:
    return (person.name, person.unit_code, person.position, person.leadership_member, person.main_leader_role,
            person.on_establishment, person.monthly_salary, person.bonus_standard) != (
        checked.name, checked.unit_code, checked.position, checked.leadership_member, checked.main_leader_role,
        checked.on_establishment, checked.monthly_salary, checked.bonus_standard)


async def import_people(ctx: RequestContext, rows: list[PersonRow]) -> ImportResult:
    """Create or update people from people.csv rows, all or nothing; unit moves keep history."""
    ctx.require(Role.TARGET_OFFICE, Role.ORGANIZATION_DEPT)
    if not rows:
        raise BadInput("people.csv has no rows", field="rows")
    checked = validate_people_rows(rows, await known_unit_codes(ctx))
    created = updated = unchanged = 0
    now = datetime.now(UTC)
    async with audited(ctx, action="importPeople", entity="Person") as audit:
        existing: dict[str, Person] = {}
        codes = [c.staff_no for c in checked]
        for start in range(0, len(codes), 900):
            for person in await Person.filter(staff_no__in=codes[start:start + 900]):
                existing[person.staff_no] = person
        new_people: list[Person] = []
        memberships: list[UnitMembership] = []
        for c in checked:
            person = existing.get(c.staff_no)
            if person is None:
                new_people.append(Person(
                    staff_no=c.staff_no, name=c.name, unit_code=c.unit_code, position=c.position,
                    leadership_member=c.leadership_member, main_leader_role=c.main_leader_role,
                    on_establishment=c.on_establishment, monthly_salary=c.monthly_salary,
                    bonus_standard=c.bonus_standard,
                ))
                memberships.append(UnitMembership(staff_no=c.staff_no, unit_code=c.unit_code, position=c.position))
                created += 1
                continue
            if not _differs(person, c):
                unchanged += 1
                continue
            before = person.snapshot()
            if person.unit_code != c.unit_code:
                await UnitMembership.filter(staff_no=c.staff_no, left_at__isnull=True).update(left_at=now)
                memberships.append(UnitMembership(staff_no=c.staff_no, unit_code=c.unit_code, position=c.position))
            person.name, person.unit_code, person.position = c.name, c.unit_code, c.position
            person.leadership_member, person.main_leader_role = c.leadership_member, c.main_leader_role
            person.on_establishment = c.on_establishment
            person.monthly_salary, person.bonus_standard = c.monthly_salary, c.bonus_standard
            person.version += 1
            await person.save()
            audit.also("importPeople.update", "Person", c.staff_no, before, person.snapshot())
            updated += 1
        if new_people:
            await Person.bulk_create(new_people, batch_size=500)
            await UnitMembership.bulk_create(memberships, batch_size=500)
        audit.after = {"created": created, "updated": updated, "unchanged": unchanged,
                       "staff_nos_created": [p.staff_no for p in new_people]}
    return ImportResult(created=created, updated=updated, unchanged=unchanged)


async def staff_of_units(codes: list[str]) -> list[list[Person]]:
    """Every unit's staff in one query, ordered by staff number."""
    by_unit: dict[str, list[Person]] = {code: [] for code in codes}
    for person in await Person.filter(unit_code__in=list(set(codes))).order_by("staff_no"):
        by_unit[person.unit_code].append(person)
    return [by_unit[code] for code in codes]
