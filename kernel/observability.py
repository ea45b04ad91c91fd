"""Structured JSON logs carrying the request id, and per-request HTTP metrics."""

from __future__ import annotations

import bisect
import gc
import json
import logging
import os
import threading
import time
from collections import Counter
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TextIO

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kernel.request_ids import CLIENT_REQUEST_ID, FORWARDED_FOR, REQUEST_ID, SIGNATURE, received, scope_headers

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
operation_var: ContextVar[str] = ContextVar("operation", default="")
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
MAX_OPERATIONS = 200


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service
        self._second = -1
        self._stamp = ""

    def _time(self, record: logging.LogRecord) -> str:
        second = int(record.created)
        if second != self._second:  # the date and time of day are formatted once a second, not once a line
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = second
        return f"{self._stamp}.{int(record.msecs):03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self._time(record),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key in ("method", "path", "status", "duration_ms", "operation"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class BatchedStreamHandler(logging.StreamHandler):
    """Log lines written to the stream in batches: at most `interval` seconds late, at once from WARNING up.

    Every request logs one line in each process it crosses, and `StreamHandler` flushes after each: a system
    call per line (18.8 µs a line with the caller's frame looked up and a flush per line, 10.4 µs batched and
    without the frame). Lines wait here instead and go out together: after `interval` seconds, when 64 KiB are
    waiting, with any warning or error (at once, behind the lines before it), and when the process ends
    normally. A process killed outright loses at most `interval` seconds of request lines; errors are never
    held back.
    """

    def __init__(self, stream: TextIO | None = None, interval: float = 0.5, limit: int = 65536) -> None:
        super().__init__(stream)
        self.interval = interval
        self.limit = limit
        self._waiting: list[str] = []
        self._size = 0
        self._flusher: threading.Thread | None = None
        os.register_at_fork(after_in_child=self._forget_flusher)  # a forked child starts its own when it logs

    def _forget_flusher(self) -> None:
        self._flusher = None

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record) + self.terminator
        except Exception:
            self.handleError(record)
            return
        self._waiting.append(line)  # Handler.handle holds the handler's lock around emit
        self._size += len(line)
        if record.levelno >= logging.WARNING or self._size >= self.limit:
            self._write_waiting()
        elif self._flusher is None:
            self._flusher = threading.Thread(target=self._flush_every_interval, name="log-flush", daemon=True)
            self._flusher.start()

    def _write_waiting(self) -> None:
        if not self._waiting:
            return
        text, self._waiting, self._size = "".join(self._waiting), [], 0
        try:
            self.stream.write(text)
            self.stream.flush()
        except Exception:
            self.handleError(logging.makeLogRecord({"msg": "could not write waiting log lines"}))

    def flush(self) -> None:
        with self.lock:
            self._write_waiting()
            super().flush()

    def _flush_every_interval(self) -> None:
        while True:
            time.sleep(self.interval)
            try:
                self.flush()
            except (OSError, ValueError):  # the stream was closed (the handler's owner is done with it)
                return


def configure_logging(service: str, level: int = logging.INFO) -> None:
    handler = BatchedStreamHandler()
    handler.setFormatter(JsonFormatter(service))
    # The JSON lines name no source file, thread or process: skip finding them for every record (the logging
    # HOWTO's "Optimization" section).
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("tortoise").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)


@dataclass
class HttpMetrics:
    requests: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    latency_buckets: Counter[tuple[str, str, float]] = field(default_factory=Counter)
    """Requests by the smallest bucket bound their latency is within (the rendered buckets are cumulative)."""
    latency_sum: Counter[tuple[str, str]] = field(default_factory=Counter)
    latency_count: Counter[tuple[str, str]] = field(default_factory=Counter)
    operations: set[str] = field(default_factory=set)

    def observe(self, path: str, operation: str, status: int, seconds: float) -> None:
        if operation and operation not in self.operations:
            if len(self.operations) >= MAX_OPERATIONS:
                operation = "other"
            else:
                self.operations.add(operation)
        self.requests[(path, operation, status)] += 1
        smallest = bisect.bisect_left(BUCKETS, seconds)  # the first bucket it is in (render sums them up)
        if smallest < len(BUCKETS):
            self.latency_buckets[(path, operation, BUCKETS[smallest])] += 1
        self.latency_sum[(path, operation)] += seconds
        self.latency_count[(path, operation)] += 1

    def render(self, service: str) -> str:
        lines = ["# HELP mbo_http_requests_total HTTP requests by path, operation name and status",
                 "# TYPE mbo_http_requests_total counter"]
        for (path, operation, status), count in sorted(self.requests.items()):
            lines.append(f'mbo_http_requests_total{{service="{service}",path="{path}",operation="{operation}",'
                         f'status="{status}"}} {count}')
        lines += ["# HELP mbo_http_request_seconds request latency", "# TYPE mbo_http_request_seconds histogram"]
        for (path, operation), count in sorted(self.latency_count.items()):
            labels = f'service="{service}",path="{path}",operation="{operation}"'
            cumulative = 0
            for bound in BUCKETS:
                cumulative += self.latency_buckets[(path, operation, bound)]
                lines.append(f'mbo_http_request_seconds_bucket{{{labels},le="{bound}"}} {cumulative}')
            lines.append(f'mbo_http_request_seconds_bucket{{{labels},le="+Inf"}} {count}')
            lines.append(f"mbo_http_request_seconds_sum{{{labels}}} {self.latency_sum[(path, operation)]:.6f}")
            lines.append(f"mbo_http_request_seconds_count{{{labels}}} {count}")
        return "\n".join(lines) + "\n"


