"""The Starlette app every service is: health, authenticated GraphQL, database lifespan."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import jwt
import strawberry
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, request_response
from starlette.types import ASGIApp, Receive, Scope, Send
from tortoise.transactions import in_transaction

from kernel.audit import append
from kernel.auth import Caller, bearer, verify_token
from kernel.bulk import LargeBodies, freeze_startup_heap
from kernel.context import Loaders, RequestContext
from kernel.db import close_database, open_database, tortoise_config
from kernel.errors import Unauthenticated
from kernel.graphql import GraphQLEndpoint
from kernel.metrics import render
from kernel.observability import COLLECTOR, HTTP, RequestLog
from kernel.request_ids import RequestIds, received, scope_headers
from kernel.settings import ServiceSettings, env_int

MAX_BODY_BYTES = env_int("MBO_MAX_BODY_BYTES", 100_000_000)
log = logging.getLogger("mbo.auth")


def unauthenticated_body(message: str) -> bytes:
    return json.dumps(
        {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]}, ensure_ascii=False
    ).encode()


def claimed_subject(authorization: str | None) -> str | None:
    """The `sub` an unverifiable token claims — for the audit record only, never to be trusted."""
    try:
        claims = jwt.decode(bearer(authorization), options={"verify_signature": False})
    except (Unauthenticated, jwt.PyJWTError, ValueError, TypeError):
        return None
    subject = claims.get("sub") if isinstance(claims, dict) else None
    if not isinstance(subject, str):
        return None
    return "".join(ch for ch in subject[:200] if ch.isprintable()) or None


async def audit_rejection(scope: Scope, headers: dict[str, str], settings: ServiceSettings, reason: str) -> None:
    """One audit entry (one insert) for a request turned away without a valid token; never raises."""
    try:
        subject = claimed_subject(headers.get("authorization"))
        actor = f"unverified:{subject}"[:128] if subject else "anonymous"
        client = scope.get("client")
        ids = scope.get("state", {}).get("request_ids") or received(headers, settings.secret)
        context = RequestContext(
            caller=Caller(username=actor, roles=frozenset()),
            request_id=ids.request_id,
            client_request_id=ids.client_request_id,
            source=ids.source or (str(client[0])[:64] if client else None),
            settings=settings,
        )
        async with in_transaction() as connection:
            await append(connection, context, action="authenticate", entity="Request",
                         entity_id=str(scope.get("path", ""))[:256] or None, before=None, after=None,
                         success=False, detail=f"UNAUTHENTICATED: {reason}")
    except Exception:
        log.exception("could not write the audit entry for a rejected request")


class RequireToken:
    """Reject any GraphQL request without a valid bearer token before it reaches a resolver.

    With `settings` (every service), each rejection is written to the service's audit trail.
    """

    def __init__(self, app: ASGIApp, secret: str, settings: ServiceSettings | None = None) -> None:
        self.app = app
        self.secret = secret
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope_headers(scope)
        try:
            caller = verify_token(self.secret, bearer(headers.get("authorization")))
        except Unauthenticated as exc:
            if self.settings is not None:
                await audit_rejection(scope, headers, self.settings, exc.message)
            response = Response(
                unauthenticated_body(exc.message),
                status_code=401,
                media_type="application/json",
                headers={"WWW-Authenticate": "Bearer"},
            )
            await response(scope, receive, send)
            return
        length = headers.get("content-length")
        if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
            response = JSONResponse(
                {"errors": [{"message": "request body too large", "extensions": {"code": "BAD_USER_INPUT"}}]},
                status_code=413,
            )
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["caller"] = caller
        await self.app(scope, receive, send)


def create_service_app(
    *,
    settings: ServiceSettings,
    schema: strawberry.federation.Schema,
    models: list[str],
    migrations: str,
    loaders: Callable[[RequestContext], dict[str, Any]] | None = None,
) -> Starlette:
    config = tortoise_config(settings.name, settings.dsn, models, migrations)
    state: dict[str, Any] = {"ready": False}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await open_database(config)
        async with httpx.AsyncClient(timeout=settings.upstream_timeout) as client:
            state["http"] = client
            freeze_startup_heap()
            COLLECTOR.install()
            state["ready"] = True
            try:
                yield
            finally:
                state["ready"] = False
                await close_database()

    def make_context(request: Request) -> RequestContext:
        ids: RequestIds = request.state.request_ids
        context = RequestContext(
            caller=request.state.caller,
            request_id=ids.request_id,
            client_request_id=ids.client_request_id,
            source=ids.source or (request.client.host if request.client else None),
            settings=settings,
            http=state.get("http"),
            request=request,
        )
        if loaders is not None:
            context.loaders = Loaders(functools.partial(loaders, context))
        return context

    async def healthz(request: Request) -> JSONResponse:
        if not state["ready"]:
            return JSONResponse({"status": "starting", "service": settings.name}, status_code=503)
        return JSONResponse({"status": "ok", "service": settings.name})

    async def metrics(request: Request) -> Response:
        text = render(settings.name) + HTTP.render(settings.name) + COLLECTOR.render(settings.name)
        return Response(text, media_type="text/plain; version=0.0.4")

    graphql = RequireToken(GraphQLEndpoint(schema, make_context), settings.secret, settings)
    app = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/metrics", RequireToken(request_response(metrics), settings.secret, settings), methods=["GET"]),
        ],
        lifespan=lifespan,
        # import files: the collector paused, memory given back after (kernel.bulk)
        middleware=[Middleware(LargeBodies), Middleware(RequestLog, secret=settings.secret)],
    )
    app.state.settings = settings
    app.state.schema = schema
    return app
