"""The services' HTTP protocol: each response's head and body leave in one write, and nothing else changes."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from kernel.http_protocol import HTTP_PROTOCOL, HeldHead
from tests.support.stack import free_port_block
from tests.support.threaded import serve_in_thread


class Recorded:
    """What a connection was asked to do, in order (the one part of asyncio.Transport HeldHead writes to)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bytes]] = []

    def write(self, data: bytes) -> None:
        self.calls.append(("write", data))

    def close(self) -> None:
        self.calls.append(("close", b""))

    def is_closing(self) -> bool:
        return False


async def test_the_head_leaves_with_the_first_body_write_and_later_writes_go_straight_out() -> None:
    wire = Recorded()
    held = HeldHead(wire)  # type: ignore[arg-type]
    held.write(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n")
    assert wire.calls == []
    held.write(b"he")
    held.write(b"llo")
    assert wire.calls == [("write", b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhe"), ("write", b"llo")]
    assert held.is_closing() is False  # everything else is the connection's own


async def test_closing_sends_a_head_that_is_still_waiting() -> None:
    wire = Recorded()
    held = HeldHead(wire)  # type: ignore[arg-type]
    held.write(b"HTTP/1.1 200 OK\r\n\r\n")
    held.close()
    assert wire.calls == [("write", b"HTTP/1.1 200 OK\r\n\r\n"), ("close", b"")]


async def test_an_empty_body_still_sends_the_head() -> None:
    wire = Recorded()
    held = HeldHead(wire)  # type: ignore[arg-type]
    held.write(b"HTTP/1.1 204 No Content\r\n\r\n")
    held.write(b"")
    assert wire.calls == [("write", b"HTTP/1.1 204 No Content\r\n\r\n")]


async def test_a_head_with_no_body_write_goes_out_on_the_next_turn_of_the_loop() -> None:
    wire = Recorded()
    held = HeldHead(wire)  # type: ignore[arg-type]
    held.write(b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n")  # a HEAD response writes no body
    assert wire.calls == []
    await asyncio.sleep(0)
    assert wire.calls == [("write", b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n")]
    await asyncio.sleep(0)
    assert len(wire.calls) == 1  # sent once


async def plain(request: Request) -> JSONResponse:
    body = await request.body()
    return JSONResponse({"got": body.decode(), "method": request.method})


async def streamed(request: Request) -> StreamingResponse:
    async def chunks():
        for part in ("一", "二", "三"):
            yield part.encode()
            await asyncio.sleep(0.01)
    return StreamingResponse(chunks(), media_type="text/plain; charset=utf-8")


async def empty(request: Request) -> Response:
    return Response(status_code=204)


async def broken(request: Request) -> Response:
    raise RuntimeError("the handler failed")


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    app = Starlette(routes=[Route("/plain", plain, methods=["GET", "POST", "HEAD"]), Route("/stream", streamed),
                            Route("/empty", empty), Route("/broken", broken)])
    port = free_port_block(1)
    server, thread = serve_in_thread(app, port, http=HTTP_PROTOCOL, log_level="critical")
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_responses_of_every_shape_arrive_whole(served: str) -> None:
    with httpx.Client(base_url=served, timeout=5) as http:  # one kept-alive connection for all of them
        for _ in range(3):
            answer = http.post("/plain", content="数据".encode())
            assert answer.status_code == 200
            assert answer.json() == {"got": "数据", "method": "POST"}
        head = http.head("/plain")
        assert head.status_code == 200 and head.content == b""
        assert int(head.headers["content-length"]) > 0
        stream = http.get("/stream")
        assert stream.status_code == 200 and stream.text == "一二三"
        assert stream.headers["transfer-encoding"] == "chunked"
        assert http.get("/empty").status_code == 204
        assert http.get("/plain").json()["method"] == "GET"  # the connection still works after all of them
    # A handler that fails has its 500 sent, and uvicorn then closes that connection (on its own, not reused:
    # a request already on its way could meet the close).
    with httpx.Client(base_url=served, timeout=5) as http:
        assert http.get("/broken").status_code == 500


def test_one_response_is_one_segment_on_the_wire(served: str) -> None:
    """Read as the peer sees it: the head and the body arrive together, in the first read."""
    port = int(served.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as peer:
        peer.sendall(b"GET /plain HTTP/1.1\r\nhost: x\r\n\r\n")
        first = peer.recv(65536)
    head, _, body = first.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert body == b'{"got":"","method":"GET"}'


def test_expect_100_continue_gets_its_interim_line_before_the_body_is_sent(served: str) -> None:
    port = int(served.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as peer:
        peer.sendall(b"POST /plain HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\nexpect: 100-continue\r\n\r\n")
        interim = peer.recv(65536)
        assert interim.startswith(b"HTTP/1.1 100 Continue")
        peer.sendall(b"ok")
        answer = b""
        while not answer.endswith(b"}"):
            answer += peer.recv(65536)
    assert answer.split(b"\r\n\r\n", 1)[1] == b'{"got":"ok","method":"POST"}'
