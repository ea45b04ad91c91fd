"""Load: 50 concurrent clients of mixed queries and mutations through the gateway, bounded in time.

Run: .venv/bin/python bench/load.py [--clients 50] [--seconds 60] [--callers 50]
     MBO_TEST_DB=postgres .venv/bin/python bench/load.py --callers 50 --workers 2   (worker processes per part)
Prints requests, errors, p50/p95/p99, each process's RSS at the start and the end, its processor time per
request and the share of it the cyclic garbage collector took (from each part's /metrics).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httptools
import httpx
from common import BENCH_USER, access_token, imported_stack, machine, percentile, table

QUERIES = {  # what each is called in the table of latencies by kind
    "unit list": "{ units { code name } }",
    "a unit's staff (2 subgraphs)": '{ unit(code: "JAQ") { code name staff { staffNo name } } }',
    "target counts": "{ targetCounts(year: 2026) { total byStatus { status count } } }",
    "a unit's target tree":
        '{ unit(code: "SZ015") { targets(year: 2026) { code title agreedValue children { code } } } }',
    "assessment settings": "{ assessmentSettings(year: 2026) { passLine advancedRatio } }",
}
MUTATION = 'mutation($v: Int!, $n: String!) { updateUnit(code: "{code}", version: $v, name: $n) { version } }'


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its worker processes so far (/proc/PID/stat fields 14, 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_seconds(child) for child in children(pid))


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its worker processes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024 + sum(rss_mb(child) for child in children(pid))
    return 0.0


class KeptAlive(asyncio.Protocol):
    """One kept-alive HTTP/1.1 connection to the gateway: a request's bytes out, httptools (the C parser uvicorn
    uses) reading the answer back. The clients share the machine's two cores with the stack they measure, so the
    cheaper each request is here, the more of them is left to the stack: aiohttp cost 0.36–0.56 ms of CPU per
    request, this ~0.1 ms."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.answer: asyncio.Future[tuple[int, bytes]] | None = None
        self.body: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        assert self.answer is not None
        self.answer.set_result((self.parser.get_status_code(), b"".join(self.body)))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(exc or ConnectionError("the gateway closed the connection"))

    async def post(self, head: bytes, body: bytes) -> tuple[int, bytes]:
        assert self.transport is not None
        self.answer = asyncio.get_running_loop().create_future()
        self.body = []
        self.transport.write(head + b"content-length: %d\r\n\r\n" % len(body) + body)
        return await asyncio.wait_for(self.answer, 30)


async def client_loop(url: str, token: str, deadline: float, codes: list[str], latencies: dict[str, list[float]],
                      errors: list[str], seed: int) -> None:
    """One client: its own connection, its own unit to edit, a random mix of the queries."""
    rng = random.Random(seed)
    versions: dict[str, int] = {}
    address = urlsplit(url)
    head = (f"POST {address.path} HTTP/1.1\r\nhost: {address.netloc}\r\nauthorization: Bearer {token}\r\n"
            "content-type: application/json\r\n").encode()
    bodies = {kind: json.dumps({"query": query}).encode() for kind, query in QUERIES.items()}
    kinds = list(QUERIES)
    _, connection = await asyncio.get_running_loop().create_connection(KeptAlive, address.hostname, address.port)
    try:
        while time.perf_counter() < deadline:
            if rng.random() < 0.1:
                code = codes[seed % len(codes)]  # each client edits its own unit: conflicts would be real errors
                version = versions.get(code)
                if version is None:
                    _, got = await connection.post(head, json.dumps(
                        {"query": f'{{ unit(code: "{code}") {{ version }} }}'}).encode())
                    version = json.loads(got)["data"]["unit"]["version"]
                body = json.dumps({"query": MUTATION.replace("{code}", code),
                                   "variables": {"v": version, "n": f"负载测试单位{seed}-{rng.randrange(10**6)}"}},
                                  ensure_ascii=False).encode()
                kind = "updateUnit (mutation)"
            else:
                kind = rng.choice(kinds)
                body = bodies[kind]
            start = time.perf_counter()
            status, answer = await connection.post(head, body)
            latencies.setdefault(kind, []).append((time.perf_counter() - start) * 1000)
            # Every answer is checked: a status other than 200 or any error in it counts as an error.
            if status != 200 or b'"errors"' in answer:
                errors.append(f"{status} {answer[:200].decode(errors='replace')}")
            elif kind == "updateUnit (mutation)":
                versions[code] = json.loads(answer)["data"]["updateUnit"]["version"]
            elif not answer.startswith(b'{"data":{'):
                errors.append(f"no data: {answer[:200].decode(errors='replace')}")
    finally:
        assert connection.transport is not None
        connection.transport.close()


