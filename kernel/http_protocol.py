"""uvicorn's HTTP/1.1 protocol, writing each response's head and body in one send instead of two.

uvicorn writes the status line and headers when the app sends `http.response.start` and the body when it
sends `http.response.body`: two writes, so two `send` system calls and two TCP segments on loopback, and the
peer (the gateway's connection pool, a client) wakes up twice for one response. Every request here crosses two
such hops, so under load the first write alone was the largest single line of the gateway's own time. Holding
the head until the body's first write halves those system calls; what reaches the wire is byte for byte the
same.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HTTP_PROTOCOL = "kernel.http_protocol:CoalescingHttpProtocol"
"""What `uvicorn.run(http=…)` takes (an import path, so worker processes find it too)."""


class HeldHead:
    """One response's view of the connection: its first write (the head) waits for the next write, at most until
    the event loop's next turn.

    Everything else is the connection's own. An app that sends its body straight after the head (every
    non-streaming response: no await between the two messages really waits) has both leave in one write; a
    head with no body write (HEAD) or one whose body comes later (streaming) goes out on the loop's next turn,
    and closing the connection sends a waiting head first.
    """

    __slots__ = ("_head", "_transport")

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._head: bytes | None = None

    def write(self, data: bytes) -> None:
        if self._head is None:
            self._head = data
            asyncio.get_running_loop().call_soon(self.flush)
            return
        if self._head:
            data, self._head = self._head + data, b""
        self._transport.write(data)

    def flush(self) -> None:
        if self._head:
            self._transport.write(self._head)
        self._head = b""

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingHttpProtocol(HttpToolsProtocol):
    """HttpToolsProtocol whose responses write head and body together (see the module's docstring)."""

    def on_headers_complete(self) -> None:
        previous = self.cycle
        super().on_headers_complete()
        cycle = self.cycle
        # A request expecting "100 Continue" gets that interim line written at once (the client waits for it
        # before sending its body); upgrades (no new cycle) keep the connection's own transport.
        if cycle is not None and cycle is not previous and not self.expect_100_continue:
            cycle.transport = HeldHead(self.transport)  # type: ignore[assignment]
