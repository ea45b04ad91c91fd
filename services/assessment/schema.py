"""GraphQL types and thin resolvers of the assessment subgraph."""

from __future__ import annotations

from decimal import Decimal

import strawberry
from strawberry.types import Info

from kernel.context import RequestContext
from kernel.graphql import ImportReport, build_schema
from kernel.roles import Role
from services.assessment import service
from services.assessment.year_settings import YearSettings

READERS = tuple(r.value for r in Role if r not in (Role.AUDITOR, Role.SYSADMIN, Role.SECURITY_ADMIN))


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

    @classmethod
    def build(cls, year: int, s: YearSettings) -> AssessmentSettings:
        groups = sorted(set(s.group_advanced_ratio) | set(s.group_last_place_count))
        return cls(
            year=year, weight_department=s.weight_department, weight_voting=s.weight_voting,
            weight_inspection=s.weight_inspection, weight_grassroots=s.weight_grassroots,
            pass_line=s.pass_line, advanced_ratio=s.advanced_ratio, last_place_count=s.last_place_count,
            stretch_cap=s.stretch_cap,
            voter_group_weights=[GroupWeight(group=g, weight=w) for g, w in sorted(s.voter_group_weights.items())],
            group_quotas=[GroupQuota(group=g, advanced_ratio=s.group_advanced_ratio.get(g),
                                     last_place_count=s.group_last_place_count.get(g)) for g in groups],
        )


@strawberry.federation.type(keys=["code"])
class Unit:
    code: strawberry.ID

    @strawberry.field(description="The assessment settings of a year as they apply to this unit")
    async def assessment_settings(self, info: Info[RequestContext, None], year: int) -> AssessmentSettings:
        info.context.require(*READERS)
        return AssessmentSettings.build(year, await service.settings_for(year))

    @classmethod
    async def resolve_reference(cls, info: Info[RequestContext, None], code: strawberry.ID) -> Unit:
        return cls(code=code)


@strawberry.input
class SettingRowInput:
    row: int
    year: str | None = None
    key: str | None = None
    value: str | None = None


@strawberry.type
class Query:
    @strawberry.field
    async def assessment_settings(self, info: Info[RequestContext, None], year: int) -> AssessmentSettings:
        info.context.require(*READERS)
        return AssessmentSettings.build(year, await service.settings_for(year))


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def set_assessment_setting(self, info: Info[RequestContext, None], year: int, key: str,
                                     value: str) -> AssessmentSettings:
        return AssessmentSettings.build(year, await service.set_setting(info.context, year=year, key=key,
                                                                        value=value))

    @strawberry.mutation(description="Load settings.csv rows, all or nothing")
    async def import_settings(self, info: Info[RequestContext, None], rows: list[SettingRowInput]) -> ImportReport:
        result = await service.import_settings(
            info.context, [service.SettingRow(row=r.row, year=r.year, key=r.key, value=r.value) for r in rows]
        )
        return ImportReport(file="settings.csv", created=result.created, updated=result.updated,
                            unchanged=result.unchanged)


schema = build_schema(Query, Mutation, [Unit])
