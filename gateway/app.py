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
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import httpx
from graphql import GraphQLError, OperationType, parse
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
from gateway.identity.admin import admin_routes
from gateway.identity.apikeys import authenticate_key, looks_like_key
from gateway.identity.events import record
from gateway.identity.sessions import SessionEnded, check_session, end_session, open_session
from gateway.identity.store import MIGRATIONS, MODELS, SignedIn, SignInError, change_password, sign_in
from gateway.settings import GatewaySettings
from kernel.auth import Caller, bearer, issue_token, service_token, verify_token
from kernel.db import close_database, open_database, tortoise_config
from kernel.errors import Forbidden, Unauthenticated
from kernel.observability import HTTP, RequestLog, operation_var

log = logging.getLogger("mbo.gateway")
ERRORS: Counter[str] = Counter()


def graphql_error(message: str, code: str, status: int) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status)


def changes_data(query: str) -> bool:
    """True when a document holds a mutation (or subscription): read-only API keys may not send it."""
    try:
        document = parse(query)
    except GraphQLError:
        return False
    return any(getattr(d, "operation", OperationType.QUERY) != OperationType.QUERY for d in document.definitions)


def _source(request: Request) -> str | None:
    return request.client.host if request.client else None


def _request_id(request: Request) -> str:
    return request.headers.get("x-request-id") or uuid.uuid4().hex


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

    async def authenticate(request: Request) -> Caller:
        """The verified caller of a request: a session token (checked for idle and absolute expiry) or an
        API key of a machine account (exchanged for a one-minute token for the subgraphs). Failures are
        audited and raise Unauthenticated."""
        now = datetime.now(UTC)
        try:
            credential = bearer(request.headers.get("authorization"))
            if looks_like_key(credential):
                machine = await authenticate_key(credential, now)
                if machine is None:
                    raise Unauthenticated("the API key is not valid or has been revoked")
                token = issue_token(settings.secret, username=machine.username, roles=machine.role_list,
                                    unit=machine.unit, ttl_seconds=60, kind="apikey")
                return Caller(username=machine.username, roles=frozenset(machine.role_list), unit=machine.unit,
                              token=token, claims={"typ": "apikey", "rw": machine.read_write})
            caller = verify_token(settings.secret, credential)
            session_id = caller.claims.get("sid")
            if session_id:
                try:
                    await check_session(str(session_id), now, timedelta(seconds=settings.session_idle))
                except SessionEnded as exc:
                    raise Unauthenticated(exc.message) from None
            return caller
        except Unauthenticated as exc:
            await record(actor="anonymous", action="authenticate", entity_id=None, success=False,
                         detail=f"UNAUTHENTICATED: {exc.message}", source=_source(request),
                         request_id=_request_id(request))
            raise

    async def _credentials(request: Request) -> dict[str, Any] | JSONResponse:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return JSONResponse({"error": "invalid_request", "message": "send JSON"}, status_code=400)
        if not isinstance(body, dict) or not isinstance(body.get("username"), str) \
                or not isinstance(body.get("password"), str) \
                or not isinstance(body.get("otp", ""), str | None):
            return JSONResponse(
                {"error": "invalid_request", "message": "send JSON with username and password (and otp)"},
                status_code=400,
            )
        return body

    async def _signed_in(request: Request, account: SignedIn, action: str) -> JSONResponse:
        now = datetime.now(UTC)
        session = await open_session(account.username, _source(request), now,
                                     timedelta(seconds=settings.token_ttl))
        await record(actor=account.username, roles=",".join(account.roles), action=action,
                     entity_id=account.username, success=True, source=_source(request),
                     request_id=_request_id(request), after={"session": session.id})
        access = issue_token(settings.secret, username=account.username, roles=account.roles,
                             unit=account.unit, ttl_seconds=settings.token_ttl, session_id=session.id)
        return JSONResponse({"access_token": access, "token_type": "bearer", "expires_in": settings.token_ttl,
                             "idle_timeout": settings.session_idle, "roles": account.roles,
                             "unit": account.unit})

    async def _refused(request: Request, username: str, action: str, exc: SignInError) -> JSONResponse:
        await record(actor=username, action=action, entity_id=username, success=False,
                     detail=f"{exc.code}: {exc.message}", source=_source(request), request_id=_request_id(request))
        return JSONResponse({"error": exc.code, "message": exc.message}, status_code=exc.status)

    async def token(request: Request) -> JSONResponse:
        body = await _credentials(request)
        if isinstance(body, JSONResponse):
            return body
        username = body["username"][:64]
        try:
            account = await sign_in(body["username"], body["password"], body.get("otp") or None)
        except SignInError as exc:
            return await _refused(request, username, "signIn", exc)
        return await _signed_in(request, account, "signIn")

    async def password(request: Request) -> JSONResponse:
        """The holder changes their own password (also the forced change after expiry or a reset)."""
        body = await _credentials(request)
        if isinstance(body, JSONResponse):
            return body
        username = body["username"][:64]
        new_password = body.get("new_password")
        if not isinstance(new_password, str):
            return JSONResponse({"error": "invalid_request", "message": "send new_password"}, status_code=400)
        try:
            account = await change_password(body["username"], body["password"], body.get("otp") or None,
                                            new_password)
        except SignInError as exc:
            return await _refused(request, username, "changePassword", exc)
        except ValueError as exc:
            await record(actor=username, action="changePassword", entity_id=username, success=False,
                         detail=f"BAD_USER_INPUT: {exc}", source=_source(request), request_id=_request_id(request))
            return JSONResponse({"error": "password_policy", "message": str(exc)}, status_code=400)
        return await _signed_in(request, account, "changePassword")

    async def logout(request: Request) -> JSONResponse:
        try:
            caller = await authenticate(request)
        except Unauthenticated as exc:
            return graphql_error(exc.message, "UNAUTHENTICATED", 401)
        session_id = caller.claims.get("sid")
        ended = bool(session_id) and await end_session(str(session_id), datetime.now(UTC), "signed out")
        await record(actor=caller.username, roles=caller.primary_role, action="signOut", entity_id=caller.username,
                     success=ended, source=_source(request), request_id=_request_id(request))
        return JSONResponse({"status": "signed out" if ended else "no session"})

    async def whoami(request: Request) -> JSONResponse:
        """The caller behind a bearer credential, for a client that resumes a session or holds an API key."""
        try:
            caller = await authenticate(request)
        except Unauthenticated as exc:
            return graphql_error(exc.message, "UNAUTHENTICATED", 401)
        kind = "apikey" if caller.claims.get("typ") == "apikey" else "session"
        expires = int(caller.claims.get("exp", 0)) - int(datetime.now(UTC).timestamp()) if kind == "session" else None
        return JSONResponse({"username": caller.username, "roles": sorted(caller.roles), "unit": caller.unit,
                             "kind": kind, "expires_in": expires, "idle_timeout": settings.session_idle})

    async def graphql(request: Request) -> Response:
        if request.method == "GET":
            return HTMLResponse(explorer)
        try:
            caller = await authenticate(request)
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
        request_id = _request_id(request)
        operation_var.set((operation_name or "anonymous")[:64])
        if caller.claims.get("typ") == "apikey" and not caller.claims.get("rw") and changes_data(body["query"]):
            refusal = Forbidden("this API key is read-only: ask the security administrator for read-write")
            await record(actor=caller.username, roles=caller.primary_role, action="apiKeyWrite",
                         entity_id=caller.username, success=False, detail=f"FORBIDDEN: {refusal.message}",
                         source=_source(request), request_id=request_id)
            return graphql_error(refusal.message, "FORBIDDEN", 403)
        headers = {"Authorization": f"Bearer {caller.token}", "X-Request-ID": request_id}
        if request.client:
            headers["X-Forwarded-For"] = request.client.host
        assert gateway.executor is not None
        result = await gateway.executor.execute(body["query"], variables, operation_name, headers)
        for error in result.get("errors") or ():
            ERRORS[str((error.get("extensions") or {}).get("code", "INTERNAL"))] += 1
        return JSONResponse(result)

    async def metrics(request: Request) -> Response:
        try:
            await authenticate(request)
        except Unauthenticated as exc:
            return graphql_error(exc.message, "UNAUTHENTICATED", 401)
        lines = ["# HELP mbo_graphql_errors_total GraphQL errors returned by the gateway, by code",
                 "# TYPE mbo_graphql_errors_total counter"]
        lines += [f'mbo_graphql_errors_total{{service="gateway",code="{code}"}} {count}'
                  for code, count in sorted(ERRORS.items())]
        return Response(HTTP.render("gateway") + "\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")

    async def refresh(request: Request) -> JSONResponse:
        try:
            caller = await authenticate(request)
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
            Route("/auth/password", password, methods=["POST"]),
            Route("/auth/logout", logout, methods=["POST"]),
            Route("/auth/session", whoami, methods=["GET"]),
            *admin_routes(authenticate),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/admin/refresh", refresh, methods=["POST"]),
            Route("/metrics", metrics, methods=["GET"]),
        ],
        lifespan=lifespan,
        middleware=[Middleware(RequestLog)],
    )
    app.state.gateway = gateway
    return app
