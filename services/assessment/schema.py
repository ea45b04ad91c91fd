"""GraphQL types and thin resolvers of the assessment subgraph."""

from __future__ import annotations

import json
from collections.abc import Awaitable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from kernel.bulk import gc_paused, release_memory_soon
from kernel.context import RequestContext
from kernel.errors import Forbidden
from kernel.graphql import ImportReport, build_schema, type_from_row
from kernel.official_document import Document
from kernel.roles import Role
from kernel.rows import import_rows
from services.assessment import (
    access,
    adjustments,
    appeals,
    assessments,
    bulletin,
    bulletin_document,
    inputs,
    models,
    rules,
    settings,
)


@strawberry.type
class GroupWeight:
    group: str
    weight: Decimal


@strawberry.type
class GroupQuota:
    group: str
    advanced_ratio: Decimal | None
    last_place_count: int | None


@strawberry.type(description="考核参数 — the rules' numbers for one year (defaults where not set)")
class AssessmentSettings:
    year: int
    weight_department: Decimal
    weight_voting: Decimal
    weight_inspection: Decimal
    weight_grassroots: Decimal
    pass_line: Decimal
    advanced_ratio: Decimal
    last_place_count: int
    stretch_cap: Decimal
    voter_group_weights: list[GroupWeight]
    group_quotas: list[GroupQuota]
    adjustment_cap: Decimal = strawberry.field(description="加减分 — the most adjustment points count either way")
    advanced_unit_award: Decimal = strawberry.field(description="一次性物质奖励 of each advanced unit (CNY)")
    advanced_leader_award: Decimal = strawberry.field(description="一次性物质奖励 of each main leader of an "
                                                                  "advanced unit (CNY)")
    notice_days: int = strawberry.field(description="公示 — calendar days a published revision is on public "
                                                    "notice; 0: final at publication")

    @classmethod
    def build(cls, year: int, s: rules.Settings) -> AssessmentSettings:
        groups = sorted(set(s.group_advanced_ratio) | set(s.group_last_place_count))
        return cls(
            year=year, weight_department=s.weight_department, weight_voting=s.weight_voting,
            weight_inspection=s.weight_inspection, weight_grassroots=s.weight_grassroots,
            pass_line=s.pass_line, advanced_ratio=s.advanced_ratio, last_place_count=s.last_place_count,
            stretch_cap=s.stretch_cap,
            voter_group_weights=[GroupWeight(group=g, weight=w) for g, w in sorted(s.voter_group_weights.items())],
            group_quotas=[GroupQuota(group=g, advanced_ratio=s.group_advanced_ratio.get(g),
                                     last_place_count=s.group_last_place_count.get(g)) for g in groups],
            adjustment_cap=s.adjustment_cap, advanced_unit_award=s.advanced_unit_award,
            advanced_leader_award=s.advanced_leader_award, notice_days=s.notice_days,
        )


Grade = strawberry.enum(rules.Grade, description="等次")


AssessmentStatus = strawberry.enum(models.Status, name="AssessmentStatus")


TargetKind = strawberry.enum(rules.TargetKind)


Measure = strawberry.enum(rules.Measure)


Direction = strawberry.enum(rules.Direction)


AdjustmentItemStatus = strawberry.enum(models.AdjustmentStatus, name="AdjustmentItemStatus",
                                       description="加减分 status: PROPOSED (待审核), APPROVED (已批准, counted), "
                                                   "REJECTED (已驳回)")
AppealStatus = strawberry.enum(models.AppealStatus, description="申诉 status: FILED (待处理), ACCEPTED (已采纳), "
                               "REJECTED (已驳回)")


@strawberry.enum(description="The target office's decision on an appeal")
class AppealDecision(Enum):
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"


@strawberry.type(description="An approved adjustment item (加减分) as frozen with a revision's results")
class PublishedAdjustment:
    points: Decimal
    category: str
    reason: str

    @classmethod
    def list_from(cls, text: str) -> list[PublishedAdjustment]:
        return [cls(points=Decimal(a["points"]), category=a["category"], reason=a["reason"])
                for a in json.loads(text or "[]")]


