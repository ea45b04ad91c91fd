"""The targets subgraph's Mutation: thin resolvers; `inputs` turns the arguments into the domain's."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from kernel.bulk import gc_paused, release_memory_soon
from kernel.graphql import ImportReport
from kernel.ids import record_id
from kernel.rows import import_rows
from services.targets import catalog, letter_batches, letters, negotiation, progress, units
from services.targets.schema.inputs import (
    ROWS_HELP,
    UNIT_COLUMNS,
    ChildTargetInput,
    LeaderInput,
    LetterSignatureInput,
    NewLetterInput,
    NewTargetInput,
    ProgressReportInput,
    TargetAmendmentInput,
    TargetChangeInput,
    amendment_changes,
    child_specs,
    leader_specs,
    letter_spec,
    progress_entries,
    signature_specs,
    target_spec,
    unit_rows,
)
from services.targets.schema.types import (
    AssessmentYear,
    Ctx,
    LetterSide,
    NegotiationSchedule,
    NegotiationSession,
    ProgressReport,
    ResponsibilityLetter,
    Target,
    Unit,
    UnitKind,
    YearStatus,
)


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def create_unit(self, info: Ctx, code: strawberry.ID, name: str, kind: UnitKind,
                          group: str | None = None) -> Unit:
        row = await units.create_unit(info.context, code=str(code), name=name, kind=kind.value, group=group)
        return Unit.from_row(row)

    @strawberry.mutation
    async def update_unit(self, info: Ctx, code: strawberry.ID, version: int, name: str | None = None,
                          kind: UnitKind | None = None, group: str | None = None) -> Unit:
        row = await units.update_unit(info.context, code=str(code), version=version, name=name,
                                        kind=kind.value if kind else None, group=group)
        return Unit.from_row(row)

    @strawberry.mutation(description="Load units.csv rows, all or nothing")
    async def import_units(
        self, info: Ctx, rows: Annotated[list[JSON], strawberry.argument(description=ROWS_HELP)]
    ) -> ImportReport:
        parsed = import_rows(rows, UNIT_COLUMNS, "units.csv")
        result = await units.import_units(info.context, unit_rows(parsed))
        return ImportReport(file="units.csv", created=result.created, updated=result.updated,
                            unchanged=result.unchanged)

    @strawberry.mutation(description="Open an assessment year (PLANNING)")
    async def create_year(self, info: Ctx, year: int) -> AssessmentYear:
        return AssessmentYear.from_row(await catalog.create_year(info.context, year=year))

    @strawberry.mutation(description="Move a year one step: PLANNING → NEGOTIATING → SIGNED → EXECUTING → CLOSED")
    async def advance_year(self, info: Ctx, year: int, status: YearStatus, version: int) -> AssessmentYear:
        row = await catalog.advance_year(info.context, year=year, status=status.value, version=version)
        return AssessmentYear.from_row(row)

    @strawberry.mutation(description="Load targets.csv rows, all or nothing; imported targets are AGREED")
    async def import_targets(
        self, info: Ctx, rows: Annotated[list[JSON], strawberry.argument(description=ROWS_HELP)]
    ) -> ImportReport:
        with gc_paused():
            typed = import_rows(rows, catalog.TARGET_COLUMNS, "targets.csv", make=catalog.TargetRow)
            result = await catalog.import_targets(info.context, typed)
        release_memory_soon(len(rows))
        return ImportReport(file="targets.csv", created=result.created, updated=result.updated,
                            unchanged=result.unchanged)

    @strawberry.mutation(description="A new top-level DRAFT target (target office)")
    async def create_target(self, info: Ctx, input: NewTargetInput) -> Target:
        row = await catalog.create_target(info.context, year=input.year, code=input.code,
                                          unit_code=input.unit_code, spec=target_spec(input))
        return Target.from_row(row)

    @strawberry.mutation
    async def update_target(self, info: Ctx, year: int, code: str, version: int, input: TargetChangeInput) -> Target:
        row = await catalog.update_target(info.context, year=year, code=code, version=version,
                                          spec=target_spec(input))
        return Target.from_row(row)

    @strawberry.mutation(description="磋商: the target office proposes a value")
    async def propose_target(self, info: Ctx, year: int, code: str, version: int, value: Decimal,
                             reason: str | None = None) -> Target:
        row = await negotiation.propose(info.context, year=year, code=code, version=version, value=value,
                                        reason=reason)
        return Target.from_row(row)

    @strawberry.mutation(description="磋商: the unit accepts the value on the table")
    async def accept_proposal(self, info: Ctx, year: int, code: str, version: int,
                              reason: str | None = None) -> Target:
        row = await negotiation.accept(info.context, year=year, code=code, version=version, reason=reason)
        return Target.from_row(row)

    @strawberry.mutation(description="磋商: the unit counter-proposes a value, with a reason")
    async def counter_propose(self, info: Ctx, year: int, code: str, version: int, value: Decimal,
                              reason: str) -> Target:
        row = await negotiation.counter(info.context, year=year, code=code, version=version, value=value,
                                        reason=reason)
        return Target.from_row(row)

    @strawberry.mutation(description="A leader agrees a value; no stretch needs overrideReason")
    async def agree_target(self, info: Ctx, year: int, code: str, version: int, value: Decimal | None = None,
                           override_reason: str | None = None, reason: str | None = None) -> Target:
        row = await negotiation.agree(info.context, year=year, code=code, version=version, value=value,
                                      override_reason=override_reason, reason=reason)
        return Target.from_row(row)

    @strawberry.mutation(description="Plan the face-to-face sessions over working days from `start`")
    async def schedule_negotiations(self, info: Ctx, year: int, start: datetime.date, days: int,
                                    sessions_per_day: int, leaders: list[LeaderInput], rooms: int = 1,
                                    unit_codes: list[str] | None = None) -> NegotiationSchedule:
        plan = await negotiation.schedule(
            info.context, year=year, start=start, days=days, sessions_per_day=sessions_per_day, rooms=rooms,
            leaders=leader_specs(leaders),
            unit_codes=unit_codes,
        )
        return NegotiationSchedule(sessions=[NegotiationSession.from_row(s) for s in plan.sessions],
                                   unscheduled=plan.unscheduled)

    @strawberry.mutation(description="分解细化: add child targets under an agreed target")
    async def decompose_target(self, info: Ctx, year: int, code: str, children: list[ChildTargetInput]
                               ) -> list[Target]:
        rows = await catalog.decompose_target(info.context, year=year, code=code,
                                              children=child_specs(children))
        return [Target.from_row(r) for r in rows]

    @strawberry.mutation(description="A DRAFT responsibility letter binding agreed targets")
    async def create_letter(self, info: Ctx, input: NewLetterInput) -> ResponsibilityLetter:
        row = await letters.create_letter(info.context, letter_spec(input))
        return ResponsibilityLetter.from_row(row)

    @strawberry.mutation(description="Many DRAFT letters at once, all or nothing (each checked as createLetter)")
    async def create_letters(self, info: Ctx, inputs: list[NewLetterInput]) -> list[ResponsibilityLetter]:
        rows = await letter_batches.create_letters(info.context, [letter_spec(i) for i in inputs])
        return [ResponsibilityLetter.from_row(row) for row in rows]

    @strawberry.mutation(description="Many signatures in order, all or nothing (each checked as signLetter)")
    async def sign_letters(self, info: Ctx, signatures: list[LetterSignatureInput]) -> list[ResponsibilityLetter]:
        rows = await letter_batches.sign_letters(info.context, signature_specs(signatures))
        return [ResponsibilityLetter.from_row(row) for row in rows]

    @strawberry.mutation(description="One party signs; both signed → SIGNED, hashed, targets frozen")
    async def sign_letter(self, info: Ctx, id: strawberry.ID, side: LetterSide, version: int
                          ) -> ResponsibilityLetter:
        row = await letters.sign_letter(info.context, letter_id=record_id(id) or 0,
                                        side=side.value, version=version)
        return ResponsibilityLetter.from_row(row)

    @strawberry.mutation(description="An amendment letter; its changes apply when it is signed")
    async def amend_letter(self, info: Ctx, id: strawberry.ID, reason: str, changes: list[TargetAmendmentInput]
                           ) -> ResponsibilityLetter:
        row = await letters.amend_letter(info.context, letter_id=record_id(id) or 0,
                                         reason=reason,
                                         changes=amendment_changes(changes))
        return ResponsibilityLetter.from_row(row)

    @strawberry.mutation(description="进度: report the actual to date of an agreed target")
    async def report_progress(self, info: Ctx, year: int, code: str, period: str, as_of: datetime.date,
                              actual_to_date: Decimal, note: str | None = None, evidence: str | None = None,
                              version: int | None = None) -> ProgressReport:
        row = await progress.report_progress(info.context, year=year, code=code, period=period, as_of=as_of,
                                             actual_to_date=actual_to_date, note=note, evidence=evidence,
                                             version=version)
        return ProgressReport.from_row(row)

    @strawberry.mutation(description="进度: a batch of new progress reports (a unit's quarter), all or nothing; "
                                     "returns how many were written")
    async def report_progress_batch(self, info: Ctx, year: int, reports: list[ProgressReportInput]) -> int:
        return await progress.report_progress_batch(info.context, year=year, entries=progress_entries(reports))

