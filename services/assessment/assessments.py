"""Compute (§4.1–4.2 through the pure rules), publish (with a public notice, §4.4), make final and correct a
year's assessment (its reads are in repository.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tortoise.expressions import F

from kernel import clock
from kernel.audit import audited
from kernel.context import RequestContext
from kernel.errors import BadInput, Conflict
from kernel.roles import Role
from kernel.validation import clean_text
from services.assessment import rules
from services.assessment.models import (
    AdjustmentItem,
    AdjustmentStatus,
    Appeal,
    AppealStatus,
    Assessment,
    BallotTally,
    Certification,
    GrassrootsTally,
    InspectionScore,
    Revision,
    SnapshotTarget,
    SnapshotUnit,
    Status,
    UnitResult,
)
from services.assessment.repository import View, assessment_of, current_view, settings_for
from services.assessment.snapshot import check_year, ensure_open

# --------------------------------------------------------------------------------------------------
# Compute
# --------------------------------------------------------------------------------------------------


def _decimal(value: str | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


@dataclass(frozen=True)
class Inputs:
    """A year's inputs as the rules take them, with the approved adjustment items behind each unit's points."""

    units: list[rules.UnitInput]
    adjustments: dict[str, list[dict[str, Any]]]


def adjustment_record(item: AdjustmentItem) -> dict[str, Any]:
    """An approved item as frozen with a revision's results."""
    return {"id": item.id, "points": item.points, "category": item.category, "reason": item.reason}


async def load_inputs(year: int) -> Inputs:
    """Everything the rules need for one year, in seven queries."""
    # Plain values, not ORM objects: a province's 146,000 targets and their certifications as objects cost more
    # than scoring them.
    units = await SnapshotUnit.filter(year=year).order_by("code")
    certified = {code: (actual, completion) for code, actual, completion in await Certification.filter(
        year=year).values_list("target_code", "actual_value", "completion")}
    targets: dict[str, list[rules.ScoredTarget]] = {}
    kinds = {k.value: k for k in rules.TargetKind}
    measures = {m.value: m for m in rules.Measure}
    directions = {d.value: d for d in rules.Direction}
    rows = await SnapshotTarget.filter(year=year).values_list(
        "code", "unit_code", "kind", "measure", "direction", "agreed_value", "points")
    for code, unit_code, kind, measure, direction, agreed, points in rows:
        cert = certified.get(code)
        targets.setdefault(unit_code, []).append(rules.ScoredTarget(
            code=code, kind=kinds.get(kind) or rules.TargetKind(kind), points=Decimal(points),
            measure=measures.get(measure) or rules.Measure(measure),
            direction=directions.get(direction) or rules.Direction(direction),
            agreed_value=_decimal(agreed),
            actual_value=_decimal(cert[0]) if cert else None,
            completion=_decimal(cert[1]) if cert else None,
        ))
    ballots: dict[str, list[rules.BallotCount]] = {}
    for unit_code, *counts in await BallotTally.filter(year=year).values_list(
            "unit_code", "voter_group", "excellent", "good", "fair", "poor"):
        ballots.setdefault(unit_code, []).append(rules.BallotCount(*counts))
    inspections: dict[str, list[Decimal]] = {}
    for unit_code, score in await InspectionScore.filter(year=year).values_list("unit_code", "score"):
        inspections.setdefault(unit_code, []).append(Decimal(score))
    grassroots: dict[str, list[rules.GrassrootsCount]] = {}
    for unit_code, *counts in await GrassrootsTally.filter(year=year).values_list(
            "unit_code", "satisfied", "basically_satisfied", "dissatisfied"):
        grassroots.setdefault(unit_code, []).append(rules.GrassrootsCount(*counts))
    adjustments: dict[str, list[dict[str, Any]]] = {}
    for item in await AdjustmentItem.filter(year=year, status=AdjustmentStatus.APPROVED).order_by("id"):
        adjustments.setdefault(item.unit_code, []).append(adjustment_record(item))
    return Inputs(
        units=[
            rules.UnitInput(unit_code=u.code, group=u.group or None, targets=tuple(targets.get(u.code, ())),
                            ballots=tuple(ballots.get(u.code, ())), inspections=tuple(inspections.get(u.code, ())),
                            grassroots=tuple(grassroots.get(u.code, ())),
                            adjustments=tuple(Decimal(a["points"]) for a in adjustments.get(u.code, ())))
            for u in units
        ],
        adjustments=adjustments,
    )


