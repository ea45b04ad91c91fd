"""Request log lines are written in batches; warnings and errors at once, in order."""

from __future__ import annotations

import io
import json
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import pytest

from kernel.observability import BatchedStreamHandler, JsonFormatter


def batched(name: str, stream: TextIO, interval: float, limit: int = 65536) -> logging.Logger:
    """A logger of its own writing JSON lines to `stream` through a BatchedStreamHandler."""
    handler = BatchedStreamHandler(stream, interval=interval, limit=limit)
    handler.setFormatter(JsonFormatter("test"))
    log = logging.getLogger(name)
    log.handlers[:] = [handler]
    log.propagate = False
    log.setLevel(logging.INFO)
    return log


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    log = batched("tests.batched", stream, interval=0.2)
    yield log, stream
    log.handlers[:] = []


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_request_lines_wait_and_a_warning_takes_them_out_in_order(
        logged: tuple[logging.Logger, io.StringIO]) -> None:
    log, stream = logged
    log.info("请求一", extra={"status": 200})
    log.info("请求二", extra={"status": 200})
    assert stream.getvalue() == ""  # waiting, not written one by one
    log.warning("出错了")
    assert [line["message"] for line in lines(stream)] == ["请求一", "请求二", "出错了"]
    assert [line["level"] for line in lines(stream)] == ["INFO", "INFO", "WARNING"]


def test_waiting_lines_are_written_within_the_interval(logged: tuple[logging.Logger, io.StringIO]) -> None:
    log, stream = logged
    log.info("稍后写出")
    deadline = time.monotonic() + 5
    while not stream.getvalue() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [line["message"] for line in lines(stream)] == ["稍后写出"]


def test_flush_writes_what_waits(logged: tuple[logging.Logger, io.StringIO]) -> None:
    log, stream = logged
    log.info("结束前")
    log.handlers[0].flush()  # what logging.shutdown does when the process ends
    assert [line["message"] for line in lines(stream)] == ["结束前"]


def test_a_full_batch_goes_out_without_waiting() -> None:
    stream = io.StringIO()
    log = batched("tests.batched.full", stream, interval=60, limit=200)
    for n in range(5):
        log.info(f"line {n}")
    written = stream.getvalue().splitlines()
    assert 2 <= len(written) < 5  # the first lines passed the 200-character limit; the rest wait
    log.handlers[:] = []


def test_a_forked_child_flushes_its_own_lines(tmp_path: Path) -> None:
    """Threads do not survive fork: a child that logs starts its own flusher instead of waiting forever."""
    out = tmp_path / "child.log"
    with out.open("w", encoding="utf-8") as stream:
        log = batched("tests.batched.fork", stream, interval=0.1)
        log.info("父进程")
        log.handlers[0].flush()
        pid = os.fork()
        if pid == 0:  # the child: log one line and wait for the interval to write it, without flushing itself
            log.info("子进程")
            time.sleep(1.0)
            os._exit(0)
        os.waitpid(pid, 0)
        log.handlers[:] = []
    messages = [json.loads(line)["message"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert messages == ["父进程", "子进程"]