@strawberry.federation.type(keys=["code"])
class Unit:
    code: strawberry.ID

    @strawberry.field(description="The assessment settings of a year as they apply to this unit")
    async def assessment_settings(self, info: Info[RequestContext, None], year: int) -> AssessmentSettings:
        info.context.require(*access.READERS)
        return AssessmentSettings.build(year, await info.context.loaders["settings"].load(year))

    @strawberry.field(description="The unit's result in the latest revision of the year the caller may read "
                                  "(a unit operator: its own unit, published revisions only)")
    async def result(self, info: Info[RequestContext, None], year: int) -> UnitResult | None:
        ctx = info.context
        caller = ctx.require(*access.OFFICE_READERS, Role.UNIT_OPERATOR)
        if not access.is_office(ctx) and caller.unit != str(self.code):
            raise Forbidden(f"a unit operator sees only its own unit's result ({caller.unit or 'none'})")
        row = await ctx.loaders["result"].load((year, str(self.code)))
        return UnitResult.from_row(row) if row else None

    @classmethod
    async def resolve_reference(cls, info: Info[RequestContext, None], code: strawberry.ID) -> Unit:
        return cls(code=code)


@strawberry.type(description="One unit's scores, grade and rank in one revision")
class UnitResult:
    year: int
    revision: int
    unit_code: strawberry.ID
    unit_name: str = strawberry.field(description="The unit's name as snapshotted when the year was opened")
    unit_group: str = strawberry.field(description="The assessment group (empty: the default group)")
    department_score: Decimal
    voting_score: Decimal
    inspection_score: Decimal
    grassroots_score: Decimal
    composite_score: Decimal
    qualified: bool
    grade: Grade
    rank: int
    missing: list[str] = strawberry.field(
        description="What the target office must chase: target:<code>, department, voting, inspection, "
                    "grassroots")
    adjustment_points: Decimal = strawberry.field(
        description="加减分 — the clamped sum of the unit's approved adjustment items, included in compositeScore")
    adjustments: list[PublishedAdjustment] = strawberry.field(description="The approved items behind it")

    @strawberry.field
    def unit(self) -> Unit:
        return Unit(code=self.unit_code)

    @classmethod
    def from_row(cls, row: models.UnitResult) -> UnitResult:
        return cls(
            year=row.year, revision=row.revision, unit_code=strawberry.ID(row.unit_code), unit_name=row.unit_name,
            unit_group=row.unit_group, department_score=Decimal(row.department), voting_score=Decimal(row.voting),
            inspection_score=Decimal(row.inspection), grassroots_score=Decimal(row.grassroots),
            composite_score=Decimal(row.composite), qualified=row.qualified, grade=Grade(row.grade),
            rank=row.rank, missing=json.loads(row.missing), adjustment_points=Decimal(row.adjustment_points),
            adjustments=PublishedAdjustment.list_from(row.adjustments),
        )


@strawberry.type(description="Quota and boundary figures of one assessment group")
class GroupOutcome:
    group: str
    unit_count: int
    qualified_count: int
    advanced_ratio: Decimal
    advanced_quota: int = strawberry.field(description="floor(advancedRatio × qualifiedCount)")
    advanced_count: int
    advanced_overflow: int = strawberry.field(description="ADVANCED beyond the quota because of a tie")
    advanced_overflow_units: list[str]
    last_place_count: int
    last_place_units: list[str] = strawberry.field(description="Lowest first")
    last_place_shortfall: int = strawberry.field(description="lastPlaceCount − non-qualified units, when positive")
    last_place_overflow: int
    last_place_overflow_units: list[str]

    @classmethod
    def from_record(cls, g: dict) -> GroupOutcome:
        return cls(
            group=g["group"], unit_count=g["unitCount"], qualified_count=g["qualifiedCount"],
            advanced_ratio=Decimal(g["advancedRatio"]), advanced_quota=g["advancedQuota"],
            advanced_count=g["advancedCount"], advanced_overflow=g["advancedOverflow"],
            advanced_overflow_units=g["advancedOverflowUnits"], last_place_count=g["lastPlaceCount"],
            last_place_units=g["lastPlaceUnits"], last_place_shortfall=g["lastPlaceShortfall"],
            last_place_overflow=g["lastPlaceOverflow"], last_place_overflow_units=g["lastPlaceOverflowUnits"],
        )


