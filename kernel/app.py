"""The Starlette app every service is: health, authenticated GraphQL, database lifespan."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import strawberry
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, request_response
from starlette.types import ASGIApp, Receive, Scope, Send

from kernel.auth import bearer, verify_token
from kernel.context import RequestContext
from kernel.db import close_database, open_database, tortoise_config
from kernel.errors import Unauthenticated
from kernel.graphql import GraphQLEndpoint
from kernel.metrics import render
from kernel.observability import HTTP, RequestLog
from kernel.settings import ServiceSettings, env_int

MAX_BODY_BYTES = env_int("MBO_MAX_BODY_BYTES", 100_000_000)


def unauthenticated_body(message: str) -> bytes:
    return json.dumps(
        {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]}, ensure_ascii=False
    ).encode()


class RequireToken:
    """Reject any GraphQL request without a valid bearer token before it reaches a resolver."""

    def __init__(self, app: ASGIApp, secret: str) -> None:
        self.app = app
        self.secret = secret

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            caller = verify_token(self.secret, bearer(headers.get("authorization")))
        except Unauthenticated as exc:
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
            state["ready"] = True
            try:
                yield
            finally:
                state["ready"] = False
                await close_database()

    def make_context(request: Request) -> RequestContext:
        context = RequestContext(
            caller=request.state.caller,
            request_id=request.headers.get("x-request-id") or uuid.uuid4().hex,
            source=request.headers.get("x-forwarded-for") or (request.client.host if request.client else None),
            settings=settings,
            http=state.get("http"),
            request=request,
        )
        if loaders is not None:
            context.loaders = loaders(context)
        return context

    async def healthz(request: Request) -> JSONResponse:
        if not state["ready"]:
            return JSONResponse({"status": "starting", "service": settings.name}, status_code=503)
        return JSONResponse({"status": "ok", "service": settings.name})

    async def metrics(request: Request) -> Response:
        return Response(render(settings.name) + HTTP.render(settings.name), media_type="text/plain; version=0.0.4")

    graphql = RequireToken(GraphQLEndpoint(schema, make_context), settings.secret)
    app = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/metrics", RequireToken(request_response(metrics), settings.secret), methods=["GET"]),
        ],
        lifespan=lifespan,
        middleware=[Middleware(RequestLog)],
    )
    app.state.settings = settings
    app.state.schema = schema
    return app
