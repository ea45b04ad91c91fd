"""/admin: the 三员 administration API (JSON over HTTP) and the supergraph's recomposition.

SYSADMIN administers accounts and issues API keys, and asks for the dangerous changes that need a second
administrator (双人复核); SECURITY_ADMIN changes grants, decides those requests and may revoke keys; AUDITOR
reads the identity store's audit trail. No account holds two of these roles (kernel.roles). A change that
waits for approval answers 202 with the request.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from tortoise.transactions import in_transaction

from gateway.federation import CompositionError
from gateway.identity import service
from gateway.web import authenticated, context, error_response, graphql_error_response, read_json, state, text
from kernel.audit import AuditEntry, append
from kernel.auth import Caller
from kernel.context import RequestContext
from kernel.errors import AppError, BadInput, Forbidden
from kernel.roles import Role

READERS = (Role.SYSADMIN, Role.SECURITY_ADMIN, Role.AUDITOR)
Handler = Callable[[Request, RequestContext], Awaitable["dict[str, Any] | service.Outcome"]]


def admin(action: str | None, *roles: str) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """An /admin endpoint for `roles`. Refusals not audited by the service are audited here under `action`
    (reads — `action` None — only when the role is refused)."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @authenticated
        @functools.wraps(handler)
        async def endpoint(request: Request, caller: Caller) -> Response:
            ctx = context(request, caller)
            try:
                if not caller.roles.intersection(roles):
                    raise Forbidden(f"this needs one of the roles {', '.join(roles)}")
                result = await handler(request, ctx)
            except AppError as exc:
                if not getattr(exc, "audited", False) and (action or isinstance(exc, Forbidden)):
                    await _audit_refusal(request, ctx, action or f"read:{request.url.path}"[:64], exc)
                return error_response(exc)
            if isinstance(result, service.Outcome):
                return JSONResponse(result.result, status_code=202 if result.pending else 200)
            return JSONResponse(result)

        return endpoint

    return wrap


async def _audit_refusal(request: Request, ctx: RequestContext, action: str, exc: AppError) -> None:
    params = request.path_params
    entity_id = params.get("username") or params.get("key") or params.get("request")
    async with in_transaction() as connection:
        await append(connection, ctx, action=action, entity="Account", entity_id=str(entity_id)[:256] if entity_id
                     else None, before=None, after=None, success=False, detail=f"{exc.code}: {exc.message}")


def _username(request: Request) -> str:
    return str(request.path_params["username"])


@admin(None, *READERS)
async def list_accounts(request: Request, ctx: RequestContext) -> dict[str, Any]:
    return {"accounts": await service.list_accounts()}


@admin("createAccount", Role.SYSADMIN)
async def create_account(request: Request, ctx: RequestContext) -> dict[str, Any]:
    body = await read_json(request)
    kind = text(body, "kind", required=False, default="person")
    account = await service.create_account(
        ctx, username=text(body, "username"), password=text(body, "password") if kind == "person" else "",
        display_name=text(body, "displayName", required=False), kind=kind)
    return {"account": account,
            "next": "SECURITY_ADMIN grants roles; the holder changes the temporary password at first sign-in"}


def _flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise BadInput(f"'{name}' must be true or false", field=name)
    return value


@admin("resetPassword", Role.SYSADMIN)
async def reset_password(request: Request, ctx: RequestContext) -> service.Outcome:
    body = await read_json(request)
    return await service.reset_password(ctx, username=_username(request), password=text(body, "password"),
                                        second_factor=_flag(body, "secondFactor"),
                                        reason=text(body, "reason", required=False))


@admin("resetSecondFactor", Role.SYSADMIN)
async def reset_second_factor(request: Request, ctx: RequestContext) -> service.Outcome:
    body = await read_json(request)
    return await service.reset_second_factor(ctx, username=_username(request),
                                             reason=text(body, "reason", required=False))