@strawberry.type(description="One revision of a year's results")
class RevisionSummary:
    year: int
    revision: int
    reason: str | None
    opened_at: datetime
    opened_by: str
    computed_at: datetime | None
    published_at: datetime | None
    published_by: str | None
    notice_ends_at: date | None = strawberry.field(description="Last day of its public notice (公示)")
    final: bool

    @classmethod
    def from_row(cls, r: models.Revision) -> RevisionSummary:
        return type_from_row(cls, r, revision=r.number, notice_ends_at=r.notice_ends_on, final=r.final_at is not None)


@strawberry.federation.type(keys=["year"], description="年终考核 — one year's assessment in one revision")
class Assessment:
    year: int
    status: AssessmentStatus
    revision: int
    reason: str | None = strawberry.field(description="Why this revision was opened (corrections)")
    opened_at: datetime
    computed_at: datetime | None
    published_at: datetime | None
    advanced_overflow: int = strawberry.field(description="Sum over the groups")
    last_place_shortfall: int = strawberry.field(description="Sum over the groups")
    last_place_overflow: int
    groups: list[GroupOutcome]
    snapshot_taken_at: str | None = strawberry.field(description="When the agreed targets were snapshotted")
    snapshot_target_count: int
    final: bool = strawberry.field(description="True once the revision is final (no notice: at publication; "
                                               "else by finalizeAssessment)")
    notice_ends_at: date | None = strawberry.field(description="Last day of the public notice (公示); null "
                                                               "without a notice")
    on_notice: bool = strawberry.field(description="Published and on public notice today: units may appeal")
    finalized_at: datetime | None
    view: strawberry.Private[assessments.View]

    @strawberry.field(description="Every unit (a unit operator: its own), by group, rank and code")
    async def results(self) -> list[UnitResult]:
        return [UnitResult.from_row(r) for r in await self.view.results()]

    @strawberry.field(description="Every revision of the year the caller may read")
    async def revisions(self, info: Info[RequestContext, None]) -> list[RevisionSummary]:
        return [RevisionSummary.from_row(r) for r in await assessments.revisions(info.context, self.year)]

    @classmethod
    def from_view(cls, view: assessments.View) -> Assessment:
        r = view.revision
        source = json.loads(view.assessment.snapshot_source or "{}")
        return cls(
            year=r.year, status=AssessmentStatus(view.status.value), revision=r.number, reason=r.reason,
            opened_at=r.opened_at, computed_at=r.computed_at, published_at=r.published_at,
            advanced_overflow=r.advanced_overflow, last_place_shortfall=r.last_place_shortfall,
            last_place_overflow=r.last_place_overflow,
            groups=[GroupOutcome.from_record(g) for g in view.groups()],
            snapshot_taken_at=source.get("takenAt"), snapshot_target_count=int(source.get("targets") or 0),
            final=view.final, notice_ends_at=r.notice_ends_on, on_notice=view.on_notice, finalized_at=r.final_at,
            view=view,
        )

    @classmethod
    async def resolve_reference(cls, info: Info[RequestContext, None], year: int) -> Assessment | None:
        view = await assessments.visible(info.context, int(year))
        return cls.from_view(view) if view else None


@strawberry.type
class PublishedResult:
    unit_code: str
    unit_name: str
    unit_group: str
    grade: Grade
    composite_score: Decimal = strawberry.field(description="The adjusted composite (docs/rules.md §2.2)")
    rank: int
    qualified: bool
    adjustment_points: Decimal = strawberry.field(description="加减分 — the clamped sum; 0.00 without items")
    adjustments: list[PublishedAdjustment] = strawberry.field(description="The approved items behind it")

    @classmethod
    def from_row(cls, x: models.UnitResult) -> PublishedResult:
        return cls(unit_code=x.unit_code, unit_name=x.unit_name, unit_group=x.unit_group, grade=Grade(x.grade),
                   composite_score=Decimal(x.composite), rank=x.rank, qualified=x.qualified,
                   adjustment_points=Decimal(x.adjustment_points),
                   adjustments=PublishedAdjustment.list_from(x.adjustments))


