"""The personnel subgraph's types: fields filled from rows, pay behind `access.may_see_pay`, people and records
read through the per-request loaders (repository scopes)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import reduce
from typing import Any, Self

import strawberry
from strawberry.types import Info

from kernel.audit_query import PageInfo
from kernel.context import RequestContext
from kernel.errors import Forbidden
from kernel.graphql import type_from_row
from kernel.vocabulary import GRADE_DESCRIPTION
from services.personnel import access, repository, rules
from services.personnel import models as m
from services.personnel.models import Person as PersonRow

Ctx = Info[RequestContext, None]


MainLeaderRole = strawberry.enum(m.MainLeaderRole)


Grade = strawberry.enum(rules.Grade, description=GRADE_DESCRIPTION)


FilingStatus = strawberry.enum(
    m.FilingStatus, description="备案表 workflow; WITHDRAWN when a newer revision no longer calls for the form")


AdjustmentStatus = strawberry.enum(m.AdjustmentStatus)


AdjustmentDecisionKind = strawberry.enum(m.DecisionKind, name="AdjustmentDecisionKind")


@strawberry.enum(description="The person's place in the leadership team (领导班子)")
class LeadershipTeamRole(Enum):
    PARTY_SECRETARY = "PARTY_SECRETARY"
    ADMIN_HEAD = "ADMIN_HEAD"
    MEMBER = "MEMBER"
    STAFF = "STAFF"


HonourKind = strawberry.enum(m.HonourKind)


def pay(name: str, description: str | None = None) -> Any:
    """A money field of the row behind the type (`self.row`), for the roles that may see the unit's pay."""
    def resolve(self: Any, info: Ctx) -> Decimal | None:
        if not access.may_see_pay(info.context, self.row.unit_code):
            raise Forbidden("salaries and bonuses are visible only to the target office, the organisation "
                            "department and the unit's own leadership")
        return getattr(self.row, name)
    return strawberry.field(resolver=resolve, description=description)


def unit_of(*path: str) -> Any:
    """The `unit` field: the federated Unit whose code is at `path` of the object (`unit_code` by default)."""
    def resolve(self: Any) -> Unit:
        return Unit(code=strawberry.ID(reduce(getattr, path or ("unit_code",), self)))
    return strawberry.field(resolver=resolve)


class FromRow:
    """`from_row`: the type of a row whose fields are all the row's own."""

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return type_from_row(cls, row)


REVIEW_TRAIL = {"needs_review": "bool", "review_note": "str", "revision": "int", "reason": "str", "version": "int",
                "created_at": "datetime", "updated_at": "datetime"}


def with_review_trail(cls: type) -> type:
    """The fields a record of applyResults ends with (models.ReviewedRecord), after the type's own."""
    cls.__annotations__.update(REVIEW_TRAIL)
    return cls


@strawberry.type(description="任职: a stint in a unit, with business dates (since/until) and when it was recorded")
class UnitStint(FromRow):
    position: str
    joined_at: datetime
    left_at: datetime | None
    since: date | None = strawberry.field(description="The first day of the stint; null: before any year in the "
                                                      "system")
    until: date | None = strawberry.field(description="The last day of the stint; null while it is held")
    leadership_member: bool = strawberry.field(description="领导班子成员 during the stint")
    main_leader_role: MainLeaderRole | None = strawberry.field(description="党政主要负责人 role during the stint")
    unit_code: strawberry.Private[str]

    unit = unit_of()


