"""Shared helpers of the benchmark scripts: a stack in a temp dir, timing, tables."""

from __future__ import annotations

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

from tests.support.stack import RunningStack  # noqa: E402


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    return f"{platform.node()} · {os.cpu_count()} cores · {cpu} · Python {platform.python_version()}"


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
