"""Identity events (sign-ins, lockouts, account changes) in the identity store's audit trail."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from kernel.audit import append
from kernel.auth import Caller
from kernel.context import RequestContext
from kernel.settings import ServiceSettings

_SETTINGS = ServiceSettings(name="identity", dsn="", secret="")


async def record(*, actor: str, roles: str = "", action: str, entity_id: str | None, success: bool,
                 detail: str | None = None, after: object = None, source: str | None = None,
                 request_id: str = "") -> None:
    caller = Caller(username=actor, roles=frozenset(r for r in roles.split(",") if r))
    context = RequestContext(caller=caller, request_id=request_id, source=source, settings=_SETTINGS)
    async with in_transaction() as connection:
        await append(connection, context, action=action, entity="Account", entity_id=entity_id, before=None,
                     after=after, success=success, detail=detail)
