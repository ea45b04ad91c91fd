"""Responsibility letters (目标责任书): create, sign level by level, freeze, amend, verify."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from kernel.audit import audited
from kernel.auth import Caller
from kernel.context import RequestContext
from kernel.errors import BadInput, Conflict, Forbidden, NotFound
from kernel.roles import Role
from services.targets import access, rules
from services.targets.catalog import open_year, snapshot, target_fields
from services.targets.models import (
    Letter,
    LetterLevel,
    LetterStatus,
    LetterTarget,
    Target,
    TargetStatus,
    Unit,
)
from services.targets.people import check_staff_of_unit
from services.targets.repository import bound_targets

PARENT_LEVEL = {LetterLevel.UNIT_DEPARTMENT: LetterLevel.CITY_UNIT,
                LetterLevel.DEPARTMENT_PERSON: LetterLevel.UNIT_DEPARTMENT}
AMENDABLE = {"title": "title", "agreedValue": "agreed_value", "points": "points", "baseline": "baseline",
             "responsibleLeader": "responsible_leader", "responsibleDepartment": "responsible_department",
             "assignee": "assignee", "benchmarkCity": "benchmark_city", "benchmarkValue": "benchmark_value",
             "assessingDepartment": "assessing_department"}
DECIMAL_FIELDS = {"agreed_value", "points", "baseline", "benchmark_value"}


def letter_fields(letter: Letter) -> dict[str, Any]:
    return {
        "id": letter.id, "year": letter.year, "unitCode": letter.unit_code, "level": letter.level.value,
        "title": letter.title, "issuer": letter.issuer, "receiver": letter.receiver, "parentId": letter.parent_id,
        "amendsId": letter.amends_id, "changes": letter.changes, "reason": letter.reason,
        "issuerSignedBy": letter.issuer_signed_by, "issuerSignedAt": letter.issuer_signed_at,
        "receiverSignedBy": letter.receiver_signed_by, "receiverSignedAt": letter.receiver_signed_at,
    }


def letter_snapshot(letter: Letter) -> dict[str, Any]:
    return letter_fields(letter) | {"status": letter.status.value, "contentHash": letter.content_hash,
                                    "version": letter.version}


async def get_letter(letter_id: int) -> Letter:
    found = await Letter.get_or_none(id=letter_id)
    if found is None:
        raise NotFound(f"no responsibility letter {letter_id}")
    return found


def _may_write(ctx: RequestContext, letter_level: LetterLevel, unit_code: str) -> None:
    if letter_level is LetterLevel.CITY_UNIT:
        ctx.require(Role.TARGET_OFFICE)
    else:
        access.require_write_unit(ctx, unit_code)


@dataclass(frozen=True)
class LetterSpec:
    year: int
    unit_code: str
    level: str
    issuer: str
    receiver: str
    target_codes: list[str]
    title: str = ""
    parent_id: int | None = None


def _descendant_of(code: str, ancestors: set[str], parents: dict[str, str | None]) -> bool:
    current = parents.get(code)
    while current is not None:
        if current in ancestors:
            return True
        current = parents.get(current)
    return False


def _check_spec(ctx: RequestContext, spec: LetterSpec) -> tuple[LetterLevel, str, str, list[str]]:
    """The letter's level, issuer, receiver and target codes, once the caller may write it and they are valid."""
    try:
        level = LetterLevel(spec.level)
    except ValueError:
        raise BadInput(f"no letter level {spec.level}", field="level") from None
    _may_write(ctx, level, spec.unit_code)
    issuer, receiver = spec.issuer.strip(), spec.receiver.strip()
    if not issuer or not receiver or len(issuer) > 128 or len(receiver) > 128:
        raise BadInput("issuer and receiver are 1–128 characters", field="issuer")
    codes = list(dict.fromkeys(spec.target_codes))
    if not codes:
        raise BadInput("a letter binds at least one target", field="targetCodes")
    return level, issuer, receiver, codes