@strawberry.federation.type(keys=["staffNo"], description="A member of staff of a unit")
class Person:
    staff_no: strawberry.ID
    name: str
    position: str
    leadership_member: bool
    main_leader_role: MainLeaderRole | None
    on_establishment: bool
    version: int
    row: strawberry.Private[PersonRow]

    unit = unit_of("row", "unit_code")

    monthly_salary = pay("monthly_salary", "月工资 — only the target office, organisation department, unit leaders")
    bonus_standard = pay("bonus_standard", "年度目标责任奖标准 — same visibility as the salary")

    @strawberry.field(description="The units this person has belonged to, oldest first (held: until null)")
    async def unit_history(self, info: Ctx) -> list[UnitStint]:
        return [UnitStint.from_row(s) for s in await info.context.loaders["history"].load(self.row.staff_no)]

    @strawberry.field(description="The day the person left the system (no stint from then on); null while in a unit")
    def left_on(self) -> date | None:
        return self.row.left_on

    @strawberry.field(description="干部档案: filing records and leader-adjustment cases across years, newest first")
    async def cadre_file(self, info: Ctx) -> CadreFile:
        records, cases = await repository.cadre_file(info.context, self.row)
        stints = await info.context.loaders["history"].load(self.row.staff_no)
        return CadreFile(
            staff_no=strawberry.ID(self.row.staff_no),
            filing_records=[FilingRecord.from_row(r) for r in records],
            leader_adjustments=[LeaderAdjustment.from_row(c) for c in cases],
            unit_history=[UnitStint.from_row(s) for s in stints],
        )

    @classmethod
    def from_row(cls, row: PersonRow) -> Person:
        return type_from_row(cls, row, row=row)

    @classmethod
    async def resolve_reference(cls, info: Ctx, staffNo: strawberry.ID) -> Person | None:
        return await roster_person(info, str(staffNo))


async def roster_person(info: Ctx, staff_no: str) -> Person | None:
    """A person of the roster, by staff number. A city-wide reader gets None for an unknown number; a caller
    who reads its own unit only gets the same FORBIDDEN for an unknown number and for another unit's person,
    so that no answer tells whether a staff number exists elsewhere."""
    row = await info.context.loaders["person"].load(staff_no)  # None too for a person the caller may not read
    if row is None and not access.sees_all_people(info.context):
        raise access.own_unit_only(info.context)
    return Person.from_row(row) if row else None


async def _person(info: Ctx, staff_no: str, name: str, unit_code: str, *, position: str = "",
                  leadership_member: bool = False, main_leader_role: str | None = None) -> Person:
    """The person a reward line, filing form or adjustment case is about. The caller was allowed the record,
    which names the person: when the roster's person is out of the caller's sight (moved to another unit since)
    or gone, the record's own view of them stands in (its name, unit and position), never the roster's."""
    row = await info.context.loaders["person"].load(staff_no)
    if row is not None:
        return Person.from_row(row)
    role = m.MainLeaderRole(main_leader_role) if main_leader_role else None
    stand_in = PersonRow(staff_no=staff_no, name=name, unit_code=unit_code, position=position,
                         leadership_member=leadership_member, main_leader_role=role, on_establishment=False,
                         monthly_salary=Decimal(0), bonus_standard=Decimal(0), version=0)
    return Person.from_row(stand_in)


@strawberry.federation.type(keys=["code"])
class Unit:
    code: strawberry.ID

    @strawberry.field(description="在编及编外人员 — the unit's staff, ordered by staff number")
    async def staff(self, info: Ctx) -> list[Person]:
        if not access.may_see_people_of(info.context, str(self.code)):
            raise Forbidden(f"you may not see the staff of unit {self.code}")
        rows = await info.context.loaders["staff"].load(str(self.code))
        return [Person.from_row(r) for r in rows]

    @strawberry.field(description="The titles the unit and its people hold for a year")
    async def honours(self, info: Ctx, year: int) -> list[Honour]:
        found = await repository.honours(info.context, year=year, unit_code=str(self.code))
        return [Honour.from_row(h) for h in found]

    @classmethod
    async def resolve_reference(cls, info: Ctx, code: strawberry.ID) -> Unit:
        return cls(code=code)


@strawberry.type(description="A title: 先进单位 for a unit, 先进个人 for a main leader of an advanced unit")
class Honour(FromRow):
    year: int
    kind: HonourKind
    title: str
    revision: int
    unit_code: strawberry.Private[str]
    staff_no: strawberry.Private[str]

    unit = unit_of()

    @strawberry.field
    async def person(self, info: Ctx) -> Person | None:
        return await roster_person(info, self.staff_no) if self.staff_no else None


