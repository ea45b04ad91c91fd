"""Importing a generated bundle, with the CPU time each process spent on each file as well as the wall time.

On a shared machine the wall time of an import varies 2× with the load; the processor seconds each process
(gateway, services, the client) used do not, so they show what a change to the import's code saves.

Run: .venv/bin/python bench/import_cpu.py [--scale city|province] [--db sqlite|postgres]
"""

from __future__ import annotations

import argparse
import os
import time
from itertools import pairwise
from pathlib import Path

from common import BENCH_USER, generated_bundle, machine, started_stack, table, year_options

from mbo.bundle import import_bundle

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system time of a process so far (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def main() -> None:
    parser = argparse.ArgumentParser()
    args = year_options(parser)
    bundle, counts = generated_bundle(scale=args.scale, year=2026)
    stack = started_stack()
    names = list(stack.stack.processes)
    try:
        stack.add_user(BENCH_USER, "TARGET_OFFICE")

        def mark(name: str | None) -> tuple[str | None, float, list[float]]:
            cpu = [cpu_seconds(p.pid) for p in stack.stack.processes.values()]
            return name, time.perf_counter(), [*cpu, time.process_time()]

        with stack.client(BENCH_USER) as client:
            marks = [mark(None)]
            reports = import_bundle(client, bundle, progress=lambda name: marks.append(mark(name)))
            marks.append(mark(None))
        for report in reports:
            if not report.ok:
                raise SystemExit(f"{report.name} refused: {report.message} {report.row_errors[:5]}")
    finally:
        stack.stop()
    rows: list[list[object]] = []
    spans = [(m[0], m, n) for m, n in pairwise(marks[1:])]
    spans.append(("whole bundle", marks[0], marks[-1]))
    for name, start, end in spans:
        cpu = [b - a for a, b in zip(start[2], end[2], strict=True)]
        rows.append([name, counts.get(str(name), sum(counts.values()) if name == "whole bundle" else ""),
                     f"{end[1] - start[1]:.2f}", *(f"{c:.2f}" for c in cpu), f"{sum(cpu):.2f}"])
    print(table(f"Import at {args.scale} scale on {args.db}, wall and CPU seconds — machine: {machine()}",
                ["file", "rows", "wall", *(f"{n} CPU" for n in names), "client CPU", "CPU, all"], rows))


if __name__ == "__main__":
    main()
