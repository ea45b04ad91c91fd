"""applyResults end to end on the real stack, with the assessment service's `publishedRevision` answered by a
small real HTTP server on loopback that forwards everything else to the real assessment service.

The people come in through the gateway with `mbo import`; applyResults reads the published revision over HTTP
with the service token; the results are read back from the personnel service and through the gateway.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import httpx
import pytest

from tests.personnel.service_fixtures import FakeUpstream
from tests.personnel.test_service_apply import APPLY
from tests.support.audit import audit_rows
from tests.support.bundles import UNITS, people_for, write_csv, write_skeleton_bundle
from tests.support.stack import PASSWORD, RunningStack

GRADES = {"JA": "ADVANCED", "JH": "QUALIFIED", "QK": "UNQUALIFIED", "FGW": "LAST_PLACE", "CZJ": "QUALIFIED"}
LINES = """{ rewardLines(year: 2026, first: 100) { edges { node { person { staffNo name } unit { code } grade
  bonusPaid bonusForfeited extraSalary total rule } } pageInfo { hasNextPage } } }"""


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningStack, FakeUpstream]]:
    upstream = FakeUpstream().start()
    stack = RunningStack(Path(tmp_path_factory.mktemp("stack")))
    upstream.state.forward_to = f"http://127.0.0.1:{stack.stack.ports()['assessment']}/graphql"
    stack.stack.env["MBO_ASSESSMENT_URL"] = upstream.url
    stack.start()
    try:
        stack.add_user("office", "TARGET_OFFICE")
        bundle = write_skeleton_bundle(tmp_path_factory.mktemp("bundle"))
        env = {**os.environ, **stack.client_env("office", PASSWORD)}
        done = subprocess.run([sys.executable, "-m", "mbo.cli", "import", str(bundle)], env=env, text=True,
                              capture_output=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        yield stack, upstream
    finally:
        stack.stop()
        upstream.stop()


def direct(stack: RunningStack, query: str, variables: dict | None = None, role: str = "TARGET_OFFICE",
           unit: str | None = None) -> dict:
    token = stack.token("office", [role], unit)
    return httpx.post(f"{stack.service_url('personnel')}/graphql", json={"query": query, "variables": variables or {}},
                      headers={"Authorization": f"Bearer {token}"}, timeout=60).json()


def test_refused_while_nothing_is_published(running: tuple[RunningStack, FakeUpstream]) -> None:
    stack, _ = running
    answer = direct(stack, APPLY, {"y": 2026})
    assert answer["errors"][0]["extensions"]["code"] == "CONFLICT"
    assert "nothing is published for 2026" in answer["errors"][0]["message"]


def test_apply_produces_every_line_by_the_rules(running: tuple[RunningStack, FakeUpstream]) -> None:
    stack, upstream = running
    upstream.publish(2026, 1, GRADES, names={code: name for code, name, *_ in UNITS})
    answer = direct(stack, APPLY, {"y": 2026})
    assert "errors" not in answer, answer
    report = answer["data"]["applyResults"]
    assert (report["people"], report["rewardLines"], report["leaderAdjustments"]) == (15, 15, 2)
    assert report["filingRecords"] == 6 and report["honours"] == 3
    lines = {e["node"]["person"]["staffNo"]: e["node"] for e in direct(stack, LINES)["data"]["rewardLines"]["edges"]}
    for staff_no, _name, unit, _pos, member, role, established, salary, bonus in people_for(UNITS):
        line, grade = lines[staff_no], GRADES[unit]
        leader = member == "yes" or bool(role)
        share = Decimal(1) if grade in {"ADVANCED", "QUALIFIED"} else Decimal(0) if leader else Decimal("0.6")
        paid = cents(Decimal(bonus) * share)
        extra = Decimal(salary) if grade == "ADVANCED" and established == "yes" else Decimal(0)
        assert (line["grade"], Decimal(line["bonusPaid"]), Decimal(line["bonusForfeited"]),
                Decimal(line["extraSalary"]), Decimal(line["total"])) == (
            grade, paid, Decimal(bonus) - paid, cents(extra), paid + cents(extra)), staff_no
    assert "publishedRevision" in upstream.state.calls


def test_reapplying_is_idempotent_and_audited(running: tuple[RunningStack, FakeUpstream]) -> None:
    stack, _ = running
    before = direct(stack, LINES)
    report = direct(stack, APPLY, {"y": 2026})["data"]["applyResults"]
    assert (report["created"], report["changed"], report["withdrawn"]) == (0, 0, 0)
    assert direct(stack, LINES) == before
    rows = [r for r in audit_rows(stack.data_dir, stack.dsns, "personnel") if r["action"] == "applyResults"]
    assert [r["success"] for r in rows] == [False, True, True]


def test_filings_and_adjustments_through_the_gateway(running: tuple[RunningStack, FakeUpstream]) -> None:
    stack, _ = running
    with stack.client("office") as client:
        result = client.execute("""{ filingRecords(year: 2026) { edges { node { person { staffNo name }
            unit { code name } grade status } } }
            leaderAdjustments(year: 2026) { person { staffNo } unit { code name } status } }""")
    assert result.errors == []
    forms = {e["node"]["person"]["staffNo"]: e["node"] for e in result.data["filingRecords"]["edges"]}
    assert sorted(forms) == ["FGW-001", "FGW-002", "JA-001", "JA-002", "QK-001", "QK-002"]
    assert forms["JA-001"]["unit"] == {"code": "JA", "name": "江岸区"}
    assert sorted(c["person"]["staffNo"] for c in result.data["leaderAdjustments"]) == ["FGW-001", "FGW-002"]


def test_transfers_imported_with_mbo_import_decide_the_lines_through_the_gateway(
        running: tuple[RunningStack, FakeUpstream], tmp_path: Path) -> None:
    stack, upstream = running
    write_csv(tmp_path / "moves" / "transfers.csv",
              ["staff_no", "unit_code", "position", "leadership_member", "main_leader_role", "effective_date"],
              [["JH-001", "JA", "副区长", "yes", "", "2026-10-01"], ["QK-003", "", "", "", "", "2026-11-16"]])
    env = {**os.environ, **stack.client_env("office", PASSWORD)}
    done = subprocess.run([sys.executable, "-m", "mbo.cli", "import", str(tmp_path / "moves")], env=env, text=True,
                          capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    upstream.publish(2026, 2, GRADES, names={code: name for code, name, *_ in UNITS}, reason="一次性奖励",
                     unit_award="300000", leader_award="60000",
                     adjustments={"FGW": [("-2.00", "安全事故", "发生较大安全生产事故")]})
    with stack.client("office") as client:
        applied = client.execute("mutation { applyResults(year: 2026) { revision unitAwards } }")
        assert applied.errors == [] and applied.data["applyResults"] == {"revision": 2, "unitAwards": 1}
        found = client.execute("""{ rewardLines(year: 2026, first: 100) { edges { node { person { staffNo }
              unit { code } grade extraSalary oneTimeAward total ruleCode } } }
            unitAwards(year: 2026) { unit { code name } amount title }
            person(staffNo: "JH-001") { unit { code } unitHistory { unit { code name } position since until } }
            filingRecords(year: 2026) { edges { node { person { staffNo } adjustmentPoints
              adjustments { points category reason } } } } }""")
    assert found.errors == []
    lines = {e["node"]["person"]["staffNo"]: e["node"] for e in found.data["rewardLines"]["edges"]}
    # JH's party secretary became a deputy of the advanced JA on 1 October: 30000.50 + 8000.00, no award
    assert lines["JH-001"] == {"person": {"staffNo": "JH-001"}, "unit": {"code": "JA"}, "grade": "ADVANCED",
                               "extraSalary": "8000.00", "oneTimeAward": "0.00", "total": "38000.50",
                               "ruleCode": "ADVANCED_ON_ESTABLISHMENT"}
    # JA's party secretary: 30000.50 + 8000.00 + 60000.00
    assert (lines["JA-001"]["oneTimeAward"], lines["JA-001"]["total"]) == ("60000.00", "98000.50")
    assert (lines["QK-003"]["ruleCode"], lines["QK-003"]["total"]) == ("NO_STINT", "0.00")
    assert found.data["unitAwards"] == [{"unit": {"code": "JA", "name": "江岸区"}, "amount": "300000.00",
                                         "title": "武汉市年度目标管理先进单位"}]
    assert found.data["person"]["unitHistory"] == [
        {"unit": {"code": "JH", "name": "江汉区"}, "position": "党组书记", "since": None, "until": "2026-09-30"},
        {"unit": {"code": "JA", "name": "江岸区"}, "position": "副区长", "since": "2026-10-01", "until": None}]
    forms = {e["node"]["person"]["staffNo"]: e["node"] for e in found.data["filingRecords"]["edges"]}
    assert forms["FGW-001"]["adjustmentPoints"] == "-2.00"
    assert forms["FGW-001"]["adjustments"] == [{"points": "-2.00", "category": "安全事故",
                                                "reason": "发生较大安全生产事故"}]
