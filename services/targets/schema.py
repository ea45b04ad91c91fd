"""GraphQL types and thin resolvers of the targets subgraph."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.types import Info

from kernel.context import RequestContext
from kernel.graphql import ImportReport, build_schema
from services.targets import service
from services.targets.models import Unit as UnitRow


@strawberry.enum
class UnitKind(Enum):
    DISTRICT = "DISTRICT"
    MUNICIPAL = "MUNICIPAL"


@strawberry.federation.type(keys=["code"], description="目标责任单位 — a unit that carries targets")
class Unit:
    code: strawberry.ID
    name: str
    kind: UnitKind
    group: str
    version: int

    @classmethod
    def from_row(cls, row: UnitRow) -> Unit:
        return cls(code=strawberry.ID(row.code), name=row.name, kind=UnitKind(row.kind.value),
                   group=row.group, version=row.version)

    @classmethod
    async def resolve_reference(cls, info: Info[RequestContext, None], code: strawberry.ID) -> Unit | None:
        row = await info.context.loaders["unit"].load(str(code))
        return cls.from_row(row) if row else None


@strawberry.input
class UnitRowInput:
    row: int
    code: str | None = None
    name: str | None = None
    kind: str | None = None
    group: str | None = None


@strawberry.type
class Query:
    @strawberry.field(description="Every unit, ordered by code")
    async def units(self, info: Info[RequestContext, None]) -> list[Unit]:
        return [Unit.from_row(u) for u in await service.list_units()]

    @strawberry.field
    async def unit(self, info: Info[RequestContext, None], code: strawberry.ID) -> Unit | None:
        row = await info.context.loaders["unit"].load(str(code))
        return Unit.from_row(row) if row else None


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def create_unit(self, info: Info[RequestContext, None], code: strawberry.ID, name: str,
                          kind: UnitKind, group: str | None = None) -> Unit:
        row = await service.create_unit(info.context, code=str(code), name=name, kind=kind.value, group=group)
        return Unit.from_row(row)

    @strawberry.mutation
    async def update_unit(self, info: Info[RequestContext, None], code: strawberry.ID, version: int,
                          name: str | None = None, kind: UnitKind | None = None,
                          group: str | None = None) -> Unit:
        row = await service.update_unit(info.context, code=str(code), version=version, name=name,
                                        kind=kind.value if kind else None, group=group)
        return Unit.from_row(row)

    @strawberry.mutation(description="Load units.csv rows, all or nothing")
    async def import_units(self, info: Info[RequestContext, None], rows: list[UnitRowInput]) -> ImportReport:
        result = await service.import_units(
            info.context,
            [service.UnitRow(row=r.row, code=r.code, name=r.name, kind=r.kind, group=r.group) for r in rows],
        )
        return ImportReport(file="units.csv", created=result.created, updated=result.updated,
                            unchanged=result.unchanged)


schema = build_schema(Query, Mutation, [Unit])
