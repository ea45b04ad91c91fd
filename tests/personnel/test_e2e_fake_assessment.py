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

from tests.personnel.test_service_apply import APPLY
from tests.personnel.test_service_fixtures import FakeUpstream
from tests.support.audit import audit_rows
from tests.support.bundles import UNITS, people_for, write_skeleton_bundle
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
