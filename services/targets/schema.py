"""GraphQL types and thin resolvers of the targets subgraph."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from kernel.bulk import gc_paused, release_memory_soon
from kernel.context import RequestContext
from kernel.errors import NotFound
from kernel.graphql import ImportReport, build_schema, type_from_row
from kernel.ids import record_id
from kernel.official_document import Document
from kernel.rows import import_rows
from services.targets import (
    access,
    calendar,
    catalog,
    letter_batches,
    letter_document,
    letters,
    negotiation,
    progress,
    rules,
    units,
)
from services.targets import models as m

Ctx = Info[RequestContext, None]


UnitKind = strawberry.enum(m.UnitKind)


YearStatus = strawberry.enum(m.YearStatus)


TargetKind = strawberry.enum(m.TargetKind)


Measure = strawberry.enum(m.Measure)


Direction = strawberry.enum(m.Direction)


TargetStatus = strawberry.enum(m.TargetStatus)


RoundAction = strawberry.enum(m.RoundAction, description="One step of a negotiation (磋商)")


LetterLevel = strawberry.enum(m.LetterLevel, description="目标责任书的层级")


LetterStatus = strawberry.enum(m.LetterStatus)


@strawberry.enum
class LetterSide(Enum):
    ISSUER = "ISSUER"
    RECEIVER = "RECEIVER"


ProgressStatus = strawberry.enum(
    rules.ProgressStatus, description="Progress against the elapsed share of the year (docs/targets.md)")


def shown(value: Decimal | None) -> Decimal | None:
    return rules.plain(value)


def ratio(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


@strawberry.federation.type(keys=["staffNo"], description="A member of staff (owned by personnel)")
class Person:
    staff_no: strawberry.ID


def person(staff_no: str | None) -> Person | None:
    return Person(staff_no=strawberry.ID(staff_no)) if staff_no else None


@strawberry.federation.type(keys=["year"], description="考核年度 — an assessment year")
class AssessmentYear:
    year: int
    status: YearStatus
    version: int

    @classmethod
    def from_row(cls, row: m.AssessmentYear) -> AssessmentYear:
        return type_from_row(cls, row)

    @classmethod
    async def resolve_reference(cls, info: Ctx, year: int) -> AssessmentYear | None:
        row = await info.context.loaders["year"].load(int(year))
        return cls.from_row(row) if row else None


@strawberry.federation.type(keys=["code"], description="目标责任单位 — a unit that carries targets")
class Unit:
    code: strawberry.ID
    name: str
    kind: UnitKind
    group: str
    version: int

    @classmethod
    def from_row(cls, row: m.Unit) -> Unit:
        return type_from_row(cls, row)

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> Unit:
        return cls(code=strawberry.ID(values["code"]), name=values["name"], kind=UnitKind(values["kind"]),
                   group=values["group"], version=values["version"])

    @classmethod
    async def resolve_reference(cls, info: Ctx, code: strawberry.ID) -> Unit | None:
        row = await info.context.loaders["unit"].load(str(code))
        return cls.from_row(row) if row else None

    @strawberry.field(description="The unit's top-level targets of a year, each with its whole cascade "
                                  "under `children` (loaded in one query)")
    async def targets(self, info: Ctx, year: int) -> list[Target]:
        access.require_read_unit(info.context, str(self.code))
        roots = await info.context.loaders["tree"].load((str(self.code), year))
        return [Target.from_node(node) for node in roots]


@strawberry.type(description="One round of a negotiation: who, in which role, when, what value, why")
class NegotiationRound:
    action: RoundAction
    value: Decimal | None
    reason: str
    actor: str
    role: str
    at: datetime.datetime

    @classmethod
    def from_row(cls, row: m.NegotiationRound) -> NegotiationRound:
        return type_from_row(cls, row, value=shown(row.value))


@strawberry.type(description="A periodic progress report")
class ProgressReport:
    id: strawberry.ID
    period: str
    as_of: datetime.date
    actual_to_date: Decimal | None
    note: str
    evidence: str
    reporter: str
    at: datetime.datetime
    version: int = strawberry.field(description="1 for the first report of the period, +1 per correction")

    @classmethod
    def from_row(cls, row: m.ProgressReport) -> ProgressReport:
        return type_from_row(cls, row, id=strawberry.ID(str(row.id)), actual_to_date=shown(row.actual_to_date))


@strawberry.type(description="A target's progress on a day, rolled up through its cascade")
class TargetProgress:
    progress: Decimal
    elapsed: Decimal
    status: ProgressStatus
    reported: bool
    actual_to_date: Decimal | None

    @classmethod
    def of(cls, p: progress.Progress) -> TargetProgress:
        return cls(progress=ratio(p.progress), elapsed=ratio(p.elapsed), status=ProgressStatus(p.status.value),
                   reported=p.reported, actual_to_date=shown(p.actual_to_date))


@strawberry.federation.type(keys=["id"], description="目标 — one target of a unit in a year, at any level")
class Target:
    id: strawberry.ID
    code: str
    year: int
    unit_code: str
    parent_code: str | None
    title: str
    category: str
    kind: TargetKind
    measure: Measure
    direction: Direction
    unit_of_measure: str
    baseline: Decimal | None
    proposed_value: Decimal | None
    agreed_value: Decimal | None
    points: Decimal
    benchmark_city: str
    benchmark_value: Decimal | None
    assessing_department: str
    responsible_department: str
    additive: bool = strawberry.field(description="Children's values add up to the parent's (gap shown)")
    status: TargetStatus
    stretch_override_reason: str | None
    version: int
    row: strawberry.Private[m.Target | catalog.TargetValues]
    nodes: strawberry.Private[list[rules.Node] | None] = None

    @classmethod
    def from_row(cls, row: m.Target | catalog.TargetValues, nodes: list[rules.Node] | None = None) -> Target:
        return type_from_row(
            cls, row, id=strawberry.ID(str(row.id)), baseline=shown(row.baseline),
            proposed_value=shown(row.proposed_value), agreed_value=shown(row.agreed_value),
            points=shown(row.points) or Decimal(0), benchmark_value=shown(row.benchmark_value),
            stretch_override_reason=row.stretch_override, row=row, nodes=nodes,
        )

    @classmethod
    def from_node(cls, node: rules.Node) -> Target:
        return cls.from_row(node.data, node.children)

    @classmethod
    async def resolve_reference(cls, info: Ctx, id: strawberry.ID) -> Target | None:
        row = await info.context.loaders["target"].load(key) if (key := record_id(id)) else None
        if row is None:
            return None
        access.require_read_unit(info.context, row.unit_code)
        return cls.from_row(row)

    @strawberry.field
    async def unit(self, info: Ctx) -> Unit | None:
        row = await info.context.loaders["unit"].load(self.unit_code)
        return Unit.from_row(row) if row else None

    @strawberry.field(description="责任领导 (a Person of personnel)")
    def responsible_leader(self) -> Person | None:
        return person(self.row.responsible_leader)

    @strawberry.field(description="The person the target is assigned to (a Person of personnel)")
    def assignee(self) -> Person | None:
        return person(self.row.assignee)

    async def _children(self, info: Ctx) -> list[Target]:
        if self.nodes is not None:
            return [Target.from_node(n) for n in self.nodes]
        rows = await info.context.loaders["children"].load((self.year, self.code))
        return [Target.from_row(r) for r in rows]

    @strawberry.field(description="分解 — the targets this one is decomposed into")
    async def children(self, info: Ctx) -> list[Target]:
        return await self._children(info)

    @strawberry.field(description="For additive quantitative targets with children: value − children's sum")
    async def uncovered_gap(self, info: Ctx) -> Decimal | None:
        if not self.additive or self.measure is not Measure.QUANTITATIVE:
            return None
        children = await self._children(info)
        if not children:
            return None
        value = self.row.agreed_value if self.row.agreed_value is not None else self.row.proposed_value
        return rules.uncovered_gap(value, [c.row.agreed_value for c in children])

    @strawberry.field(description="自娱自乐 — the value does not improve on the baseline in its direction")
    def no_stretch(self) -> bool:
        value = self.row.agreed_value if self.row.agreed_value is not None else self.row.proposed_value
        return rules.needs_stretch_override(value, self.row.baseline, self.row.direction)

    @strawberry.field(description="Every negotiation round, oldest first")
    async def negotiation_rounds(self, info: Ctx) -> list[NegotiationRound]:
        return [NegotiationRound.from_row(r) for r in await info.context.loaders["rounds"].load(self.row.id)]

    @strawberry.field(description="Progress reports, by day")
    async def progress_reports(self, info: Ctx) -> list[ProgressReport]:
        return [ProgressReport.from_row(r) for r in await info.context.loaders["reports"].load(self.row.id)]

    @strawberry.field(description="Progress as of a day (rolled up through the cascade)")
    async def progress(self, info: Ctx, as_of: datetime.date) -> TargetProgress | None:
        found = await info.context.loaders["progress"].load((self.unit_code, self.year, as_of))
        entry = found.get(self.code)
        return TargetProgress.of(entry) if entry else None


@strawberry.type(description="A top-level agreed target, for the assessment service")
class AgreedTarget:
    code: str
    unit_code: str
    title: str
    kind: TargetKind
    measure: Measure
    direction: Direction
    agreed_value: Decimal | None
    points: Decimal
    assessing_department: str
    status: TargetStatus
    version: int

    @classmethod
    def from_row(cls, row: m.Target) -> AgreedTarget:
        return type_from_row(cls, row, agreed_value=shown(row.agreed_value), points=shown(row.points) or Decimal(0))


@strawberry.type(description="A target flagged 'no stretch' (自娱自乐) for the leading group")
class StretchFlag:
    target: Target
    value: Decimal
    baseline: Decimal
    overridden: bool
    override_reason: str | None


@strawberry.type(description="A face-to-face negotiation session (磋商)")
class NegotiationSession:
    day: datetime.date
    slot: int
    room: int
    unit_code: str
    leader_staff_nos: list[str]

    @strawberry.field
    async def unit(self, info: Ctx) -> Unit | None:
        row = await info.context.loaders["unit"].load(self.unit_code)
        return Unit.from_row(row) if row else None

    @classmethod
    def from_row(cls, row: m.NegotiationSession) -> NegotiationSession:
        return cls(day=row.day, slot=row.slot, room=row.room, unit_code=row.unit_code,
                   leader_staff_nos=[s for s in row.leaders.split(",") if s])


@strawberry.type
class NegotiationSchedule:
    sessions: list[NegotiationSession]
    unscheduled: list[str]


@strawberry.federation.type(keys=["id"], description="目标责任书 — a responsibility letter")
class ResponsibilityLetter:
    id: strawberry.ID
    year: int
    unit_code: str
    level: LetterLevel
    title: str
    issuer: str
    receiver: str
    parent_id: strawberry.ID | None
    amends_id: strawberry.ID | None
    superseded_by: strawberry.ID | None
    changes: str | None
    reason: str
    status: LetterStatus
    issuer_signed_by: str | None
    issuer_signed_at: datetime.datetime | None
    receiver_signed_by: str | None
    receiver_signed_at: datetime.datetime | None
    content_hash: str | None
    version: int

    @classmethod
    def from_row(cls, row: m.Letter) -> ResponsibilityLetter:
        def ref(value: int | None) -> strawberry.ID | None:
            return strawberry.ID(str(value)) if value is not None else None

        return type_from_row(cls, row, id=strawberry.ID(str(row.id)), parent_id=ref(row.parent_id),
                        amends_id=ref(row.amends_id), superseded_by=ref(row.superseded_by))

    @classmethod
    async def resolve_reference(cls, info: Ctx, id: strawberry.ID) -> ResponsibilityLetter | None:
        row = await letters.read_letter(info.context, letter_id=key) if (key := record_id(id)) else None
        return cls.from_row(row) if row else None

    @strawberry.field
    async def targets(self, info: Ctx) -> list[Target]:
        rows = await info.context.loaders["letter_targets"].load(int(self.id))
        return [Target.from_row(r) for r in rows]


@strawberry.type(description="A letter's stored hash against its content now (tamper check)")
class LetterVerification:
    letter: ResponsibilityLetter
    stored_hash: str | None
    current_hash: str
    valid: bool


@strawberry.type(description="A target behind schedule (督办)")
class LaggingTarget:
    code: str
    unit_code: str
    title: str
    progress: Decimal
    elapsed: Decimal
    status: ProgressStatus
    reported: bool
    actual_to_date: Decimal | None
    target_id: strawberry.Private[int]
    leader: strawberry.Private[str | None]

    @strawberry.field(description="责任领导")
    def responsible_leader(self) -> Person | None:
        return person(self.leader)

    @strawberry.field
    async def target(self, info: Ctx) -> Target | None:
        row = await info.context.loaders["target"].load(self.target_id)
        return Target.from_row(row) if row else None

    @classmethod
    def of(cls, p: progress.Progress) -> LaggingTarget:
        return cls(code=p.code, unit_code=p.unit_code, title=p.title, progress=ratio(p.progress),
                   elapsed=ratio(p.elapsed), status=ProgressStatus(p.status.value), reported=p.reported,
                   actual_to_date=shown(p.actual_to_date), target_id=p.target_id, leader=p.responsible_leader)


@strawberry.type(description="How many targets are behind schedule on a day (the home screen's figure)")
class LaggingCount:
    lagging: int
    at_risk: int


# ---- inputs --------------------------------------------------------------------------------------


UNIT_COLUMNS = ("code", "name", "kind", "group")
TARGET_COLUMNS = ("code", "unit_code", "year", "title", "category", "kind", "measure", "direction", "unit_of_measure",
                  "baseline", "agreed_value", "points", "benchmark_city", "benchmark_value", "assessing_department",
                  "parent_code", "responsible_department", "responsible_leader", "assignee")
ROWS_HELP = "rows of the file: one JSON object per row, {\"row\": n, \"<column>\": \"<text>\", …} (DESIGN §5)"


@strawberry.input
class NewTargetInput:
    year: int
    code: str
    unit_code: str
    title: str
    kind: TargetKind
    measure: Measure
    direction: Direction
    points: Decimal
    category: str | None = None
    unit_of_measure: str | None = None
    baseline: Decimal | None = None
    benchmark_city: str | None = None
    benchmark_value: Decimal | None = None
    assessing_department: str | None = None
    responsible_leader: str | None = None
    responsible_department: str | None = None
    assignee: str | None = None
    additive: bool | None = None


@strawberry.input(description="Fields to change; those left out stay as they are")
class TargetChangeInput:
    title: str | None = None
    category: str | None = None
    kind: TargetKind | None = None
    measure: Measure | None = None
    direction: Direction | None = None
    unit_of_measure: str | None = None
    baseline: Decimal | None = None
    agreed_value: Decimal | None = None
    points: Decimal | None = None
    benchmark_city: str | None = None
    benchmark_value: Decimal | None = None
    assessing_department: str | None = None
    responsible_leader: str | None = None
    responsible_department: str | None = None
    assignee: str | None = None
    additive: bool | None = None


@strawberry.input
class ChildTargetInput:
    code: str
    title: str
    value: Decimal | None = None
    points: Decimal | None = None
    responsible_department: str | None = None
    responsible_leader: str | None = None
    assignee: str | None = None
    additive: bool | None = None


@strawberry.input(description="A leader who negotiates; no units = every session")
class LeaderInput:
    staff_no: str
    unavailable: list[datetime.date] = strawberry.field(default_factory=list)
    units: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class NewLetterInput:
    year: int
    unit_code: str
    level: LetterLevel
    issuer: str
    receiver: str
    target_codes: list[str]
    title: str | None = None
    parent_id: strawberry.ID | None = None


@strawberry.input(description="One signature of a batch: the letter, the side signed, the version seen")
class LetterSignatureInput:
    id: strawberry.ID
    side: LetterSide
    version: int


@strawberry.input(description="One progress report of a batch")
class ProgressReportInput:
    code: str
    period: str
    as_of: datetime.date
    actual_to_date: Decimal
    note: str | None = None
    evidence: str | None = None


@strawberry.input(description="A change to one target bound by the letter being amended")
class TargetAmendmentInput:
    code: str
    title: str | None = None
    agreed_value: Decimal | None = None
    points: Decimal | None = None
    baseline: Decimal | None = None
    benchmark_city: str | None = None
    benchmark_value: Decimal | None = None
    assessing_department: str | None = None
    responsible_leader: str | None = None
    responsible_department: str | None = None
    assignee: str | None = None


def _spec(data: object) -> catalog.TargetSpec:
    values = {name: getattr(data, name) for name in catalog.TargetSpec.__dataclass_fields__ if hasattr(data, name)}
    for name in ("kind", "measure", "direction"):
        if values.get(name) is not None:
            values[name] = values[name].value
    return catalog.TargetSpec(**values)


def _letter_spec(data: NewLetterInput) -> letters.LetterSpec:
    return letters.LetterSpec(
        year=data.year, unit_code=data.unit_code, level=data.level.value, issuer=data.issuer,
        receiver=data.receiver, target_codes=data.target_codes, title=data.title or "",
        parent_id=record_id(data.parent_id) if data.parent_id else None,
    )


def _amendment_fields(change: TargetAmendmentInput) -> dict[str, object]:
    camel = {"title": "title", "agreed_value": "agreedValue", "points": "points", "baseline": "baseline",
             "benchmark_city": "benchmarkCity", "benchmark_value": "benchmarkValue",
             "assessing_department": "assessingDepartment", "responsible_leader": "responsibleLeader",
             "responsible_department": "responsibleDepartment", "assignee": "assignee"}
    return {camel[name]: getattr(change, name) for name in camel if getattr(change, name) is not None}


# ---- root types ----------------------------------------------------------------------------------


@strawberry.type(description="How many top-level targets of a year are in a status")
class StatusCount:
    status: TargetStatus
    count: int


@strawberry.type(description="目标概况 — counts of a year's top-level targets (a unit operator: its own unit)")
class TargetCounts:
    year: int
    total: int
    by_status: list[StatusCount]


@strawberry.type
class Query:
    @strawberry.field(description="Top-level targets of a year per status, in one aggregate query")
    async def target_counts(self, info: Ctx, year: int, unit_code: str | None = None) -> TargetCounts:
        counts = await catalog.top_level_status_counts(info.context, year=year, unit_code=unit_code)
        return TargetCounts(year=year, total=sum(counts.values()),
                            by_status=[StatusCount(status=TargetStatus(s.value), count=counts.get(s.value, 0))
                                       for s in m.TargetStatus])

    @strawberry.field(description="Every unit, ordered by code")
    async def units(self, info: Ctx) -> list[Unit]:
        return [Unit.from_values(u) for u in await units.list_units()]

    @strawberry.field
    async def unit(self, info: Ctx, code: strawberry.ID) -> Unit | None:
        row = await info.context.loaders["unit"].load(str(code))
        return Unit.from_row(row) if row else None

    @strawberry.field
    async def assessment_year(self, info: Ctx, year: int) -> AssessmentYear | None:
        row = await info.context.loaders["year"].load(year)
        return AssessmentYear.from_row(row) if row else None

    @strawberry.field
    async def assessment_years(self, info: Ctx) -> list[AssessmentYear]:
        return [AssessmentYear.from_row(y) for y in await m.AssessmentYear.all().order_by("year")]

    @strawberry.field
    async def target(self, info: Ctx, year: int, code: str) -> Target | None:
        row = await m.Target.get_or_none(year=year, code=code)
        if row is None:
            return None
        access.require_read_unit(info.context, row.unit_code)
        return Target.from_row(row)

    @strawberry.field(description="Top-level AGREED or SIGNED targets of a year (for the assessment service)")
    async def agreed_targets(self, info: Ctx, year: int) -> list[AgreedTarget]:
        return [AgreedTarget.from_row(t) for t in await catalog.agreed_targets(info.context, year=year)]

    @strawberry.field(description="跳起来摘桃子 — top-level targets whose value does not beat the baseline")
    async def stretch_flags(self, info: Ctx, year: int, unit_code: str | None = None) -> list[StretchFlag]:
        flags = await catalog.stretch_flags(info.context, year=year, unit_code=unit_code)
        return [StretchFlag(target=Target.from_row(f.target), value=shown(f.value) or Decimal(0),
                            baseline=shown(f.baseline) or Decimal(0), overridden=bool(f.target.stretch_override),
                            override_reason=f.target.stretch_override) for f in flags]

    @strawberry.field(description="The year's negotiation sessions, by day, slot and room")
    async def negotiation_schedule(self, info: Ctx, year: int) -> list[NegotiationSession]:
        rows = await negotiation.sessions(info.context, year=year, day=None)
        return [NegotiationSession.from_row(r) for r in rows]

    @strawberry.field(description="One day's negotiation sessions, for printing")
    async def negotiation_day(self, info: Ctx, year: int, day: datetime.date) -> list[NegotiationSession]:
        rows = await negotiation.sessions(info.context, year=year, day=day)
        return [NegotiationSession.from_row(r) for r in rows]

    @strawberry.field
    async def letters(self, info: Ctx, year: int, unit_code: str | None = None) -> list[ResponsibilityLetter]:
        rows = await letters.list_letters(info.context, year=year, unit_code=unit_code)
        return [ResponsibilityLetter.from_row(r) for r in rows]

    @strawberry.field(description="The unit's 目标责任书 of the year at every level, in force or waiting for "
                                  "signatures, as an official document (DOCX), one letter per page")
    async def letter_document(self, info: Ctx, year: int, unit_code: str) -> Document:
        filename, content = await letter_document.letter_document(info.context, year, unit_code)
        return Document.docx(filename, content)

    @strawberry.field
    async def letter(self, info: Ctx, id: strawberry.ID) -> ResponsibilityLetter | None:
        row = await letters.read_letter(info.context, letter_id=key) if (key := record_id(id)) else None
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
        result = await units.import_units(
            info.context,
            [units.UnitRow(row=r.row, code=r.code, name=r.name, kind=r.kind, group=r.group) for r in parsed],
        )
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
            typed = import_rows(rows, TARGET_COLUMNS, "targets.csv", make=catalog.TargetRow)
            result = await catalog.import_targets(info.context, typed)
        release_memory_soon(len(rows))
        return ImportReport(file="targets.csv", created=result.created, updated=result.updated,
                            unchanged=result.unchanged)

    @strawberry.mutation(description="A new top-level DRAFT target (target office)")
    async def create_target(self, info: Ctx, input: NewTargetInput) -> Target:
        row = await catalog.create_target(info.context, year=input.year, code=input.code,
                                          unit_code=input.unit_code, spec=_spec(input))
        return Target.from_row(row)

    @strawberry.mutation
    async def update_target(self, info: Ctx, year: int, code: str, version: int, input: TargetChangeInput) -> Target:
        row = await catalog.update_target(info.context, year=year, code=code, version=version, spec=_spec(input))
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
            leaders=[calendar.Leader(staff_no=ld.staff_no, unavailable=frozenset(ld.unavailable),
                                     units=frozenset(ld.units)) for ld in leaders],
            unit_codes=unit_codes,
        )
        return NegotiationSchedule(sessions=[NegotiationSession.from_row(s) for s in plan.sessions],
                                   unscheduled=plan.unscheduled)

    @strawberry.mutation(description="分解细化: add child targets under an agreed target")
    async def decompose_target(self, info: Ctx, year: int, code: str, children: list[ChildTargetInput]
                               ) -> list[Target]:
        rows = await catalog.decompose_target(info.context, year=year, code=code, children=[
            catalog.ChildSpec(code=c.code.strip(), title=c.title, value=c.value, points=c.points,
                              responsible_department=c.responsible_department,
                              responsible_leader=c.responsible_leader, assignee=c.assignee, additive=c.additive)
            for c in children])
        return [Target.from_row(r) for r in rows]

    @strawberry.mutation(description="A DRAFT responsibility letter binding agreed targets")
    async def create_letter(self, info: Ctx, input: NewLetterInput) -> ResponsibilityLetter:
        row = await letters.create_letter(info.context, _letter_spec(input))
        return ResponsibilityLetter.from_row(row)

    @strawberry.mutation(description="Many DRAFT letters at once, all or nothing (each checked as createLetter)")
    async def create_letters(self, info: Ctx, inputs: list[NewLetterInput]) -> list[ResponsibilityLetter]:
        rows = await letter_batches.create_letters(info.context, [_letter_spec(i) for i in inputs])
        return [ResponsibilityLetter.from_row(row) for row in rows]

    @strawberry.mutation(description="Many signatures in order, all or nothing (each checked as signLetter)")
    async def sign_letters(self, info: Ctx, signatures: list[LetterSignatureInput]) -> list[ResponsibilityLetter]:
        rows = await letter_batches.sign_letters(info.context, [
            letter_batches.Signature(record_id(s.id) or 0, s.side.value, s.version)
            for s in signatures])
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
                                         changes=[(c.code, _amendment_fields(c)) for c in changes])
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
        return await progress.report_progress_batch(info.context, year=year, entries=[
            progress.Entry(r.code, r.period, r.as_of, r.actual_to_date, r.note, r.evidence) for r in reports])


schema = build_schema(Query, Mutation, [Unit, Person, AssessmentYear, Target, ResponsibilityLetter])