def _check_binding(spec: LetterSpec, level: LetterLevel, codes: list[str], targets: list[Target],
                   parent: Letter | None, ancestors: set[str], parents: dict[str, str | None]) -> None:
    """The targets a new letter binds: its unit's, AGREED, top-level for city → unit, else decomposed from the
    targets of its parent letter (`ancestors`; `parents` maps the unit's target codes to their parents)."""
    found = {t.code: t for t in targets}
    missing = [c for c in codes if c not in found]
    if missing:
        raise BadInput(f"no target {', '.join(missing)} in {spec.year}", field="targetCodes")
    for t in targets:
        if t.unit_code != spec.unit_code:
            raise BadInput(f"target {t.code} belongs to unit {t.unit_code}", field="targetCodes")
        if t.status is not TargetStatus.AGREED:
            raise Conflict(f"target {t.code} is {t.status.value}; a letter binds AGREED targets",
                           field="targetCodes")
    if level is LetterLevel.CITY_UNIT:
        if spec.parent_id is not None:
            raise BadInput("a city → unit letter has no parent letter", field="parentId")
        if any(t.parent_code is not None for t in targets):
            raise BadInput("a city → unit letter binds top-level targets", field="targetCodes")
        return
    if spec.parent_id is None or parent is None:
        raise BadInput(f"a {level.value} letter needs its parent letter", field="parentId")
    if (parent.level, parent.unit_code, parent.year) != (PARENT_LEVEL[level], spec.unit_code, spec.year):
        raise BadInput(f"the parent letter must be a {PARENT_LEVEL[level].value} letter of unit "
                       f"{spec.unit_code} in {spec.year}", field="parentId")
    outside = [t.code for t in targets if not _descendant_of(t.code, ancestors, parents)]
    if outside:
        raise BadInput(f"target(s) {', '.join(outside)} are not decomposed from the parent letter's "
                       "targets", field="targetCodes")


async def create_letter(ctx: RequestContext, spec: LetterSpec) -> Letter:
    """A DRAFT letter binding agreed targets: city → unit (top-level targets), unit → department and
    department → person (targets decomposed from those of the parent letter)."""
    level, issuer, receiver, codes = _check_spec(ctx, spec)
    if level is LetterLevel.DEPARTMENT_PERSON:  # the receiver is a person: a staff number of the unit
        await check_staff_of_unit(ctx, spec.unit_code, [("receiver", receiver)])
    async with audited(ctx, action="createLetter", entity="ResponsibilityLetter") as audit:
        await open_year(spec.year)
        if not await Unit.filter(code=spec.unit_code).exists():
            raise NotFound(f"no unit {spec.unit_code}")
        targets = await Target.filter(year=spec.year, code__in=codes)
        parent = None
        ancestors: set[str] = set()
        parents: dict[str, str | None] = {}
        if level is not LetterLevel.CITY_UNIT and spec.parent_id is not None:
            parent = await get_letter(spec.parent_id)
            ancestors = {t.code for t in await bound_targets(parent.id)}
            parents = dict(await Target.filter(year=spec.year, unit_code=spec.unit_code)
                           .values_list("code", "parent_code"))
        _check_binding(spec, level, codes, targets, parent, ancestors, parents)
        letter = await Letter.create(year=spec.year, unit_code=spec.unit_code, level=level, title=spec.title.strip(),
                                     issuer=issuer, receiver=receiver, parent_id=parent.id if parent else None)
        await LetterTarget.bulk_create([LetterTarget(letter_id=letter.id, target_id=t.id) for t in targets])
        audit.entity_id = str(letter.id)
        audit.after = letter_snapshot(letter) | {"targets": sorted(codes)}
    return letter


def _plain_change(name: str, value: Any) -> Any:
    if name in DECIMAL_FIELDS and value is not None:
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise BadInput(f"{name} must be a number", field="changes") from None
        if not number.is_finite():
            raise BadInput(f"{name} must be a number", field="changes")
        return str(rules.plain(number))
    return value if value is None else str(value).strip()


