"""The gateway app: its routes (gateway.endpoints), middleware, the supergraph it serves and its lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
from collections.abc import AsyncIterator

import aiohttp
import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from gateway import graphiql
from gateway.endpoints import admin, auth, graphql
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
from gateway.identity import sealing, service, sessions
from gateway.identity.store import MIGRATIONS, MODELS
from gateway.identity.throttle import RefusalAudit, Throttle
from gateway.settings import GatewaySettings
from gateway.web import BodyLimit, GatewayState
from kernel.auth import service_token
from kernel.bulk import freeze_startup_heap
from kernel.db import close_database, open_database, tortoise_config
from kernel.observability import COLLECTOR, RequestLog

log = logging.getLogger("mbo.gateway")
FLUSH_SECONDS = 1.0
EXPIRE_EVERY = 60


class Supergraphs:
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
            subgraph_concurrency=settings.subgraph_concurrency,
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

    async def recompose(self) -> None:
        try:
            await self.compose()
        except (CompositionError, RuntimeError) as exc:
            log.error("recomposition failed, keeping the previous supergraph: %s", exc)


async def housekeeping(state: GatewayState) -> None:
    """Each second, the flood summaries; each minute, the dual-control requests past their 24 hours."""
    ticks = 0
    while True:
        await asyncio.sleep(FLUSH_SECONDS)
        ticks += 1
        try:
            await state.refusals.flush()
            if ticks % EXPIRE_EVERY == 0:
                await service.expire_requests()
        except Exception:
            log.exception("identity housekeeping failed; trying again")


ROUTES = [
    Route("/healthz", graphql.healthz, methods=["GET"]),
    Route("/auth/token", auth.token, methods=["POST"]),
    Route("/auth/password", auth.password, methods=["POST"]),
    Route("/auth/refresh", auth.refresh, methods=["POST"]),
    Route("/auth/logout", auth.logout, methods=["POST"]),
    Route("/auth/session", auth.session, methods=["GET"]),
    Route("/admin/accounts", admin.list_accounts, methods=["GET"]),
    Route("/admin/accounts", admin.create_account, methods=["POST"]),
    Route("/admin/accounts/{username}/password", admin.reset_password, methods=["POST"]),
    Route("/admin/accounts/{username}/second-factor", admin.reset_second_factor, methods=["POST"]),
    Route("/admin/accounts/{username}/active", admin.set_active, methods=["POST"]),
    Route("/admin/accounts/{username}/unlock", admin.unlock, methods=["POST"]),
    Route("/admin/accounts/{username}/grants", admin.set_grants, methods=["PUT"]),
    Route("/admin/accounts/{username}/keys", admin.list_keys, methods=["GET"]),
    Route("/admin/accounts/{username}/keys", admin.create_key, methods=["POST"]),
    Route("/admin/keys/{key}", admin.revoke_key, methods=["DELETE"]),
    Route("/admin/requests", admin.list_requests, methods=["GET"]),
    Route("/admin/requests/{request}/approve", admin.approve_request, methods=["POST"]),
    Route("/admin/requests/{request}/refuse", admin.refuse_request, methods=["POST"]),
    Route("/admin/audit", admin.audit_trail, methods=["GET"]),
    Route("/admin/refresh", admin.recompose, methods=["POST"]),
    Route("/graphql", graphql.explorer, methods=["GET"]),
    Route("/graphiql/{name}", graphiql.asset, methods=["GET"]),
    Route("/graphql", graphql.graphql, methods=["POST"]),
    Route("/metrics", graphql.metrics, methods=["GET"]),
]


def create_app(settings: GatewaySettings | None = None) -> Starlette:
    settings = settings or GatewaySettings.from_env()
    sealing.configure(settings.secret)
    sessions.RECENT.configure(settings.session_recheck)
    state = GatewayState(settings=settings, supergraph=Supergraphs(settings),
                         throttle=Throttle(settings.rate_per_source, settings.rate_per_account),
                         refusals=RefusalAudit(threshold=settings.audit_flood_threshold))
    identity = tortoise_config("identity", settings.identity_dsn, MODELS, MIGRATIONS)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await open_database(identity)
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=100)
        connector = aiohttp.TCPConnector(limit=200, limit_per_host=100, keepalive_timeout=30)
        async with httpx.AsyncClient(timeout=settings.mutation_timeout, limits=limits) as client, \
                aiohttp.ClientSession(connector=connector, json_serialize=json.dumps) as session:
            state.supergraph.client = client
            state.supergraph.transport = AiohttpTransport(session)
            await state.supergraph.compose(wait=settings.compose_wait)
            freeze_startup_heap()  # the composed schemas and modules live as long as the process
            COLLECTOR.install()
            loop = asyncio.get_running_loop()
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signal.SIGHUP,
                                        lambda: asyncio.ensure_future(state.supergraph.recompose()))
            chores = asyncio.create_task(housekeeping(state))
            try:
                yield
            finally:
                chores.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await chores
                await state.refusals.flush()
                await close_database()

    app = Starlette(
        routes=ROUTES,
        lifespan=lifespan,
        middleware=[Middleware(RequestLog),
                    Middleware(BodyLimit, limits={"/graphql": settings.max_body_bytes},
                               default=settings.max_json_bytes)],
    )
    app.state.mbo = state
    return app
