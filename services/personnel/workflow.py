"""The filing-form workflow (DRAFT → REVIEWED → TRANSFERRED → ARCHIVED) and leader-adjustment cases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.models import Model

from kernel.audit import audited
from kernel.context import RequestContext
from kernel.errors import BadInput, Conflict, NotFound
from kernel.roles import Role
from services.personnel.models import AdjustmentStatus, DecisionKind, FilingRecord, FilingStatus, LeaderAdjustment
from services.personnel.versions import check_version

REVIEWERS = (Role.SUPERVISION_OFFICE, Role.TARGET_OFFICE)
ARCHIVISTS = (Role.ORGANIZATION_DEPT,)
DECIDERS = (Role.ORGANIZATION_DEPT,)
REMARKS_MAX = 2000


def record_id(value: str) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise NotFound(f"no record {value}") from None


def filing_snapshot(record: FilingRecord) -> dict[str, Any]:
    return {"id": record.id, "year": record.year, "staff_no": record.staff_no, "status": record.status.value,
            "remarks": record.remarks, "version": record.version, "reviewed_by": record.reviewed_by,
            "transferred_by": record.transferred_by, "archived_by": record.archived_by}


def adjustment_snapshot(case: LeaderAdjustment) -> dict[str, Any]:
    return {"id": case.id, "year": case.year, "staff_no": case.staff_no, "status": case.status.value,
            "decision_kind": case.decision_kind.value if case.decision_kind else None,
            "decision_text": case.decision_text, "execution_note": case.execution_note, "version": case.version}


def _acting_role(caller_roles: frozenset[str], allowed: tuple[str, ...]) -> str:
    held = [r for r in allowed if r in caller_roles]
    return held[0] if held else "SERVICE"


async def _locked_step(model: type[Model], ident: int, version: int, changes: dict[str, Any], label: str) -> None:
    """Write `changes` only if the row is still at `version` (optimistic locking)."""
    updated = await model.filter(id=ident, version=version).update(**changes, version=version + 1)
    if not updated:
        raise Conflict(f"{label} was changed by someone else since version {version}; reload and try again",
                       field="version")


async def _filing(ident: int, version: int) -> FilingRecord:
    record = await FilingRecord.get_or_none(id=ident)
    if record is None:
        raise NotFound(f"no filing record {ident}")
    if record.status is FilingStatus.ARCHIVED:
        raise Conflict(f"filing record {ident} is archived in the cadre file and can no longer change")
    check_version(record, version, f"filing record {ident}")
    return record


async def _filing_step(ctx: RequestContext, *, action: str, ident: str, version: int, allowed: tuple[str, ...],
                       source: FilingStatus, target: FilingStatus, stamp: dict[str, Any]) -> FilingRecord:
    caller = ctx.require(*allowed)
    key = record_id(ident)
    async with audited(ctx, action=action, entity="FilingRecord") as audit:
        audit.entity_id = str(key)
        record = await _filing(key, version)
        if record.status is not source:
            raise Conflict(f"filing record {key} is {record.status.value}; only a {source.value} record can "
                           f"become {target.value}", field="status")
        audit.before = filing_snapshot(record)
        now = datetime.now(UTC)
        values = {k: (now if v is _NOW else caller.username if v is _WHO else
                      _acting_role(caller.roles, allowed) if v is _ROLE else v) for k, v in stamp.items()}
        await _locked_step(FilingRecord, key, version, {**values, "status": target, "updated_at": now},
                           f"filing record {key}")
        record = await FilingRecord.get(id=key)
        audit.after = filing_snapshot(record)
    return record


_NOW, _WHO, _ROLE = object(), object(), object()


def _remarks(remarks: str | None) -> str | None:
    if remarks is None:
        return None
    if len(remarks) > REMARKS_MAX:
        raise BadInput(f"remarks are limited to {REMARKS_MAX} characters", field="remarks")
    return remarks.strip()


async def review_filing_record(ctx: RequestContext, *, ident: str, version: int, remarks: str | None
                               ) -> FilingRecord:
    """DRAFT → REVIEWED by the supervision office or the target office, who sign it (may add remarks)."""
    stamp: dict[str, Any] = {"reviewed_by": _WHO, "reviewed_role": _ROLE, "reviewed_at": _NOW}
    cleaned = _remarks(remarks)
    if cleaned is not None:
        stamp["remarks"] = cleaned
    return await _filing_step(ctx, action="reviewFilingRecord", ident=ident, version=version, allowed=REVIEWERS,
                              source=FilingStatus.DRAFT, target=FilingStatus.REVIEWED, stamp=stamp)


async def transfer_filing_record(ctx: RequestContext, *, ident: str, version: int) -> FilingRecord:
    """REVIEWED → TRANSFERRED to the organisation department, signed by the supervision or target office."""
    stamp = {"transferred_by": _WHO, "transferred_role": _ROLE, "transferred_at": _NOW}
    return await _filing_step(ctx, action="transferFilingRecord", ident=ident, version=version, allowed=REVIEWERS,
                              source=FilingStatus.REVIEWED, target=FilingStatus.TRANSFERRED, stamp=stamp)


async def archive_filing_record(ctx: RequestContext, *, ident: str, version: int) -> FilingRecord:
    """TRANSFERRED → ARCHIVED into the cadre file by the organisation department; immutable from then on."""
    stamp = {"archived_by": _WHO, "archived_at": _NOW}
    return await _filing_step(ctx, action="archiveFilingRecord", ident=ident, version=version, allowed=ARCHIVISTS,
                              source=FilingStatus.TRANSFERRED, target=FilingStatus.ARCHIVED, stamp=stamp)


async def _adjustment_step(ctx: RequestContext, *, action: str, key: int, version: int, source: AdjustmentStatus,
                           verb: str, changes: dict[str, Any]) -> LeaderAdjustment:
    """Move case `key` on from `source`, writing `changes` (`_NOW`: the time of the step)."""
    async with audited(ctx, action=action, entity="LeaderAdjustment") as audit:
        audit.entity_id = str(key)
        case = await LeaderAdjustment.get_or_none(id=key)
        if case is None:
            raise NotFound(f"no leader adjustment {key}")
        check_version(case, version, f"leader adjustment {key}")
        if case.status is not source:
            raise Conflict(f"leader adjustment {key} is {case.status.value}; only a {source.value} case can be "
                           f"{verb}", field="status")
        audit.before = adjustment_snapshot(case)
        now = datetime.now(UTC)
        values = {k: now if v is _NOW else v for k, v in changes.items()}
        await _locked_step(LeaderAdjustment, key, version, {**values, "updated_at": now}, f"leader adjustment {key}")
        case = await LeaderAdjustment.get(id=key)
        audit.after = adjustment_snapshot(case)
    return case


async def decide_adjustment(ctx: RequestContext, *, ident: str, version: int, kind: DecisionKind, text: str
                            ) -> LeaderAdjustment:
    """PROPOSED → DECIDED, by the organisation department, with the kind of adjustment and the decision text."""
    caller = ctx.require(*DECIDERS)
    key = record_id(ident)
    decision = (text or "").strip()
    if not decision:
        raise BadInput("the decision text is required", field="text")
    if len(decision) > REMARKS_MAX:
        raise BadInput(f"the decision text is limited to {REMARKS_MAX} characters", field="text")
    return await _adjustment_step(
        ctx, action="decideLeaderAdjustment", key=key, version=version, source=AdjustmentStatus.PROPOSED,
        verb="decided", changes={"status": AdjustmentStatus.DECIDED, "decision_kind": kind,
                                 "decision_text": decision, "decided_by": caller.username, "decided_at": _NOW})


async def execute_adjustment(ctx: RequestContext, *, ident: str, version: int, note: str | None
                             ) -> LeaderAdjustment:
    """DECIDED → EXECUTED, by the organisation department."""
    caller = ctx.require(*DECIDERS)
    key = record_id(ident)
    cleaned = _remarks(note) or ""
    return await _adjustment_step(
        ctx, action="executeLeaderAdjustment", key=key, version=version, source=AdjustmentStatus.DECIDED,
        verb="executed", changes={"status": AdjustmentStatus.EXECUTED, "executed_by": caller.username,
                                  "executed_at": _NOW, "execution_note": cleaned})