@strawberry.federation.type(keys=["id"], description="One person's annual target bonus outcome (§4.3)")
class RewardLine:
    id: strawberry.ID
    year: int
    grade: Grade
    rule_code: str
    rule_text: str
    revision: int
    reason: str
    updated_at: datetime
    row: strawberry.Private[m.RewardLine]

    @strawberry.field(description="The rule that produced the line: code and explanation")
    def rule(self) -> str:
        return f"{self.row.rule_code}: {self.row.rule_text}"

    @strawberry.field
    async def person(self, info: Ctx) -> Person:
        return await _person(info, self.row.staff_no, self.row.person_name, self.row.unit_code)

    unit = unit_of("row", "unit_code")

    bonus_standard = pay("bonus_standard", "年度目标责任奖标准")
    bonus_paid = pay("bonus_paid", "发放")
    bonus_forfeited = pay("bonus_forfeited", "扣发")
    extra_salary = pay("extra_salary", "加发一个月工资")
    one_time_award = pay("one_time_award",
                         "一次性物质奖励: advanced_leader_award for a main leader of an advanced unit")
    total = pay("total", "发放 + 加发 + 一次性奖励")

    @classmethod
    def from_row(cls, row: m.RewardLine) -> RewardLine:
        return type_from_row(cls, row, id=strawberry.ID(str(row.id)), grade=Grade(row.grade), row=row)

    @classmethod
    async def resolve_reference(cls, info: Ctx, id: strawberry.ID) -> RewardLine | None:
        row = await info.context.loaders["reward_line"].load(str(id))  # None out of the caller's scope
        return cls.from_row(row) if row else None


@strawberry.type(description="一次性物质奖励 of an advanced unit (the advanced_unit_award setting of the revision)")
class UnitAward(FromRow):
    year: int
    title: str
    amount: Decimal
    revision: int
    reason: str
    unit_code: strawberry.Private[str]

    unit = unit_of()


@strawberry.type(description="加减分: an approved bonus or deduction item of the unit, as published")
class FilingAdjustment:
    points: Decimal
    category: str
    reason: str


@strawberry.type(description="A signature on the form: who, in which office, when")
class FilingSignature:
    step: str
    user: str
    office: str | None
    at: datetime


@strawberry.federation.type(keys=["id"], description="领导干部目标考核结果备案表")
@with_review_trail
class FilingRecord:
    id: strawberry.ID
    year: int
    person_name: str
    unit_name: str
    position: str
    team_role: LeadershipTeamRole
    grade: Grade
    composite_score: Decimal | None
    rank: int | None
    reward_rule: str
    reward_text: str
    remarks: str
    status: FilingStatus
    reviewed_by: str | None
    reviewed_at: datetime | None
    transferred_by: str | None
    transferred_at: datetime | None
    archived_by: str | None
    archived_at: datetime | None
    row: strawberry.Private[m.FilingRecord]

    @strawberry.field
    async def person(self, info: Ctx) -> Person:
        r = self.row
        role = r.team_role if r.team_role in ("PARTY_SECRETARY", "ADMIN_HEAD") else None
        return await _person(info, r.staff_no, r.person_name, r.unit_code, position=r.position,
                             leadership_member=True, main_leader_role=role)

    unit = unit_of("row", "unit_code")

    @strawberry.field
    def honours(self) -> list[str]:
        return [h for h in self.row.honours.split("、") if h]

    @strawberry.field(description="The unit's clamped 加减分 sum in the revision (§4.2)")
    def adjustment_points(self) -> Decimal:
        return self.row.adjustment_points

    @strawberry.field(description="The unit's approved 加减分 items behind adjustmentPoints, with their reasons")
    def adjustments(self) -> list[FilingAdjustment]:
        return [FilingAdjustment(points=Decimal(str(a.get("points") or 0)), category=str(a.get("category") or ""),
                                 reason=str(a.get("reason") or "")) for a in self.row.adjustments or []]

    bonus_paid = pay("bonus_paid")
    bonus_forfeited = pay("bonus_forfeited")
    extra_salary = pay("extra_salary")

    @strawberry.field(description="The signatures of the supervision office / target office and the organisation "
                                  "department, in order")
    def signatures(self) -> list[FilingSignature]:
        r = self.row
        steps = [("REVIEWED", r.reviewed_by, r.reviewed_role, r.reviewed_at),
                 ("TRANSFERRED", r.transferred_by, r.transferred_role, r.transferred_at),
                 ("ARCHIVED", r.archived_by, "ORGANIZATION_DEPT", r.archived_at)]
        return [FilingSignature(step=s, user=u, office=o, at=a) for s, u, o, a in steps if u and a]

    @classmethod
    def from_row(cls, r: m.FilingRecord) -> FilingRecord:
        return type_from_row(cls, r, id=strawberry.ID(str(r.id)), team_role=LeadershipTeamRole(r.team_role),
                        grade=Grade(r.grade), row=r)

    @classmethod
    async def resolve_reference(cls, info: Ctx, id: strawberry.ID) -> FilingRecord | None:
        row = await info.context.loaders["filing_record"].load(str(id))  # None out of the caller's scope
        return cls.from_row(row) if row else None


