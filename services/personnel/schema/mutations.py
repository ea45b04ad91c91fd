"""The personnel subgraph's mutations: arguments turned into the domain's values (inputs.py), the change made by
its domain module, the result as a GraphQL type."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from kernel.bulk import gc_paused, release_memory_soon
from kernel.graphql import ImportReport
from services.personnel import apply, history, roster, workflow
from services.personnel import models as m
from services.personnel.schema.inputs import (
    ROWS_HELP,
    TRANSFER_ROWS_HELP,
    people_rows,
    person_change,
    stored_role,
    transfer_rows,
)
from services.personnel.schema.types import (
    AdjustmentDecisionKind,
    ApplyReport,
    Ctx,
    FilingRecord,
    LeaderAdjustment,
    MainLeaderRole,
    Person,
)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Load people.csv rows, all or nothing")
    async def import_people(
        self, info: Ctx, rows: Annotated[list[JSON], strawberry.argument(description=ROWS_HELP)]
    ) -> ImportReport:
        with gc_paused():
            result = await roster.import_people(info.context, people_rows(rows))
        release_memory_soon(len(rows))
        return ImportReport(file="people.csv", created=result.created, updated=result.updated,
                            unchanged=result.unchanged)

    @strawberry.mutation(description="Load transfers.csv rows (after people.csv), in date order per person, all or "
                                     "nothing; created = moves recorded, unchanged = moves already recorded")
    async def import_transfers(
        self, info: Ctx, rows: Annotated[list[JSON], strawberry.argument(description=TRANSFER_ROWS_HELP)]
    ) -> ImportReport:
        result = await history.import_transfers(info.context, transfer_rows(rows))
        release_memory_soon(len(rows))
        return ImportReport(file="transfers.csv", created=result.applied, updated=0, unchanged=result.unchanged)

    @strawberry.mutation(description="调动: move a person to a unit (no unitCode: out of the system) from "
                                     "effectiveDate; the held stint ends the day before (optimistic locking)")
    async def transfer_person(
        self, info: Ctx, staff_no: strawberry.ID, version: int, effective_date: date, unit_code: str | None = None,
        position: str | None = None, leadership_member: bool = False, main_leader_role: MainLeaderRole | None = None,
    ) -> Person:
        row = await history.transfer_person(info.context, history.Transfer(
            staff_no=str(staff_no), version=version, unit_code=unit_code, position=position or "",
            leadership_member=leadership_member, main_leader_role=stored_role(main_leader_role),
            effective_date=effective_date))
        return Person.from_row(row)

    @strawberry.mutation(description="Change a person (optimistic locking); position and roles correct the held "
                                     "stint; a move to another unit is transferPerson")
    async def update_person(
        self, info: Ctx, staff_no: strawberry.ID, version: int, name: str | None = None,
        unit_code: str | None = None, position: str | None = None, leadership_member: bool | None = None,
        main_leader_role: MainLeaderRole | None = strawberry.UNSET, on_establishment: bool | None = None,
        monthly_salary: Decimal | None = None, bonus_standard: Decimal | None = None,
    ) -> Person:
        change = person_change(
            name=name, unit_code=unit_code, position=position, leadership_member=leadership_member,
            main_leader_role=main_leader_role, on_establishment=on_establishment, monthly_salary=monthly_salary,
            bonus_standard=bonus_standard)
        row = await roster.update_person(info.context, staff_no=str(staff_no), version=version, change=change)
        return Person.from_row(row)

    @strawberry.mutation(description="Apply the year's published assessment revision (§4.3); idempotent")
    async def apply_results(self, info: Ctx, year: int) -> ApplyReport:
        info.context.require(*apply.APPLY_ROLES)
        with gc_paused():  # a province's roster and lines
            revision, stints = await apply.revision_and_stints(info.context, year)
            outcome = await apply.apply_revision(info.context, revision, stints)
        release_memory_soon(outcome.people)  # a province's roster and lines, garbage once this is answered
        return ApplyReport(
            year=outcome.year, revision=outcome.revision, people=outcome.people,
            reward_lines=outcome.reward_lines, filing_records=outcome.filing_records,
            leader_adjustments=outcome.leader_adjustments, honours=outcome.honours, unit_awards=outcome.unit_awards,
            created=outcome.created,
            changed=outcome.changed, unchanged=outcome.unchanged, withdrawn=outcome.withdrawn,
            flagged_for_review=outcome.flagged_for_review,
        )

    @strawberry.mutation(description="DRAFT → REVIEWED (supervision office or target office)")
    async def review_filing_record(self, info: Ctx, id: strawberry.ID, version: int,
                                   remarks: str | None = None) -> FilingRecord:
        return FilingRecord.from_row(await workflow.review_filing_record(
            info.context, ident=str(id), version=version, remarks=remarks))

    @strawberry.mutation(description="REVIEWED → TRANSFERRED to the organisation department")
    async def transfer_filing_record(self, info: Ctx, id: strawberry.ID, version: int) -> FilingRecord:
        return FilingRecord.from_row(await workflow.transfer_filing_record(info.context, ident=str(id),
                                                                           version=version))

    @strawberry.mutation(description="TRANSFERRED → ARCHIVED into the cadre file (organisation department)")
    async def archive_filing_record(self, info: Ctx, id: strawberry.ID, version: int) -> FilingRecord:
        return FilingRecord.from_row(await workflow.archive_filing_record(info.context, ident=str(id),
                                                                          version=version))

    @strawberry.mutation(description="PROPOSED → DECIDED (organisation department)")
    async def decide_leader_adjustment(self, info: Ctx, id: strawberry.ID, version: int,
                                       kind: AdjustmentDecisionKind, text: str) -> LeaderAdjustment:
        return LeaderAdjustment.from_row(await workflow.decide_adjustment(
            info.context, ident=str(id), version=version, kind=m.DecisionKind(kind.value), text=text))

    @strawberry.mutation(description="DECIDED → EXECUTED (organisation department)")
    async def execute_leader_adjustment(self, info: Ctx, id: strawberry.ID, version: int,
                                        note: str | None = None) -> LeaderAdjustment:
        return LeaderAdjustment.from_row(await workflow.execute_adjustment(
            info.context, ident=str(id), version=version, note=note))
