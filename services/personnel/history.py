"""Unit history (任职经历) with business effective dates: reading and saving stints, transferPerson and the
transfers.csv import (DESIGN.md §4.3, §5). The rules of a move live in `rules.apply_move`; this module
reads the stored stints, applies moves, checks the request and writes the difference in one transaction.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from kernel.audit import audited
from kernel.context import RequestContext
from kernel.errors import BadInput, Conflict, NotFound
from kernel.roles import Role
from kernel.tabular import RowErrors
from services.personnel import rules
from services.personnel.bulk import CHUNK, bulk_update, chunks
from services.personnel.models import MainLeaderRole, Person, UnitMembership
from services.personnel.versions import check_version

EDITORS = (Role.TARGET_OFFICE, Role.ORGANIZATION_DEPT)
ROLE_NAMES = {"party_secretary": MainLeaderRole.PARTY_SECRETARY.value, "admin_head": MainLeaderRole.ADMIN_HEAD.value,
              "书记": MainLeaderRole.PARTY_SECRETARY.value, "行政主要负责人": MainLeaderRole.ADMIN_HEAD.value}
DAY = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?$")
STINT_FIELDS = ("unit_code", "position", "leadership_member", "main_leader_role", "since", "until", "left_at")
# transferPerson argument → transfers.csv column, so a refusal names the field the caller sent
ARGUMENT = {"effective_date": "effectiveDate", "unit_code": "unitCode", "main_leader_role": "mainLeaderRole",
            "position": "position", "leadership_member": "leadershipMember"}


def parse_day(text: str) -> date:
    """A calendar day as written in a bundle: 2026-07-01, 2026/7/1 (a spreadsheet's midnight time is ignored)."""
    found = DAY.match(text.strip())
    if not found:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD)")
    try:
        return date(*(int(part) for part in found.groups()))
    except ValueError:
        raise ValueError(f"{text!r} is not a date of the calendar") from None


def row_day(errors: RowErrors, row: int, column: str, value: str | None, *, required: bool) -> date | None:
    cleaned = (value or "").strip()
    if not cleaned:
        if required:
            errors.add(row, column, "is required (a date, YYYY-MM-DD)")
        return None
    try:
        return parse_day(cleaned)
    except ValueError as exc:
        errors.add(row, column, str(exc))
        return None


@dataclass
class History:
    """A person's stored stints (row id → stint), oldest first, and the stints wanted after a change."""

    staff_no: str
    stored: list[tuple[int, rules.Stint]]
    stints: list[rules.Stint]

    @property
    def changed(self) -> bool:
        return [s for _, s in self.stored] != self.stints


def to_stint(row: UnitMembership | dict[str, Any]) -> rules.Stint:
    get = row.get if isinstance(row, dict) else (lambda name: getattr(row, name))
    role = get("main_leader_role")
    return rules.Stint(
        unit_code=get("unit_code"), position=get("position") or "", leadership_member=bool(get("leadership_member")),
        main_leader_role=rules.MainLeaderRole(getattr(role, "value", role)) if role else None,
        since=get("since"), until=get("until"))


def oldest_first(stints: Sequence[UnitMembership]) -> list[UnitMembership]:
    return sorted(stints, key=lambda s: (s.since or date.min, s.id))


async def histories(staff_nos: Sequence[str]) -> dict[str, History]:
    """Every named person's stored stints, read in chunks of staff numbers."""
    found: dict[str, list[UnitMembership]] = defaultdict(list)
    unique = sorted(set(staff_nos))
    for part in chunks(unique):
        for stint in await UnitMembership.filter(staff_no__in=list(part)):
            found[stint.staff_no].append(stint)
    result = {}
    for staff_no in unique:
        stored = [(s.id, to_stint(s)) for s in oldest_first(found[staff_no])]
        result[staff_no] = History(staff_no, stored, [s for _, s in stored])
    return result


def mirror(person: Person, stints: Sequence[rules.Stint]) -> None:
    """The person's own unit, position and roles follow the latest recorded stint; `left_on` is set while the
    latest stint has ended (the person left the system)."""
    if not stints:
        return
    latest = max(stints, key=lambda s: s.since or date.min)
    person.unit_code, person.position = latest.unit_code, latest.position
    person.leadership_member = latest.leadership_member
    person.main_leader_role = MainLeaderRole(latest.main_leader_role.value) if latest.main_leader_role else None
    person.left_on = latest.until + timedelta(days=1) if latest.until is not None else None


