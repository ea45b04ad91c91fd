"""The AUDITOR's view of a service's audit trail: `<service>AuditTrail`, added to every subgraph's Query.

Through the gateway one request reads all three services' trails side by side:
`{ targetsAuditTrail(first: 50) { … } assessmentAuditTrail(first: 50) { … } personnelAuditTrail(…) { … } }`.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from kernel.audit import AuditEntry
from kernel.context import RequestContext
from kernel.errors import BadInput
from kernel.roles import Role

MAX_PAGE = 500


@strawberry.federation.type(shareable=True)
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.federation.type(shareable=True, description="审计记录 — one entry of a service's audit trail")
class AuditRecord:
    service: str
    id: strawberry.ID
    at: datetime
    actor: str
    roles: str
    unit: str | None
    source: str | None
    action: str
    entity: str
    entity_id: str | None
    before: str | None
    after: str | None
    request_id: str | None
    client_request_id: str | None = strawberry.field(
        description="the X-Request-ID the client sent, kept apart from the request id the system gave")
    success: bool
    detail: str | None
    prev_hash: str
    hash: str


@strawberry.federation.type(shareable=True)
class AuditRecordEdge:
    cursor: str
    node: AuditRecord


@strawberry.federation.type(shareable=True)
class AuditRecordConnection:
    edges: list[AuditRecordEdge]
    page_info: PageInfo


def _cursor(ident: int) -> str:
    return base64.urlsafe_b64encode(f"audit:{ident}".encode()).decode()


def _after(cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        prefix, _, ident = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if prefix != "audit":
            raise ValueError(prefix)
        return int(ident)
    except (ValueError, UnicodeDecodeError):
        raise BadInput("the cursor is not one this service gave out", field="after") from None


async def read_trail(service: str, *, first: int, after: str | None, actor: str | None, action: str | None,
                     success: bool | None, since: datetime | None) -> AuditRecordConnection:
    if not 1 <= first <= MAX_PAGE:
        raise BadInput(f"first must be between 1 and {MAX_PAGE}", field="first")
    query = AuditEntry.filter(id__gt=_after(after))
    filters: dict[str, Any] = {"actor": actor, "action": action, "success": success, "at__gte": since}
    query = query.filter(**{key: value for key, value in filters.items() if value is not None})
    rows = await query.order_by("id").limit(first + 1)
    page = rows[:first]
    edges = [
        AuditRecordEdge(cursor=_cursor(r.id), node=AuditRecord(
            service=service, id=strawberry.ID(str(r.id)), at=r.at, actor=r.actor, roles=r.roles, unit=r.unit,
            source=r.source, action=r.action, entity=r.entity, entity_id=r.entity_id, before=r.before,
            after=r.after, request_id=r.request_id,
            client_request_id=r.client_request_id, success=r.success, detail=r.detail, prev_hash=r.prev_hash,
            hash=r.hash))
        for r in page
    ]
    return AuditRecordConnection(edges=edges, page_info=PageInfo(has_next_page=len(rows) > first,
                                                                 end_cursor=edges[-1].cursor if edges else None))


def audit_query_type(service: str) -> type:
    """A Query type with the one field `<service>AuditTrail` (AUDITOR only)."""

    async def trail(info: Info[RequestContext, None], first: int = 100, after: str | None = None,
                    actor: str | None = None, action: str | None = None, success: bool | None = None,
                    since: datetime | None = None) -> AuditRecordConnection:
        info.context.require(Role.AUDITOR)
        return await read_trail(service, first=first, after=after, actor=actor, action=action, success=success,
                                since=since)

    field = strawberry.field(resolver=trail, name=f"{service}AuditTrail",
                             description=f"The {service} service's audit trail, oldest first (AUDITOR only)")
    return strawberry.type(type(f"{service.title()}AuditQuery", (), {"audit_trail": field}))