@strawberry.type(description="A frozen, published revision (what the personnel service applies)")
class PublishedRevision:
    year: int
    revision: int
    published_at: datetime
    reason: str | None
    results: list[PublishedResult]
    final: bool = strawberry.field(description="True once the revision is final (notice_days 0: at publication); "
                                               "results are applied only then")
    notice_ends_at: date | None = strawberry.field(description="Last day of the public notice (公示); null when "
                                                               "there was none")
    advanced_unit_award: Decimal = strawberry.field(description="The year's advanced_unit_award, frozen with the "
                                                                "revision")
    advanced_leader_award: Decimal = strawberry.field(description="The year's advanced_leader_award, frozen with "
                                                                  "the revision")


@strawberry.type
class BulletinEntry:
    unit_code: strawberry.ID
    unit_name: str
    unit_group: str
    rank: int
    grade: Grade
    qualified: bool
    composite_score: Decimal
    department_score: Decimal
    voting_score: Decimal
    inspection_score: Decimal
    grassroots_score: Decimal
    adjustment_points: Decimal
    adjustments: list[PublishedAdjustment]

    @strawberry.field
    def unit(self) -> Unit:
        return Unit(code=self.unit_code)

    @classmethod
    def from_row(cls, r: models.UnitResult) -> BulletinEntry:
        return cls(unit_code=strawberry.ID(r.unit_code), unit_name=r.unit_name, unit_group=r.unit_group,
                   rank=r.rank, grade=Grade(r.grade), qualified=r.qualified, composite_score=Decimal(r.composite),
                   department_score=Decimal(r.department), voting_score=Decimal(r.voting),
                   inspection_score=Decimal(r.inspection), grassroots_score=Decimal(r.grassroots),
                   adjustment_points=Decimal(r.adjustment_points),
                   adjustments=PublishedAdjustment.list_from(r.adjustments))


@strawberry.type(description="通报 — the published results, for the city and as files")
class Bulletin:
    year: int
    revision: int
    published_at: datetime
    reason: str | None
    city: str
    title: str
    groups: list[GroupOutcome]
    final: bool = strawberry.field(description="True: the results are final; false: on public notice (公示)")
    notice_ends_at: date | None = strawberry.field(description="Last day of the public notice; null without one")
    on_notice: bool = strawberry.field(description="On public notice today: units may appeal")
    content: strawberry.Private[bulletin.Bulletin]

    @strawberry.field(description="先进单位, by group and rank")
    def advanced(self) -> list[BulletinEntry]:
        return [BulletinEntry.from_row(r) for r in self.content.advanced]

    @strawberry.field(description="达标单位 that are not advanced")
    def qualified(self) -> list[BulletinEntry]:
        return [BulletinEntry.from_row(r) for r in self.content.qualified]

    @strawberry.field(description="未达标单位 (last-place units included), named for criticism")
    def unqualified(self) -> list[BulletinEntry]:
        return [BulletinEntry.from_row(r) for r in self.content.unqualified]

    @strawberry.field(description="末位单位, lowest first")
    def last_place(self) -> list[BulletinEntry]:
        return [BulletinEntry.from_row(r) for r in self.content.last_place]

    @strawberry.field(description="Every unit, by group and rank")
    def entries(self) -> list[BulletinEntry]:
        return [BulletinEntry.from_row(r) for r in self.content.results]

    @strawberry.field(description="The printable Chinese notice (Markdown)")
    def markdown(self) -> str:
        return bulletin.markdown(self.content)

    @strawberry.field(description="The XLSX workbook, base64-encoded")
    def xlsx_base64(self) -> str:
        return bulletin.xlsx_base64(self.content)

    @strawberry.field
    def markdown_file_name(self) -> str:
        return f"{self.content.file_stem}.md"

    @strawberry.field
    def xlsx_file_name(self) -> str:
        return f"{self.content.file_stem}.xlsx"

    @classmethod
    def build(cls, content: bulletin.Bulletin) -> Bulletin:
        r = content.revision
        assert r.published_at is not None
        return cls(year=content.year, revision=r.number, published_at=r.published_at, reason=r.reason,
                   city=content.city, title=content.title,
                   groups=[GroupOutcome.from_record(g) for g in content.groups], final=content.final,
                   notice_ends_at=r.notice_ends_on, on_notice=content.on_notice, content=content)


