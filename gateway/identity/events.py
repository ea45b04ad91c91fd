"""Identity events written outside a request (the host's `mbo user …`) into the identity store's audit trail."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from kernel.audit import append
from kernel.auth import Caller
from kernel.context import RequestContext
from kernel.request_ids import new_id


async def record(*, actor: str, roles: str = "", action: str, entity_id: str | None, success: bool,
                 detail: str | None = None, after: object = None, source: str | None = None) -> None:
    caller = Caller(username=actor, roles=frozenset(r for r in roles.split(",") if r))
    context = RequestContext(caller=caller, request_id=new_id(), source=source)
    async with in_transaction() as connection:
        await append(connection, context, action=action, entity="Account", entity_id=entity_id, before=None,
                     after=after, success=success, detail=detail)
