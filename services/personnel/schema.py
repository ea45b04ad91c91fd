"""GraphQL types and thin resolvers of the personnel subgraph."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

import strawberry
from strawberry.types import Info

from kernel.context import RequestContext
from kernel.errors import Forbidden
from kernel.graphql import ImportReport, build_schema
from services.personnel import service
from services.personnel.models import Person as PersonRow


@strawberry.enum
class MainLeaderRole(Enum):
    PARTY_SECRETARY = "PARTY_SECRETARY"
    ADMIN_HEAD = "ADMIN_HEAD"


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

    @strawberry.field
    def unit(self) -> Unit:
        return Unit(code=strawberry.ID(self.row.unit_code))

    @strawberry.field(description="月工资 — only the target office, organisation department, unit leaders")
    def monthly_salary(self, info: Info[RequestContext, None]) -> Decimal | None:
        if not service.may_see_pay(info.context, self.row.unit_code):
            raise Forbidden("salaries are visible only to the target office, the organisation "
                            "department and the unit's own leadership")
        return self.row.monthly_salary

    @strawberry.field(description="年度目标责任奖标准 — same visibility as the salary")
    def bonus_standard(self, info: Info[RequestContext, None]) -> Decimal | None:
        if not service.may_see_pay(info.context, self.row.unit_code):
            raise Forbidden("bonus standards are visible only to the target office, the organisation "
                            "department and the unit's own leadership")
        return self.row.bonus_standard

    @classmethod
    def from_row(cls, row: PersonRow) -> Person:
        return cls(
            staff_no=strawberry.ID(row.staff_no), name=row.name, position=row.position,
            leadership_member=row.leadership_member,
            main_leader_role=MainLeaderRole(row.main_leader_role.value) if row.main_leader_role else None,
            on_establishment=row.on_establishment, version=row.version, row=row,
        )

    @classmethod
    async def resolve_reference(cls, info: Info[RequestContext, None], staff_no: strawberry.ID) -> Person | None:
        row = await info.context.loaders["person"].load(str(staff_no))
        return cls.from_row(row) if row else None


@strawberry.federation.type(keys=["code"])
class Unit:
    code: strawberry.ID

    @strawberry.field(description="在编及编外人员 — the unit's staff, ordered by staff number")
    async def staff(self, info: Info[RequestContext, None]) -> list[Person]:
        rows = await info.context.loaders["staff"].load(str(self.code))
        return [Person.from_row(r) for r in rows]

    @classmethod
    async def resolve_reference(cls, info: Info[RequestContext, None], code: strawberry.ID) -> Unit:
        return cls(code=code)


@strawberry.input
class PersonRowInput:
    row: int
    staff_no: str | None = None
    name: str | None = None
    unit_code: str | None = None
    position: str | None = None
    leadership_member: str | None = None
    main_leader_role: str | None = None
    on_establishment: str | None = None
    monthly_salary: str | None = None
    bonus_standard: str | None = None


@strawberry.type
class Query:
    @strawberry.field
    async def person(self, info: Info[RequestContext, None], staff_no: strawberry.ID) -> Person | None:
        row = await info.context.loaders["person"].load(str(staff_no))
        if row is None:
            return None
        info.context.require_unit(row.unit_code, "TARGET_OFFICE", "LEADER", "ORGANIZATION_DEPT",
                                  "SUPERVISION_OFFICE", "ASSESSOR", "EVALUATOR")
        return Person.from_row(row)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Load people.csv rows, all or nothing")
    async def import_people(self, info: Info[RequestContext, None], rows: list[PersonRowInput]) -> ImportReport:
        result = await service.import_people(info.context, [
            service.PersonRow(
                row=r.row, staff_no=r.staff_no, name=r.name, unit_code=r.unit_code, position=r.position,
                leadership_member=r.leadership_member, main_leader_role=r.main_leader_role,
                on_establishment=r.on_establishment, monthly_salary=r.monthly_salary,
                bonus_standard=r.bonus_standard,
            )
            for r in rows
        ])
        return ImportReport(file="people.csv", created=result.created, updated=result.updated,
                            unchanged=result.unchanged)


schema = build_schema(Query, Mutation, [Person, Unit])
