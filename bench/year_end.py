"""A whole year at city or province scale: import the generated bundle, compute, publish, apply.

Run: .venv/bin/python bench/year_end.py [--scale city|province] [--db sqlite|postgres]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from common import BENCH_USER, generated_bundle, machine, started_stack, table, year_options

from mbo.bundle import SPECS, import_bundle

YEAR = 2026
STEPS = [
    ("computeAssessment", "mutation($y: Int!) { computeAssessment(year: $y) { status } }"),
    ("publishAssessment", "mutation($y: Int!) { publishAssessment(year: $y) { status } }"),
    ("applyResults", "mutation($y: Int!) { applyResults(year: $y) { __typename } }"),
]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    args = year_options(parser)
    bundle, counts = generated_bundle(scale=args.scale, year=YEAR)
    stack = started_stack()
    rows: list[list[object]] = []
    try:
        stack.add_user(BENCH_USER, "TARGET_OFFICE")
        with stack.client(BENCH_USER) as client:
            timings: dict[str, float] = {}
            started = time.perf_counter()
            last = [started]

            def progress(name: str) -> None:
                now = time.perf_counter()
                last.append(now)

            reports = import_bundle(client, bundle, progress=progress)
            ended = time.perf_counter()
            marks = [*last[1:], ended]
            for report, start, end in zip(reports, marks, marks[1:], strict=False):
                if not report.ok:
                    raise SystemExit(f"{report.name} refused: {report.message} {report.row_errors[:5]}")
                timings[report.name] = end - start
            for spec in SPECS:
                if spec.name in timings:
                    rows.append([f"import {spec.name}", counts.get(spec.name, ""), f"{timings[spec.name]:.2f}"])
            rows.append(["import, whole bundle", sum(counts.values()), f"{ended - started:.2f}"])
            year_end = 0.0
            for name, mutation in STEPS:
                start = time.perf_counter()
                result = client.execute(mutation, {"y": YEAR})
                elapsed = time.perf_counter() - start
                if result.errors:
                    raise SystemExit(f"{name}: {result.errors[0]}")
                year_end += elapsed
                rows.append([name, "", f"{elapsed:.2f}"])
            rows.append(["year-end (compute + publish + apply)", "", f"{year_end:.2f}"])
        for name, process in stack.stack.processes.items():
            rows.append([f"RSS {name} after the run (MB)", "", f"{rss_mb(process.pid):.0f}"])
    finally:
        stack.stop()
    print(table(f"Year at {args.scale} scale on {args.db} — machine: {machine()}", ["step", "rows", "seconds"],
                rows))


if __name__ == "__main__":
    main()
