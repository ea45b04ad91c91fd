"""GraphQL types and thin resolvers of the personnel subgraph."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from kernel.audit_query import PageInfo
from kernel.bulk import gc_paused, release_memory_soon
from kernel.context import RequestContext
from kernel.errors import Conflict, Forbidden
from kernel.graphql import ImportReport, build_schema, type_from_row
from kernel.official_document import Document
from kernel.rows import import_rows
from services.personnel import access, apply, filing_document, history, published, reads, roster, rules, workflow
from services.personnel import models as m
from services.personnel.models import Person as PersonRow
from services.personnel.pull import encode_cursor

Ctx = Info[RequestContext, None]


MainLeaderRole = strawberry.enum(m.MainLeaderRole)


Grade = strawberry.enum(rules.Grade, description="The grade of a unit in a published assessment")


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


def _pay(info: Ctx, unit_code: str, value: Decimal) -> Decimal:
    if not access.may_see_pay(info.context, unit_code):
        raise Forbidden("salaries and bonuses are visible only to the target office, the organisation "
                        "department and the unit's own leadership")
    return value


@strawberry.type(description="任职: a stint in a unit, with business dates (since/until) and when it was recorded")
class UnitStint:
    position: str
    joined_at: datetime
    left_at: datetime | None
    since: date | None = strawberry.field(description="The first day of the stint; null: before any year in the "
                                                      "system")
    until: date | None = strawberry.field(description="The last day of the stint; null while it is held")
    leadership_member: bool = strawberry.field(description="领导班子成员 during the stint")
    main_leader_role: MainLeaderRole | None = strawberry.field(description="党政主要负责人 role during the stint")
    unit_code: strawberry.Private[str]

    @strawberry.field
    def unit(self) -> Unit:
        return Unit(code=strawberry.ID(self.unit_code))

    @classmethod
    def from_row(cls, s: m.UnitMembership) -> UnitStint:
        return type_from_row(cls, s)


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
    from_record: strawberry.Private[bool] = False

    @strawberry.field
    def unit(self) -> Unit:
        return Unit(code=strawberry.ID(self.row.unit_code))

    @strawberry.field(description="月工资 — only the target office, organisation department, unit leaders")
    def monthly_salary(self, info: Ctx) -> Decimal | None:
        return _pay(info, self.row.unit_code, self.row.monthly_salary)

    @strawberry.field(description="年度目标责任奖标准 — same visibility as the salary")
    def bonus_standard(self, info: Ctx) -> Decimal | None:
        return _pay(info, self.row.unit_code, self.row.bonus_standard)

    @strawberry.field(description="The units this person has belonged to, oldest first (held: until null)")
    async def unit_history(self, info: Ctx) -> list[UnitStint]:
        stints = await info.context.loaders["history"].load(self.row.staff_no)
        if self.from_record:  # someone the caller sees only through its unit's record: that unit's stints
            stints = [s for s in stints if access.may_see_people_of(info.context, s.unit_code)]
        return [UnitStint.from_row(s) for s in stints]

    @strawberry.field(description="The day the person left the system (no stint from then on); null while in a unit")
    def left_on(self) -> date | None:
        return self.row.left_on

    @strawberry.field(description="干部档案: filing records and leader-adjustment cases across years, newest first")
    async def cadre_file(self, info: Ctx) -> CadreFile:
        found = await reads.cadre_file(info.context, self.row)
        stints = await info.context.loaders["history"].load(self.row.staff_no)
        return CadreFile(
            staff_no=strawberry.ID(found.staff_no),
            filing_records=[FilingRecord.from_row(r) for r in found.filing_records],
            leader_adjustments=[LeaderAdjustment.from_row(c) for c in found.leader_adjustments],
            unit_history=[UnitStint.from_row(s) for s in stints],
        )

    @classmethod
    def from_row(cls, row: PersonRow, *, from_record: bool = False) -> Person:
        return type_from_row(cls, row, row=row, from_record=from_record)

    @classmethod
    async def resolve_reference(cls, info: Ctx, staffNo: strawberry.ID) -> Person | None:
        return await _roster_person(info, str(staffNo))


async def _roster_person(info: Ctx, staff_no: str) -> Person | None:
    """A person of the roster, by staff number. A city-wide reader gets None for an unknown number; a caller
    who reads its own unit only gets the same FORBIDDEN for an unknown number and for another unit's person,
    so that no answer tells whether a staff number exists elsewhere."""
    row = await info.context.loaders["person"].load(staff_no)
    if access.sees_all_people(info.context):
        return Person.from_row(row) if row else None
    if row is None or not access.may_see_people_of(info.context, row.unit_code):
        raise access.own_unit_only(info.context)
    return Person.from_row(row)


async def _person(info: Ctx, staff_no: str, name: str, unit_code: str, *, position: str = "",
                  leadership_member: bool = False, main_leader_role: str | None = None) -> Person:
    """The person a reward line, filing form or adjustment case is about. The caller was allowed the record,
    which names the person: when the roster's person is out of the caller's sight (moved to another unit since)
    or gone, the record's own view of them stands in (its name, unit and position), never the roster's."""
    row = await info.context.loaders["person"].load(staff_no)
    if row is not None and access.may_see_people_of(info.context, row.unit_code):
        return Person.from_row(row)
    role = m.MainLeaderRole(main_leader_role) if main_leader_role else None
    stand_in = PersonRow(staff_no=staff_no, name=name, unit_code=unit_code, position=position,
                         leadership_member=leadership_member, main_leader_role=role, on_establishment=False,
                         monthly_salary=Decimal(0), bonus_standard=Decimal(0), version=0)
    return Person.from_row(stand_in, from_record=True)


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
        return [Honour.from_row(h) for h in await reads.honours(info.context, year=year, unit_code=str(self.code))]

    @classmethod
    async def resolve_reference(cls, info: Ctx, code: strawberry.ID) -> Unit:
        return cls(code=code)


@strawberry.type(description="A title: 先进单位 for a unit, 先进个人 for a main leader of an advanced unit")
class Honour:
    year: int
    kind: HonourKind
    title: str
    revision: int
    unit_code: strawberry.Private[str]
    staff_no: strawberry.Private[str]

    @strawberry.field
    def unit(self) -> Unit:
        return Unit(code=strawberry.ID(self.unit_code))

    @strawberry.field
    async def person(self, info: Ctx) -> Person | None:
        return await _roster_person(info, self.staff_no) if self.staff_no else None

    @classmethod
    def from_row(cls, row: m.Honour) -> Honour:
        return type_from_row(cls, row)


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

    @strawberry.field
    def unit(self) -> Unit:
        return Unit(code=strawberry.ID(self.row.unit_code))

    @strawberry.field(description="年度目标责任奖标准")
    def bonus_standard(self, info: Ctx) -> Decimal | None:
        return _pay(info, self.row.unit_code, self.row.bonus_standard)

    @strawberry.field(description="发放")
    def bonus_paid(self, info: Ctx) -> Decimal | None:
        return _pay(info, self.row.unit_code, self.row.bonus_paid)

    @strawberry.field(description="扣发")
    def bonus_forfeited(self, info: Ctx) -> Decimal | None:
        return _pay(info, self.row.unit_code, self.row.bonus_forfeited)

    @strawberry.field(description="加发一个月工资")
    def extra_salary(self, info: Ctx) -> Decimal | None:
        return _pay(info, self.row.unit_code, self.row.extra_salary)

    @strawberry.field(description="一次性物质奖励: advanced_leader_award for a main leader of an advanced unit")
    def one_time_award(self, info: Ctx) -> Decimal | None:
        return _pay(info, self.row.unit_code, self.row.one_time_award)

    @strawberry.field(description="发放 + 加发 + 一次性奖励")
    def total(self, info: Ctx) -> Decimal | None:
        return _pay(info, self.row.unit_code, self.row.total)

    @classmethod
    def from_row(cls, row: m.RewardLine) -> RewardLine:
        return type_from_row(cls, row, id=strawberry.ID(str(row.id)), grade=Grade(row.grade), row=row)

    @classmethod
    async def resolve_reference(cls, info: Ctx, id: strawberry.ID) -> RewardLine | None:
        scope = access.reward_scope(info.context)
        row = await info.context.loaders["reward_line"].load(str(id))
        if row is None or (scope is not None and row.unit_code != scope):
            return None
        return cls.from_row(row)


@strawberry.type(description="一次性物质奖励 of an advanced unit (the advanced_unit_award setting of the revision)")
class UnitAward:
    year: int
    title: str
    amount: Decimal
    revision: int
    reason: str
    unit_code: strawberry.Private[str]

    @strawberry.field
    def unit(self) -> Unit:
        return Unit(code=strawberry.ID(self.unit_code))

    @classmethod
    def from_row(cls, row: m.UnitAward) -> UnitAward:
        return type_from_row(cls, row)


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
    needs_review: bool
    review_note: str
    revision: int
    reason: str
    version: int
    created_at: datetime
    updated_at: datetime
    row: strawberry.Private[m.FilingRecord]

    @strawberry.field
    async def person(self, info: Ctx) -> Person:
        r = self.row
        role = r.team_role if r.team_role in ("PARTY_SECRETARY", "ADMIN_HEAD") else None
        return await _person(info, r.staff_no, r.person_name, r.unit_code, position=r.position,
                             leadership_member=True, main_leader_role=role)

    @strawberry.field
    def unit(self) -> Unit:
        return Unit(code=strawberry.ID(self.row.unit_code))

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

    @strawberry.field
    def bonus_paid(self, info: Ctx) -> Decimal | None:
        return _pay(info, self.row.unit_code, self.row.bonus_paid)

    @strawberry.field
    def bonus_forfeited(self, info: Ctx) -> Decimal | None:
        return _pay(info, self.row.unit_code, self.row.bonus_forfeited)

    @strawberry.field
    def extra_salary(self, info: Ctx) -> Decimal | None:
        return _pay(info, self.row.unit_code, self.row.extra_salary)

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
        scope = access.filing_scope(info.context)
        row = await info.context.loaders["filing_record"].load(str(id))
        if row is None or (scope is not None and row.unit_code != scope):
            return None
        return cls.from_row(row)


@strawberry.federation.type(keys=["id"], description="末位调整: a case about a main leader of a last-place unit")
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
    needs_review: bool
    review_note: str
    revision: int
    reason: str
    version: int
    created_at: datetime
    updated_at: datetime
    row: strawberry.Private[m.LeaderAdjustment]

    @strawberry.field
    async def person(self, info: Ctx) -> Person:
        c = self.row
        return await _person(info, c.staff_no, c.person_name, c.unit_code, position=c.position,
                             leadership_member=True, main_leader_role=c.main_leader_role)

    @strawberry.field
    def unit(self) -> Unit:
        return Unit(code=strawberry.ID(self.row.unit_code))

    @classmethod
    def from_row(cls, c: m.LeaderAdjustment) -> LeaderAdjustment:
        return type_from_row(cls, c, id=strawberry.ID(str(c.id)), main_leader_role=MainLeaderRole(c.main_leader_role),
                        row=c)

    @classmethod
    async def resolve_reference(cls, info: Ctx, id: strawberry.ID) -> LeaderAdjustment | None:
        scope = access.filing_scope(info.context)
        row = await info.context.loaders["leader_adjustment"].load(str(id))
        if row is None or (scope is not None and row.unit_code != scope):
            return None
        return cls.from_row(row)


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


def _export(found: reads.Export) -> PersonnelExport:
    return PersonnelExport(filename=found.filename, content_type=found.content_type,
                           content_base64=found.content_base64, rows=found.rows)


def _page_info(rows: list, has_next: bool) -> PageInfo:
    last = rows[-1] if rows else None
    return PageInfo(has_next_page=has_next, end_cursor=encode_cursor(last.updated_at, last.id) if last else None)


PEOPLE_COLUMNS = ("staff_no", "name", "unit_code", "position", "leadership_member", "main_leader_role",
                  "on_establishment", "monthly_salary", "bonus_standard", "since")
ROWS_HELP = "rows of people.csv: one JSON object per row, {\"row\": n, \"<column>\": \"<text>\", …} (DESIGN §5)"
TRANSFER_COLUMNS = ("staff_no", "unit_code", "position", "leadership_member", "main_leader_role", "effective_date")
TRANSFER_ROWS_HELP = "rows of transfers.csv: one JSON object per row, {\"row\": n, \"<column>\": \"<text>\", …}"


@strawberry.type
class Query:
    @strawberry.field
    async def person(self, info: Ctx, staff_no: strawberry.ID) -> Person | None:
        return await _roster_person(info, str(staff_no))

    @strawberry.field(description="Reward lines of a year, for incremental pulls: ordered by (updatedAt, id)")
    async def reward_lines(self, info: Ctx, year: int, first: int | None = None, after: str | None = None,
                           updated_since: datetime | None = None) -> RewardLineConnection:
        found = await reads.reward_lines(info.context, year=year, first=first, after=after,
                                         updated_since=updated_since)
        return RewardLineConnection(
            edges=[RewardLineEdge(cursor=encode_cursor(r.updated_at, r.id), node=RewardLine.from_row(r))
                   for r in found.rows],
            page_info=_page_info(found.rows, found.has_next),
        )

    @strawberry.field(description="Filing records, for incremental pulls: ordered by (updatedAt, id)")
    async def filing_records(self, info: Ctx, year: int | None = None, status: FilingStatus | None = None,
                             updated_since: datetime | None = None, first: int | None = None,
                             after: str | None = None) -> FilingRecordConnection:
        found = await reads.filing_records(
            info.context, year=year, status=m.FilingStatus(status.value) if status else None, first=first,
            after=after, updated_since=updated_since)
        return FilingRecordConnection(
            edges=[FilingRecordEdge(cursor=encode_cursor(r.updated_at, r.id), node=FilingRecord.from_row(r))
                   for r in found.rows],
            page_info=_page_info(found.rows, found.has_next),
        )

    @strawberry.field
    async def leader_adjustments(self, info: Ctx, year: int) -> list[LeaderAdjustment]:
        return [LeaderAdjustment.from_row(c) for c in await reads.leader_adjustments(info.context, year=year)]

    @strawberry.field
    async def honours(self, info: Ctx, year: int) -> list[Honour]:
        return [Honour.from_row(h) for h in await reads.honours(info.context, year=year)]

    @strawberry.field(description="一次性物质奖励 of the year's advanced units (none while advanced_unit_award is 0)")
    async def unit_awards(self, info: Ctx, year: int) -> list[UnitAward]:
        return [UnitAward.from_row(a) for a in await reads.unit_awards(info.context, year=year)]

    @strawberry.field(description="Reward sheets as XLSX: a summary, then one sheet per unit with totals")
    async def reward_lines_export(self, info: Ctx, year: int) -> PersonnelExport:
        return _export(await reads.reward_export(info.context, year=year))

    @strawberry.field(description="Filing forms as XLSX: one row per form, then one printable sheet per form")
    async def filing_records_export(self, info: Ctx, year: int, status: FilingStatus | None = None
                                    ) -> PersonnelExport:
        return _export(await reads.filing_export(info.context, year=year,
                                                 status=m.FilingStatus(status.value) if status else None))

    @strawberry.field(description="领导干部目标考核结果备案表 of the year as an official document (DOCX), one form per "
                                  "cadre and page, read as filingRecordsExport reads; NOT_FOUND without forms")
    async def filing_records_document(self, info: Ctx, year: int) -> Document:
        filename, content = await filing_document.filing_records_document(info.context, year)
        return Document.docx(filename, content)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Load people.csv rows, all or nothing")
    async def import_people(
        self, info: Ctx, rows: Annotated[list[JSON], strawberry.argument(description=ROWS_HELP)]
    ) -> ImportReport:
        with gc_paused():
            typed = import_rows(rows, PEOPLE_COLUMNS, "people.csv", make=roster.PersonRow)
            result = await roster.import_people(info.context, typed)
        release_memory_soon(len(rows))
        return ImportReport(file="people.csv", created=result.created, updated=result.updated,
                            unchanged=result.unchanged)

    @strawberry.mutation(description="Load transfers.csv rows (after people.csv), in date order per person, all or "
                                     "nothing; created = moves recorded, unchanged = moves already recorded")
    async def import_transfers(
        self, info: Ctx, rows: Annotated[list[JSON], strawberry.argument(description=TRANSFER_ROWS_HELP)]
    ) -> ImportReport:
        parsed = import_rows(rows, TRANSFER_COLUMNS, "transfers.csv")
        result = await history.import_transfers(info.context, [
            history.TransferRow(row=r.row, staff_no=r.staff_no, unit_code=r.unit_code, position=r.position,
                                leadership_member=r.leadership_member, main_leader_role=r.main_leader_role,
                                effective_date=r.effective_date)
            for r in parsed
        ])
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
            leadership_member=leadership_member,
            main_leader_role=m.MainLeaderRole(main_leader_role.value) if main_leader_role else None,
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
        role = None if main_leader_role in (None, strawberry.UNSET) else m.MainLeaderRole(main_leader_role.value)
        change = roster.PersonChange(
            name=name, unit_code=unit_code, position=position, leadership_member=leadership_member,
            main_leader_role=role, clear_main_leader_role=main_leader_role is None,
            on_establishment=on_establishment, monthly_salary=monthly_salary, bonus_standard=bonus_standard,
        )
        row = await roster.update_person(info.context, staff_no=str(staff_no), version=version, change=change)
        return Person.from_row(row)

    @strawberry.mutation(description="Apply the year's published assessment revision (§4.3); idempotent")
    async def apply_results(self, info: Ctx, year: int) -> ApplyReport:
        info.context.require(*apply.APPLY_ROLES)
        revision = await published.fetch(info.context, year)
        if revision is None:
            raise Conflict(f"nothing is published for {year} yet; publish the assessment first, then apply it",
                           field="year")
        with gc_paused():  # a province's roster and lines
            outcome = await apply.apply_revision(info.context, revision)
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


schema = build_schema(Query, Mutation, [Person, Unit, RewardLine, FilingRecord, LeaderAdjustment])
