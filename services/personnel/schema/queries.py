"""The personnel subgraph's queries: what the repository lets the caller read, as GraphQL types."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import strawberry

from kernel.audit_query import PageInfo
from kernel.official_document import Document
from services.personnel import exports, filing_document, repository
from services.personnel.pull import encode_cursor
from services.personnel.schema.inputs import stored_status
from services.personnel.schema.types import (
    Ctx,
    FilingRecord,
    FilingRecordConnection,
    FilingRecordEdge,
    FilingStatus,
    Honour,
    LeaderAdjustment,
    Person,
    PersonnelExport,
    RewardLine,
    RewardLineConnection,
    RewardLineEdge,
    UnitAward,
    roster_person,
)


def _export(found: exports.Export) -> PersonnelExport:
    return PersonnelExport(filename=found.filename, content_type=found.content_type,
                           content_base64=found.content_base64, rows=found.rows)


def _page_info(rows: Sequence, has_next: bool) -> PageInfo:
    last = rows[-1] if rows else None
    return PageInfo(has_next_page=has_next, end_cursor=encode_cursor(last.updated_at, last.id) if last else None)


@strawberry.type
class Query:
    @strawberry.field
    async def person(self, info: Ctx, staff_no: strawberry.ID) -> Person | None:
        return await roster_person(info, str(staff_no))

    @strawberry.field(description="Reward lines of a year, for incremental pulls: ordered by (updatedAt, id)")
    async def reward_lines(self, info: Ctx, year: int, first: int | None = None, after: str | None = None,
                           updated_since: datetime | None = None) -> RewardLineConnection:
        found = await repository.reward_lines_page(info.context, year=year, first=first, after=after,
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
        found = await repository.filing_records_page(info.context, year=year, status=stored_status(status),
                                                     first=first, after=after, updated_since=updated_since)
        return FilingRecordConnection(
            edges=[FilingRecordEdge(cursor=encode_cursor(r.updated_at, r.id), node=FilingRecord.from_row(r))
                   for r in found.rows],
            page_info=_page_info(found.rows, found.has_next),
        )

    @strawberry.field
    async def leader_adjustments(self, info: Ctx, year: int) -> list[LeaderAdjustment]:
        return [LeaderAdjustment.from_row(c) for c in await repository.leader_adjustments(info.context, year=year)]

    @strawberry.field
    async def honours(self, info: Ctx, year: int) -> list[Honour]:
        return [Honour.from_row(h) for h in await repository.honours(info.context, year=year)]

    @strawberry.field(description="一次性物质奖励 of the year's advanced units (none while advanced_unit_award is 0)")
    async def unit_awards(self, info: Ctx, year: int) -> list[UnitAward]:
        return [UnitAward.from_row(a) for a in await repository.unit_awards(info.context, year=year)]

    @strawberry.field(description="Reward sheets as XLSX: a summary, then one sheet per unit with totals")
    async def reward_lines_export(self, info: Ctx, year: int) -> PersonnelExport:
        return _export(await exports.reward_export(info.context, year=year))

    @strawberry.field(description="Filing forms as XLSX: one row per form, then one printable sheet per form")
    async def filing_records_export(self, info: Ctx, year: int, status: FilingStatus | None = None
                                    ) -> PersonnelExport:
        return _export(await exports.filing_export(info.context, year=year, status=stored_status(status)))

    @strawberry.field(description="领导干部目标考核结果备案表 of the year as an official document (DOCX), one form per "
                                  "cadre and page, read as filingRecordsExport reads; NOT_FOUND without forms")
    async def filing_records_document(self, info: Ctx, year: int) -> Document:
        filename, content = await filing_document.filing_records_document(info.context, year)
        return Document.docx(filename, content)
