"""/auth: sign-in, change of one's own password, refresh, sign-out and "who am I".

The three credential endpoints are rate limited per source and per account (429 with `Retry-After`) and
every refusal is audited, one entry each until a flood is detected, then summarised (gateway.identity.throttle).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gateway.identity import service
from gateway.identity.sessions import refresh_session
from gateway.web import authenticated, context, error_response, read_json, source, state
from kernel.auth import Caller
from kernel.errors import AppError, BadInput


async def _credentials(request: Request, *, new_password: bool = False) -> dict[str, Any]:
    body = await read_json(request)
    if not isinstance(body.get("username"), str) or not isinstance(body.get("password"), str) \
            or not isinstance(body.get("otp", ""), str | None):
        raise BadInput("send JSON with username and password (and otp)")
    if new_password and not isinstance(body.get("new_password"), str):
        raise BadInput("send new_password", field="new_password")
    return body


async def _refused(request: Request, action: str, username: str | None, exc: AppError) -> JSONResponse:
    if not getattr(exc, "audited", False):
        await state(request).refusals.refused(context(request), action=action, username=username, error=exc)
    return error_response(exc)


async def token(request: Request) -> Response:
    """POST /auth/token {"username", "password", "otp"?} → an access token and a refresh token."""
    gateway, username = state(request), None
    try:
        body = await _credentials(request)
        username = body["username"][:64]
        gateway.throttle.check(source=source(request), username=username)
        tokens = await service.sign_in(context(request), username=body["username"], password=body["password"],
                                       otp=body.get("otp") or None, settings=gateway.settings)
    except AppError as exc:
        return await _refused(request, "signIn", username, exc)
    return JSONResponse(tokens.as_json())


async def password(request: Request) -> Response:
    """POST /auth/password: the holder changes their own password (also the forced change); the new
    session is the only one left open."""
    gateway, username = state(request), None
    try:
        body = await _credentials(request, new_password=True)
        username = body["username"][:64]
        gateway.throttle.check(source=source(request), username=username)
        tokens = await service.change_password(
            context(request), username=body["username"], password=body["password"], otp=body.get("otp") or None,
            new_password=body["new_password"], settings=gateway.settings)
    except AppError as exc:
        return await _refused(request, "changePassword", username, exc)
    return JSONResponse(tokens.as_json())


async def refresh(request: Request) -> Response:
    """POST /auth/refresh {"refresh_token"} → a new pair; the presented refresh token is spent."""
    gateway, username = state(request), None
    try:
        gateway.throttle.check(source=source(request), username=None)
        body = await read_json(request)
        refresh_token = body.get("refresh_token")
        if not isinstance(refresh_token, str) or not refresh_token:
            raise BadInput("send JSON with refresh_token", field="refresh_token")
        session = await refresh_session(refresh_token, datetime.now(UTC))
        username = session.username if session else None
        gateway.throttle.check(source=None, username=username)
        tokens = await service.refresh(context(request), refresh_token=refresh_token, settings=gateway.settings)
    except AppError as exc:
        return await _refused(request, "refreshSession", username, exc)
    return JSONResponse(tokens.as_json())


@authenticated
async def logout(request: Request, caller: Caller) -> Response:
    """POST /auth/logout: end the caller's session; its refresh token dies with it."""
    session_id = caller.claims.get("sid")
    ended = await service.sign_out(context(request, caller), session_id=str(session_id) if session_id else None)
    return JSONResponse({"status": "signed out" if ended else "no session"})


@authenticated
async def session(request: Request, caller: Caller) -> Response:
    """GET /auth/session: who a bearer credential belongs to (a client resuming a session, an API key)."""
    kind = "apikey" if caller.claims.get("typ") == "apikey" else "session"
    expires = int(caller.claims.get("exp", 0)) - int(datetime.now(UTC).timestamp()) if kind == "session" else None
    return JSONResponse({"username": caller.username, "roles": sorted(caller.roles), "unit": caller.unit,
                         "kind": kind, "expires_in": expires, "idle_timeout": state(request).settings.session_idle})