@strawberry.federation.type(keys=["id"], description="末位调整: a case about a main leader of a last-place unit")
@with_review_trail
class LeaderAdjustment:
    id: strawberry.ID
    year: int
    person_name: str
    position: str
    main_leader_role: MainLeaderRole
    composite_score: Decimal | None
    rank: int | None
    status: AdjustmentStatus
    decision_kind: AdjustmentDecisionKind | None
    decision_text: str
    decided_by: str | None
    decided_at: datetime | None
    executed_by: str | None
    executed_at: datetime | None
    execution_note: str
    row: strawberry.Private[m.LeaderAdjustment]

    @strawberry.field
    async def person(self, info: Ctx) -> Person:
        c = self.row
        return await _person(info, c.staff_no, c.person_name, c.unit_code, position=c.position,
                             leadership_member=True, main_leader_role=c.main_leader_role)

    unit = unit_of("row", "unit_code")

    @classmethod
    def from_row(cls, c: m.LeaderAdjustment) -> LeaderAdjustment:
        return type_from_row(cls, c, id=strawberry.ID(str(c.id)), main_leader_role=MainLeaderRole(c.main_leader_role),
                        row=c)

    @classmethod
    async def resolve_reference(cls, info: Ctx, id: strawberry.ID) -> LeaderAdjustment | None:
        row = await info.context.loaders["leader_adjustment"].load(str(id))  # None out of the caller's scope
        return cls.from_row(row) if row else None


@strawberry.type(description="干部档案: a person's filing records and adjustment cases, newest first")
class CadreFile:
    staff_no: strawberry.ID
    filing_records: list[FilingRecord]
    leader_adjustments: list[LeaderAdjustment]
    unit_history: list[UnitStint] = strawberry.field(description="任职经历: dated stints, oldest first")


@strawberry.type
class RewardLineEdge:
    cursor: str
    node: RewardLine


@strawberry.type
class RewardLineConnection:
    edges: list[RewardLineEdge]
    page_info: PageInfo


@strawberry.type
class FilingRecordEdge:
    cursor: str
    node: FilingRecord


@strawberry.type
class FilingRecordConnection:
    edges: list[FilingRecordEdge]
    page_info: PageInfo


@strawberry.type(description="What applyResults did (§4.3)")
class ApplyReport:
    year: int
    revision: int
    people: int
    reward_lines: int
    filing_records: int
    leader_adjustments: int
    honours: int
    unit_awards: int
    created: int
    changed: int
    unchanged: int
    withdrawn: int
    flagged_for_review: int


@strawberry.type(description="A spreadsheet, base64-encoded")
class PersonnelExport:
    filename: str
    content_type: str
    content_base64: str
    rows: int
