"""The gateway: sign-in, one GraphQL endpoint over the composed supergraph, limits, health."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from strawberry.http.ides import get_graphql_ide_html

from gateway.federation import (
    CompositionError,
    FederatedExecutor,
    Limits,
    SubgraphSpec,
    Supergraph,
    compose,
    fetch_sdl,
)
from gateway.federation.transport import AiohttpTransport
from gateway.identity.events import record
from gateway.identity.store import MIGRATIONS, MODELS, SignInError, sign_in
from gateway.settings import GatewaySettings
from kernel.auth import bearer, issue_token, service_token, verify_token
from kernel.db import close_database, open_database, tortoise_config
from kernel.errors import Unauthenticated
from kernel.observability import HTTP, RequestLog, operation_var

log = logging.getLogger("mbo.gateway")
ERRORS: Counter[str] = Counter()


def graphql_error(message: str, code: str, status: int) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status)


class Gateway:
    """Holds the composed supergraph and its executor; recomposes on demand."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self.limits = Limits(
            max_depth=settings.max_depth,
            max_aliases=settings.max_aliases,
            max_tokens=settings.max_tokens,
            max_body_bytes=settings.max_body_bytes,
            subgraph_timeout=settings.subgraph_timeout,
            mutation_timeout=settings.mutation_timeout,
        )
        self.client: httpx.AsyncClient | None = None
        self.transport: AiohttpTransport | None = None
        self.supergraph: Supergraph | None = None
        self.executor: FederatedExecutor | None = None

    async def compose(self, wait: float = 0.0) -> Supergraph:
        assert self.client is not None
        headers = {"Authorization": f"Bearer {service_token(self.settings.secret, 'gateway')}"}
        deadline = asyncio.get_running_loop().time() + wait
        while True:
            try:
                specs = [
                    SubgraphSpec(name=name, url=url, sdl=await fetch_sdl(self.client, url, headers))
                    for name, url in self.settings.subgraphs.items()
                ]
                break
            except (httpx.HTTPError, KeyError, ValueError) as exc:
                if asyncio.get_running_loop().time() >= deadline:
                    raise RuntimeError(f"cannot fetch the subgraphs' SDL: {exc}") from exc
                await asyncio.sleep(0.25)
        supergraph = compose(specs)
        self.supergraph = supergraph
        self.executor = FederatedExecutor(supergraph, self.transport or self.client, self.limits)
        log.info("composed the supergraph from %s", ", ".join(self.settings.subgraphs))
        return supergraph


