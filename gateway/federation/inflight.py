"""Identical subgraph reads in flight at the same moment share one request (Hive Gateway and Apollo Router
call this in-flight request deduplication).

Two fetches are identical when they go to the same URL with the same body and the same headers apart from
the per-request ids (`X-Request-ID`, its signature, the client's id and address): so only callers holding
the same token share, and a shared answer is exactly what each of them would have got. Mutations never
share. The subgraph sees (and logs) the request of the first caller only.
"""

from __future__ import annotations

import asyncio
from typing import Any

from gateway.federation.transport import Transport
from kernel.request_ids import CLIENT_REQUEST_ID, FORWARDED_FOR, REQUEST_ID, SIGNATURE

PER_REQUEST_HEADERS = frozenset({REQUEST_ID, SIGNATURE, CLIENT_REQUEST_ID, FORWARDED_FOR})

Key = tuple[str, bytes, tuple[tuple[str, str], ...]]


class InflightReads:
    def __init__(self) -> None:
        self._inflight: dict[Key, asyncio.Future[tuple[int, bytes]]] = {}
        self.shared = 0
        """How many fetches were answered by another's request (for tests and metrics)."""

    def __len__(self) -> int:
        """How many distinct requests are in flight now."""
        return len(self._inflight)

    async def post(self, transport: Transport, url: str, body: bytes, headers: dict[str, str],
                   seconds: float) -> tuple[int, bytes]:
        key = (url, body, tuple(sorted((k.lower(), v) for k, v in headers.items()
                                       if k.lower() not in PER_REQUEST_HEADERS)))
        leader = self._inflight.get(key)
        if leader is not None:
            try:
                answer = await asyncio.shield(leader)
                self.shared += 1
                return answer
            except asyncio.CancelledError:
                if not leader.cancelled():
                    raise  # this request itself was cancelled
                # the first caller went away before its answer came: ask ourselves
        future: asyncio.Future[tuple[int, bytes]] = asyncio.get_running_loop().create_future()
        future.add_done_callback(_consume)
        self._inflight[key] = future
        try:
            answer = await transport.post(url, body, headers, seconds)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            raise
        else:
            future.set_result(answer)
            return answer
        finally:
            if self._inflight.get(key) is future:
                del self._inflight[key]


def _consume(future: asyncio.Future[Any]) -> None:
    """Mark an exception as retrieved even when no other caller was waiting for it."""
    if not future.cancelled():
        future.exception()
