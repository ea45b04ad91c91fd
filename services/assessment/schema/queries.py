"""The assessment subgraph's queries: each a call of repository.py (what the caller may read) and a type."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from kernel.context import RequestContext
from kernel.official_document import Document
from services.assessment import bulletin, bulletin_document, models, repository
from services.assessment.schema.inputs import text
from services.assessment.schema.types import (
    AdjustmentItem,
    AdjustmentItemStatus,
    Appeal,
    AppealStatus,
    AssessedTarget,
    Assessment,
    AssessmentSettings,
    BallotTally,
    Bulletin,
    GrassrootsTally,
    InspectionEntry,
    PublishedRevision,
)


@strawberry.type
class Query:
    @strawberry.field
    async def assessment_settings(self, info: Info[RequestContext, None], year: int) -> AssessmentSettings:
        return AssessmentSettings.build(year, await repository.readable_settings(info.context, year))

    @strawberry.field(description="The year's latest revision (a unit operator: the latest published one, "
                                  "its own unit only); null before the year is opened")
    async def assessment(self, info: Info[RequestContext, None], year: int) -> Assessment | None:
        view = await repository.visible(info.context, year)
        return Assessment.from_view(view) if view else None

    @strawberry.field(description="One revision of a year")
    async def assessment_revision(self, info: Info[RequestContext, None], year: int,
                                  revision: int) -> Assessment | None:
        view = await repository.visible(info.context, year, revision)
        return Assessment.from_view(view) if view else None

    @strawberry.field(description="The latest published revision (or the one asked for); null when none is")
    async def published_revision(self, info: Info[RequestContext, None], year: int,
                                 revision: int | None = None) -> PublishedRevision | None:
        found = await repository.published(info.context, year, revision)
        return PublishedRevision.build(*found) if found else None

    @strawberry.field(description="通报 of the latest published revision (or the one asked for)")
    async def bulletin(self, info: Info[RequestContext, None], year: int,
                       revision: int | None = None) -> Bulletin | None:
        found = await repository.bulletin_revision(info.context, year, revision)
        return Bulletin.build(bulletin.Bulletin.of(year, info.context.settings.city, *found)) if found else None

    @strawberry.field(description="通报 of the latest published revision as an official document (DOCX), marked "
                                  "公示 or 定稿; NOT_FOUND while nothing is published")
    async def bulletin_document(self, info: Info[RequestContext, None], year: int) -> Document:
        filename, content = await bulletin_document.bulletin_document(info.context, year)
        return Document.docx(filename, content)

    @strawberry.field(description="The year's snapshotted targets with their certifications")
    async def assessed_targets(self, info: Info[RequestContext, None], year: int,
                               unit_code: strawberry.ID | None = None) -> list[AssessedTarget]:
        pairs = await repository.snapshot_targets(info.context, year, text(unit_code))
        return [AssessedTarget.build(t, c) for t, c in pairs]

    @strawberry.field
    async def ballot_tallies(self, info: Info[RequestContext, None], year: int,
                             unit_code: strawberry.ID | None = None) -> list[BallotTally]:
        rows = await repository.source_rows(info.context, models.BallotTally, year, text(unit_code))
        return [BallotTally.from_row(r) for r in rows]

    @strawberry.field
    async def inspection_scores(self, info: Info[RequestContext, None], year: int,
                                unit_code: strawberry.ID | None = None) -> list[InspectionEntry]:
        rows = await repository.source_rows(info.context, models.InspectionScore, year, text(unit_code))
        return [InspectionEntry.from_row(r) for r in rows]

    @strawberry.field
    async def grassroots_tallies(self, info: Info[RequestContext, None], year: int,
                                 unit_code: strawberry.ID | None = None) -> list[GrassrootsTally]:
        rows = await repository.source_rows(info.context, models.GrassrootsTally, year, text(unit_code))
        return [GrassrootsTally.from_row(r) for r in rows]

    @strawberry.field(description="加减分 items of a year (a unit operator: its own unit's approved items)")
    async def adjustment_items(self, info: Info[RequestContext, None], year: int,
                               unit_code: strawberry.ID | None = None,
                               status: AdjustmentItemStatus | None = None) -> list[AdjustmentItem]:
        rows = await repository.adjustment_items(info.context, year=year, unit_code=text(unit_code), status=status)
        return [AdjustmentItem.from_row(r) for r in rows]

    @strawberry.field(description="申诉 of a year, oldest first (a unit operator: its own unit's)")
    async def appeals(self, info: Info[RequestContext, None], year: int,
                      status: AppealStatus | None = None) -> list[Appeal]:
        return [Appeal.from_row(a) for a in await repository.appeals(info.context, year=year, status=status)]
