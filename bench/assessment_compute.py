"""computeAssessment + publishAssessment wall time for 110 units × 30 targets (20,000 ballot rows) and for a
province of 1,100 units (200,000 ballot rows), and the ratio between them (close to 10 means linear).

Each size runs on its own freshly started stack (SQLite, or PostgreSQL when MBO_TEST_DB=postgres). The year
is loaded through the gateway with the public import mutations (targets through the targets service's
importTargets, the year-end sources through the assessment service), in chunks of whole units so no request
passes the body-size limits; the assessment opens itself (snapshot over GraphQL) at the first year-end file.

Run: .venv/bin/python bench/assessment_compute.py [--units 110 1100] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Iterator

from common import machine, started_stack, table

from mbo.bundle import KNOWN, import_document, to_inputs
from mbo.client import Client
from tests.support.stack import PASSWORD

YEAR = 2026
TARGETS_PER_UNIT = 30
BALLOTS_PER_110 = 20_000
VOTER_GROUPS = ["市民代表", "人大代表", "政协委员", "服务对象", "机关干部"]


def units(count: int) -> list[dict[str, str]]:
    districts = max(1, count // 8)
    return [{"code": f"U{i:05d}", "name": f"单位{i:05d}", "kind": "district" if i < districts else "municipal",
             "group": "区" if i < districts else "市直"} for i in range(count)]


def targets(unit_rows: list[dict[str, str]], rng: random.Random) -> list[dict[str, str]]:
    """30 top-level targets per unit: 18 quantitative + 2 qualitative BASE (5 points each, 100 in all),
    6 STRETCH (3 points each), 4 VETO."""
    rows = []
    for unit in unit_rows:
        for n in range(TARGETS_PER_UNIT):
            if n < 18:
                kind, measure, points = "base", "quantitative", "5"
            elif n < 20:
                kind, measure, points = "base", "qualitative", "5"
            elif n < 26:
                kind, measure, points = "stretch", "quantitative", "3"
            else:
                kind, measure, points = "veto", "qualitative", "0"
            direction = "lower" if n % 7 == 3 and measure == "quantitative" else "higher"
            agreed = "" if measure == "qualitative" else str(rng.randrange(50, 500))
            rows.append({
                "code": f"{unit['code']}-{n:02d}", "unit_code": unit["code"], "year": str(YEAR),
                "title": f"目标{n:02d}", "category": "economy", "kind": kind, "measure": measure,
                "direction": direction, "unit_of_measure": "项", "baseline": agreed, "agreed_value": agreed,
                "points": points, "benchmark_city": "", "benchmark_value": "",
                "assessing_department": f"D{n % 12:02d}", "parent_code": "",
            })
    return rows


def certifications(target_rows: list[dict[str, str]], rng: random.Random) -> list[dict[str, str]]:
    rows = []
    for t in target_rows:
        if rng.random() < 0.01:
            continue  # a few targets stay uncertified (r = 0, reported missing)
        if t["measure"] == "qualitative":
            completion = "1" if rng.random() < 0.9 else str(rng.choice(["0.5", "0.8", "0.95"]))
            rows.append({"target_code": t["code"], "year": str(YEAR), "actual_value": "", "completion": completion,
                         "note": ""})
        else:
            agreed = int(t["agreed_value"])
            actual = agreed + rng.randrange(-agreed // 10, agreed // 5 + 1)
            rows.append({"target_code": t["code"], "year": str(YEAR), "actual_value": str(actual),
                         "completion": "", "note": ""})
    return rows


def ballots(unit_rows: list[dict[str, str]], total: int, rng: random.Random) -> list[dict[str, str]]:
    """Exactly `total` ballot rows, spread round-robin over the units and five voter groups."""
    rows = []
    for n in range(total):
        unit = unit_rows[n % len(unit_rows)]
        counts = [rng.randrange(0, 8), rng.randrange(0, 5), rng.randrange(0, 3), rng.randrange(0, 2)]
        rows.append({"unit_code": unit["code"], "year": str(YEAR),
                     "voter_group": VOTER_GROUPS[(n // len(unit_rows)) % 5],
                     "excellent": str(counts[0]), "good": str(counts[1]), "fair": str(counts[2]),
                     "poor": str(counts[3])})
    rows.sort(key=lambda r: r["unit_code"])
    return rows


def inspections(unit_rows: list[dict[str, str]], rng: random.Random) -> list[dict[str, str]]:
    return [{"unit_code": u["code"], "year": str(YEAR), "inspector": f"第{k + 1}检查组",
             "score": f"{rng.randrange(6000, 10000) / 100:.2f}"} for u in unit_rows for k in range(3)]


def grassroots(unit_rows: list[dict[str, str]], rng: random.Random) -> list[dict[str, str]]:
    return [{"unit_code": u["code"], "year": str(YEAR), "satisfied": str(rng.randrange(50, 200)),
             "basically_satisfied": str(rng.randrange(0, 60)), "dissatisfied": str(rng.randrange(0, 20))}
            for u in unit_rows]


def chunks(rows: list[dict[str, str]], key: str, size: int) -> Iterator[list[dict[str, str]]]:
    """Chunks of about `size` rows that never split the rows of one `key` value."""
    chunk: list[dict[str, str]] = []
    for row in rows:
        if len(chunk) >= size and row[key] != chunk[-1][key]:
            yield chunk
            chunk = []
        chunk.append(row)
    if chunk:
        yield chunk


def load(client: Client, file: str, rows: list[dict[str, str]], key: str, size: int = 5_000) -> None:
    spec = KNOWN[file]
    query = import_document(spec)
    for chunk in chunks(rows, key, size):
        result = client.execute(query, {"rows": to_inputs(spec, chunk)})
        if result.errors:
            raise RuntimeError(f"{file}: {result.errors[0].get('message')} "
                               f"{(result.errors[0].get('extensions') or {}).get('rowErrors', [])[:5]}")


def run_size(count: int, repeat: int) -> tuple[list[float], list[float], dict[str, int]]:
    rng = random.Random(count)
    # Loading a province takes longer than the default 10 s per subgraph call; the timed calls do not need it.
    os.environ.setdefault("MBO_SUBGRAPH_TIMEOUT", "600")
    os.environ.setdefault("MBO_UPSTREAM_TIMEOUT", "300")
    stack = started_stack()
    try:
        stack.add_user("bench", "TARGET_OFFICE")
        client = Client(stack.url, timeout=1800)
        client.sign_in("bench", PASSWORD, stack.otp("bench"))
        unit_rows = units(count)
        target_rows = targets(unit_rows, rng)
        ballot_rows = ballots(unit_rows, BALLOTS_PER_110 * count // 110, rng)
        started = time.perf_counter()
        load(client, "units.csv", unit_rows, "code")
        load(client, "targets.csv", target_rows, "unit_code")
        start = time.perf_counter()
        result = client.execute(f"mutation {{ openAssessment(year: {YEAR}) {{ snapshotTargetCount }} }}")
        assert not result.errors, result.errors
        print(f"  snapshot of {count} units opened in {time.perf_counter() - start:.1f} s", flush=True)
        load(client, "certifications.csv", certifications(target_rows, rng), "target_code")
        load(client, "ballots.csv", ballot_rows, "unit_code")
        load(client, "inspections.csv", inspections(unit_rows, rng), "unit_code")
        load(client, "grassroots.csv", grassroots(unit_rows, rng), "unit_code")
        print(f"  {count} units loaded in {time.perf_counter() - started:.1f} s", flush=True)
        computes: list[float] = []
        publishes: list[float] = []
        for attempt in range(repeat):
            if attempt:
                result = client.execute(f'mutation {{ openCorrection(year: {YEAR}, reason: "bench {attempt}") '
                                        "{ revision } }")
                assert not result.errors, result.errors
            start = time.perf_counter()
            result = client.execute(f"mutation {{ computeAssessment(year: {YEAR}) {{ revision }} }}")
            computes.append(time.perf_counter() - start)
            assert not result.errors, result.errors
            start = time.perf_counter()
            result = client.execute(f"mutation {{ publishAssessment(year: {YEAR}) {{ revision }} }}")
            publishes.append(time.perf_counter() - start)
            assert not result.errors, result.errors
        client.close()
        return computes, publishes, {"units": count, "targets": len(target_rows), "ballots": len(ballot_rows)}
    finally:
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, nargs="+", default=[110, 1100])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(machine())
    rows = []
    totals: dict[int, float] = {}
    for count in args.units:
        computes, publishes, sizes = run_size(count, args.repeat)
        compute, publish = statistics.median(computes), statistics.median(publishes)
        totals[count] = compute + publish
        rows.append([sizes["units"], sizes["targets"], sizes["ballots"], f"{compute * 1000:.0f}",
                     f"{publish * 1000:.0f}", f"{(compute + publish) * 1000:.0f}"])
    print(table(f"computeAssessment + publishAssessment (median of {args.repeat}, through the gateway)",
                ["units", "targets", "ballot rows", "compute ms", "publish ms", "total ms"], rows))
    if len(totals) >= 2:
        small, large = min(totals), max(totals)
        print(f"\nratio {large} / {small} units: {totals[large] / totals[small]:.1f} "
              f"(inputs grow {large / small:.0f}×; close to that means linear)")


if __name__ == "__main__":
    main()