def group_record(group: rules.GroupResult) -> dict[str, Any]:
    return {
        "group": group.group or "",
        "unitCount": group.unit_count,
        "qualifiedCount": group.qualified_count,
        "advancedRatio": str(group.advanced_ratio),
        "advancedQuota": group.advanced_quota,
        "advancedCount": len(group.advanced_units),
        "advancedOverflow": group.advanced_overflow,
        "advancedOverflowUnits": list(group.advanced_overflow_units),
        "lastPlaceCount": group.last_place_count,
        "lastPlaceUnits": list(group.last_place_units),
        "lastPlaceShortfall": group.last_place_shortfall,
        "lastPlaceOverflow": group.last_place_overflow,
        "lastPlaceOverflowUnits": list(group.last_place_overflow_units),
    }


async def open_year(ctx: RequestContext, year: int) -> View:
    """Open the year's assessment from a snapshot of its agreed targets (once)."""
    ctx.require(Role.TARGET_OFFICE)
    await ensure_open(ctx, year)
    return await current_view(year)


async def compute(ctx: RequestContext, year: int) -> View:
    """Open the year if needed, score and rank every unit (§4.1–4.2) and store the working revision."""
    caller = ctx.require(Role.TARGET_OFFICE)
    assessment = await ensure_open(ctx, check_year(year))
    if assessment.status == Status.PUBLISHED:
        raise Conflict(f"revision {assessment.revision} of {year} is published; open a correction to recompute")
    settings = await settings_for(year)
    names = {u.code: u for u in await SnapshotUnit.filter(year=year)}
    inputs = await load_inputs(year)
    try:
        ranking = rules.assess(inputs.units, settings)
    except ValueError as exc:
        raise BadInput(f"the {year} inputs cannot be scored: {exc}") from None
    rows = [
        UnitResult(
            year=year, revision=assessment.revision, position=position, unit_code=ranked.unit_code,
            unit_name=names[ranked.unit_code].name, unit_group=ranked.group or "",
            department=str(ranked.score.department), voting=str(ranked.score.voting),
            inspection=str(ranked.score.inspection), grassroots=str(ranked.score.grassroots),
            composite=str(ranked.score.composite), qualified=ranked.score.qualified, grade=ranked.grade.value,
            rank=ranked.rank, missing=json.dumps(list(ranked.score.missing), ensure_ascii=False),
            adjustment_points=str(ranked.score.adjustment_points),
            adjustments=json.dumps(inputs.adjustments.get(ranked.unit_code, []), ensure_ascii=False),
        )
        for position, ranked in enumerate(ranking.units, start=1)
    ]
    groups = [group_record(g) for g in ranking.groups]
    async with audited(ctx, action="computeAssessment", entity="Assessment") as audit:
        audit.entity_id = f"{year}#{assessment.revision}"
        fresh = await Assessment.filter(
            year=year, revision=assessment.revision, inputs_version=assessment.inputs_version,
            status__in=[Status.OPEN, Status.COMPUTED],
        ).update(status=Status.COMPUTED)
        if not fresh:
            raise Conflict(f"the {year} inputs changed or the year was published while computing; compute again")
        await UnitResult.filter(year=year, revision=assessment.revision).delete()
        await UnitResult.bulk_create(rows, batch_size=1000)
        await Revision.filter(year=year, number=assessment.revision).update(
            computed_at=datetime.now(UTC), computed_by=caller.username,
            advanced_overflow=ranking.advanced_overflow, last_place_shortfall=ranking.last_place_shortfall,
            last_place_overflow=ranking.last_place_overflow,
            groups=json.dumps(groups, ensure_ascii=False),
            settings=json.dumps(dict(settings.as_pairs()), ensure_ascii=False),
        )
        grades: dict[str, int] = {}
        for row in rows:
            grades[row.grade] = grades.get(row.grade, 0) + 1
        audit.after = {"year": year, "revision": assessment.revision, "units": len(rows), "grades": grades,
                       "advancedOverflow": ranking.advanced_overflow,
                       "lastPlaceShortfall": ranking.last_place_shortfall}
    return await current_view(year)


# --------------------------------------------------------------------------------------------------
# Publish and correct
# --------------------------------------------------------------------------------------------------


def frozen_settings(revision: Revision) -> rules.Settings:
    """The settings a revision was computed with (stored with it; defaults for keys it predates)."""
    return rules.settings_from_pairs(json.loads(revision.settings or "{}").items())


