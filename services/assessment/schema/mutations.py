"""The assessment subgraph's mutations: each a call of one domain function and the type of what it wrote."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types import Info

from kernel.bulk import gc_paused, release_memory_soon
from kernel.context import RequestContext
from kernel.graphql import ImportReport
from kernel.rows import import_rows
from services.assessment import adjustments, appeals, assessments, inputs, models, repository, settings
from services.assessment.schema.inputs import (
    ADJUSTMENT_COLUMNS,
    BALLOT_COLUMNS,
    CERTIFICATION_COLUMNS,
    GRASSROOTS_COLUMNS,
    INSPECTION_COLUMNS,
    SETTING_COLUMNS,
    AppealDecision,
    Rows,
    text,
)
from services.assessment.schema.types import (
    AdjustmentItem,
    Appeal,
    AssessedTarget,
    Assessment,
    AssessmentSettings,
    BallotTally,
    GrassrootsTally,
    InspectionEntry,
)


def _import(file: str, columns: tuple[str, ...], make: Callable[..., Any],
            load: Callable[[RequestContext, list[Any]], Awaitable[Any]], what: str = "rows") -> Any:
    """The mutation loading a file: its rows (each made by `make`) go to the domain function `load`, all or
    nothing. The cyclic collector waits while it runs: a file's rows (none in a cycle) would otherwise start a
    full collection of everything the process holds — most of the request's processor time for a small file."""
    async def resolve(info: Info[RequestContext, None], rows: Rows) -> ImportReport:
        with gc_paused():
            result = await load(info.context, import_rows(rows, columns, file, make))
        release_memory_soon(len(rows))
        return ImportReport(file=file, created=result.created, updated=result.updated, unchanged=result.unchanged)

    return strawberry.mutation(resolver=resolve, description=f"Load {file} {what}, all or nothing")