@admin("setActive", Role.SYSADMIN)
async def set_active(request: Request, ctx: RequestContext) -> service.Outcome:
    body = await read_json(request)
    active = body.get("active")
    if not isinstance(active, bool):
        raise BadInput("'active' must be true or false", field="active")
    return await service.set_active(ctx, username=_username(request), active=active,
                                    reason=text(body, "reason", required=False))


@admin("unlockAccount", Role.SYSADMIN)
async def unlock(request: Request, ctx: RequestContext) -> service.Outcome:
    body = await read_json(request)
    return await service.unlock(ctx, username=_username(request), reason=text(body, "reason", required=False))


@admin("setGrants", Role.SECURITY_ADMIN)
async def set_grants(request: Request, ctx: RequestContext) -> dict[str, Any]:
    body = await read_json(request)
    roles = body.get("roles")
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise BadInput("'roles' must be a list of role names", field="roles")
    unit = body.get("unit")
    if unit is not None and (not isinstance(unit, str) or not unit.strip() or len(unit) > 32):
        raise BadInput("'unit' must be a unit code or null", field="unit")
    return await service.set_grants(ctx, username=_username(request), roles=roles, unit=unit,
                                    read_write=_flag(body, "readWrite"))


@admin(None, *READERS)
async def list_keys(request: Request, ctx: RequestContext) -> dict[str, Any]:
    return {"keys": await service.list_keys(username=_username(request))}


@admin("issueApiKey", Role.SYSADMIN)
async def create_key(request: Request, ctx: RequestContext) -> dict[str, Any]:
    body = await read_json(request)
    return await service.create_key(ctx, username=_username(request), label=text(body, "label", required=False))


@admin("revokeApiKey", Role.SYSADMIN, Role.SECURITY_ADMIN)
async def revoke_key(request: Request, ctx: RequestContext) -> dict[str, Any]:
    return await service.revoke_key(ctx, key_id=str(request.path_params["key"]))


@admin(None, *READERS)
async def list_requests(request: Request, ctx: RequestContext) -> dict[str, Any]:
    status = request.query_params.get("status") or None
    return {"requests": await service.list_requests(status=status)}


@admin("approveRequest", Role.SECURITY_ADMIN)
async def approve_request(request: Request, ctx: RequestContext) -> dict[str, Any]:
    return await service.decide_request(ctx, request_id=str(request.path_params["request"]), approve=True)


@admin("refuseRequest", Role.SECURITY_ADMIN)
async def refuse_request(request: Request, ctx: RequestContext) -> dict[str, Any]:
    return await service.decide_request(ctx, request_id=str(request.path_params["request"]), approve=False)


@admin(None, Role.AUDITOR)
async def audit_trail(request: Request, ctx: RequestContext) -> dict[str, Any]:
    try:
        limit = min(max(int(request.query_params.get("limit", "100")), 1), 1000)
        before = int(request.query_params["before"]) if "before" in request.query_params else None
    except ValueError:
        raise BadInput("'limit' and 'before' are whole numbers") from None
    query = AuditEntry.all().order_by("-id")
    if before is not None:
        query = query.filter(id__lt=before)
    return {"entries": [{
        "id": e.id, "at": e.at.isoformat(), "actor": e.actor, "roles": e.roles, "source": e.source,
        "action": e.action, "entity": e.entity, "entityId": e.entity_id, "before": e.before, "after": e.after,
        "success": e.success, "detail": e.detail, "requestId": e.request_id, "clientRequestId": e.client_request_id,
        "hash": e.hash,
    } for e in await query.limit(limit)]}


@authenticated
async def recompose(request: Request, caller: Caller) -> Response:
    """POST /admin/refresh: compose the supergraph again from the subgraphs' SDL."""
    if not caller.has(Role.SYSADMIN, Role.TARGET_OFFICE):
        return graphql_error_response(Forbidden("only SYSADMIN or TARGET_OFFICE may recompose"))
    try:
        await state(request).supergraph.compose()
    except (CompositionError, RuntimeError) as exc:
        return JSONResponse({"status": "failed", "message": str(exc)}, status_code=409)
    return JSONResponse({"status": "ok"})
