"""A city's targets: 110 units × 30 top-level targets × 2 levels of decomposition (16,500 targets).

Prints the import time of targets.csv, one unit's whole tree, `laggingTargets` over the whole city, a change of
a target's assignee (checked against personnel: the person must be staff of the target's unit), and one unit's
tree in a city of 11 units against one of 110 (it must not grow with the number of units).

Run: .venv/bin/python bench/targets_city.py [--repeat 30]
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

import httpx
from common import access_token, machine, mbo_import, summary, table, timed

from mbo.generate import city_units
from tests.support.bundles import write_csv as write
from tests.support.stack import PASSWORD, RunningStack

TOPS = 30
HEADER = ["code", "unit_code", "year", "title", "category", "kind", "measure", "direction", "unit_of_measure",
          "baseline", "agreed_value", "points", "benchmark_city", "benchmark_value", "assessing_department",
          "parent_code", "responsible_department", "responsible_leader", "assignee"]
CATEGORIES = ["economy", "reform", "industry", "rural", "social", "party-building"]
TREE = """query($code: ID!) { unit(code: $code) { code targets(year: 2026) {
  code title kind points agreedValue status uncoveredGap responsibleLeader { staffNo }
  children { code agreedValue uncoveredGap children { code agreedValue assignee { staffNo } } } } } }"""
LAGGING = """{ laggingTargets(year: 2026, asOf: "2026-06-30") { code unitCode status progress } }"""
ASSIGN = """mutation($v: Int!, $who: String!) { updateTarget(year: 2026, code: "JAQ-01-D1-P", version: $v,
  input: {assignee: $who}) { version } }"""


def city_bundle(folder: Path, unit_count: int) -> int:
    """units.csv, people.csv (5 per unit) and targets.csv; returns the number of targets."""
    units = city_units()[:unit_count]
    folder.mkdir(parents=True, exist_ok=True)
    write(folder / "units.csv", ["code", "name", "kind", "group"], [[u.code, u.name, u.kind, u.group] for u in units])
    people = []
    for u in units:
        for i in range(1, 6):
            people.append([f"{u.code}-{i:04d}", f"职工{i}", u.code, "科员", "yes" if i <= 2 else "no",
                           "party_secretary" if i == 1 else "admin_head" if i == 2 else "", "yes", "8000.00",
                           "30000.00"])
    write(folder / "people.csv", ["staff_no", "name", "unit_code", "position", "leadership_member",
                                  "main_leader_role", "on_establishment", "monthly_salary", "bonus_standard"], people)
    rows = []
    for u in units:
        for t in range(TOPS):
            code = f"{u.code}-{t + 1:02d}"
            kind, points = ("base", "4") if t < 25 else ("stretch", "2") if t < 28 else ("veto", "0")
            value = 100 + t
            rows.append([code, u.code, "2026", f"{u.code} 指标 {t + 1}", CATEGORIES[t % 6], kind, "quantitative",
                         "higher", "亿元", str(value - 5), str(value), points, "", "", "市统计局", "",
                         "", f"{u.code}-0001", ""])
            for d in (1, 2):
                dept = f"{code}-D{d}"
                share = value // 2
                rows.append([dept, u.code, "2026", f"科室 {d}", CATEGORIES[t % 6], kind, "quantitative", "higher",
                             "亿元", "", str(share), "", "", "", "市统计局", code, f"科室{d}", "", ""])
                rows.append([f"{dept}-P", u.code, "2026", f"个人 {d}", CATEGORIES[t % 6], kind, "quantitative",
                             "higher", "亿元", "", str(share), "", "", "", "市统计局", dept, f"科室{d}", "",
                             f"{u.code}-{d + 2:04d}"])
    with (folder / "targets.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return len(rows)


def city_stack(unit_count: int) -> tuple[RunningStack, float, int, str]:
    tmp = Path(tempfile.mkdtemp(prefix="mbo-bench-targets-"))
    stack = RunningStack(tmp)
    stack.stack.env["MBO_SUBGRAPH_TIMEOUT"] = "300"
    stack.start()
    stack.add_user("bench", "TARGET_OFFICE")
    count = city_bundle(tmp / "bundle", unit_count)
    people_only = tmp / "people"
    people_only.mkdir()
    for name in ("units.csv", "people.csv"):
        (people_only / name).write_bytes((tmp / "bundle" / name).read_bytes())
    mbo_import(stack, people_only, "bench", PASSWORD)
    targets_only = tmp / "targets"
    targets_only.mkdir()
    (targets_only / "targets.csv").write_bytes((tmp / "bundle" / "targets.csv").read_bytes())
    seconds = mbo_import(stack, targets_only, "bench", PASSWORD)
    return stack, seconds, count, access_token(stack)


def tree_ms(stack: RunningStack, token: str, repeat: int, unit: str = "JAQ") -> tuple[float, float, int]:
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=120) as http:
        def once() -> dict:
            body = http.post(f"{stack.url}/graphql", json={"query": TREE, "variables": {"code": unit}}).json()
            assert not body.get("errors"), body.get("errors")
            return body
        size = sum(1 + sum(1 + len(c["children"]) for c in t["children"])
                   for t in once()["data"]["unit"]["targets"])
        p50, p95, _ = summary(timed(once, repeat))
    return p50, p95, size


def assign_ms(stack: RunningStack, token: str, repeat: int) -> tuple[float, float]:
    """updateTarget of one assignee, alternating between two staff of the unit (each checked with personnel)."""
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=120) as http:
        state = {"v": http.post(f"{stack.url}/graphql", json={"query": '{ target(year: 2026, code: "JAQ-01-D1-P") '
                                                                       "{ version } }"}).json()
                 ["data"]["target"]["version"], "n": 0}

        def once() -> None:
            state["n"] += 1
            body = http.post(f"{stack.url}/graphql", json={"query": ASSIGN, "variables": {
                "v": state["v"], "who": f"JAQ-{3 + state['n'] % 2:04d}"}}).json()
            assert not body.get("errors"), body.get("errors")
            state["v"] = body["data"]["updateTarget"]["version"]
        p50, p95, _ = summary(timed(once, repeat))
    return p50, p95


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    rows: list[list[object]] = []
    stack, seconds, count, token = city_stack(110)
    try:
        rows.append([f"import targets.csv ({count:,} targets, `mbo import` via gateway)", f"{seconds * 1000:.0f}",
                     "", "1 run"])
        p50, p95, size = tree_ms(stack, token, args.repeat)
        rows.append([f"one unit's whole tree ({size} targets), city of 110 units", f"{p50:.1f}", f"{p95:.1f}",
                     f"{args.repeat} runs"])
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=300) as http:
            def lagging() -> int:
                body = http.post(f"{stack.url}/graphql", json={"query": LAGGING}).json()
                assert not body.get("errors"), body.get("errors")
                return len(body["data"]["laggingTargets"])
            found = lagging()
            start = time.perf_counter()
            for _ in range(5):
                lagging()
            lag_ms = (time.perf_counter() - start) * 1000 / 5
        rows.append([f"laggingTargets, whole city ({found:,} lagging: no reports yet)", f"{lag_ms:.0f}", "",
                     "mean of 5"])
        p50, p95 = assign_ms(stack, token, args.repeat)
        rows.append(["updateTarget assignee (staff of the unit? asked of personnel), city of 110 units",
                     f"{p50:.1f}", f"{p95:.1f}", f"{args.repeat} runs"])
    finally:
        stack.stop()
    small, small_seconds, small_count, small_token = city_stack(11)
    try:
        p50_small, p95_small, size_small = tree_ms(small, small_token, args.repeat)
        rows.append([f"one unit's whole tree ({size_small} targets), city of 11 units", f"{p50_small:.1f}",
                     f"{p95_small:.1f}", f"{args.repeat} runs"])
        rows.append([f"import targets.csv ({small_count:,} targets, 11 units)", f"{small_seconds * 1000:.0f}", "",
                     "1 run"])
    finally:
        small.stop()
    print(table(f"Targets service: a city of 110 units × {TOPS} targets × 2 levels\nmachine: {machine()}",
                ["measure", "p50 / time ms", "p95 ms", "runs"], rows))


if __name__ == "__main__":
    main()
