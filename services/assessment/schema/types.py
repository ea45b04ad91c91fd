"""The object types and enumerations of the assessment subgraph, each built from its row or record."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Self

import strawberry
from strawberry.types import Info
from tortoise.models import Model

from kernel.context import RequestContext
from kernel.graphql import type_from_row
from kernel.vocabulary import GRADE_DESCRIPTION
from services.assessment import access, assessments, bulletin, models, repository, rules


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


Grade = strawberry.enum(rules.Grade, description=GRADE_DESCRIPTION)


AssessmentStatus = strawberry.enum(models.Status, name="AssessmentStatus")


TargetKind = strawberry.enum(rules.TargetKind)


Measure = strawberry.enum(rules.Measure)


Direction = strawberry.enum(rules.Direction)


AdjustmentItemStatus = strawberry.enum(models.AdjustmentStatus, name="AdjustmentItemStatus",
                                       description="加减分 status: PROPOSED (待审核), APPROVED (已批准, counted), "
                                                   "REJECTED (已驳回)")
AppealStatus = strawberry.enum(models.AppealStatus, description="申诉 status: FILED (待处理), ACCEPTED (已采纳), "
                               "REJECTED (已驳回)")


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
        return AssessmentSettings.build(year, await info.context.loaders["settings"].load(year))

    @strawberry.field(description="The unit's result in the latest revision of the year the caller may read "
                                  "(a unit operator: its own unit, published revisions only)")
    async def result(self, info: Info[RequestContext, None], year: int) -> UnitResult | None:
        access.require_unit_reader(info.context, str(self.code))
        row = await info.context.loaders["result"].load((year, str(self.code)))
        return UnitResult.from_row(row) if row else None

    @classmethod
    async def resolve_reference(cls, info: Info[RequestContext, None], code: strawberry.ID) -> Unit:
        return cls(code=code)


def _unit_of(root: Any) -> Unit:
    """The `unit` field of a type holding a unit code."""
    return Unit(code=root.unit_code)


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

    unit = strawberry.field(resolver=_unit_of)

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
    view: strawberry.Private[repository.View]

    @strawberry.field(description="Every unit (a unit operator: its own), by group, rank and code")
    async def results(self) -> list[UnitResult]:
        return [UnitResult.from_row(r) for r in await self.view.results()]

    @strawberry.field(description="Every revision of the year the caller may read")
    async def revisions(self, info: Info[RequestContext, None]) -> list[RevisionSummary]:
        return [RevisionSummary.from_row(r) for r in await repository.revisions(info.context, self.year)]

    @classmethod
    def from_view(cls, view: repository.View) -> Assessment:
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
        view = await repository.visible(info.context, int(year))
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

    @classmethod
    def build(cls, r: models.Revision, rows: list[models.UnitResult]) -> PublishedRevision:
        assert r.published_at is not None
        frozen = assessments.frozen_settings(r)
        return cls(
            year=r.year, revision=r.number, published_at=r.published_at, reason=r.reason,
            results=[PublishedResult.from_row(x) for x in rows], final=r.final_at is not None,
            notice_ends_at=r.notice_ends_on, advanced_unit_award=frozen.advanced_unit_award,
            advanced_leader_award=frozen.advanced_leader_award,
        )


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

    unit = strawberry.field(resolver=_unit_of)

    @classmethod
    def from_row(cls, r: models.UnitResult) -> BulletinEntry:
        return cls(unit_code=strawberry.ID(r.unit_code), unit_name=r.unit_name, unit_group=r.unit_group,
                   rank=r.rank, grade=Grade(r.grade), qualified=r.qualified, composite_score=Decimal(r.composite),
                   department_score=Decimal(r.department), voting_score=Decimal(r.voting),
                   inspection_score=Decimal(r.inspection), grassroots_score=Decimal(r.grassroots),
                   adjustment_points=Decimal(r.adjustment_points),
                   adjustments=PublishedAdjustment.list_from(r.adjustments))


def _entries(pick: Callable[[bulletin.Bulletin], list[models.UnitResult]], description: str) -> Any:
    """A field of the bulletin listing some of its results (`pick`), each as an entry."""
    def resolve(root: Bulletin) -> list[BulletinEntry]:
        return [BulletinEntry.from_row(r) for r in pick(root.content)]

    return strawberry.field(resolver=resolve, description=description)


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
    advanced: list[BulletinEntry] = _entries(lambda b: b.advanced, "先进单位, by group and rank")
    qualified: list[BulletinEntry] = _entries(lambda b: b.qualified, "达标单位 that are not advanced")
    unqualified: list[BulletinEntry] = _entries(lambda b: b.unqualified,
                                                "未达标单位 (last-place units included), named for criticism")
    last_place: list[BulletinEntry] = _entries(lambda b: b.last_place, "末位单位, lowest first")
    entries: list[BulletinEntry] = _entries(lambda b: b.results, "Every unit, by group and rank")

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


class FromRow:
    """A type whose fields are a row's columns of the same names."""

    @classmethod
    def from_row(cls, row: Model) -> Self:
        return type_from_row(cls, row)


@strawberry.type(description="投票测评 — ballots of one voter group for one unit")
class BallotTally(FromRow):
    year: int
    unit_code: strawberry.ID
    voter_group: str
    excellent: int
    good: int
    fair: int
    poor: int
    entered_by: str
    updated_at: datetime


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
class GrassrootsTally(FromRow):
    year: int
    unit_code: strawberry.ID
    satisfied: int
    basically_satisfied: int
    dissatisfied: int
    entered_by: str
    updated_at: datetime


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

    unit = strawberry.field(resolver=_unit_of)

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

    unit = strawberry.field(resolver=_unit_of)

    @classmethod
    def from_row(cls, a: models.Appeal) -> Appeal:
        return type_from_row(cls, a, id=strawberry.ID(str(a.id)))
