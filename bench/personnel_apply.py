"""applyResults at city scale (16,000 people) and province scale (160,000), and a full incremental pull.

The real personnel service runs as its own process on a fresh database; people and the year's transfers (about
5 % of the staff move, leave or join during the year) come from the generated Wuhan bundle (mbo.generate),
imported through its GraphQL API in chunks; the published revision is served by a
small real HTTP server on loopback standing in for the assessment service (grades: 25 % advanced, 60 %
qualified, 10 % unqualified, 5 % last place). Figures: wall time of applyResults (first, re-apply, newer
revision moving 10 % of the units), peak resident memory of the personnel process during apply (VmHWM, reset
through /proc/<pid>/clear_refs before each run where the kernel allows), and pulling every filing record and
reward line with `updatedSince` in pages of 500.

Run: .venv/bin/python bench/personnel_apply.py [--sizes 16000,160000]   (MBO_TEST_DB=postgres for PostgreSQL)
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

from common import machine, table

from mbo.generate import generate
from tests.personnel.service_fixtures import FakeUpstream, PersonnelProcess
from tests.support.stack import backend

YEAR = 2026
APPLY = "mutation($y: Int!) { applyResults(year: $y) { people rewardLines filingRecords created changed unchanged } }"
PULL = """query($after: String, $first: Int) { %s(year: 2026, updatedSince: "2000-01-01T00:00:00Z", first: $first,
  after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }"""
IMPORT = "mutation($rows: [JSON!]!) { importPeople(rows: $rows) { created } }"
TRANSFERS = "mutation($rows: [JSON!]!) { importTransfers(rows: $rows) { created } }"
CHUNK = 20_000


def vm_hwm_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def reset_peak(pid: int) -> bool:
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def grade_of(index: int) -> str:
    slot = index % 20
    return "ADVANCED" if slot < 5 else "QUALIFIED" if slot < 17 else "UNQUALIFIED" if slot < 19 else "LAST_PLACE"


def csv_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [{"row": i + 2, **r} for i, r in enumerate(csv.DictReader(handle))]


def people_rows(folder: Path) -> tuple[list[str], list[dict]]:
    with (folder / "units.csv").open(encoding="utf-8") as handle:
        units = [r["code"] for r in csv.DictReader(handle)]
    return units, csv_rows(folder / "people.csv")


def pull_all(personnel: PersonnelProcess, field: str, page: int = 500) -> tuple[int, int, float]:
    after, count, pages = None, 0, 0
    start = time.perf_counter()
    while True:
        answer = personnel.gql(PULL % field, {"after": after, "first": page}, as_=("org", "ORGANIZATION_DEPT"))
        assert not answer.errors, answer.errors
        connection = answer.data[field]
        count += len(connection["edges"])
        pages += 1
        if not connection["pageInfo"]["hasNextPage"]:
            return count, pages, time.perf_counter() - start
        after = connection["pageInfo"]["endCursor"]


def run(size: int) -> list[list[object]]:
    scale, per_unit = ("city", 145) if size <= 20_000 else ("province", 146)
    folder = Path(tempfile.mkdtemp(prefix="mbo-bench-people-"))
    generate(folder, scale=scale, year=YEAR, people_per_unit=per_unit,
             files=("units.csv", "people.csv", "transfers.csv"))
    transfers = csv_rows(folder / "transfers.csv")
    units, rows = people_rows(folder)
    upstream = FakeUpstream().start()
    upstream.state.units = units
    personnel = PersonnelProcess(Path(tempfile.mkdtemp(prefix="mbo-bench-personnel-")), upstream.url).start()
    assert personnel.process is not None
    pid = personnel.process.pid
    out: list[list[object]] = []
    try:
        start = time.perf_counter()
        for first in range(0, len(rows), CHUNK):
            answer = personnel.gql(IMPORT, {"rows": rows[first:first + CHUNK]})
            assert not answer.errors, answer.errors[:1]
        out.append([f"{len(rows):,}", "import people.csv (chunks of 20,000)", f"{time.perf_counter() - start:.2f}",
                    f"{vm_hwm_kb(pid) / 1024:.0f}", ""])
        start = time.perf_counter()
        answer = personnel.gql(TRANSFERS, {"rows": transfers})
        assert not answer.errors, answer.errors[:1]
        out.append([f"{len(rows):,}", "import transfers.csv", f"{time.perf_counter() - start:.2f}",
                    f"{vm_hwm_kb(pid) / 1024:.0f}", f"{answer.data['importTransfers']['created']:,} moves"])
        grades = {code: grade_of(i) for i, code in enumerate(units)}
        upstream.publish(YEAR, 1, grades)
        revised = {code: ("ADVANCED" if g == "QUALIFIED" and i % 10 == 0 else g)
                   for i, (code, g) in enumerate(grades.items())}
        steps = (("applyResults, first", 1, grades), ("applyResults, same revision", 1, grades),
                 ("applyResults, newer revision", 2, revised))
        for label, revision, published in steps:
            upstream.publish(YEAR, revision, published, reason="bench")
            exact = reset_peak(pid)
            start = time.perf_counter()
            answer = personnel.gql(APPLY, {"y": YEAR})
            elapsed = time.perf_counter() - start
            assert not answer.errors, answer.errors
            report = answer.data["applyResults"]
            out.append([f"{len(rows):,}", label, f"{elapsed:.2f}",
                        f"{vm_hwm_kb(pid) / 1024:.0f}" + ("" if exact else " (since start)"),
                        f"lines {report['rewardLines']:,}, forms {report['filingRecords']:,}, "
                        f"created {report['created']:,}, changed {report['changed']:,}"])
        for field in ("filingRecords", "rewardLines"):
            count, pages, elapsed = pull_all(personnel, field)
            out.append([f"{len(rows):,}", f"pull all {field} (pages of 500)", f"{elapsed:.2f}", "",
                        f"{count:,} records, {pages} pages, {elapsed / pages * 1000:.0f} ms/page"])
    finally:
        personnel.stop()
        upstream.stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="16000,160000")
    args = parser.parse_args()
    rows: list[list[object]] = []
    for size in (int(s) for s in args.sizes.split(",")):
        rows += run(size)
        print(f"done {size}", file=sys.stderr, flush=True)
    print(table(f"Personnel applyResults and pulls ({backend()})\nmachine: {machine()}",
                ["people", "step", "wall s", "peak RSS MiB", "detail"], rows))


if __name__ == "__main__":
    main()
