"""What the argument checks (kernel.validation.check_request) cost per request, in process, without a server:
a typical query, a typical mutation with an input object, and a city's targets.csv as one importTargets
(16,500 rows of 20 cells, every cell scanned for control characters).

Run: .venv/bin/python bench/input_checks.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import time

from common import machine, percentile, table
from graphql import parse

from kernel.validation import InputLimits, check_request
from services.targets.schema import schema

QUERY = "query($d: Date!, $u: String) { laggingTargets(year: 2026, asOf: $d, unitCode: $u) { code } }"
MUTATION = """mutation($c: [ChildTargetInput!]!) { decomposeTarget(year: 2026, code: "P-01", children: $c) { code } }"""
IMPORT = "mutation($r: [JSON!]!) { importTargets(rows: $r) { created } }"


def target_rows(count: int) -> list[dict[str, object]]:
    return [{"row": i + 2, "code": f"T-{i:05d}", "unit_code": f"U{i // 150:03d}", "year": "2026",
             "title": "全市地区生产总值增长目标", "category": "economy", "kind": "base", "measure": "quantitative",
             "direction": "higher", "unit_of_measure": "亿元", "baseline": "90", "agreed_value": "100",
             "points": "1", "benchmark_city": "杭州", "benchmark_value": "98", "assessing_department": "市统计局",
             "parent_code": "", "responsible_department": "发展改革处", "responsible_leader": "U001-0001",
             "assignee": ""} for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    graphql_schema = schema._schema
    limits = InputLimits.for_service("targets")
    children = [{"code": f"P-01-D{i}", "title": "分解目标", "value": "10", "responsibleDepartment": "一处"}
                for i in range(10)]
    cases = [("laggingTargets (query, 2 variables)", QUERY, {"d": "2026-06-30", "u": "JA"}, 200 * args.repeat),
             ("decomposeTarget (10 children)", MUTATION, {"c": children}, 50 * args.repeat),
             ("importTargets, 16,500 rows", IMPORT, {"r": target_rows(16_500)}, max(3, args.repeat // 4))]
    rows = []
    for name, document, variables, repeat in cases:
        parsed = parse(document)
        samples = []
        for _ in range(repeat):
            start = time.perf_counter()
            refused = check_request(graphql_schema, parsed, None, variables, limits)
            samples.append(time.perf_counter() - start)
            assert refused == [], refused
        unit, scale = ("ms", 1e3) if percentile(samples, 0.5) > 1e-3 else ("µs", 1e6)
        rows.append([name, repeat, f"{percentile(samples, 0.5) * scale:.1f} {unit}",
                     f"{percentile(samples, 0.95) * scale:.1f} {unit}"])
    print(table(f"Argument checks per request ({machine()})", ["request", "runs", "p50", "p95"], rows))


if __name__ == "__main__":
    main()