@strawberry.type(description="A certified actual value (quantitative) or completion (qualitative)")
class TargetCertification:
    actual_value: Decimal | None
    completion: Decimal | None
    note: str | None
    entered_by: str
    updated_at: datetime


@strawberry.type(description="An agreed top-level target as snapshotted for the assessment")
class AssessedTarget:
    year: int
    code: strawberry.ID
    unit_code: strawberry.ID
    kind: TargetKind
    measure: Measure
    direction: Direction
    agreed_value: Decimal | None
    points: Decimal
    assessing_department: str
    source_version: int
    certification: TargetCertification | None

    @classmethod
    def build(cls, t: models.SnapshotTarget, c: models.Certification | None) -> AssessedTarget:
        cert = None
        if c is not None:
            cert = TargetCertification(
                actual_value=Decimal(c.actual_value) if c.actual_value is not None else None,
                completion=Decimal(c.completion) if c.completion is not None else None,
                note=c.note, entered_by=c.entered_by, updated_at=c.updated_at)
        return cls(year=t.year, code=strawberry.ID(t.code), unit_code=strawberry.ID(t.unit_code),
                   kind=TargetKind(t.kind), measure=Measure(t.measure), direction=Direction(t.direction),
                   agreed_value=Decimal(t.agreed_value) if t.agreed_value is not None else None,
                   points=Decimal(t.points), assessing_department=t.assessing_department,
                   source_version=t.source_version, certification=cert)


@strawberry.type(description="投票测评 — ballots of one voter group for one unit")
class BallotTally:
    year: int
    unit_code: strawberry.ID
    voter_group: str
    excellent: int
    good: int
    fair: int
    poor: int
    entered_by: str
    updated_at: datetime

    @classmethod
    def from_row(cls, b: models.BallotTally) -> BallotTally:
        return type_from_row(cls, b)


@strawberry.type(description="年终检查 — one inspector's score for one unit")
class InspectionEntry:
    year: int
    unit_code: strawberry.ID
    inspector: str
    score: Decimal
    entered_by: str
    updated_at: datetime

    @classmethod
    def from_row(cls, i: models.InspectionScore) -> InspectionEntry:
        return type_from_row(cls, i, score=Decimal(i.score))


@strawberry.type(description="基层评议 — responses for one unit")
class GrassrootsTally:
    year: int
    unit_code: strawberry.ID
    satisfied: int
    basically_satisfied: int
    dissatisfied: int
    entered_by: str
    updated_at: datetime

    @classmethod
    def from_row(cls, g: models.GrassrootsTally) -> GrassrootsTally:
        return type_from_row(cls, g)


@strawberry.type(description="加减分 — one bonus (positive) or deduction (negative) item of a unit for a year")
class AdjustmentItem:
    id: strawberry.ID
    year: int
    unit_code: strawberry.ID
    points: Decimal
    category: str
    reason: str
    evidence: str
    status: AdjustmentItemStatus
    imported: bool = strawberry.field(description="From adjustments.csv (approved as imported)")
    proposed_by: str
    proposed_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    version: int

    @strawberry.field
    def unit(self) -> Unit:
        return Unit(code=self.unit_code)

    @classmethod
    def from_row(cls, i: models.AdjustmentItem) -> AdjustmentItem:
        return type_from_row(cls, i, id=strawberry.ID(str(i.id)), points=Decimal(i.points))


@strawberry.type(description="申诉 — a unit's appeal against its result in a revision on public notice")
class Appeal:
    id: strawberry.ID
    year: int
    revision: int
    unit_code: strawberry.ID
    reason: str
    status: AppealStatus
    filed_by: str
    filed_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision: str | None = strawberry.field(description="The target office's written reason")
    version: int

    @strawberry.field
    def unit(self) -> Unit:
        return Unit(code=self.unit_code)

    @classmethod
    def from_row(cls, a: models.Appeal) -> Appeal:
        return type_from_row(cls, a, id=strawberry.ID(str(a.id)))


