"""The targets subgraph's Query: thin resolvers over `repository` (reads) and the domain modules."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated

import strawberry

from kernel.errors import NotFound
from kernel.ids import record_id
from kernel.official_document import Document
from services.targets import letter_document, letters, progress, repository, rules
from services.targets import models as m
from services.targets.schema.types import (
    AgreedTarget,
    AssessmentYear,
    Ctx,
    LaggingCount,
    LaggingTarget,
    LetterVerification,
    NegotiationSession,
    ResponsibilityLetter,
    StatusCount,
    StretchFlag,
    Target,
    TargetCounts,
    TargetStatus,
    Unit,
    loaded,
    shown,
)


@strawberry.type
class Query:
    @strawberry.field(description="Top-level targets of a year per status, in one aggregate query")
    async def target_counts(self, info: Ctx, year: int, unit_code: str | None = None) -> TargetCounts:
        counts = await repository.top_level_status_counts(info.context, year=year, unit_code=unit_code)
        return TargetCounts(year=year, total=sum(counts.values()),
                            by_status=[StatusCount(status=TargetStatus(s.value), count=counts.get(s.value, 0))
                                       for s in m.TargetStatus])

    @strawberry.field(description="Every unit, ordered by code")
    async def units(self, info: Ctx) -> list[Unit]:
        return [Unit.from_values(u) for u in await repository.list_units()]

    @strawberry.field
    async def unit(self, info: Ctx, code: strawberry.ID) -> Unit | None:
        return await loaded(info, "unit", str(code), Unit.from_values)

    @strawberry.field
    async def assessment_year(self, info: Ctx, year: int) -> AssessmentYear | None:
        return await loaded(info, "year", year, AssessmentYear.from_row)

    @strawberry.field
    async def assessment_years(self, info: Ctx) -> list[AssessmentYear]:
        return [AssessmentYear.from_row(y) for y in await repository.list_years()]

    @strawberry.field
    async def target(self, info: Ctx, year: int, code: str) -> Target | None:
        row = await repository.read_target(info.context, year=year, code=code)
        return Target.from_row(row) if row else None

    @strawberry.field(description="Top-level AGREED or SIGNED targets of a year (for the assessment service)")
    async def agreed_targets(self, info: Ctx, year: int) -> list[AgreedTarget]:
        return [AgreedTarget.from_row(t) for t in await repository.agreed_targets(info.context, year=year)]

    @strawberry.field(description="跳起来摘桃子 — top-level targets whose value does not beat the baseline")
    async def stretch_flags(self, info: Ctx, year: int, unit_code: str | None = None) -> list[StretchFlag]:
        flags = await repository.stretch_flags(info.context, year=year, unit_code=unit_code)
        return [StretchFlag(target=Target.from_row(f.target), value=shown(f.value) or Decimal(0),
                            baseline=shown(f.baseline) or Decimal(0), overridden=bool(f.target.stretch_override),
                            override_reason=f.target.stretch_override) for f in flags]

    @strawberry.field(description="The year's negotiation sessions, by day, slot and room")
    async def negotiation_schedule(self, info: Ctx, year: int) -> list[NegotiationSession]:
        rows = await repository.sessions(info.context, year=year, day=None)
        return [NegotiationSession.from_row(r) for r in rows]

    @strawberry.field(description="One day's negotiation sessions, for printing")
    async def negotiation_day(self, info: Ctx, year: int, day: datetime.date) -> list[NegotiationSession]:
        rows = await repository.sessions(info.context, year=year, day=day)
        return [NegotiationSession.from_row(r) for r in rows]

    @strawberry.field
    async def letters(self, info: Ctx, year: int, unit_code: str | None = None) -> list[ResponsibilityLetter]:
        rows = await repository.list_letters(info.context, year=year, unit_code=unit_code)
        return [ResponsibilityLetter.from_row(r) for r in rows]

    @strawberry.field(description="The unit's 目标责任书 of the year at every level, in force or waiting for "
                                  "signatures, as an official document (DOCX), one letter per page")
    async def letter_document(self, info: Ctx, year: int, unit_code: str) -> Document:
        filename, content = await letter_document.letter_document(info.context, year, unit_code)
        return Document.docx(filename, content)

    @strawberry.field
    async def letter(self, info: Ctx, id: strawberry.ID) -> ResponsibilityLetter | None:
        row = await repository.read_letter(info.context, letter_id=key) if (key := record_id(id)) else None
        return ResponsibilityLetter.from_row(row) if row else None

    @strawberry.field(description="Recompute a letter's SHA-256 from its current content (tamper check)")
    async def verify_letter(self, info: Ctx, id: strawberry.ID) -> LetterVerification:
        key = record_id(id)
        if key is None:
            raise NotFound(f"no responsibility letter {id}")
        found = await letters.verify_letter(info.context, letter_id=key)
        return LetterVerification(letter=ResponsibilityLetter.from_row(found.letter), stored_hash=found.stored_hash,
                                  current_hash=found.current_hash, valid=found.valid)

    @strawberry.field(description="督办 — targets LAGGING or AT_RISK as of a day, by unit and code")
    async def lagging_targets(self, info: Ctx, year: int, as_of: datetime.date, unit_code: str | None = None,
                              responsible_leader: str | None = None,
                              first: Annotated[int | None, strawberry.argument(
                                  description="only this many, the most urgent first")] = None,
                              ) -> list[LaggingTarget]:
        found = await progress.lagging_targets(info.context, year=year, as_of=as_of, unit_code=unit_code,
                                               responsible_leader=responsible_leader, first=first)
        return [LaggingTarget.of(p) for p in found]

    @strawberry.field(description="督办 — how many targets are LAGGING and AT_RISK as of a day")
    async def lagging_count(self, info: Ctx, year: int, as_of: datetime.date,
                            unit_code: str | None = None) -> LaggingCount:
        counts = await progress.lagging_count(info.context, year=year, as_of=as_of, unit_code=unit_code)
        return LaggingCount(lagging=counts[rules.ProgressStatus.LAGGING],
                            at_risk=counts[rules.ProgressStatus.AT_RISK])


