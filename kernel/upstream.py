"""GraphQL calls from one service to another, with a service token, timeouts and retries."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from kernel.auth import service_token
from kernel.errors import UpstreamError
from kernel.request_ids import RequestIds, forwarded_headers
from kernel.settings import ServiceSettings


async def call(
    client: httpx.AsyncClient,
    settings: ServiceSettings,
    peer: str,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    request_id: str | None = None,
) -> dict[str, Any]:
    """Run `query` on service `peer` and return its data; raise UpstreamError when it cannot answer."""
    url = settings.peers[peer]
    authorization = f"Bearer {service_token(settings.secret, settings.name)}"
    headers = {"Authorization": authorization}
    if request_id:
        headers.update(forwarded_headers(settings.secret, RequestIds(request_id), authorization))
    last_problem = ""
    for attempt in range(settings.upstream_retries):
        try:
            response = await client.post(
                url,
                json={"query": query, "variables": variables or {}},
                headers=headers,
                timeout=settings.upstream_timeout,
            )
        except httpx.HTTPError as exc:
            last_problem = f"{type(exc).__name__}"
            await asyncio.sleep(0.2 * (2**attempt))
            continue
        if response.status_code >= 500:
            last_problem = f"HTTP {response.status_code}"
            await asyncio.sleep(0.2 * (2**attempt))
            continue
        body = response.json()
        if body.get("errors"):
            first = body["errors"][0]
            raise UpstreamError(f"the {peer} service refused: {first.get('message')}", upstream=peer)
        return body["data"]
    raise UpstreamError(f"the {peer} service is not reachable ({last_problem})", upstream=peer)
