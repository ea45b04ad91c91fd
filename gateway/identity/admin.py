"""The 三员 administration API on the gateway (JSON over HTTP, every change audited).

SYSADMIN administers accounts (create, disable, reset a password or a second factor, issue API keys);
SECURITY_ADMIN alone changes grants (roles, unit, read-write for machine accounts) and may revoke keys;
AUDITOR reads the identity store's audit trail. No account holds two of these roles (kernel.roles).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from tortoise.transactions import in_transaction

from gateway.identity import totp
from gateway.identity.apikeys import issue_key
from gateway.identity.models import MACHINE, PERSON, ApiKey, User
from gateway.identity.sessions import end_sessions
from gateway.identity.store import checked_roles, create_user, needs_second_factor, set_password
from kernel.audit import AuditEntry, append
from kernel.auth import Caller
from kernel.context import RequestContext
from kernel.errors import AppError, BadInput, Forbidden, NotFound
from kernel.roles import Role
from kernel.settings import ServiceSettings

Authenticate = Callable[[Request], Awaitable[Caller]]
_SETTINGS = ServiceSettings(name="identity", dsn="", secret="")
READERS = (Role.SYSADMIN, Role.SECURITY_ADMIN, Role.AUDITOR)


def _context(request: Request, caller: Caller | None) -> RequestContext:
    return RequestContext(caller=caller, request_id=request.headers.get("x-request-id") or "",
                          source=request.client.host if request.client else None, settings=_SETTINGS)


def _error(exc: AppError) -> JSONResponse:
    status = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404, "BAD_USER_INPUT": 400}.get(exc.code, 409)
    return JSONResponse({"error": exc.code, "message": exc.message}, status_code=status)


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BadInput("send a JSON object") from None
    if not isinstance(body, dict):
        raise BadInput("send a JSON object")
    return body


def _text(body: dict[str, Any], name: str, *, required: bool = True, default: str = "") -> str:
    value = body.get(name, None if required else default)
    if not isinstance(value, str) or (required and not value.strip()):
        raise BadInput(f"'{name}' must be a non-empty string", field=name)
    return value


async def _account(username: str, connection: Any = None) -> User:
    user = await User.filter(username=username).using_db(connection).first() if len(username) <= 64 else None
    if user is None:
        raise NotFound(f"no account {username}")
    return user


def admin_routes(authenticate: Authenticate) -> list[Route]:
    """The /admin routes; `authenticate` turns a request into its verified caller (or raises)."""

    def endpoint(action: str, roles: tuple[str, ...], handler: Callable[..., Awaitable[Any]]) -> Callable:
        async def run(request: Request) -> JSONResponse:
            caller: Caller | None = None
            try:
                caller = await authenticate(request)
                if not caller.roles.intersection(roles):
                    raise Forbidden(f"this needs one of the roles {', '.join(roles)}")
                ctx = _context(request, caller)
                result = await handler(request, ctx)
                return JSONResponse(result)
            except AppError as exc:
                if action != "read":
                    async with in_transaction() as connection:
                        await append(connection, _context(request, caller), action=action, entity="Account",
                                     entity_id=request.path_params.get("username") or request.path_params.get("key"),
                                     before=None, after=None, success=False, detail=f"{exc.code}: {exc.message}")
                elif exc.code in ("FORBIDDEN", "UNAUTHENTICATED"):
                    async with in_transaction() as connection:
                        await append(connection, _context(request, caller), action=f"read:{request.url.path}"[:64],
                                     entity="Account", entity_id=None, before=None, after=None, success=False,
                                     detail=f"{exc.code}: {exc.message}")
                return _error(exc)
        return run

    async def list_accounts(request: Request, ctx: RequestContext) -> dict:
        users = await User.all().order_by("username")
        return {"accounts": [u.public() for u in users]}

    async def create_account(request: Request, ctx: RequestContext) -> dict:
        body = await _body(request)
        kind = _text(body, "kind", required=False, default=PERSON)
        password = _text(body, "password") if kind == PERSON else ""
        async with in_transaction() as connection:
            try:
                user, _ = await create_user(_text(body, "username"), password, [], None,
                                            _text(body, "displayName", required=False), kind=kind, must_change=True,
                                            allow_no_roles=True, connection=connection)
            except ValueError as exc:
                raise BadInput(str(exc)) from None
            await append(connection, ctx, action="createAccount", entity="Account", entity_id=user.username,
                         before=None, after=user.public(), success=True)
        return {"account": user.public(),
                "next": "SECURITY_ADMIN grants roles; the holder changes the temporary password at first sign-in"}

    async def reset_password(request: Request, ctx: RequestContext) -> dict:
        body = await _body(request)
        now = datetime.now(UTC)
        async with in_transaction() as connection:
            user = await _account(request.path_params["username"], connection)
            if user.kind != PERSON:
                raise BadInput("machine accounts have no password; issue an API key")
            try:
                await set_password(user, _text(body, "password"), now=now, by_holder=False, connection=connection)
            except ValueError as exc:
                raise BadInput(str(exc), field="password") from None
            await end_sessions(user.username, now, "password reset", connection)
            await append(connection, ctx, action="resetPassword", entity="Account", entity_id=user.username,
                         before=None, after={"temporary": True}, success=True)
        return {"username": user.username, "mustChange": True}

    async def reset_second_factor(request: Request, ctx: RequestContext) -> dict:
        now = datetime.now(UTC)
        async with in_transaction() as connection:
            user = await _account(request.path_params["username"], connection)
            if user.kind != PERSON:
                raise BadInput("machine accounts use API keys, not a second factor")
            secret = totp.new_secret()
            await User.filter(id=user.id).using_db(connection).update(otp_secret=secret, otp_last_step=None)
            await end_sessions(user.username, now, "second factor reset", connection)
            await append(connection, ctx, action="enrolSecondFactor", entity="Account", entity_id=user.username,
                         before={"secondFactor": user.otp_secret is not None}, after={"secondFactor": True},
                         success=True)
        return {"username": user.username, "otpauthUri": totp.provisioning_uri(user.username, secret)}

    async def set_active(request: Request, ctx: RequestContext) -> dict:
        body = await _body(request)
        active = body.get("active")
        if not isinstance(active, bool):
            raise BadInput("'active' must be true or false", field="active")
        now = datetime.now(UTC)
        async with in_transaction() as connection:
            user = await _account(request.path_params["username"], connection)
            if ctx.caller and user.username == ctx.caller.username:
                raise BadInput("you cannot disable your own account")
            await User.filter(id=user.id).using_db(connection).update(active=active)
            if not active:
                await end_sessions(user.username, now, "account disabled", connection)
            await append(connection, ctx, action="enableAccount" if active else "disableAccount", entity="Account",
                         entity_id=user.username, before={"active": user.active}, after={"active": active},
                         success=True)
        return {"username": user.username, "active": active}

    async def unlock(request: Request, ctx: RequestContext) -> dict:
        async with in_transaction() as connection:
            user = await _account(request.path_params["username"], connection)
            await User.filter(id=user.id).using_db(connection).update(failed_logins=0, locked_until=None)
            await append(connection, ctx, action="unlockAccount", entity="Account", entity_id=user.username,
                         before={"lockedUntil": user.locked_until}, after={"lockedUntil": None}, success=True)
        return {"username": user.username, "locked": False}

    async def set_grants(request: Request, ctx: RequestContext) -> dict:
        body = await _body(request)
        roles = body.get("roles")
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise BadInput("'roles' must be a list of role names", field="roles")
        unit = body.get("unit")
        if unit is not None and (not isinstance(unit, str) or not unit.strip() or len(unit) > 32):
            raise BadInput("'unit' must be a unit code or null", field="unit")
        read_write = body.get("readWrite", False)
        if not isinstance(read_write, bool):
            raise BadInput("'readWrite' must be true or false", field="readWrite")
        now = datetime.now(UTC)
        async with in_transaction() as connection:
            user = await _account(request.path_params["username"], connection)
            if ctx.caller and user.username == ctx.caller.username:
                raise Forbidden("nobody changes their own grants")
            try:
                names = checked_roles(roles, unit)
            except ValueError as exc:
                raise BadInput(str(exc), field="roles") from None
            if user.kind == PERSON and read_write:
                raise BadInput("readWrite applies to machine accounts; a person's roles decide", field="readWrite")
            before = {"roles": user.role_list, "unit": user.unit, "readWrite": user.read_write}
            after = {"roles": names, "unit": unit, "readWrite": read_write}
            await User.filter(id=user.id).using_db(connection).update(roles=",".join(names), unit=unit,
                                                                      read_write=read_write)
            await end_sessions(user.username, now, "grants changed", connection)
            await append(connection, ctx, action="setGrants", entity="Account", entity_id=user.username,
                         before=before, after=after, success=True)
        needs = user.kind == PERSON and needs_second_factor(names) and user.otp_secret is None
        return {"username": user.username, **after, "secondFactorNeeded": needs}

    async def list_keys(request: Request, ctx: RequestContext) -> dict:
        user = await _account(request.path_params["username"])
        keys = await ApiKey.filter(username=user.username).order_by("created_at")
        return {"keys": [k.public() for k in keys]}

    async def create_key(request: Request, ctx: RequestContext) -> dict:
        body = await _body(request)
        async with in_transaction() as connection:
            user = await _account(request.path_params["username"], connection)
            if user.kind != MACHINE:
                raise BadInput("API keys are for machine accounts; people sign in with a password")
            key, plain = await issue_key(user, _text(body, "label", required=False),
                                         ctx.caller.username if ctx.caller else "", connection)
            await append(connection, ctx, action="issueApiKey", entity="ApiKey", entity_id=key.id,
                         before=None, after={"username": user.username, "label": key.label}, success=True)
        return {"key": key.public(), "apiKey": plain,
                "note": "shown once: store it in the other system's secret store"}

    async def revoke_key(request: Request, ctx: RequestContext) -> dict:
        now = datetime.now(UTC)
        async with in_transaction() as connection:
            key_id = request.path_params["key"]
            key = await ApiKey.filter(id=key_id).using_db(connection).first() if len(key_id) <= 16 else None
            if key is None:
                raise NotFound(f"no API key {request.path_params['key']}")
            if key.revoked_at is None:
                by = ctx.caller.username if ctx.caller else ""
                await ApiKey.filter(id=key.id).using_db(connection).update(revoked_at=now, revoked_by=by)
                await append(connection, ctx, action="revokeApiKey", entity="ApiKey", entity_id=key.id,
                             before={"revoked": False}, after={"revoked": True}, success=True)
        return {"id": key.id, "revoked": True}

    async def audit_trail(request: Request, ctx: RequestContext) -> dict:
        try:
            limit = min(max(int(request.query_params.get("limit", "100")), 1), 1000)
            before = int(request.query_params["before"]) if "before" in request.query_params else None
        except ValueError:
            raise BadInput("'limit' and 'before' are whole numbers") from None
        query = AuditEntry.all().order_by("-id")
        if before is not None:
            query = query.filter(id__lt=before)
        entries = await query.limit(limit)
        return {"entries": [{
            "id": e.id, "at": e.at.isoformat(), "actor": e.actor, "roles": e.roles, "source": e.source,
            "action": e.action, "entity": e.entity, "entityId": e.entity_id, "before": e.before, "after": e.after,
            "success": e.success, "detail": e.detail, "requestId": e.request_id, "hash": e.hash,
        } for e in entries]}

    sysadmin = (Role.SYSADMIN,)
    return [
        Route("/admin/accounts", endpoint("read", READERS, list_accounts), methods=["GET"]),
        Route("/admin/accounts", endpoint("createAccount", sysadmin, create_account), methods=["POST"]),
        Route("/admin/accounts/{username}/password", endpoint("resetPassword", sysadmin, reset_password),
              methods=["POST"]),
        Route("/admin/accounts/{username}/second-factor",
              endpoint("enrolSecondFactor", sysadmin, reset_second_factor), methods=["POST"]),
        Route("/admin/accounts/{username}/active", endpoint("setActive", sysadmin, set_active), methods=["POST"]),
        Route("/admin/accounts/{username}/unlock", endpoint("unlockAccount", sysadmin, unlock), methods=["POST"]),
        Route("/admin/accounts/{username}/grants", endpoint("setGrants", (Role.SECURITY_ADMIN,), set_grants),
              methods=["PUT"]),
        Route("/admin/accounts/{username}/keys", endpoint("read", READERS, list_keys), methods=["GET"]),
        Route("/admin/accounts/{username}/keys", endpoint("issueApiKey", sysadmin, create_key), methods=["POST"]),
        Route("/admin/keys/{key}", endpoint("revokeApiKey", (Role.SYSADMIN, Role.SECURITY_ADMIN), revoke_key),
              methods=["DELETE"]),
        Route("/admin/audit", endpoint("read", (Role.AUDITOR,), audit_trail), methods=["GET"]),
    ]

