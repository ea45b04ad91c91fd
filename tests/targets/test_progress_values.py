"""Which progress values are legal, and a second report for a period as a versioned correction (docs/targets.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest

from services.targets.models import Direction
from services.targets.rules import completion, negative_actual_refusal
from tests.support.audit import audit_rows
from tests.support.stack import database_env, drop_databases
from tests.targets.harness import JA_OP, Api, loaded_ok, target_row, write_targets

REPORT = """mutation($code: String!, $actual: Decimal!, $period: String!, $version: Int) {
  reportProgress(year: 2027, code: $code, period: $period, asOf: "2027-06-30", actualToDate: $actual,
                 version: $version) { period actualToDate version } }"""
STATE = """query($code: String!) { target(year: 2027, code: $code) {
  progress(asOf: "2027-06-30") { progress actualToDate } progressReports { period actualToDate version } } }"""
HIGHER, LOWER = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER


def row(code: str, *, unit_of_measure: str, direction: str, value: str, baseline: str) -> list[str]:
    cells = target_row(code, "JA", points="20", value=value, baseline=baseline, direction=direction, year="2027")
    cells[8] = unit_of_measure
    return cells


@pytest.fixture(scope="module")
def targets(api: Api, tmp_path_factory: pytest.TempPathFactory) -> Api:
    rows = [row("GDP", unit_of_measure="%", direction="higher", value="6.5", baseline="6"),
            row("ENERGY", unit_of_measure="%", direction="lower", value="-3", baseline="0"),
            row("NET-LAND", unit_of_measure="公顷", direction="lower", value="10", baseline="12"),
            row("INVEST", unit_of_measure="亿元", direction="higher", value="100", baseline="90"),
            row("DEFICIT", unit_of_measure="亿元", direction="higher", value="-2", baseline="-5")]
    loaded_ok(api, api.load(write_targets(tmp_path_factory.mktemp("t2027"), rows)))
    return api


def report(api: Api, code: str, actual: str, period: str = "2027-H1", version: int | None = None) -> dict:
    return api.call(REPORT, {"code": code, "actual": actual, "period": period, "version": version}, who=JA_OP)


def state(api: Api, code: str) -> dict:
    return api.ok(STATE, {"code": code}, who=JA_OP)["target"]


# ---- the rules, without a server -------------------------------------------------------------------


@pytest.mark.parametrize(("direction", "agreed", "actual", "expected"), [
    (HIGHER, "100", "30", "0.3"),      # cumulative amount: actual / agreed
    (HIGHER, "6.5", "-1.2", "0"),      # a growth rate below zero: none of the target yet
    (LOWER, "10", "-2", "1"),          # a cap, and the quantity fell: under the cap, not 0 %
    (LOWER, "10", "20", "0.5"),        # a cap overshot: agreed / actual
    (LOWER, "-3", "-2.5", "0.8333"),   # a reduction of 3 %, 2.5 % achieved
    (LOWER, "-3", "-3.5", "1"),        # more than the reduction
    (LOWER, "-3", "1", "0"),           # it grew instead
    (HIGHER, "-2", "-4", "0.5"),       # a deficit no worse than −2: −4 is half-way
    (HIGHER, "-2", "0", "1"),          # no deficit at all
    (LOWER, "0", "0", "1"),            # zero accidents, none happened
    (LOWER, "0", "3", "0"),            # zero accidents, three happened
    (HIGHER, "0", "0", "1"),
])
def test_completion_in_every_direction_and_sign(direction: Direction, agreed: str, actual: str,
                                                expected: str) -> None:
    share = completion(True, direction, Decimal(agreed), Decimal(actual))
    assert share.quantize(Decimal("0.0001")) == Decimal(expected).quantize(Decimal("0.0001"))


@pytest.mark.parametrize(("direction", "unit", "agreed", "baseline", "legal"), [
    (HIGHER, "亿元", "100", "90", False),
    (HIGHER, "个", "5", None, False),
    (HIGHER, "%", "6.5", "6", True),
    (HIGHER, "个百分点", "1", "0", True),
    (HIGHER, "‰", "2", "3", True),
    (LOWER, "公顷", "10", "12", True),
    (HIGHER, "亿元", "-2", "-5", True),
    (HIGHER, "亿元", "3", "-1", True),
])
def test_which_targets_take_a_negative_actual(direction: Direction, unit: str, agreed: str, baseline: str | None,
                                              legal: bool) -> None:
    refusal = negative_actual_refusal(True, direction, unit, Decimal(agreed),
                                      Decimal(baseline) if baseline else None, Decimal("-1"))
    assert (refusal is None) == legal
    assert negative_actual_refusal(True, direction, unit, Decimal(agreed), None, Decimal("0")) is None


def test_a_qualitative_target_takes_a_completion_between_0_and_1() -> None:
    assert negative_actual_refusal(False, HIGHER, "", None, None, Decimal("0.5")) is None
    assert "between 0 and 1" in (negative_actual_refusal(False, HIGHER, "", None, None, Decimal("-0.1")) or "")
    assert negative_actual_refusal(False, HIGHER, "", None, None, Decimal("1.01")) is not None


# ---- through the gateway -----------------------------------------------------------------------------


def test_negative_actuals_where_they_make_sense(targets: Api) -> None:
    assert report(targets, "GDP", "-1.2").get("errors") is None
    assert report(targets, "ENERGY", "-2.5").get("errors") is None
    assert report(targets, "NET-LAND", "-2").get("errors") is None
    assert report(targets, "DEFICIT", "-4").get("errors") is None
    assert state(targets, "GDP")["progress"] == {"progress": "0.0000", "actualToDate": "-1.2"}
    assert state(targets, "ENERGY")["progress"] == {"progress": "0.8333", "actualToDate": "-2.5"}
    assert state(targets, "NET-LAND")["progress"] == {"progress": "1.0000", "actualToDate": "-2"}
    assert state(targets, "DEFICIT")["progress"] == {"progress": "0.5000", "actualToDate": "-4"}


def test_a_negative_amount_is_refused_with_the_reason_and_nothing_is_stored(targets: Api) -> None:
    errors = report(targets, "INVEST", "-5")["errors"]
    assert errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "actualToDate"}
    assert "below zero is not possible" in errors[0]["message"] and "亿元" in errors[0]["message"]
    assert state(targets, "INVEST")["progressReports"] == []


def test_a_second_report_for_the_period_is_a_versioned_correction(targets: Api) -> None:
    first = report(targets, "INVEST", "30", period="2027-Q2")["data"]["reportProgress"]
    assert first == {"period": "2027-Q2", "actualToDate": "30", "version": 1}
    again = report(targets, "INVEST", "0", period="2027-Q2")["errors"][0]
    assert again["extensions"] == {"code": "CONFLICT", "field": "version", "currentVersion": 1}
    corrected = report(targets, "INVEST", "35", period="2027-Q2", version=1)["data"]["reportProgress"]
    assert corrected == {"period": "2027-Q2", "actualToDate": "35", "version": 2}
    stale = report(targets, "INVEST", "40", period="2027-Q2", version=1)["errors"][0]
    assert stale["extensions"] == {"code": "CONFLICT", "field": "version", "currentVersion": 2}
    missing = report(targets, "INVEST", "40", period="2027-Q3", version=1)["errors"][0]
    assert missing["extensions"] == {"code": "NOT_FOUND", "field": "version"}
    now = state(targets, "INVEST")
    assert now["progressReports"] == [{"period": "2027-Q2", "actualToDate": "35", "version": 2}]
    assert now["progress"] == {"progress": "0.3500", "actualToDate": "35"}
    entries = [e for e in audit_rows(targets.stack.data_dir, targets.stack.dsns, "targets")
               if e["action"] == "reportProgress" and e["entity_id"] == "2027:INVEST:2027-Q2"]
    assert [e["success"] for e in entries] == [True, False, True, False]


def test_parallel_corrections_of_one_version_let_exactly_one_through(targets: Api) -> None:
    report(targets, "GDP", "1.0", period="2027-05")
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda v: report(targets, "GDP", v, period="2027-05", version=1),
                                ["1.1", "1.2", "1.3", "1.4"]))
    won = [a["data"]["reportProgress"] for a in answers if not a.get("errors")]
    lost = [a["errors"][0]["extensions"]["code"] for a in answers if a.get("errors")]
    assert len(won) == 1 and won[0]["version"] == 2 and lost == ["CONFLICT"] * 3
    reports = [r for r in state(targets, "GDP")["progressReports"] if r["period"] == "2027-05"]
    assert reports == [won[0]]


# ---- existing duplicates are merged by the migration (0004) -------------------------------------------

BEFORE_0004 = r'''
import asyncio, sys
from tortoise import Tortoise
from tortoise.migrations.api import migrate
from kernel.db import ensure_database, tortoise_config
from services.targets.app import MIGRATIONS, MODELS

async def main(dsn: str) -> None:
    config = tortoise_config("targets", dsn, MODELS, MIGRATIONS)
    await ensure_database(dsn)
    await migrate(config=config, target="targets.0003_client_request_id")
    await Tortoise.close_connections()
    await Tortoise.init(config=config)
    connection = Tortoise.get_connection("default")
    for target, period, actual in [(1, "H1", 10), (1, "H1", 0), (1, "H1", 12), (1, "Q3", 20), (2, "H1", 5)]:
        await connection.execute_query(
            "INSERT INTO progress_report (target_id, year, period, as_of, actual_to_date, note, evidence, reporter, at)"
            f" VALUES ({target}, 2026, '{period}', '2026-06-30', {actual}, '', '', 'op', CURRENT_TIMESTAMP)")
    await Tortoise.close_connections()
    await migrate(config=config)
    await Tortoise.init(config=config)
    rows = await Tortoise.get_connection("default").execute_query_dict(
        "SELECT target_id, period, actual_to_date, version FROM progress_report ORDER BY target_id, period")
    print(sorted((r["target_id"], r["period"], str(float(r["actual_to_date"])), r["version"]) for r in rows))
    await Tortoise.close_connections()

asyncio.run(main(sys.argv[1]))
'''


def test_reports_made_twice_for_a_period_are_merged_into_the_latest(tmp_path: Path) -> None:
    env, dsns = database_env()
    dsn = env.get("MBO_TARGETS_DSN") or f"sqlite://{tmp_path / 'targets.sqlite3'}"
    try:
        done = subprocess.run([sys.executable, "-c", BEFORE_0004, dsn], capture_output=True, text=True,
                              env={**os.environ, **env}, check=False, timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == str([(1, "H1", "12.0", 3), (1, "Q3", "20.0", 1), (2, "H1", "5.0", 1)])
    finally:
        drop_databases(dsns)
