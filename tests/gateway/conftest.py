"""Serves the toy subgraphs over real loopback HTTP and composes a gateway executor over them."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

from gateway.federation import FederatedExecutor, Limits, SubgraphSpec, Supergraph, compose, fetch_sdl
from gateway.federation.transport import HttpxTransport, Transport
from tests.gateway.toy_subgraphs import SCHEMAS, make_app
from tests.support.stack import free_port_block
from tests.support.threaded import serve_in_thread


@dataclass
class ServedSubgraph:
    name: str
    url: str
    server: uvicorn.Server
    thread: threading.Thread


def _serve(name: str) -> ServedSubgraph:
    port = free_port_block(1)
    server, thread = serve_in_thread(make_app(name), port)
    return ServedSubgraph(name=name, url=f"http://127.0.0.1:{port}/graphql", server=server, thread=thread)


@pytest.fixture(scope="session")
def subgraph_urls() -> Iterator[dict[str, str]]:
    served = [_serve(name) for name in SCHEMAS]
    yield {s.name: s.url for s in served}
    for s in served:
        s.server.should_exit = True
    for s in served:
        s.thread.join(timeout=5)


def dead_url() -> str:
    return f"http://127.0.0.1:{free_port_block(1)}/graphql"


@pytest.fixture(scope="module")
async def http_client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture(scope="module")
async def specs(subgraph_urls: dict[str, str], http_client: httpx.AsyncClient) -> list[SubgraphSpec]:
    return [SubgraphSpec(name=name, url=url, sdl=await fetch_sdl(http_client, url, {}))
            for name, url in subgraph_urls.items()]


@pytest.fixture(scope="module")
def supergraph(specs: list[SubgraphSpec]) -> Supergraph:
    return compose(specs)


class RecordingTransport:
    """Posts through another transport and records each request as (subgraph, operation text)."""

    def __init__(self, inner: Transport, supergraph: Supergraph) -> None:
        self.inner = inner
        self.names = {spec.url: name for name, spec in supergraph.subgraphs.items()}
        self.requests: list[tuple[str, str]] = []

    async def post(self, url: str, body: bytes, headers: dict[str, str], seconds: float) -> tuple[int, bytes]:
        self.requests.append((self.names.get(url, url), json.loads(body)["query"]))
        return await self.inner.post(url, body, headers, seconds)


def recording_executor(supergraph: Supergraph, http_client: httpx.AsyncClient, limits: Limits) -> FederatedExecutor:
    return FederatedExecutor(supergraph, RecordingTransport(HttpxTransport(http_client), supergraph), limits)


def requests_of(executor: FederatedExecutor) -> list[tuple[str, str]]:
    """The (subgraph, operation) requests a recording executor has sent, in order."""
    assert isinstance(executor.transport, RecordingTransport)
    return executor.transport.requests


@pytest.fixture
def executor(supergraph: Supergraph, http_client: httpx.AsyncClient) -> FederatedExecutor:
    return recording_executor(supergraph, http_client, Limits())
