"""Negotiation (磋商): proposal, acceptance or counter-proposal, agreement; and the session calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from kernel.audit import audited
from kernel.context import RequestContext
from kernel.errors import BadInput, Conflict, Forbidden
from kernel.roles import Role
from kernel.validation import clean_text
from services.targets import access, calendar, rules
from services.targets.catalog import (
    OPEN_FOR_NEGOTIATION,
    check_not_frozen,
    check_version,
    get_target,
    open_year,
    save_versioned,
    snapshot,
)
from services.targets.models import NegotiationRound, NegotiationSession, RoundAction, Target, Unit

REASON_MAX = 2000


def _reason(text: str | None, *, required: bool, name: str = "reason") -> str:
    return clean_text(text, field=name, limit=REASON_MAX, required=required, missing=f"give a {name}")


async def _round(ctx: RequestContext, target: Target, action: RoundAction, value: Decimal | None,
                 reason: str) -> NegotiationRound:
    caller = ctx.caller
    assert caller is not None
    return await NegotiationRound.create(
        target_id=target.id, action=action, value=value, reason=reason, actor=caller.username,
        role=caller.primary_role, at=datetime.now(UTC),
    )


async def _step(ctx: RequestContext, *, action: str, year: int, code: str, version: int, move: str,
                round_action: RoundAction, value: Decimal | None, reason: str,
                override_reason: str | None = None) -> Target:
    async with audited(ctx, action=action, entity="Target") as audit:
        audit.entity_id = f"{year}:{code}"
        target = await get_target(year, code)
        if round_action in (RoundAction.ACCEPT, RoundAction.COUNTER):
            access.require_write_unit(ctx, target.unit_code)
        audit.before = snapshot(target)
        await open_year(year, OPEN_FOR_NEGOTIATION)
        check_version(target, version)
        check_not_frozen(target)
        if target.parent_code is not None:
            raise Conflict(f"target {code} is a decomposed target; only top-level targets are negotiated",
                           field="code")
        status = rules.target_move(target.status, move)
        if status is None:
            raise Conflict(f"target {code} is {target.status.value}; it cannot be {move}d now",
                           field="status", currentStatus=target.status.value)
        values: dict[str, object] = {"status": status}
        if round_action is RoundAction.AGREE:
            value = value if value is not None else target.proposed_value
            if value is None:
                raise BadInput("give the agreed value", field="value")
            if rules.needs_stretch_override(value, target.baseline, target.direction):
                if not override_reason:
                    raise BadInput(
                        f"{rules.plain(value)} does not improve on the baseline {rules.plain(target.baseline)} "
                        f"({target.direction.value}): no stretch (自娱自乐); give an overrideReason to agree it "
                        "anyway", field="overrideReason")
                values["stretch_override"] = override_reason
                audit.detail = f"stretch override: {override_reason}"
            else:
                values["stretch_override"] = None
            values["agreed_value"] = value
        elif value is not None:
            values["proposed_value"] = value
        target = await save_versioned(target, version, **values)
        await _round(ctx, target, round_action, value, reason or (override_reason or ""))
        audit.after = snapshot(target) | ({"overrideReason": override_reason} if override_reason else {})
    return target


async def propose(ctx: RequestContext, *, year: int, code: str, version: int, value: Decimal,
                  reason: str | None) -> Target:
    """The target office proposes a value (DRAFT/PROPOSED/NEGOTIATING → PROPOSED)."""
    ctx.require(Role.TARGET_OFFICE)
    return await _step(ctx, action="proposeTarget", year=year, code=code, version=version, move="propose",
                       round_action=RoundAction.PROPOSE, value=value, reason=_reason(reason, required=False))


def _require_operator(ctx: RequestContext) -> None:
    caller = ctx.require(Role.UNIT_OPERATOR)
    if not caller.is_service and not caller.unit:
        raise Forbidden("a unit operator account needs a unit")


async def accept(ctx: RequestContext, *, year: int, code: str, version: int, reason: str | None) -> Target:
    """The unit's operator accepts the value on the table (stays PROPOSED, for a leader to agree)."""
    _require_operator(ctx)
    return await _step(ctx, action="acceptProposal", year=year, code=code, version=version, move="accept",
                       round_action=RoundAction.ACCEPT, value=None, reason=_reason(reason, required=False))


async def counter(ctx: RequestContext, *, year: int, code: str, version: int, value: Decimal,
                  reason: str | None) -> Target:
    """The unit's operator counter-proposes a value with a reason (→ NEGOTIATING)."""
    _require_operator(ctx)
    return await _step(ctx, action="counterPropose", year=year, code=code, version=version, move="counter",
                       round_action=RoundAction.COUNTER, value=value, reason=_reason(reason, required=True))


async def agree(ctx: RequestContext, *, year: int, code: str, version: int, value: Decimal | None,
                override_reason: str | None, reason: str | None) -> Target:
    """A leader agrees a value (→ AGREED); a value without stretch needs an override reason."""
    ctx.require(Role.LEADER)
    return await _step(ctx, action="agreeTarget", year=year, code=code, version=version, move="agree",
                       round_action=RoundAction.AGREE, value=value, reason=_reason(reason, required=False),
                       override_reason=_reason(override_reason, required=False, name="overrideReason") or None)


# ---- the calendar --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleResult:
    sessions: list[NegotiationSession]
    unscheduled: list[str]


async def schedule(ctx: RequestContext, *, year: int, start: date, days: int, sessions_per_day: int, rooms: int,
                   leaders: list[calendar.Leader], unit_codes: list[str] | None) -> ScheduleResult:
    """(Re)plan the year's face-to-face sessions: every unit once, no leader in two places at once."""
    ctx.require(Role.TARGET_OFFICE)
    if not 1 <= days <= 60:
        raise BadInput("the period is 1–60 working days", field="days")
    if not 1 <= sessions_per_day <= 12:
        raise BadInput("1–12 sessions a day", field="sessionsPerDay")
    if not 1 <= rooms <= 10:
        raise BadInput("1–10 rooms", field="rooms")
    async with audited(ctx, action="scheduleNegotiations", entity="NegotiationSession") as audit:
        audit.entity_id = str(year)
        await open_year(year, OPEN_FOR_NEGOTIATION)
        known = list(await Unit.all().order_by("code").values_list("code", flat=True))
        units = known if unit_codes is None else list(dict.fromkeys(unit_codes))
        missing = sorted(set(units) - set(known))
        if missing:
            raise BadInput(f"no unit {', '.join(missing)}", field="unitCodes")
        plan = calendar.schedule(units, leaders, start=start, days=days, sessions_per_day=sessions_per_day,
                                 rooms=rooms)
        await NegotiationSession.filter(year=year).delete()
        rows = [NegotiationSession(year=year, day=s.day, slot=s.slot, room=s.room, unit_code=s.unit,
                                   leaders=",".join(s.leaders)) for s in plan.sessions]
        await NegotiationSession.bulk_create(rows)
        audit.after = {"sessions": len(rows), "unscheduled": plan.unscheduled, "start": start.isoformat(),
                       "days": days, "sessionsPerDay": sessions_per_day, "rooms": rooms}
    sessions = await NegotiationSession.filter(year=year).order_by("day", "slot", "room")
    return ScheduleResult(sessions=sessions, unscheduled=plan.unscheduled)

