"""The targets subgraph's object types, the enumerations it exposes, and how rows become types."""

from __future__ import annotations

import datetime
import inspect
import typing
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import Any, Self, TypeVar

import strawberry
from strawberry.types import Info

from kernel.context import RequestContext
from kernel.graphql import type_from_row
from kernel.ids import record_id
from services.targets import access, progress, repository, rules
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


T = TypeVar("T")


def fields_of(source: type, *names: str, optional: tuple[str, ...] = (),
              **retyped: Any) -> Callable[[type[T]], type[T]]:
    """Class decorator (under strawberry's): the dataclass `source`'s fields `names`, then its fields `optional`
    (typed `X | None`, None by default), become the class's first fields, ahead of its own; `retyped` gives some
    of them another type. One list of fields then serves the domain and the GraphQL type."""
    hints = typing.get_type_hints(source) | retyped

    def add(cls: type[T]) -> type[T]:
        for name in optional:
            setattr(cls, name, None)
        cls.__annotations__ = ({name: hints[name] for name in names}
                               | {name: hints[name] | None for name in optional}
                               | inspect.get_annotations(cls))
        return cls

    return add


async def loaded(info: Ctx, loader: str, key: object, make: Callable[[Any], T]) -> T | None:
    """The row the request's DataLoader `loader` holds under `key`, made a type by `make` (None when none is)."""
    row = await info.context.loaders[loader].load(key)
    return make(row) if row else None


async def loaded_all(info: Ctx, loader: str, key: object, make: Callable[[Any], T]) -> list[T]:
    """The rows the request's DataLoader `loader` holds under `key`, each made a type by `make`."""
    return [make(row) for row in await info.context.loaders[loader].load(key)]


class RowType:
    """A GraphQL type each field of which is the row's attribute of the same name."""

    @classmethod
    def from_row(cls, row: object) -> Self:
        return type_from_row(cls, row)


@strawberry.federation.type(keys=["staffNo"], description="A member of staff (owned by personnel)")
class Person:
    staff_no: strawberry.ID


def person(staff_no: str | None) -> Person | None:
    return Person(staff_no=strawberry.ID(staff_no)) if staff_no else None


@strawberry.federation.type(keys=["year"], description="考核年度 — an assessment year")
class AssessmentYear(RowType):
    year: int
    status: YearStatus
    version: int

    @classmethod
    async def resolve_reference(cls, info: Ctx, year: int) -> AssessmentYear | None:
        return await loaded(info, "year", int(year), cls.from_row)


@strawberry.federation.type(keys=["code"], description="目标责任单位 — a unit that carries targets")
class Unit(RowType):
    code: strawberry.ID
    name: str
    kind: UnitKind
    group: str
    version: int

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> Unit:
        return cls(code=strawberry.ID(values["code"]), name=values["name"], kind=UnitKind(values["kind"]),
                   group=values["group"], version=values["version"])

    @classmethod
    async def resolve_reference(cls, info: Ctx, code: strawberry.ID) -> Unit | None:
        return await loaded(info, "unit", str(code), cls.from_values)

    @strawberry.field(description="The unit's top-level targets of a year, each with its whole cascade "
                                  "under `children` (loaded in one query)")
    async def targets(self, info: Ctx, year: int) -> list[Target]:
        access.require_read_unit(info.context, str(self.code))
        return await loaded_all(info, "tree", (str(self.code), year), Target.from_node)


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


# The GraphQL Target's own fields are TargetValues' columns (the people are Person fields, resolved below).
TARGET_FIELDS = tuple(c for c in repository.TARGET_VALUE_COLUMNS if c not in ("responsible_leader", "assignee"))


@strawberry.federation.type(keys=["id"], description="目标 — one target of a unit in a year, at any level")
@fields_of(repository.TargetValues, *TARGET_FIELDS, id=strawberry.ID)
class Target:
    additive = strawberry.field(description="Children's values add up to the parent's (gap shown)")
    stretch_override = strawberry.field(name="stretchOverrideReason")
    row: strawberry.Private[m.Target | repository.TargetValues]
    nodes: strawberry.Private[list[rules.Node] | None] = None

    @classmethod
    def from_row(cls, row: m.Target | repository.TargetValues, nodes: list[rules.Node] | None = None) -> Target:
        return type_from_row(
            cls, row, id=strawberry.ID(str(row.id)), baseline=shown(row.baseline),
            proposed_value=shown(row.proposed_value), agreed_value=shown(row.agreed_value),
            points=shown(row.points) or Decimal(0), benchmark_value=shown(row.benchmark_value), row=row, nodes=nodes,
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
        return await loaded(info, "unit", self.unit_code, Unit.from_values)

    @strawberry.field(description="责任领导 (a Person of personnel)")
    def responsible_leader(self) -> Person | None:
        return person(self.row.responsible_leader)

    @strawberry.field(description="The person the target is assigned to (a Person of personnel)")
    def assignee(self) -> Person | None:
        return person(self.row.assignee)

    async def _children(self, info: Ctx) -> list[Target]:
        if self.nodes is not None:
            return [Target.from_node(n) for n in self.nodes]
        return await loaded_all(info, "children", (self.year, self.code), Target.from_row)

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
        return await loaded_all(info, "rounds", self.row.id, NegotiationRound.from_row)

    @strawberry.field(description="Progress reports, by day")
    async def progress_reports(self, info: Ctx) -> list[ProgressReport]:
        return await loaded_all(info, "reports", self.row.id, ProgressReport.from_row)

    @strawberry.field(description="Progress as of a day (rolled up through the cascade)")
    async def progress(self, info: Ctx, as_of: datetime.date) -> TargetProgress | None:
        found = await info.context.loaders["progress"].load((self.unit_code, self.year, as_of))
        entry = found.get(self.code)
        return TargetProgress.of(entry) if entry else None


@strawberry.type(description="A top-level agreed target, for the assessment service")
@fields_of(repository.TargetValues, "code", "unit_code", "title", "kind", "measure", "direction", "agreed_value",
           "points", "assessing_department", "status", "version")
class AgreedTarget:

    @classmethod
    def from_row(cls, row: Any) -> AgreedTarget:  # repository.agreed_targets: plain values of a Target
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
        return await loaded(info, "unit", self.unit_code, Unit.from_values)

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
        row = await repository.read_letter(info.context, letter_id=key) if (key := record_id(id)) else None
        return cls.from_row(row) if row else None

    @strawberry.field
    async def targets(self, info: Ctx) -> list[Target]:
        return await loaded_all(info, "letter_targets", int(self.id), Target.from_row)


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
        return await loaded(info, "target", self.target_id, Target.from_row)

    @classmethod
    def of(cls, p: progress.Progress) -> LaggingTarget:
        return cls(code=p.code, unit_code=p.unit_code, title=p.title, progress=ratio(p.progress),
                   elapsed=ratio(p.elapsed), status=ProgressStatus(p.status.value), reported=p.reported,
                   actual_to_date=shown(p.actual_to_date), target_id=p.target_id, leader=p.responsible_leader)


@strawberry.type(description="How many targets are behind schedule on a day (the home screen's figure)")
class LaggingCount:
    lagging: int
    at_risk: int



@strawberry.type(description="How many top-level targets of a year are in a status")
class StatusCount:
    status: TargetStatus
    count: int


@strawberry.type(description="目标概况 — counts of a year's top-level targets (a unit operator: its own unit)")
class TargetCounts:
    year: int
    total: int
    by_status: list[StatusCount]


