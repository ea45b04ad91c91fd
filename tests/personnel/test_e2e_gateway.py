"""The whole chain through the gateway: a generated year bundle → computeAssessment → publishAssessment →
applyResults → reward lines, honours, filing records and leader adjustments that follow §4.3 from the
published grades. Runs on SQLite and (MBO_TEST_DB=postgres) PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from mbo.generate import generate
from tests.support.stack import PASSWORD, RunningStack

YEAR = 2026
STAFF = """{ units { code staff { staffNo leadershipMember mainLeaderRole onEstablishment monthlySalary
  bonusStandard } } }"""
RESULTS = "query($y: Int!) { assessment(year: $y) { status results { unit { code } grade rank compositeScore } } }"
APPLY = """mutation($y: Int!) { applyResults(year: $y) { year revision people rewardLines filingRecords
  leaderAdjustments honours changed unchanged } }"""
LINES = """query($y: Int!, $after: String) { rewardLines(year: $y, first: 1000, after: $after) {
  edges { node { person { staffNo } unit { code } grade bonusPaid bonusForfeited extraSalary total } }
  pageInfo { hasNextPage endCursor } } }"""


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)


@pytest.fixture(scope="module")
def published(stack: RunningStack, tmp_path_factory: pytest.TempPathFactory) -> RunningStack:
    stack.add_user("office", "TARGET_OFFICE")
    bundle = Path(tmp_path_factory.mktemp("bundle"))
    generate(bundle, year=YEAR, people_per_unit=6)
    env = {**os.environ, **stack.client_env("office", PASSWORD)}
    done = subprocess.run([sys.executable, "-m", "mbo.cli", "import", str(bundle)], env=env, text=True,
                          capture_output=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    with stack.client("office") as client:
        for mutation in ("computeAssessment", "publishAssessment"):
            result = client.execute(f"mutation($y: Int!) {{ {mutation}(year: $y) {{ status }} }}", {"y": YEAR})
            assert result.errors == [], result.errors
    return stack


def test_apply_follows_the_published_grades(published: RunningStack) -> None:
    with published.client("office") as client:
        grades = {r["unit"]["code"]: r["grade"] for r in
                  client.execute(RESULTS, {"y": YEAR}).data["assessment"]["results"]}
        people = {p["staffNo"]: (u["code"], p) for u in client.execute(STAFF).data["units"] for p in u["staff"]}
        report = client.execute(APPLY, {"y": YEAR})
        assert report.errors == []
        assert report.data["applyResults"]["people"] == len(people)
        lines, after = {}, None
        while True:
            page = client.execute(LINES, {"y": YEAR, "after": after}).data["rewardLines"]
            lines.update({e["node"]["person"]["staffNo"]: e["node"] for e in page["edges"]})
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        again = client.execute(APPLY, {"y": YEAR}).data["applyResults"]
    assert set(lines) == set(people)
    for staff_no, (unit, p) in people.items():
        grade = grades[unit]
        leader = p["leadershipMember"] or p["mainLeaderRole"] is not None
        share = Decimal(1) if grade in {"ADVANCED", "QUALIFIED"} else Decimal(0) if leader else Decimal("0.6")
        paid = cents(Decimal(p["bonusStandard"]) * share)
        extra = cents(Decimal(p["monthlySalary"])) if grade == "ADVANCED" and p["onEstablishment"] else Decimal(0)
        line = lines[staff_no]
        assert line["grade"] == grade
        assert (Decimal(line["bonusPaid"]), Decimal(line["extraSalary"]), Decimal(line["total"])) == (
            paid, extra, paid + extra), staff_no
    assert again["changed"] == 0


def test_consequences_match_the_grades(published: RunningStack) -> None:
    with published.client("office") as client:
        grades = {r["unit"]["code"]: r["grade"] for r in
                  client.execute(RESULTS, {"y": YEAR}).data["assessment"]["results"]}
        result = client.execute("""query($y: Int!) {
            filingRecords(year: $y, first: 1000) { edges { node { unit { code } grade status } } }
            leaderAdjustments(year: $y) { unit { code } status }
            honours(year: $y) { kind title unit { code } } }""", {"y": YEAR})
    assert result.errors == []
    forms = [e["node"] for e in result.data["filingRecords"]["edges"]]
    assert forms and all(grades[f["unit"]["code"]] in {"ADVANCED", "UNQUALIFIED", "LAST_PLACE"} for f in forms)
    assert {f["unit"]["code"] for f in forms} == {c for c, g in grades.items() if g != "QUALIFIED"}
    assert {c["unit"]["code"] for c in result.data["leaderAdjustments"]} == {
        c for c, g in grades.items() if g == "LAST_PLACE"}
    unit_titles = {h["unit"]["code"] for h in result.data["honours"] if h["kind"] == "UNIT"}
    assert unit_titles == {c for c, g in grades.items() if g == "ADVANCED"}