async def publish(ctx: RequestContext, year: int) -> View:
    """Freeze the computed results of the working revision; final at once, or on public notice (§4.4)."""
    caller = ctx.require(Role.TARGET_OFFICE)
    assessment = await assessment_of(year)
    if assessment.status == Status.PUBLISHED:
        raise Conflict(f"revision {assessment.revision} of {year} is already published")
    if assessment.status != Status.COMPUTED:
        raise Conflict(f"the {year} results are missing or older than the inputs; compute the assessment first")
    revision = await Revision.get(year=year, number=assessment.revision)
    days = frozen_settings(revision).notice_days
    today = clock.today()
    ends_on = rules.notice_ends_on(today, days)
    async with audited(ctx, action="publishAssessment", entity="Assessment") as audit:
        audit.entity_id = f"{year}#{assessment.revision}"
        frozen = await Assessment.filter(
            year=year, revision=assessment.revision, inputs_version=assessment.inputs_version,
            status=Status.COMPUTED,
        ).update(status=Status.PUBLISHED)
        if not frozen:
            raise Conflict(f"the {year} inputs changed meanwhile; compute again before publishing")
        now = datetime.now(UTC)
        final = ends_on is None
        await Revision.filter(year=year, number=assessment.revision).update(
            published_at=now, published_by=caller.username, published_on=today, notice_days=days,
            notice_ends_on=ends_on,
            final_at=now if final else None, finalized_by=caller.username if final else None)
        audit.before = {"status": Status.COMPUTED.value}
        audit.after = {"status": Status.PUBLISHED.value, "revision": assessment.revision, "final": final,
                       "noticeEndsAt": ends_on.isoformat() if ends_on else None}
    return await current_view(year)


async def finalize(ctx: RequestContext, year: int) -> View:
    """Make the latest revision final: its notice has ended and no appeal on it is undecided or accepted."""
    caller = ctx.require(Role.TARGET_OFFICE)
    assessment = await assessment_of(year)
    if assessment.status != Status.PUBLISHED:
        raise Conflict(f"revision {assessment.revision} of {year} is not published; publish it first")
    revision = await Revision.get(year=year, number=assessment.revision)
    appeals = await Appeal.filter(year=year, revision=revision.number,
                                  status__in=[AppealStatus.FILED, AppealStatus.ACCEPTED]).order_by("id")
    refusal = rules.finalize_refusal(
        final=revision.final_at is not None, ends_on=revision.notice_ends_on, today=clock.today(),
        undecided=[f"#{a.id} ({a.unit_code})" for a in appeals if a.status == AppealStatus.FILED],
        accepted=[f"#{a.id} ({a.unit_code})" for a in appeals if a.status == AppealStatus.ACCEPTED])
    if refusal:
        raise Conflict(f"revision {revision.number} of {year} cannot be made final: {refusal}")
    async with audited(ctx, action="finalizeAssessment", entity="Assessment") as audit:
        audit.entity_id = f"{year}#{revision.number}"
        still = await Assessment.filter(year=year, revision=revision.number, status=Status.PUBLISHED).update(
            status=Status.PUBLISHED)
        done = still and await Revision.filter(
            id=revision.id, final_at__isnull=True, blocking_appeals=0,
        ).update(final_at=datetime.now(UTC), finalized_by=caller.username)
        if not done:
            raise Conflict(f"revision {revision.number} of {year} changed meanwhile (an appeal, a correction or "
                           "another finalisation); reload and try again")
        audit.before = {"final": False, "noticeEndsAt": revision.notice_ends_on.isoformat()
                        if revision.notice_ends_on else None}
        audit.after = {"final": True, "revision": revision.number}
    return await current_view(year)


MAX_REASON = 2000


async def open_correction(ctx: RequestContext, year: int, reason: str) -> View:
    """Open revision N+1 of a published year: inputs become editable again; N stays as published."""
    caller = ctx.require(Role.TARGET_OFFICE)
    reason = clean_text(reason, field="reason", limit=MAX_REASON, missing="a correction needs a reason")
    assessment = await assessment_of(year)
    if assessment.status != Status.PUBLISHED:
        raise Conflict(f"revision {assessment.revision} of {year} is not published yet; correct its inputs "
                       "and compute again instead")
    number = assessment.revision + 1
    async with audited(ctx, action="openCorrection", entity="Assessment") as audit:
        audit.entity_id = f"{year}#{number}"
        opened = await Assessment.filter(year=year, revision=assessment.revision, status=Status.PUBLISHED).update(
            status=Status.OPEN, revision=number, inputs_version=F("inputs_version") + 1)
        if not opened:
            raise Conflict(f"a correction of {year} was opened meanwhile")
        await Revision.create(year=year, number=number, reason=reason, opened_by=caller.username)
        audit.before = {"revision": assessment.revision, "status": Status.PUBLISHED.value}
        audit.after = {"revision": number, "status": Status.OPEN.value, "reason": reason}
    return await current_view(year)