SETTING_COLUMNS = ("year", "key", "value")
ADJUSTMENT_COLUMNS = ("unit_code", "year", "points", "reason")
CERTIFICATION_COLUMNS = ("target_code", "year", "actual_value", "completion", "note")
BALLOT_COLUMNS = ("unit_code", "year", "voter_group", "excellent", "good", "fair", "poor")
INSPECTION_COLUMNS = ("unit_code", "year", "inspector", "score")
GRASSROOTS_COLUMNS = ("unit_code", "year", "satisfied", "basically_satisfied", "dissatisfied")
ROWS_HELP = "rows of the file: one JSON object per row, {\"row\": n, \"<column>\": \"<text>\", …} (DESIGN §5)"
Rows = Annotated[list[JSON], strawberry.argument(description=ROWS_HELP)]


def _text(value: object | None) -> str | None:
    return None if value is None else str(value)


def _report(file: str, result: inputs.ImportResult) -> ImportReport:
    return ImportReport(file=file, created=result.created, updated=result.updated, unchanged=result.unchanged)


async def _assessment(view: Awaitable[assessments.View]) -> Assessment:
    return Assessment.from_view(await view)


@strawberry.type
class Query:
    @strawberry.field
    async def assessment_settings(self, info: Info[RequestContext, None], year: int) -> AssessmentSettings:
        info.context.require(*access.READERS)
        return AssessmentSettings.build(year, await settings.settings_for(year))

    @strawberry.field(description="The year's latest revision (a unit operator: the latest published one, "
                                  "its own unit only); null before the year is opened")
    async def assessment(self, info: Info[RequestContext, None], year: int) -> Assessment | None:
        view = await assessments.visible(info.context, year)
        return Assessment.from_view(view) if view else None

    @strawberry.field(description="One revision of a year")
    async def assessment_revision(self, info: Info[RequestContext, None], year: int,
                                  revision: int) -> Assessment | None:
        view = await assessments.visible(info.context, year, revision)
        return Assessment.from_view(view) if view else None

    @strawberry.field(description="The latest published revision (or the one asked for); null when none is")
    async def published_revision(self, info: Info[RequestContext, None], year: int,
                                 revision: int | None = None) -> PublishedRevision | None:
        found = await assessments.published(info.context, year, revision)
        if found is None:
            return None
        r, rows = found
        assert r.published_at is not None
        frozen = assessments.frozen_settings(r)
        return PublishedRevision(
            year=r.year, revision=r.number, published_at=r.published_at, reason=r.reason,
            results=[PublishedResult.from_row(x) for x in rows], final=r.final_at is not None,
            notice_ends_at=r.notice_ends_on, advanced_unit_award=frozen.advanced_unit_award,
            advanced_leader_award=frozen.advanced_leader_award,
        )

    @strawberry.field(description="通报 of the latest published revision (or the one asked for)")
    async def bulletin(self, info: Info[RequestContext, None], year: int,
                       revision: int | None = None) -> Bulletin | None:
        found = await assessments.published(info.context, year, revision, roles=access.BULLETIN_READERS)
        if found is None:
            return None
        r, rows = found
        return Bulletin.build(bulletin.Bulletin.of(year, info.context.settings.city, r, rows))

    @strawberry.field(description="通报 of the latest published revision as an official document (DOCX), marked "
                                  "公示 or 定稿; NOT_FOUND while nothing is published")
    async def bulletin_document(self, info: Info[RequestContext, None], year: int) -> Document:
        filename, content = await bulletin_document.bulletin_document(info.context, year)
        return Document.docx(filename, content)

    @strawberry.field(description="The year's snapshotted targets with their certifications")
    async def assessed_targets(self, info: Info[RequestContext, None], year: int,
                               unit_code: strawberry.ID | None = None) -> list[AssessedTarget]:
        pairs = await assessments.snapshot_targets(info.context, year, _text(unit_code))
        return [AssessedTarget.build(t, c) for t, c in pairs]

    @strawberry.field
    async def ballot_tallies(self, info: Info[RequestContext, None], year: int,
                             unit_code: strawberry.ID | None = None) -> list[BallotTally]:
        rows = await assessments.source_rows(info.context, models.BallotTally, year, _text(unit_code))
        return [BallotTally.from_row(r) for r in rows]

    @strawberry.field
    async def inspection_scores(self, info: Info[RequestContext, None], year: int,
                                unit_code: strawberry.ID | None = None) -> list[InspectionEntry]:
        rows = await assessments.source_rows(info.context, models.InspectionScore, year, _text(unit_code))
        return [InspectionEntry.from_row(r) for r in rows]

    @strawberry.field
    async def grassroots_tallies(self, info: Info[RequestContext, None], year: int,
                                 unit_code: strawberry.ID | None = None) -> list[GrassrootsTally]:
        rows = await assessments.source_rows(info.context, models.GrassrootsTally, year, _text(unit_code))
        return [GrassrootsTally.from_row(r) for r in rows]

    @strawberry.field(description="加减分 items of a year (a unit operator: its own unit's approved items)")
    async def adjustment_items(self, info: Info[RequestContext, None], year: int,
                               unit_code: strawberry.ID | None = None,
                               status: AdjustmentItemStatus | None = None) -> list[AdjustmentItem]:
        rows = await adjustments.items(info.context, year=year, unit_code=_text(unit_code), status=status)
        return [AdjustmentItem.from_row(r) for r in rows]

    @strawberry.field(description="申诉 of a year, oldest first (a unit operator: its own unit's)")
    async def appeals(self, info: Info[RequestContext, None], year: int,
                      status: AppealStatus | None = None) -> list[Appeal]:
        return [Appeal.from_row(a) for a in await appeals.appeals(info.context, year=year, status=status)]


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def set_assessment_setting(self, info: Info[RequestContext, None], year: int, key: str,
                                     value: str) -> AssessmentSettings:
        return AssessmentSettings.build(year, await settings.set_setting(info.context, year=year, key=key,
                                                                        value=value))

    @strawberry.mutation(description="Load settings.csv rows, all or nothing")
    async def import_settings(self, info: Info[RequestContext, None], rows: Rows) -> ImportReport:
        parsed = import_rows(rows, SETTING_COLUMNS, "settings.csv")
        result = await settings.import_settings(
            info.context, [settings.SettingRow(row=r.row, year=r.year, key=r.key, value=r.value) for r in parsed]
        )
        return ImportReport(file="settings.csv", created=result.created, updated=result.updated,
                            unchanged=result.unchanged)

    @strawberry.mutation(description="Open the year's assessment from a snapshot of its agreed targets (once)")
    async def open_assessment(self, info: Info[RequestContext, None], year: int) -> Assessment:
        info.context.require(Role.TARGET_OFFICE)
        await assessments.ensure_open(info.context, year)
        return await _assessment(assessments.current_view(year))

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

    @strawberry.mutation(description="Load certifications.csv rows, all or nothing")
    async def import_certifications(self, info: Info[RequestContext, None], rows: Rows) -> ImportReport:
        parsed = import_rows(rows, CERTIFICATION_COLUMNS, "certifications.csv")
        result = await inputs.import_certifications(info.context, [
            inputs.CertificationRow(row=r.row, target_code=r.target_code, year=r.year, actual_value=r.actual_value,
                                    completion=r.completion, note=r.note) for r in parsed])
        release_memory_soon(len(rows))
        return _report("certifications.csv", result)

    @strawberry.mutation(description="Load ballots.csv rows, all or nothing")
    async def import_ballots(self, info: Info[RequestContext, None], rows: Rows) -> ImportReport:
        parsed = import_rows(rows, BALLOT_COLUMNS, "ballots.csv")
        result = await inputs.import_ballots(info.context, [
            inputs.BallotRow(row=r.row, unit_code=r.unit_code, year=r.year, voter_group=r.voter_group,
                             excellent=r.excellent, good=r.good, fair=r.fair, poor=r.poor) for r in parsed])
        return _report("ballots.csv", result)

    @strawberry.mutation(description="Load inspections.csv rows, all or nothing")
    async def import_inspections(self, info: Info[RequestContext, None], rows: Rows) -> ImportReport:
        parsed = import_rows(rows, INSPECTION_COLUMNS, "inspections.csv")
        result = await inputs.import_inspections(info.context, [
            inputs.InspectionRow(row=r.row, unit_code=r.unit_code, year=r.year, inspector=r.inspector,
                                 score=r.score) for r in parsed])
        return _report("inspections.csv", result)

    @strawberry.mutation(description="Load grassroots.csv rows, all or nothing")
    async def import_grassroots(self, info: Info[RequestContext, None], rows: Rows) -> ImportReport:
        parsed = import_rows(rows, GRASSROOTS_COLUMNS, "grassroots.csv")
        result = await inputs.import_grassroots(info.context, [
            inputs.GrassrootsRow(row=r.row, unit_code=r.unit_code, year=r.year, satisfied=r.satisfied,
                                 basically_satisfied=r.basically_satisfied, dissatisfied=r.dissatisfied)
            for r in parsed])
        return _report("grassroots.csv", result)

    @strawberry.mutation(description="Load adjustments.csv rows as approved items, all or nothing")
    async def import_adjustments(self, info: Info[RequestContext, None], rows: Rows) -> ImportReport:
        parsed = import_rows(rows, ADJUSTMENT_COLUMNS, "adjustments.csv")
        result = await adjustments.import_adjustments(info.context, [
            adjustments.AdjustmentRow(row=r.row, unit_code=r.unit_code, year=r.year, points=r.points, reason=r.reason)
            for r in parsed])
        return _report("adjustments.csv", result)

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
            row=1, target_code=str(target_code), year=str(year), actual_value=_text(actual_value),
            completion=_text(completion), note=note)]))
        pairs = await assessments.snapshot_targets(info.context, year, None)
        return next(AssessedTarget.build(t, c) for t, c in pairs if t.code == str(target_code))

    @strawberry.mutation(description="Set the ballots of one voter group for one unit")
    async def set_ballots(self, info: Info[RequestContext, None], year: int, unit_code: strawberry.ID,
                          voter_group: str, excellent: int = 0, good: int = 0, fair: int = 0,
                          poor: int = 0) -> BallotTally:
        await inputs.single(inputs.import_ballots(info.context, [inputs.BallotRow(
            row=1, unit_code=str(unit_code), year=str(year), voter_group=voter_group, excellent=str(excellent),
            good=str(good), fair=str(fair), poor=str(poor))]))
        row = await models.BallotTally.get(year=year, unit_code=str(unit_code), voter_group=voter_group.strip())
        return BallotTally.from_row(row)

    @strawberry.mutation(description="Set one inspector's score (0–100) for one unit")
    async def set_inspection_score(self, info: Info[RequestContext, None], year: int, unit_code: strawberry.ID,
                                   inspector: str, score: Decimal) -> InspectionEntry:
        await inputs.single(inputs.import_inspections(info.context, [inputs.InspectionRow(
            row=1, unit_code=str(unit_code), year=str(year), inspector=inspector, score=str(score))]))
        row = await models.InspectionScore.get(year=year, unit_code=str(unit_code), inspector=inspector.strip())
        return InspectionEntry.from_row(row)

    @strawberry.mutation(description="Set the grassroots responses for one unit")
    async def set_grassroots(self, info: Info[RequestContext, None], year: int, unit_code: strawberry.ID,
                             satisfied: int = 0, basically_satisfied: int = 0,
                             dissatisfied: int = 0) -> GrassrootsTally:
        await inputs.single(inputs.import_grassroots(info.context, [inputs.GrassrootsRow(
            row=1, unit_code=str(unit_code), year=str(year), satisfied=str(satisfied),
            basically_satisfied=str(basically_satisfied), dissatisfied=str(dissatisfied))]))
        row = await models.GrassrootsTally.get(year=year, unit_code=str(unit_code))
        return GrassrootsTally.from_row(row)


schema = build_schema(Query, Mutation, [Unit, Assessment])