def _row(stint: rules.Stint, staff_no: str, now: datetime, closed_before: bool) -> dict[str, Any]:
    return {
        "staff_no": staff_no, "unit_code": stint.unit_code, "position": stint.position,
        "leadership_member": stint.leadership_member,
        "main_leader_role": MainLeaderRole(stint.main_leader_role.value) if stint.main_leader_role else None,
        "since": stint.since, "until": stint.until,
        "left_at": now if stint.until is not None and not closed_before else None,
    }


async def save(changed: Sequence[History], now: datetime) -> None:
    """Write the difference between stored and wanted stints (stints are keyed by their start day)."""
    creates: list[UnitMembership] = []
    updates: list[dict[str, Any]] = []
    deletes: list[int] = []
    for history in changed:
        stored = {s.since: (row_id, s) for row_id, s in history.stored}
        for stint in history.stints:
            old = stored.pop(stint.since, None)
            if old is None:
                creates.append(UnitMembership(**_row(stint, history.staff_no, now, False)))
            elif old[1] != stint:
                row = _row(stint, history.staff_no, now, old[1].until is not None)
                if old[1].until is not None and stint.until is not None:
                    row.pop("left_at")
                updates.append({"id": old[0], **row})
        deletes += [row_id for row_id, _ in stored.values()]
    for names in {tuple(sorted(u)) for u in updates}:
        await bulk_update(UnitMembership, [u for u in updates if tuple(sorted(u)) == names],
                          [n for n in names if n not in ("id", "staff_no")])
    if creates:
        await UnitMembership.bulk_create(creates, batch_size=CHUNK)
    for part in chunks(deletes):
        await UnitMembership.filter(id__in=list(part)).delete()


def stints_json(stints: Sequence[rules.Stint]) -> list[dict[str, Any]]:
    """Stints as plain values, for audit entries."""
    return [{"unit_code": s.unit_code, "position": s.position, "leadership_member": s.leadership_member,
             "main_leader_role": s.main_leader_role.value if s.main_leader_role else None,
             "since": s.since.isoformat() if s.since else None, "until": s.until.isoformat() if s.until else None}
            for s in stints]


# ---- transferPerson -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transfer:
    staff_no: str
    version: int
    unit_code: str | None
    position: str
    leadership_member: bool
    main_leader_role: MainLeaderRole | None
    effective_date: date


async def known_units(ctx: RequestContext) -> set[str]:
    from services.personnel.roster import known_unit_codes

    return await known_unit_codes(ctx)


async def transfer_person(ctx: RequestContext, transfer: Transfer) -> Person:
    """调动: move a person to a unit (or out of the system) from a business date; versioned and audited."""
    ctx.require(*EDITORS)
    unit = (transfer.unit_code or "").strip() or None
    position = transfer.position.strip()
    if len(position) > 128:
        raise BadInput("position must be at most 128 characters", field="position")
    if unit is not None and unit not in await known_units(ctx):
        raise BadInput(f"no unit {unit}", field="unitCode")
    role = rules.MainLeaderRole(transfer.main_leader_role.value) if transfer.main_leader_role else None
    move = rules.Move(effective=transfer.effective_date, unit_code=unit, position=position if unit else "",
                      leadership_member=transfer.leadership_member if unit else False,
                      main_leader_role=role if unit else None)
    async with audited(ctx, action="transferPerson", entity="Person") as audit:
        audit.entity_id = transfer.staff_no
        # the row lock (PostgreSQL) makes a concurrent change of this person wait, then read the history it left
        person = await Person.filter(staff_no=transfer.staff_no).select_for_update().first()
        if person is None:
            raise NotFound(f"no person {transfer.staff_no}")
        check_version(person, transfer.version, f"person {transfer.staff_no}")
        history = (await histories([person.staff_no]))[person.staff_no]
        try:
            history.stints = rules.apply_move(history.stints, move)
        except rules.MoveRefused as refused:
            raise BadInput(refused.reason, field=ARGUMENT[refused.column]) from None
        audit.before = {**person.snapshot(), "unit_history": stints_json([s for _, s in history.stored])}
        now = datetime.now(UTC)
        await save([history], now)
        mirror(person, history.stints)
        updated = await Person.filter(id=person.id, version=transfer.version).update(
            unit_code=person.unit_code, position=person.position, leadership_member=person.leadership_member,
            main_leader_role=person.main_leader_role, left_on=person.left_on, version=transfer.version + 1,
            updated_at=now)
        if not updated:
            raise Conflict(f"person {transfer.staff_no} was changed by someone else; reload and try again",
                           field="version")
        person = await Person.get(staff_no=transfer.staff_no)
        audit.after = {**person.snapshot(), "unit_history": stints_json(history.stints),
                       "move": {"unit_code": unit, "effective_date": transfer.effective_date.isoformat()}}
        audit.detail = f"effective {transfer.effective_date.isoformat()}"
    return person


