"""Adjustment items (加减分, DESIGN.md §4.2): a unit's bonus and deduction points for a year.

An item is proposed by the supervision office or the target office (unit, points, category, reason, evidence)
and counts once a *different* target-office account approves it (or is rejected with a reason): no one both
proposes and approves. `adjustments.csv` rows are approved as imported (the target office vouches for them
by importing). Items are inputs of the year's assessment like the four sources: approving one, or importing,
marks computed results stale and is refused while the current revision is published (open a correction).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tortoise.expressions import F

from kernel.audit import AuditDraft, audited
from kernel.auth import Caller
from kernel.context import RequestContext
from kernel.errors import BadInput, Forbidden, NotFound
from kernel.ids import record_id
from kernel.roles import Role
from kernel.tabular import RowErrors
from kernel.validation import clean_text
from services.assessment import rules
from services.assessment.decisions import check_pending, record_decision
from services.assessment.inputs import (
    ImportResult,
    UnitRow,
    check_unit_file,
    mark_changed,
    refuse_if_published,
)
from services.assessment.models import AdjustmentItem, AdjustmentStatus, Assessment, SnapshotUnit
from services.assessment.rules import CENT
from services.assessment.snapshot import check_year, ensure_open

PROPOSERS = (Role.TARGET_OFFICE, Role.SUPERVISION_OFFICE)
MAX_CATEGORY = 64
MAX_REASON = 2000
MAX_EVIDENCE = 4000
BONUS, DEDUCTION = "加分", "扣分"


@dataclass(frozen=True)
class AdjustmentRow(UnitRow):
    points: str | None = None
    reason: str | None = None


def default_category(points: Decimal) -> str:
    return BONUS if points > 0 else DEDUCTION


async def _get(item_id: str) -> AdjustmentItem:
    item = await AdjustmentItem.get_or_none(id=key) if (key := record_id(item_id)) else None
    if item is None:
        raise NotFound(f"no adjustment item {item_id}", field="id")
    return item


async def propose(ctx: RequestContext, *, year: int, unit_code: str, points: Decimal, category: str, reason: str,
                  evidence: str = "") -> AdjustmentItem:
    """Propose one item (supervision office or target office); it counts once another account approves it."""
    caller = ctx.require(*PROPOSERS)
    check_year(year)
    problem = rules.points_problem(points)
    if problem:
        raise BadInput(f"points {problem}", field="points")
    category = clean_text(category, field="category", limit=MAX_CATEGORY)
    reason = clean_text(reason, field="reason", limit=MAX_REASON)
    evidence = clean_text(evidence, field="evidence", limit=MAX_EVIDENCE, required=False)
    unit_code = (unit_code or "").strip()
    points = Decimal(points).quantize(CENT)
    await ensure_open(ctx, year)
    if not await SnapshotUnit.exists(year=year, code=unit_code):
        raise BadInput(f"{unit_code or '(empty)'} is not a unit of the {year} assessment", field="unitCode")
    async with audited(ctx, action="proposeAdjustment", entity="AdjustmentItem") as audit:
        item = await AdjustmentItem.create(
            year=year, unit_code=unit_code, points=str(points), category=category, reason=reason,
            evidence=evidence, status=AdjustmentStatus.PROPOSED, proposed_by=caller.username,
            proposed_role=caller.primary_role)
        audit.entity_id = str(item.id)
        audit.after = {"year": year, "unit": unit_code, "points": str(points), "category": category,
                       "reason": reason, "status": AdjustmentStatus.PROPOSED.value}
    return item


async def decide(ctx: RequestContext, *, item_id: str, version: int, approve: bool,
                 reason: str | None = None) -> AdjustmentItem:
    """Approve or reject a proposed item: a target-office account other than the one that proposed it."""
    caller = ctx.require(Role.TARGET_OFFICE)
    action = "approveAdjustment" if approve else "rejectAdjustment"
    note = clean_text(reason, field="reason", limit=MAX_REASON, required=not approve) or None
    item = await _get(item_id)
    label = f"adjustment item {item.id}"
    check_pending(item, label=label, pending=AdjustmentStatus.PROPOSED, version=version)
    if caller.username == item.proposed_by:
        raise Forbidden(f"{caller.username} proposed adjustment item {item.id}; a different target-office account "
                        "approves or rejects it")
    assessment = await Assessment.get_or_none(year=item.year)
    if approve and assessment is not None:
        refuse_if_published([assessment])
    status = AdjustmentStatus.APPROVED if approve else AdjustmentStatus.REJECTED
    async with audited(ctx, action=action, entity="AdjustmentItem") as audit:
        audit.entity_id = str(item.id)
        await record_decision(AdjustmentItem, item, label=label, pending=AdjustmentStatus.PROPOSED, version=version,
                              status=status, decided_by=caller.username, decision_reason=note)
        if approve and assessment is not None:
            await mark_changed([item.year])
        audit.before = {"status": AdjustmentStatus.PROPOSED.value, "version": version}
        audit.after = {"status": status.value, "version": version + 1, "unit": item.unit_code,
                       "points": item.points, "reason": note}
    return await AdjustmentItem.get(id=item.id)


async def import_adjustments(ctx: RequestContext, rows: list[AdjustmentRow]) -> ImportResult:
    """Load adjustments.csv rows as approved items, all or nothing.

    An imported item is keyed by year, unit and reason: importing the same file again changes nothing, a row
    with new points updates that item, and items the file does not name are left alone.
    """
    caller = ctx.require(Role.TARGET_OFFICE)
    checked = await check_unit_file(ctx, rows, "adjustments.csv", _adjustment_cells)
    seen: dict[tuple[int, str, str], int] = {}
    incoming: dict[tuple[int, str, str], Decimal] = {}
    for c in checked.rows:
        points, reason = c.values
        if points is None or reason is None:
            continue
        key = (c.year, c.unit, reason)
        if checked.errors.first_time(seen, key, c.given.row, "reason",
                                     f"the same item of {c.unit} (same reason) is also"):
            incoming[key] = points.quantize(CENT)
    checked.errors.raise_if_any()
    refuse_if_published(checked.opened.values())
    async with audited(ctx, action="importAdjustments", entity="AdjustmentItem") as audit:
        audit.entity_id = ",".join(str(y) for y in sorted(checked.opened))
        return await _write_imported(caller, checked.opened, incoming, audit)


def _adjustment_cells(errors: RowErrors, r: AdjustmentRow) -> tuple[Decimal | None, str | None]:
    points = errors.decimal(r.row, "points", r.points)
    problem = rules.points_problem(points) if points is not None else None
    if problem:
        errors.add(r.row, "points", f"{points} {problem}")
        points = None
    return points, errors.text(r.row, "reason", r.reason, max_length=MAX_REASON)


async def _write_imported(caller: Caller, years: Iterable[int], incoming: dict[tuple[int, str, str], Decimal],
                          audit: AuditDraft) -> ImportResult:
    """Inside the import's transaction: create the new items, update the points of those imported before."""
    existing = {(i.year, i.unit_code, i.reason): i for i in await AdjustmentItem.filter(
        year__in=sorted(years), imported=True, status=AdjustmentStatus.APPROVED)}
    now = datetime.now(UTC)
    created: list[AdjustmentItem] = []
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    updated = unchanged = 0
    for (year, unit, reason), points in incoming.items():
        label = f"{year}/{unit}/{reason}"
        item = existing.get((year, unit, reason))
        if item is None:
            created.append(AdjustmentItem(
                year=year, unit_code=unit, points=str(points), category=default_category(points), reason=reason,
                status=AdjustmentStatus.APPROVED, imported=True, proposed_by=caller.username,
                proposed_role=caller.primary_role, decided_by=caller.username, decided_at=now,
                decision_reason="adjustments.csv"))
            after[label] = str(points)
        elif Decimal(item.points) != points:
            await AdjustmentItem.filter(id=item.id).update(points=str(points), category=default_category(points),
                                                           version=F("version") + 1, decided_at=now)
            before[label], after[label] = item.points, str(points)
            updated += 1
        else:
            unchanged += 1
    if created:
        await AdjustmentItem.bulk_create(created, batch_size=1000)
    if created or updated:
        await mark_changed(years)
    audit.before = before or None
    audit.after = {"created": len(created), "updated": updated, "unchanged": unchanged, "changes": after}
    return ImportResult(created=len(created), updated=updated, unchanged=unchanged)