HTTP = HttpMetrics()


@dataclass
class CollectorMetrics:
    """How often and for how long the cyclic garbage collector ran in this process (gc.callbacks): a request
    should leave nothing for it (kernel.context.RequestContext.release), so a rising share of time here means
    one does again."""

    collections: Counter[int] = field(default_factory=Counter)
    seconds: float = 0.0
    _started: float = 0.0
    _installed: bool = False

    def install(self) -> None:
        """Start timing the collector (once per process)."""
        if not self._installed:
            self._installed = True
            gc.callbacks.append(self._observe)

    def _observe(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
            self.collections[info["generation"]] += 1

    def render(self, service: str) -> str:
        lines = ["# HELP mbo_gc_collections_total Runs of the cyclic garbage collector, by generation",
                 "# TYPE mbo_gc_collections_total counter"]
        lines += [f'mbo_gc_collections_total{{service="{service}",generation="{generation}"}} '
                  f"{self.collections[generation]}" for generation in range(3)]
        lines += ["# HELP mbo_gc_seconds_total Time the cyclic garbage collector ran",
                  "# TYPE mbo_gc_seconds_total counter",
                  f'mbo_gc_seconds_total{{service="{service}"}} {self.seconds:.6f}']
        return "\n".join(lines) + "\n"


COLLECTOR = CollectorMetrics()
access_log = logging.getLogger("mbo.access")
ID_HEADERS = frozenset(name.encode() for name in (REQUEST_ID, CLIENT_REQUEST_ID, SIGNATURE, FORWARDED_FOR))
"""The headers `RequestLog` replaces with the values it trusts."""


class RequestLog:
    """Give every request an id, log it as one JSON line, count it.

    The id is a fresh one unless `secret` verifies the ids a gateway or peer service signed
    (kernel.request_ids); a sender's own `X-Request-ID` is kept as the client's id. The trusted values
    replace the request's id headers (and an unsigned `X-Forwarded-For` is dropped), so nothing further in
    can read an id or address the sender made up; `scope["state"]["request_ids"]` holds them too.
    """

    def __init__(self, app: ASGIApp, secret: str | None = None) -> None:
        self.app = app
        self.secret = secret

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope_headers(scope)
        ids = received(headers, self.secret)
        request_id = ids.request_id
        token = request_id_var.set(request_id)
        operation_token = operation_var.set("")
        rewritten = [(REQUEST_ID, request_id)]
        if ids.client_request_id:
            rewritten.append((CLIENT_REQUEST_ID, ids.client_request_id))
        if ids.source:
            rewritten.append((FORWARDED_FOR, ids.source))
        scope["headers"] = [*[(k, v) for k, v in scope["headers"] if k.lower() not in ID_HEADERS],
                            *[(k.encode(), v.encode("latin-1", "replace")) for k, v in rewritten]]
        scope.setdefault("state", {})["request_ids"] = ids
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode("latin-1"))]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            path = scope.get("path", "")
            if path not in ("/healthz", "/metrics"):
                HTTP.observe(path, operation_var.get(), status, elapsed)
                access_log.info("request", extra={"method": scope.get("method"), "path": path, "status": status,
                                                  "duration_ms": round(elapsed * 1000, 2),
                                                  "operation": operation_var.get()})
            request_id_var.reset(token)
            operation_var.reset(operation_token)
