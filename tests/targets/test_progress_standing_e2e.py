"""The lagging count from the stored standing of the year (services.targets.standing): the same numbers as the
lagging list on every day, kept current by each report, correction and batch, and computed again after any
other change."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.support.audit import store_rows
from tests.targets.harness import JA_OP, JH_OP, LEADER, Api, loaded_ok, target_row, write_targets

YEAR = 2033
ASKED = """query($d: Date!, $unit: String) {
  laggingTargets(year: 2033, asOf: $d, unitCode: $unit) { code status }
  laggingCount(year: 2033, asOf: $d, unitCode: $unit) { lagging atRisk } }"""
COUNT = """query($d: Date!, $unit: String) { laggingCount(year: 2033, asOf: $d, unitCode: $unit) { lagging atRisk } }"""
REPORT = """mutation($code: String!, $actual: Decimal!, $asOf: Date!, $period: String!, $version: Int) {
  reportProgress(year: 2033, code: $code, period: $period, asOf: $asOf, actualToDate: $actual, version: $version) {
    version } }"""
BATCH = """mutation($r: [ProgressReportInput!]!) { reportProgressBatch(year: 2033, reports: $r) }"""
AFTER = "2033-10-31"  # after every report below
BEFORE = "2033-06-30"  # before the September reports


def rows(*more: list[str]) -> list[list[str]]:
    return [target_row("S-01", "JA", points="70", value="100", year="2033"),
            target_row("S-01-D1", "JA", parent="S-01", value="60", year="2033"),
            target_row("S-01-D2", "JA", parent="S-01", value="40", year="2033"),
            target_row("S-02", "JA", points="30", value="", baseline="", measure="qualitative", year="2033"),
            target_row("S-JH", "JH", points="100", value="10", year="2033"), *more]


@pytest.fixture(scope="module")
def year(api: Api, tmp_path_factory: pytest.TempPathFactory) -> Api:
    loaded_ok(api, api.load(write_targets(tmp_path_factory.mktemp("t2033"), rows())))
    api.ok(REPORT, {"code": "S-01-D1", "actual": "20", "asOf": "2033-06-30", "period": "2033-H1"}, who=JA_OP)
    api.ok(REPORT, {"code": "S-02", "actual": "0.5", "asOf": "2033-09-30", "period": "2033-Q3"}, who=JA_OP)
    return api


def rows_of(api: Api, statement: str) -> list[dict[str, Any]]:
    return store_rows(api.stack.data_dir, next((d for d in api.stack.dsns if d.endswith("_targets")), None),
                      "targets", statement)


def year_fingerprint(api: Api) -> str:
    found = []
    for table in ("target", "progress_report"):
        row = rows_of(api, f"SELECT COUNT(id) AS n, MAX(id) AS top, SUM(version) AS v FROM {table} "
                           f"WHERE year = {YEAR}")[0]
        found += [int(row["n"] or 0), int(row["top"] or 0), int(row["v"] or 0)]
    return ",".join(str(n) for n in found)


def stamp(api: Api) -> str | None:
    found = rows_of(api, f"SELECT fingerprint FROM progress_standing WHERE year = {YEAR}")
    return str(found[0]["fingerprint"]) if found else None


def stored_targets(api: Api) -> int:
    return int(rows_of(api, f"SELECT SUM(target_count) AS n FROM unit_progress WHERE year = {YEAR}")[0]["n"] or 0)


def agrees(api: Api, day: str, unit: str | None = None, who: tuple[str, list[str], str | None] = LEADER) -> dict:
    """The count alone (asked first: nothing kept) equals the statuses of the list on that day."""
    alone = api.ok(COUNT, {"d": day, "unit": unit}, who=who)["laggingCount"]
    both = api.ok(ASKED, {"d": day, "unit": unit}, who=who)
    statuses = Counter(t["status"] for t in both["laggingTargets"])
    assert alone == both["laggingCount"] == {"lagging": statuses["LAGGING"], "atRisk": statuses["AT_RISK"]}
    return alone


def test_the_first_count_after_the_latest_report_stores_the_standing(year: Api) -> None:
    assert stamp(year) is None
    counted = agrees(year, AFTER)
    assert stamp(year) == year_fingerprint(year)
    assert stored_targets(year) == 5  # every tracked target, parents included
    # S-01-D1 20/60, S-01-D2 nothing, S-01 their mean 1/6, S-02 0.5, S-JH nothing: all behind 83 % of the year
    assert counted == {"lagging": 0, "atRisk": 5}


def test_reports_corrections_and_batches_keep_the_standing_current(year: Api) -> None:
    agrees(year, AFTER)
    year.ok(REPORT, {"code": "S-01-D2", "actual": "40", "asOf": "2033-09-15", "period": "2033-Q3"}, who=JA_OP)
    assert stamp(year) == year_fingerprint(year)
    assert agrees(year, AFTER) == {"lagging": 1, "atRisk": 3}  # S-01-D2 done: S-01 (1/3 + 1)/2 = 2/3 lagging
    year.ok(REPORT, {"code": "S-01-D1", "actual": "60", "asOf": "2033-10-20", "period": "2033-H1", "version": 1},
            who=JA_OP)
    assert stamp(year) == year_fingerprint(year)
    assert agrees(year, AFTER) == {"lagging": 0, "atRisk": 2}  # S-01 and its parts done; S-02 0.5 of 0.83
    batch = [{"code": "S-02", "period": "2033-10", "asOf": "2033-10-25", "actualToDate": "0.6"},
             {"code": "S-JH", "period": "2033-10", "asOf": "2033-10-25", "actualToDate": "7"}]
    assert year.ok(BATCH, {"r": batch[:1]}, who=JA_OP)["reportProgressBatch"] == 1
    assert year.ok(BATCH, {"r": batch[1:]}, who=JH_OP)["reportProgressBatch"] == 1
    assert stamp(year) == year_fingerprint(year)
    assert agrees(year, AFTER) == {"lagging": 2, "atRisk": 0}  # S-02 0.6, S-JH 0.7 of 0.83
    assert stored_targets(year) == 5


def test_a_units_count_and_a_day_before_the_latest_report_agree_with_the_list(year: Api) -> None:
    agrees(year, AFTER, "JH")
    agrees(year, AFTER, None, who=JH_OP)
    agrees(year, AFTER, "JA")
    agrees(year, BEFORE)  # the September and October reports do not count yet
    agrees(year, BEFORE, "JA")


def test_any_other_change_has_the_next_count_compute_the_year_again(year: Api, tmp_path: Path) -> None:
    agrees(year, AFTER)
    loaded_ok(year, year.load(write_targets(tmp_path, rows(target_row("S-01-D3", "JA", parent="S-01", year="2033")))))
    assert stamp(year) != year_fingerprint(year)
    assert agrees(year, AFTER) == {"lagging": 3, "atRisk": 1}  # S-01-D3 nothing reported: S-01 now 2/3
    assert stored_targets(year) == 6
    assert stamp(year) == year_fingerprint(year)