async def amend_letter(ctx: RequestContext, *, letter_id: int, reason: str,
                       changes: list[tuple[str, dict[str, Any]]]) -> Letter:
    """A DRAFT amendment of a signed letter; its target changes take effect when it is itself signed."""
    if not reason.strip():
        raise BadInput("an amendment needs a reason", field="reason")
    if not changes:
        raise BadInput("an amendment changes at least one target", field="changes")
    async with audited(ctx, action="amendLetter", entity="ResponsibilityLetter") as audit:
        original = await get_letter(letter_id)
        _may_write(ctx, original.level, original.unit_code)
        await open_year(original.year)
        if original.status is not LetterStatus.SIGNED:
            raise Conflict(f"letter {letter_id} is {original.status.value}; only a signed letter is amended",
                           field="id")
        if await Letter.filter(amends_id=original.id, status=LetterStatus.DRAFT).exists():
            raise Conflict(f"letter {letter_id} already has an amendment waiting for signatures", field="id")
        bound = await bound_targets(original.id)
        codes = {t.code for t in bound}
        plan: dict[str, dict[str, Any]] = {}
        for code, fields in changes:
            if code not in codes:
                raise BadInput(f"target {code} is not bound by letter {letter_id}", field="changes")
            unknown_fields = set(fields) - set(AMENDABLE)
            if unknown_fields or not fields:
                raise BadInput(f"an amendment changes {', '.join(AMENDABLE)}", field="changes")
            plan[code] = {name: _plain_change(AMENDABLE[name], value) for name, value in sorted(fields.items())}
        people = [("changes", v) for f in plan.values() for k, v in f.items() if k in ("responsibleLeader", "assignee")]
        await check_staff_of_unit(ctx, original.unit_code, people)
        amendment = await Letter.create(
            year=original.year, unit_code=original.unit_code, level=original.level,
            title=f"{original.title}（变更）" if original.title else "变更", issuer=original.issuer,
            receiver=original.receiver, parent_id=original.parent_id, amends_id=original.id,
            changes=json.dumps(plan, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
            reason=reason.strip(),
        )
        await LetterTarget.bulk_create([LetterTarget(letter_id=amendment.id, target_id=t.id) for t in bound])
        audit.entity_id = str(amendment.id)
        audit.after = letter_snapshot(amendment)
    return amendment


async def _check_unit_ready(letter: Letter) -> None:
    """Every leaf of the unit's cascade has an assignee; for a city → unit letter, BASE points total 100."""
    rows = await Target.filter(year=letter.year, unit_code=letter.unit_code).values_list(
        "code", "parent_code", "assignee", "kind", "points")
    forest = rules.build_forest((code, parent, assignee) for code, parent, assignee, _k, _p in rows)
    missing = [n.code for n in rules.leaves(forest) if not n.data]
    if missing:
        shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
        raise Conflict(f"every leaf target needs an assignee before unit {letter.unit_code}'s letters are signed; "
                       f"missing on {shown}", field="assignee", targets=missing)
    if letter.level is LetterLevel.CITY_UNIT:
        total = rules.base_points_total((kind, points, parent) for _c, parent, _a, kind, points in rows)
        if total != rules.BASE_POINTS_TOTAL:
            raise Conflict(f"unit {letter.unit_code}'s BASE top-level targets total {rules.plain(total)} points "
                           f"in {letter.year}; they must total 100", field="points")


def _stored(column: str, value: Any) -> Any:
    if column in DECIMAL_FIELDS:
        return Decimal(value) if value is not None else None
    if column in ("responsible_leader", "assignee"):
        return value or None
    return value or ""


async def _apply_amendment(letter: Letter, targets: list[Target]) -> list[Target]:
    plan: dict[str, dict[str, Any]] = json.loads(letter.changes or "{}")
    by_code = {t.code: t for t in targets}
    for code, fields in plan.items():
        t = by_code[code]
        values = {AMENDABLE[name]: _stored(AMENDABLE[name], v) for name, v in fields.items()}
        await Target.filter(id=t.id).update(**values, version=t.version + 1)
    return await Target.filter(id__in=[t.id for t in targets]).order_by("code")


def _signer(ctx: RequestContext, letter: Letter, side: str) -> Caller:
    """Who may sign this side: a city leader or the target office for the city, else the target office or
    the unit's operator — and the unit's own operator for the unit's side of a city → unit letter."""
    if side == "ISSUER" and letter.level is LetterLevel.CITY_UNIT:
        return ctx.require(Role.LEADER, Role.TARGET_OFFICE)
    caller = access.require_write_unit(ctx, letter.unit_code)
    if letter.level is LetterLevel.CITY_UNIT and not caller.has(Role.UNIT_OPERATOR):
        raise Forbidden("the unit signs its side of a city → unit letter")
    return caller


def _signature(username: str, letter: Letter, side: str, version: int, parent: Letter | None) -> dict[str, Any]:
    """Check one signature against the letter (and its parent) and put it on `letter`; return the columns to
    write. Letters are signed level by level, each side once, the two sides by two different people."""
    if letter.version != version:
        raise Conflict(f"letter {letter.id} was changed by someone else (you saw version {version}, it is "
                       f"now {letter.version}); reload and try again", field="version",
                       currentVersion=letter.version)
    if letter.status is not LetterStatus.DRAFT:
        raise Conflict(f"letter {letter.id} is {letter.status.value}", field="id")
    signed_by = letter.issuer_signed_by if side == "ISSUER" else letter.receiver_signed_by
    other = letter.receiver_signed_by if side == "ISSUER" else letter.issuer_signed_by
    if signed_by:
        raise Conflict(f"the {side.lower()} side of letter {letter.id} is signed already", field="side")
    if other == username:
        raise Conflict("the two sides of a letter are signed by two different people", field="side")
    if parent is not None and parent.status is LetterStatus.DRAFT:
        raise Conflict(f"the parent letter {parent.id} is not signed yet; letters are signed level by level",
                       field="parentId")
    now = datetime.now(UTC).replace(microsecond=0)
    if side == "ISSUER":
        letter.issuer_signed_by, letter.issuer_signed_at = username, now
    else:
        letter.receiver_signed_by, letter.receiver_signed_at = username, now
    return {"issuer_signed_by": letter.issuer_signed_by, "issuer_signed_at": letter.issuer_signed_at,
            "receiver_signed_by": letter.receiver_signed_by, "receiver_signed_at": letter.receiver_signed_at}


async def sign_letter(ctx: RequestContext, *, letter_id: int, side: str, version: int) -> Letter:
    """One party signs; with both signatures the letter is SIGNED, hashed, and its targets frozen."""
    async with audited(ctx, action="signLetter", entity="ResponsibilityLetter") as audit:
        audit.entity_id = str(letter_id)
        letter = await get_letter(letter_id)
        caller = _signer(ctx, letter, side)
        audit.before = letter_snapshot(letter)
        await open_year(letter.year)
        parent = await get_letter(letter.parent_id) if letter.parent_id is not None else None
        values = _signature(caller.username, letter, side, version, parent)
        if letter.issuer_signed_by and letter.receiver_signed_by:
            values |= await _complete(letter, audit)
        changed = await Letter.filter(id=letter.id, version=version).update(**values, version=version + 1)
        if not changed:
            raise Conflict(f"letter {letter_id} was changed by someone else; reload and try again",
                           field="version", currentVersion=(await get_letter(letter_id)).version)
        letter = await get_letter(letter_id)
        audit.after = letter_snapshot(letter)
    return letter


async def _complete(letter: Letter, audit: Any) -> dict[str, Any]:
    targets = await bound_targets(letter.id)
    if letter.amends_id is None:
        for t in targets:
            if t.status is not TargetStatus.AGREED:
                raise Conflict(f"target {t.code} is {t.status.value}; it is bound by another signed letter",
                               field="targets")
        await _check_unit_ready(letter)
    else:
        before = {t.code: snapshot(t) for t in targets}
        targets = await _apply_amendment(letter, targets)
        for t in targets:
            if before[t.code] != snapshot(t):
                audit.also("signLetter.amendTarget", "Target", f"{t.year}:{t.code}", before[t.code], snapshot(t))
        await _check_unit_ready(letter)
        await Letter.filter(id=letter.amends_id).update(status=LetterStatus.SUPERSEDED, superseded_by=letter.id)
    for t in targets:
        if t.status is not TargetStatus.SIGNED:
            await Target.filter(id=t.id).update(status=TargetStatus.SIGNED, version=t.version + 1)
    digest = rules.content_hash(letter_fields(letter), [target_fields(t) for t in targets])
    return {"status": LetterStatus.SIGNED, "content_hash": digest}


@dataclass(frozen=True)
class Verification:
    letter: Letter
    stored_hash: str | None
    current_hash: str
    valid: bool


async def verify_letter(ctx: RequestContext, *, letter_id: int) -> Verification:
    """Recompute a letter's content hash from its current rows and compare it with the stored one."""
    letter = await get_letter(letter_id)
    access.require_read_unit(ctx, letter.unit_code)
    targets = await bound_targets(letter.id)
    current = rules.content_hash(letter_fields(letter), [target_fields(t) for t in targets])
    return Verification(letter, letter.content_hash, current,
                        letter.content_hash is not None and letter.content_hash == current)

