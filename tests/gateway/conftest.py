"""Serves the toy subgraphs over real loopback HTTP and composes a gateway executor over them."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

from gateway.federation import FederatedExecutor, Limits, SubgraphSpec, Supergraph, compose, fetch_sdl
from tests.gateway.toy_subgraphs import SCHEMAS, make_app


@dataclass
class ServedSubgraph:
    name: str
    url: str
    server: uvicorn.Server
    thread: threading.Thread


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(name: str) -> ServedSubgraph:
    port = free_port()
    config = uvicorn.Config(make_app(name), host="127.0.0.1", port=port, log_level="warning", lifespan="off",
                            access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError(f"toy subgraph {name} did not start")
        time.sleep(0.01)
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
    return f"http://127.0.0.1:{free_port()}/graphql"


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


@pytest.fixture
def executor(supergraph: Supergraph, http_client: httpx.AsyncClient) -> FederatedExecutor:
    return FederatedExecutor(supergraph, http_client, Limits())
