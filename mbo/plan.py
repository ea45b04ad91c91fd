"""`mbo plan 'QUERY'`: the query plan the gateway makes for a query, composed from the three services' SDL
in-process (the same SDL `mbo sdl` prints), printed in Apollo's query-plan format."""

from __future__ import annotations

import asyncio
import importlib

import httpx

from gateway.federation import FederatedExecutor, Limits, SubgraphSpec, Supergraph, compose
from kernel.settings import SERVICES, service_url


def service_supergraph() -> Supergraph:
    """The supergraph of the three services as `mbo sdl` prints them, at their configured URLs."""
    specs = [SubgraphSpec(name=name, url=service_url(name),
                          sdl=importlib.import_module(f"services.{name}.schema").schema.as_str())
             for name in SERVICES]
    return compose(specs)


def plan_text(query: str, operation_name: str | None = None) -> tuple[str, list[str]]:
    """The printed plan, or the request's errors as the gateway would refuse it."""
    client = httpx.AsyncClient()
    try:
        prepared = FederatedExecutor(service_supergraph(), client, Limits()).prepare(query, operation_name)
    finally:
        asyncio.run(client.aclose())
    errors = getattr(prepared, "errors", None)
    if errors is not None:
        return "", [error["message"] for error in errors]
    return str(prepared), []