async def _assessment(view: Awaitable[repository.View]) -> Assessment:
    return Assessment.from_view(await view)


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def set_assessment_setting(self, info: Info[RequestContext, None], year: int, key: str,
                                     value: str) -> AssessmentSettings:
        return AssessmentSettings.build(year, await settings.set_setting(info.context, year=year, key=key,
                                                                        value=value))

    import_settings = _import("settings.csv", SETTING_COLUMNS, settings.SettingRow,
                              settings.import_settings)

    @strawberry.mutation(description="Open the year's assessment from a snapshot of its agreed targets (once)")
    async def open_assessment(self, info: Info[RequestContext, None], year: int) -> Assessment:
        return await _assessment(assessments.open_year(info.context, year))

    @strawberry.mutation(description="Open the assessment if needed, then score and rank every unit (§4)")
    async def compute_assessment(self, info: Info[RequestContext, None], year: int) -> Assessment:
        with gc_paused():  # a province's 146,000 targets as rule inputs
            return await _assessment(assessments.compute(info.context, year))

    @strawberry.mutation(description="Freeze the computed results as the working revision")
    async def publish_assessment(self, info: Info[RequestContext, None], year: int) -> Assessment:
        return await _assessment(assessments.publish(info.context, year))

    @strawberry.mutation(description="Make the latest revision final once its public notice has ended and no "
                                     "appeal on it is undecided (docs/rules.md §4)")
    async def finalize_assessment(self, info: Info[RequestContext, None], year: int) -> Assessment:
        return await _assessment(assessments.finalize(info.context, year))

    @strawberry.mutation(description="Open revision N+1 of a published year; its inputs become editable")
    async def open_correction(self, info: Info[RequestContext, None], year: int, reason: str) -> Assessment:
        return await _assessment(assessments.open_correction(info.context, year, reason))

    import_certifications = _import("certifications.csv", CERTIFICATION_COLUMNS, inputs.CertificationRow,
                                    inputs.import_certifications)

    import_ballots = _import("ballots.csv", BALLOT_COLUMNS, inputs.BallotRow, inputs.import_ballots)

    import_inspections = _import("inspections.csv", INSPECTION_COLUMNS, inputs.InspectionRow,
                                 inputs.import_inspections)

    import_grassroots = _import("grassroots.csv", GRASSROOTS_COLUMNS, inputs.GrassrootsRow,
                                inputs.import_grassroots)

    import_adjustments = _import("adjustments.csv", ADJUSTMENT_COLUMNS, adjustments.AdjustmentRow,
                                 adjustments.import_adjustments, "rows as approved items")

    @strawberry.mutation(description="Propose a 加减分 item (supervision office or target office); it counts once "
                                     "a different target-office account approves it")
    async def propose_adjustment(self, info: Info[RequestContext, None], year: int, unit_code: strawberry.ID,
                                 points: Decimal, category: str, reason: str,
                                 evidence: str = "") -> AdjustmentItem:
        item = await adjustments.propose(info.context, year=year, unit_code=str(unit_code), points=points,
                                         category=category, reason=reason, evidence=evidence)
        return AdjustmentItem.from_row(item)

    @strawberry.mutation(description="Approve a proposed item (a target-office account other than the proposer)")
    async def approve_adjustment(self, info: Info[RequestContext, None], id: strawberry.ID, version: int,
                                 reason: str | None = None) -> AdjustmentItem:
        item = await adjustments.decide(info.context, item_id=str(id), version=version, approve=True, reason=reason)
        return AdjustmentItem.from_row(item)

    @strawberry.mutation(description="Reject a proposed item with a reason (a target-office account other than "
                                     "the proposer)")
    async def reject_adjustment(self, info: Info[RequestContext, None], id: strawberry.ID, version: int,
                                reason: str) -> AdjustmentItem:
        item = await adjustments.decide(info.context, item_id=str(id), version=version, approve=False, reason=reason)
        return AdjustmentItem.from_row(item)

    @strawberry.mutation(description="File an appeal against the unit's own result while it is on public notice "
                                     "(the unit's operator, or a leader of the unit)")
    async def file_appeal(self, info: Info[RequestContext, None], year: int, unit_code: strawberry.ID,
                          reason: str) -> Appeal:
        return Appeal.from_row(await appeals.file(info.context, year=year, unit_code=str(unit_code), reason=reason))

    @strawberry.mutation(description="Accept or reject an appeal with a written reason (target office)")
    async def decide_appeal(self, info: Info[RequestContext, None], id: strawberry.ID, version: int,
                            decision: AppealDecision, reason: str) -> Appeal:
        appeal = await appeals.decide(info.context, appeal_id=str(id), version=version,
                                      accepted=decision == AppealDecision.ACCEPTED, reason=reason)
        return Appeal.from_row(appeal)

    @strawberry.mutation(description="Certify one target (its assessing department or the target office)")
    async def certify_target(self, info: Info[RequestContext, None], year: int, target_code: strawberry.ID,
                             actual_value: Decimal | None = None, completion: Decimal | None = None,
                             note: str | None = None) -> AssessedTarget:
        await inputs.single(inputs.import_certifications(info.context, [inputs.CertificationRow(
            row=1, target_code=str(target_code), year=str(year), actual_value=text(actual_value),
            completion=text(completion), note=note)]))
        pairs = await repository.snapshot_targets(info.context, year, None)
        return next(AssessedTarget.build(t, c) for t, c in pairs if t.code == str(target_code))

    @strawberry.mutation(description="Set the ballots of one voter group for one unit")
    async def set_ballots(self, info: Info[RequestContext, None], year: int, unit_code: strawberry.ID,
                          voter_group: str, excellent: int = 0, good: int = 0, fair: int = 0,
                          poor: int = 0) -> BallotTally:
        await inputs.single(inputs.import_ballots(info.context, [inputs.BallotRow(
            row=1, unit_code=str(unit_code), year=str(year), voter_group=voter_group, excellent=str(excellent),
            good=str(good), fair=str(fair), poor=str(poor))]))
        row = await repository.source_row(models.BallotTally, year=year, unit_code=str(unit_code),
                                          voter_group=voter_group.strip())
        return BallotTally.from_row(row)

    @strawberry.mutation(description="Set one inspector's score (0–100) for one unit")
    async def set_inspection_score(self, info: Info[RequestContext, None], year: int, unit_code: strawberry.ID,
                                   inspector: str, score: Decimal) -> InspectionEntry:
        await inputs.single(inputs.import_inspections(info.context, [inputs.InspectionRow(
            row=1, unit_code=str(unit_code), year=str(year), inspector=inspector, score=str(score))]))
        row = await repository.source_row(models.InspectionScore, year=year, unit_code=str(unit_code),
                                          inspector=inspector.strip())
        return InspectionEntry.from_row(row)

    @strawberry.mutation(description="Set the grassroots responses for one unit")
    async def set_grassroots(self, info: Info[RequestContext, None], year: int, unit_code: strawberry.ID,
                             satisfied: int = 0, basically_satisfied: int = 0,
                             dissatisfied: int = 0) -> GrassrootsTally:
        await inputs.single(inputs.import_grassroots(info.context, [inputs.GrassrootsRow(
            row=1, unit_code=str(unit_code), year=str(year), satisfied=str(satisfied),
            basically_satisfied=str(basically_satisfied), dissatisfied=str(dissatisfied))]))
        row = await repository.source_row(models.GrassrootsTally, year=year, unit_code=str(unit_code))
        return GrassrootsTally.from_row(row)
