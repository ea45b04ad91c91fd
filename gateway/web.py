"""What every gateway endpoint shares: the app's state, request context, authentication (once, as the
`authenticated` decorator), refusals as HTTP answers (the status comes from the error), and the body limit
(once, as the `BodyLimit` middleware)."""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.identity.apikeys import authenticate_key, looks_like_key
from gateway.identity.sessions import SessionEnded, check_session_recent
from gateway.identity.throttle import RefusalAudit, Throttle
from gateway.settings import GatewaySettings
from kernel.auth import Caller, bearer, issue_token, verify_token
from kernel.context import RequestContext
from kernel.errors import AppError, BadInput, TooLarge, Unauthenticated
from kernel.request_ids import RequestIds

Endpoint = Callable[[Request], Awaitable[Response]]
APIKEY_TOKEN_SECONDS = 60


@dataclass
class GatewayState:
    settings: GatewaySettings
    supergraph: Any  # gateway.app.Supergraphs (its executor answers /graphql)
    throttle: Throttle
    refusals: RefusalAudit


def state(request: Request) -> GatewayState:
    return request.app.state.mbo


def source(request: Request) -> str | None:
    return request.client.host if request.client else None


def context(request: Request, caller: Caller | None = None) -> RequestContext:
    """The audit context of a request: the caller, the gateway's own request id and the client's id apart."""
    ids: RequestIds = request.scope["state"]["request_ids"]
    return RequestContext(caller=caller, request_id=ids.request_id, client_request_id=ids.client_request_id,
                          source=source(request), request=request)


def error_response(exc: AppError) -> JSONResponse:
    """A refusal of the JSON API (`/auth`, `/admin`): `{"error", "message", …}` with the error's status."""
    return JSONResponse({"error": exc.code, "message": exc.message, **exc.extensions}, status_code=exc.status,
                        headers=exc.headers())


def graphql_error_response(exc: AppError) -> JSONResponse:
    """A refusal in GraphQL's shape (`/graphql`, and every failed authentication)."""
    headers = {**exc.headers(), **({"WWW-Authenticate": "Bearer"} if exc.status == 401 else {})}
    return JSONResponse({"errors": [{"message": exc.message, "extensions": exc.as_extensions()}]},
                        status_code=exc.status, headers=headers)


async def read_json(request: Request) -> dict[str, Any]:
    """The request's JSON object (the body limit was checked by `BodyLimit`)."""
    try:
        body = json.loads(await request.body() or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BadInput("send a JSON object") from None
    if not isinstance(body, dict):
        raise BadInput("send a JSON object")
    return body


def text(body: dict[str, Any], name: str, *, required: bool = True, default: str = "") -> str:
    value = body.get(name, None if required else default)
    if not isinstance(value, str) or (required and not value.strip()):
        raise BadInput(f"'{name}' must be a non-empty string", field=name)
    return value


async def authenticate(request: Request) -> Caller:
    """The verified caller: a session's access token (signature and expiry, then the session: sign-out, idle
    and absolute expiry) or a machine account's API key (exchanged for a one-minute token for the subgraphs).
    A failure is audited (summarised during a flood) and raised as Unauthenticated."""
    gateway = state(request)
    now = datetime.now(UTC)
    try:
        credential = bearer(request.headers.get("authorization"))
        if looks_like_key(credential):
            machine = await authenticate_key(credential, now)
            if machine is None:
                raise Unauthenticated("the API key is not valid or has been revoked")
            token = issue_token(gateway.settings.secret, username=machine.username, roles=machine.role_list,
                                unit=machine.unit, ttl_seconds=APIKEY_TOKEN_SECONDS, kind="apikey")
            return Caller(username=machine.username, roles=frozenset(machine.role_list), unit=machine.unit,
                          token=token, claims={"typ": "apikey", "rw": machine.read_write})
        caller = verify_token(gateway.settings.secret, credential)
        session_id = caller.claims.get("sid")
        if session_id:
            try:
                await check_session_recent(str(session_id), now, timedelta(seconds=gateway.settings.session_idle))
            except SessionEnded as exc:
                raise Unauthenticated(exc.message) from None
        return caller
    except Unauthenticated as exc:
        await gateway.refusals.refused(context(request), action="authenticate", username=None, error=exc)
        raise


def authenticated(handler: Callable[[Request, Caller], Awaitable[Response]]) -> Endpoint:
    """An endpoint for signed-in callers only: the handler gets the verified caller; anyone else a 401."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        try:
            caller = await authenticate(request)
        except Unauthenticated as exc:
            return graphql_error_response(exc)
        return await handler(request, caller)

    return endpoint


class BodyLimit:
    """Refuse a request body past its path's limit (413), by its Content-Length or as it streams in.

    `/graphql` carries whole year bundles (`MBO_MAX_BODY_BYTES`); every other path is small JSON
    (`MBO_MAX_JSON_BYTES`)."""

    def __init__(self, app: ASGIApp, *, limits: dict[str, int], default: int) -> None:
        self.app = app
        self.limits = limits
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        limit = self.limits.get(path, self.default)
        render = graphql_error_response if path == "/graphql" else error_response
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            await render(_too_large(limit))(scope, receive, send)
            return
        received = 0
        started = False
        refusal: TooLarge | None = None  # made only when needed: building an error per request costs

        async def limited_receive() -> Message:
            nonlocal received, refusal
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refusal = _too_large(limit)
                    raise refusal
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except TooLarge as exc:
            if exc is not refusal or started:
                raise
            await render(exc)(scope, receive, send)


def _too_large(limit: int) -> TooLarge:
    return TooLarge(f"the request body is larger than {limit} bytes")
