"""Shared helpers of the benchmark scripts: a stack in a temp dir, a generated bundle, timing, tables."""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from mbo.generate import generate  # noqa: E402
from tests.support.stack import PASSWORD, RunningStack  # noqa: E402

BENCH_USER = "bench"
"""The target-office account the scripts sign in as."""


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    return (f"{platform.node()} · {os.cpu_count()} cores · {cpu} · Python {platform.python_version()} · "
            f"speed {calibration():.2f} s")


def calibration() -> float:
    """Seconds this machine takes for ten million additions in a Python loop (the best of three): the figures of
    two machines, or of one machine on two days, compare only after scaling by this."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        total = 0
        for n in range(10_000_000):
            total += n
        best = min(best, time.perf_counter() - start)
    return best


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def summary(samples: list[float]) -> tuple[float, float, float]:
    return statistics.median(samples), percentile(samples, 0.95), 1000 / statistics.mean(samples)


def table(title: str, header: list[str], rows: list[list[object]]) -> str:
    cells = [header, *[[str(c) for c in row] for row in rows]]
    widths = [max(len(str(r[i])) for r in cells) for i in range(len(header))]
    lines = [f"\n{title}", "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    for row in cells[1:]:
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    return "\n".join(lines)


def started_stack() -> RunningStack:
    tmp = Path(tempfile.mkdtemp(prefix="mbo-bench-"))
    return RunningStack(tmp).start()


def mbo_import(stack: RunningStack, bundle: Path, user: str, password: str) -> float:
    env = {**os.environ, **stack.client_env(user, password)}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "mbo.cli", "import", str(bundle)], env=env, text=True,
                          capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return time.perf_counter() - start


def year_options(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Add --scale and --db to the script's options, read them, and point the stack at that database."""
    parser.add_argument("--scale", choices=["city", "province"], default="city")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    os.environ["MBO_TEST_DB"] = args.db
    return args


def generated_bundle(**options: object) -> tuple[Path, dict[str, int]]:
    """A bundle generated into a temp dir (options as `mbo.generate.generate` takes them) and its row counts."""
    bundle = Path(tempfile.mkdtemp(prefix="mbo-bench-bundle-"))
    return bundle, generate(bundle, **options)  # type: ignore[arg-type]


def imported_stack(files: tuple[str, ...], people_per_unit: int = 20) -> RunningStack:
    """A started stack with the bench account and these files of a generated city imported through `mbo`."""
    stack = started_stack()
    try:
        stack.add_user(BENCH_USER, "TARGET_OFFICE")
        bundle, _ = generated_bundle(people_per_unit=people_per_unit, files=files)
        mbo_import(stack, bundle, BENCH_USER, PASSWORD)
    except BaseException:
        stack.stop()
        raise
    return stack


def access_token(stack: RunningStack, user: str = BENCH_USER) -> str:
    """The access token of a real signed-in session of the user."""
    with stack.client(user) as client:
        return client.token or ""


async def throughput(url: str, token: str, query: str, seconds: float, clients: int = 8) -> float:
    """Requests/s of `clients` concurrent clients sending the query for `seconds`; an error answer stops it."""
    done = 0
    deadline = time.perf_counter() + seconds
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                response = await http.post(url, json={"query": query})
                if response.status_code != 200 or "errors" in response.json():
                    raise RuntimeError(f"{url}: {response.text[:300]}")
                done += 1
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        return done / (time.perf_counter() - started)