def create_app(settings: GatewaySettings | None = None) -> Starlette:
    settings = settings or GatewaySettings.from_env()
    gateway = Gateway(settings)
    identity = tortoise_config("identity", settings.identity_dsn, MODELS, MIGRATIONS)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await open_database(identity)
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=100)
        connector = aiohttp.TCPConnector(limit=200, limit_per_host=100, keepalive_timeout=30)
        async with httpx.AsyncClient(timeout=settings.mutation_timeout, limits=limits) as client, \
                aiohttp.ClientSession(connector=connector, json_serialize=json.dumps) as session:
            gateway.client = client
            gateway.transport = AiohttpTransport(session)
            await gateway.compose(wait=settings.compose_wait)
            loop = asyncio.get_running_loop()
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(_recompose()))
            try:
                yield
            finally:
                await close_database()

    async def _recompose() -> None:
        try:
            await gateway.compose()
        except (CompositionError, RuntimeError) as exc:
            log.error("recomposition failed, keeping the previous supergraph: %s", exc)

    explorer = get_graphql_ide_html("graphiql")

    async def healthz(request: Request) -> JSONResponse:
        ready = gateway.executor is not None
        return JSONResponse({"status": "ok" if ready else "starting", "service": "gateway"},
                            status_code=200 if ready else 503)

    async def token(request: Request) -> JSONResponse:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return JSONResponse({"error": "invalid_request", "message": "send JSON"}, status_code=400)
        if not isinstance(body, dict) or not isinstance(body.get("username"), str) \
                or not isinstance(body.get("password"), str):
            return JSONResponse(
                {"error": "invalid_request", "message": "send JSON with username and password"},
                status_code=400,
            )
        source = request.client.host if request.client else None
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        username = body["username"][:64]
        try:
            account = await sign_in(body["username"], body["password"])
        except SignInError as exc:
            status = 423 if exc.locked else 401
            code = "account_locked" if exc.locked else "invalid_credentials"
            await record(actor=username, action="signIn", entity_id=username, success=False,
                         detail=f"{code}: {exc.message}", source=source, request_id=request_id)
            return JSONResponse({"error": code, "message": exc.message}, status_code=status)
        await record(actor=account.username, roles=",".join(account.roles), action="signIn",
                     entity_id=account.username, success=True, source=source, request_id=request_id)
        access = issue_token(settings.secret, username=account.username, roles=account.roles,
                             unit=account.unit, ttl_seconds=settings.token_ttl)
        return JSONResponse({"access_token": access, "token_type": "bearer",
                             "expires_in": settings.token_ttl, "roles": account.roles, "unit": account.unit})

    async def graphql(request: Request) -> Response:
        if request.method == "GET":
            return HTMLResponse(explorer)
        try:
            verify_token(settings.secret, bearer(request.headers.get("authorization")))
        except Unauthenticated as exc:
            return graphql_error(exc.message, "UNAUTHENTICATED", 401)
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > settings.max_body_bytes:
            return graphql_error(f"the request body is larger than {settings.max_body_bytes} bytes",
                                 "BAD_USER_INPUT", 413)
        raw = await request.body()
        if len(raw) > settings.max_body_bytes:
            return graphql_error(f"the request body is larger than {settings.max_body_bytes} bytes",
                                 "BAD_USER_INPUT", 413)
        try:
            body: Any = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return graphql_error("the body must be JSON: {\"query\": …, \"variables\": …}", "BAD_USER_INPUT", 400)
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return graphql_error("the body must be a JSON object with a 'query' string", "BAD_USER_INPUT", 400)
        variables = body.get("variables")
        operation_name = body.get("operationName")
        if variables is not None and not isinstance(variables, dict):
            return graphql_error("'variables' must be an object", "BAD_USER_INPUT", 400)
        if operation_name is not None and not isinstance(operation_name, str):
            return graphql_error("'operationName' must be a string", "BAD_USER_INPUT", 400)
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        operation_var.set((operation_name or "anonymous")[:64])
        headers = {"Authorization": request.headers["authorization"], "X-Request-ID": request_id}
        if request.client:
            headers["X-Forwarded-For"] = request.client.host
        assert gateway.executor is not None
        result = await gateway.executor.execute(body["query"], variables, operation_name, headers)
        for error in result.get("errors") or ():
            ERRORS[str((error.get("extensions") or {}).get("code", "INTERNAL"))] += 1
        return JSONResponse(result)

    async def metrics(request: Request) -> Response:
        try:
            verify_token(settings.secret, bearer(request.headers.get("authorization")))
        except Unauthenticated as exc:
            return graphql_error(exc.message, "UNAUTHENTICATED", 401)
        lines = ["# HELP mbo_graphql_errors_total GraphQL errors returned by the gateway, by code",
                 "# TYPE mbo_graphql_errors_total counter"]
        lines += [f'mbo_graphql_errors_total{{service="gateway",code="{code}"}} {count}'
                  for code, count in sorted(ERRORS.items())]
        return Response(HTTP.render("gateway") + "\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")

    async def refresh(request: Request) -> JSONResponse:
        try:
            caller = verify_token(settings.secret, bearer(request.headers.get("authorization")))
        except Unauthenticated as exc:
            return graphql_error(exc.message, "UNAUTHENTICATED", 401)
        if not caller.has("SYSADMIN", "TARGET_OFFICE"):
            return graphql_error("only SYSADMIN or TARGET_OFFICE may recompose", "FORBIDDEN", 403)
        try:
            await gateway.compose()
        except (CompositionError, RuntimeError) as exc:
            return JSONResponse({"status": "failed", "message": str(exc)}, status_code=409)
        return JSONResponse({"status": "ok"})

    app = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/auth/token", token, methods=["POST"]),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/admin/refresh", refresh, methods=["POST"]),
            Route("/metrics", metrics, methods=["GET"]),
        ],
        lifespan=lifespan,
        middleware=[Middleware(RequestLog)],
    )
    app.state.gateway = gateway
    return app