async def run(url: str, tokens: list[str], clients: int, seconds: float, codes: list[str]
              ) -> tuple[dict[str, list[float]], list[str]]:
    latencies: dict[str, list[float]] = {}
    errors: list[str] = []
    deadline = time.perf_counter() + seconds
    await asyncio.gather(*(client_loop(url, tokens[n % len(tokens)], deadline, codes, latencies, errors, n)
                           for n in range(clients)))
    return latencies, errors


def collector_seconds(stack: Any, token: str) -> dict[str, float]:
    """Each part's `mbo_gc_seconds_total` (one worker's when a part runs several: left out then)."""
    seconds: dict[str, float] = {}
    for name in ("targets", "assessment", "personnel", "gateway"):
        url = stack.url if name == "gateway" else stack.service_url(name)
        text = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=30).text
        found = re.search(rf'^mbo_gc_seconds_total{{service="{name}"}} ([0-9.]+)$', text, re.M)
        if found:
            seconds[name] = float(found.group(1))
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--callers", type=int, default=1,
                        help="distinct access tokens the clients use (default 1: every client sends the same "
                             "token, so the gateway may share identical reads in flight among them; with as "
                             "many callers as clients nothing is shared)")
    parser.add_argument("--workers", type=int, default=1,
                        help="worker processes per service and for the gateway (MBO_WORKERS; each part is "
                             "restarted with them after the year is imported; meant for PostgreSQL: "
                             "MBO_TEST_DB=postgres)")
    args = parser.parse_args()
    stack = imported_stack(("units.csv", "people.csv", "targets.csv", "settings.csv"))
    try:
        if args.workers > 1:  # started with one process each, so each store was migrated once
            for name in ("targets", "assessment", "personnel", "gateway"):
                stack.stack.restart(name, {"MBO_WORKERS": str(args.workers)})
        tokens = [access_token(stack)]  # a real session: the gateway checks it on every request
        refresh = stack._sessions[BENCH_USER]["refresh_token"]
        while len(tokens) < args.callers:  # more access tokens of the same session, one per caller
            pair = httpx.post(f"{stack.url}/auth/refresh", json={"refresh_token": refresh}, timeout=60).json()
            tokens.append(pair["access_token"])
            refresh = pair["refresh_token"]
        codes = [f"SZ{n:03d}" for n in range(20, 90)]
        before = {name: rss_mb(p.pid) for name, p in stack.stack.processes.items()}
        cpu_before = {name: cpu_seconds(p.pid) for name, p in stack.stack.processes.items()}
        gc_before = collector_seconds(stack, tokens[0]) if args.workers == 1 else {}
        client_cpu = time.process_time()
        started = time.perf_counter()
        by_kind, errors = asyncio.run(run(f"{stack.url}/graphql", tokens, args.clients, args.seconds, codes))
        latencies = [ms for kind in by_kind.values() for ms in kind]
        elapsed = time.perf_counter() - started
        cpu = {name: cpu_seconds(p.pid) - cpu_before[name] for name, p in stack.stack.processes.items()}
        in_collector = {name: seconds - gc_before[name]
                        for name, seconds in (collector_seconds(stack, tokens[0]) if gc_before else {}).items()}
        cpu["load clients (this script)"] = time.process_time() - client_cpu
        after = {name: rss_mb(p.pid) for name, p in stack.stack.processes.items()}
    finally:
        stack.stop()
    rows = [["requests", len(latencies)], ["requests/s", f"{len(latencies) / elapsed:.0f}"],
            ["errors", len(errors)], ["p50 ms", f"{percentile(latencies, 0.5):.1f}"],
            ["p95 ms", f"{percentile(latencies, 0.95):.1f}"], ["p99 ms", f"{percentile(latencies, 0.99):.1f}"]]
    rows += [[f"RSS {name} start → end (MB)", f"{before[name]:.0f} → {after[name]:.0f}"] for name in before]
    rows += [[f"CPU {name}: ms per request", f"{seconds * 1000 / max(1, len(latencies)):.2f}"]
             for name, seconds in cpu.items()]
    rows += [[f"collector {name}: % of its CPU", f"{100 * seconds / max(cpu[name], 1e-9):.1f}"]
             for name, seconds in in_collector.items()]
    print(table(f"{args.clients} clients ({args.callers} distinct tokens) for {args.seconds:.0f} s through the "
                f"gateway, {args.workers} worker process(es) each, {os.environ.get('MBO_TEST_DB', 'sqlite')} — "
                f"machine: {machine()}", ["measure", "value"], rows))
    print(table("latency by kind of request (ms)", ["request", "count", "p50", "p95", "p99"],
                [[kind, len(ms), f"{percentile(ms, 0.5):.1f}", f"{percentile(ms, 0.95):.1f}",
                  f"{percentile(ms, 0.99):.1f}"] for kind, ms in sorted(by_kind.items())]))
    for error in errors[:5]:
        print("error:", error)


if __name__ == "__main__":
    main()