# ---- transfers.csv --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TransferRow:
    row: int
    staff_no: str | None
    unit_code: str | None
    position: str | None
    leadership_member: str | None
    main_leader_role: str | None
    effective_date: str | None


@dataclass(frozen=True)
class CheckedMove:
    row: int
    staff_no: str
    move: rules.Move


@dataclass(frozen=True)
class TransferResult:
    applied: int
    unchanged: int
    people: int


def check_transfer_rows(rows: Sequence[TransferRow], units: set[str], errors: RowErrors) -> list[CheckedMove]:
    """Each row on its own: columns present and well formed (the history is checked afterwards)."""
    good = []
    for r in rows:
        staff_no = errors.text(r.row, "staff_no", r.staff_no, max_length=32)
        unit = errors.text(r.row, "unit_code", r.unit_code, required=False, max_length=32)
        if unit and unit not in units:
            errors.add(r.row, "unit_code", f"no unit {unit}")
            continue
        day = row_day(errors, r.row, "effective_date", r.effective_date, required=True)
        position, member, role = "", False, None
        if unit:
            position = errors.text(r.row, "position", r.position, required=False, max_length=128) or ""
            member = errors.flag(r.row, "leadership_member", r.leadership_member)
            role = errors.choice(r.row, "main_leader_role", r.main_leader_role, ROLE_NAMES, required=False)
            if role and member is False:
                errors.add(r.row, "main_leader_role", "a main leader is a leadership-team member")
                continue
            if member is None:
                continue
        if staff_no and day is not None:
            good.append(CheckedMove(r.row, staff_no, rules.Move(
                effective=day, unit_code=unit or None, position=position, leadership_member=bool(member),
                main_leader_role=rules.MainLeaderRole(role) if role else None)))
    return good


def plan_moves(moves: Sequence[CheckedMove], stored: dict[str, History], errors: RowErrors) -> tuple[int, int]:
    """Apply each person's moves in date order to their history (in memory); (applied, already recorded)."""
    applied = unchanged = 0
    by_person: dict[str, list[CheckedMove]] = defaultdict(list)
    for m in moves:
        by_person[m.staff_no].append(m)
    for staff_no, own in by_person.items():
        history = stored.get(staff_no)
        if history is None:
            for m in own:
                errors.add(m.row, "staff_no", f"no person {staff_no} (people.csv is imported first)")
            continue
        seen: dict[date, int] = {}
        for m in sorted(own, key=lambda m: (m.move.effective, m.row)):
            if m.move.effective in seen:
                errors.add(m.row, "effective_date", f"row {seen[m.move.effective]} moves {staff_no} the same day")
                continue
            seen[m.move.effective] = m.row
            if rules.move_recorded(history.stints, m.move):
                unchanged += 1
                continue
            try:
                history.stints = rules.apply_move(history.stints, m.move)
            except rules.MoveRefused as refused:
                errors.add(m.row, refused.column, refused.reason)
                continue
            applied += 1
    return applied, unchanged


async def import_transfers(ctx: RequestContext, rows: Sequence[TransferRow]) -> TransferResult:
    """transfers.csv: every move checked against the history, all or nothing, in date order per person."""
    ctx.require(*EDITORS)
    if not rows:
        raise BadInput("transfers.csv has no rows", field="rows")
    errors = RowErrors("transfers.csv")
    moves = check_transfer_rows(rows, await known_units(ctx), errors)
    async with audited(ctx, action="importTransfers", entity="Person") as audit:
        named = sorted({m.staff_no for m in moves})
        people = {p.staff_no: p for part in chunks(named)
                  for p in await Person.filter(staff_no__in=list(part)).select_for_update()}
        stored = await histories(list(people))
        applied, unchanged = plan_moves(moves, stored, errors)
        errors.raise_if_any()
        changed = [h for h in stored.values() if h.changed]
        now = datetime.now(UTC)
        await save(changed, now)
        people = {h.staff_no: people[h.staff_no] for h in changed}
        for history in changed:
            mirror(people[history.staff_no], history.stints)
        names = ("unit_code", "position", "leadership_member", "main_leader_role", "left_on", "version",
                 "updated_at")
        await bulk_update(Person, [{"id": p.id, **{n: getattr(p, n) for n in names[:-2]}, "version": p.version + 1,
                                    "updated_at": now} for p in people.values()], names)
        audit.after = {"applied": applied, "unchanged": unchanged, "people": len(changed),
                       "moved": {h.staff_no: stints_json(h.stints) for h in changed}}
    return TransferResult(applied=applied, unchanged=unchanged, people=len(changed))
