"""End to end: a year bundle loaded with `mbo import` through the gateway, computed, published, corrected.

The stack is the real one (three services and the gateway as processes), on SQLite or on PostgreSQL
(MBO_TEST_DB=postgres). The targets come from targets.csv through the targets service's importTargets;
the assessment service snapshots them over GraphQL when the first year-end file arrives. The year is the
hand-computed scenario of test_service_assessment.py (the arithmetic is written out there).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.assessment.test_service_assessment import (
    BALLOTS,
    CERTIFICATIONS,
    EXPECTED,
    GRASSROOTS,
    INSPECTIONS,
    RESULTS,
    SETTINGS,
    TARGET_HEADER,
    TARGETS,
    UNITS,
    YEAR,
    table,
)
from tests.support.audit import audit_rows
from tests.support.bundles import people_for, write_csv
from tests.support.stack import PASSWORD, RunningStack


def write_year_bundle(folder: Path) -> Path:
    units = [(code, name.lstrip("="), kind, group) for code, name, kind, group in UNITS]
    write_csv(folder / "units.csv", ["code", "name", "kind", "group"], [list(u) for u in units])
    write_csv(folder / "people.csv",
              ["staff_no", "name", "unit_code", "position", "leadership_member", "main_leader_role",
               "on_establishment", "monthly_salary", "bonus_standard"], people_for(units, 3))
    write_csv(folder / "targets.csv", TARGET_HEADER, [
        [code, unit, str(YEAR), f"{unit}年度目标{code}", "economy", kind, measure, direction, "项",
         agreed or "", agreed, points, "", "", dept, parent]
        for code, unit, kind, measure, direction, agreed, points, dept, parent in TARGETS
    ])
    write_csv(folder / "settings.csv", ["year", "key", "value"], [[str(YEAR), k, v] for k, v in SETTINGS])
    write_csv(folder / "certifications.csv", ["target_code", "year", "actual_value", "completion", "note"],
              [[c, str(YEAR), a, q, ""] for c, a, q in CERTIFICATIONS])
    write_csv(folder / "ballots.csv", ["unit_code", "year", "voter_group", "excellent", "good", "fair", "poor"],
              [[u, str(YEAR), g, str(e), str(o), str(f), str(p)] for u, g, e, o, f, p in BALLOTS])
    write_csv(folder / "inspections.csv", ["unit_code", "year", "inspector", "score"],
              [[u, str(YEAR), n, s] for u, n, s in INSPECTIONS])
    write_csv(folder / "grassroots.csv", ["unit_code", "year", "satisfied", "basically_satisfied", "dissatisfied"],
              [[u, str(YEAR), str(s), str(b), str(d)] for u, s, b, d in GRASSROOTS])
    return folder


def run_import(stack: RunningStack, bundle: Path, user: str = "office") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **stack.client_env(user, PASSWORD)}
    return subprocess.run([sys.executable, "-m", "mbo.cli", "import", str(bundle)], env=env, text=True,
                          capture_output=True, timeout=180, check=False)


def execute(stack: RunningStack, user: str, query: str, variables: dict[str, Any] | None = None
            ) -> dict[str, Any]:
    with stack.client(user) as client:
        result = client.execute(query, variables)
    assert result.errors == [], result.errors
    return result.data or {}


def refusal(stack: RunningStack, user: str, query: str) -> str:
    with stack.client(user) as client:
        result = client.execute(query)
    assert result.errors, result.data
    return str(result.errors[0]["extensions"]["code"])


@pytest.fixture(scope="module")
def loaded(stack: RunningStack, tmp_path_factory: pytest.TempPathFactory) -> RunningStack:
    stack.add_user("office", "TARGET_OFFICE")
    stack.add_user("evaluator", "EVALUATOR")
    stack.add_user("fgw", "ASSESSOR", unit="FGW")
    stack.add_user("d4op", "UNIT_OPERATOR", unit="D4")
    done = run_import(stack, write_year_bundle(tmp_path_factory.mktemp("bundle")))
    assert done.returncode == 0, done.stdout + done.stderr
    for line in ("certifications.csv: 13 created", "ballots.csv: 10 created", "inspections.csv: 9 created",
                 "grassroots.csv: 7 created"):
        assert line in done.stdout, done.stdout
    return stack


@pytest.fixture(scope="module")
def published(loaded: RunningStack) -> dict[str, Any]:
    execute(loaded, "office", f"mutation {{ computeAssessment(year: {YEAR}) {{ status }} }}")
    return execute(loaded, "office", f"mutation {{ publishAssessment(year: {YEAR}) {{ status revision "
                                     f"advancedOverflow lastPlaceShortfall {RESULTS} }} }}")["publishAssessment"]


def test_bundle_to_published_ranking(published: dict[str, Any]) -> None:
    assert (published["status"], published["revision"]) == ("PUBLISHED", 1)
    assert table(published["results"]) == EXPECTED
    assert (published["advancedOverflow"], published["lastPlaceShortfall"]) == (1, 1)


def test_results_carry_the_federated_unit_name(loaded: RunningStack, published: dict[str, Any]) -> None:
    data = execute(loaded, "office", f"{{ assessment(year: {YEAR}) {{ results {{ unit {{ code name }} grade }} }} }}")
    first = data["assessment"]["results"][0]
    assert first == {"unit": {"code": "D2", "name": "江汉区"}, "grade": "ADVANCED"}


def test_unit_result_extends_the_targets_unit(loaded: RunningStack, published: dict[str, Any]) -> None:
    data = execute(loaded, "office", f"{{ units {{ code result(year: {YEAR}) {{ compositeScore grade rank }} }} }}")
    by_code = {u["code"]: u["result"] for u in data["units"]}
    assert by_code["M1"] == {"compositeScore": "96.05", "grade": "QUALIFIED", "rank": 1}
    assert by_code["D4"] == {"compositeScore": "89.11", "grade": "LAST_PLACE", "rank": 4}


def test_child_target_is_not_snapshotted(loaded: RunningStack, published: dict[str, Any]) -> None:
    data = execute(loaded, "office", f'{{ assessedTargets(year: {YEAR}, unitCode: "D2") {{ code }} }}')
    assert [t["code"] for t in data["assessedTargets"]] == ["D2-1", "D2-2"]


def test_refusals_through_the_gateway(loaded: RunningStack, published: dict[str, Any]) -> None:
    assert refusal(loaded, "evaluator", f"mutation {{ computeAssessment(year: {YEAR}) {{ year }} }}") == "FORBIDDEN"
    assert refusal(loaded, "evaluator", f'mutation {{ certifyTarget(year: {YEAR}, targetCode: "D4-1", '
                                        'actualValue: "1") { code } }') == "FORBIDDEN"
    assert refusal(loaded, "fgw", f'mutation {{ setGrassroots(year: {YEAR}, unitCode: "D4", satisfied: 1) '
                                  '{ satisfied } }') == "FORBIDDEN"
    assert refusal(loaded, "fgw", f'mutation {{ certifyTarget(year: {YEAR}, targetCode: "D4-1", '
                                  'actualValue: "200") { code } }') == "CONFLICT"


def test_input_file_after_publication_is_refused(loaded: RunningStack, published: dict[str, Any],
                                                 tmp_path: Path) -> None:
    write_csv(tmp_path / "inspections.csv", ["unit_code", "year", "inspector", "score"],
              [["D1", str(YEAR), "丙组", "70"]])
    done = run_import(loaded, tmp_path, user="evaluator")
    assert done.returncode != 0
    assert "read-only" in done.stdout + done.stderr


def test_unit_operator_sees_its_own_result_and_the_bulletin(loaded: RunningStack,
                                                            published: dict[str, Any]) -> None:
    mine = execute(loaded, "d4op", f"{{ assessment(year: {YEAR}) {{ results {{ unit {{ code }} grade }} }} }}")
    assert mine["assessment"]["results"] == [{"unit": {"code": "D4"}, "grade": "LAST_PLACE"}]
    bulletin = execute(loaded, "d4op", f"{{ bulletin(year: {YEAR}) {{ title lastPlace {{ unitCode }} }} }}")
    assert bulletin["bulletin"]["title"] == "武汉市2026年度目标管理考核结果通报"
    assert [e["unitCode"] for e in bulletin["bulletin"]["lastPlace"]] == ["D4", "M4", "M3", "M2"]


def test_correction_opens_revision_2_and_both_stay_queryable(loaded: RunningStack,
                                                             published: dict[str, Any]) -> None:
    execute(loaded, "office", f'mutation {{ openCorrection(year: {YEAR}, reason: "汉阳区核定值更正") {{ revision }} }}')
    # D4-1 re-certified at 200 by its assessing department: D4 composite 92.11, qualified (see the
    # service test for the arithmetic); D1 becomes the 区 last-place unit.
    execute(loaded, "fgw", f'mutation {{ certifyTarget(year: {YEAR}, targetCode: "D4-1", actualValue: "200") '
                           '{ code } }')
    execute(loaded, "office", f"mutation {{ computeAssessment(year: {YEAR}) {{ status }} }}")
    second = execute(loaded, "office", f"mutation {{ publishAssessment(year: {YEAR}) {{ revision {RESULTS} }} }}")
    grades = {r["unit"]["code"]: (r["compositeScore"], r["grade"]) for r in second["publishAssessment"]["results"]}
    assert grades["D4"] == ("92.11", "QUALIFIED")
    assert grades["D1"] == ("104.10", "LAST_PLACE")
    first = execute(loaded, "office", f"{{ assessmentRevision(year: {YEAR}, revision: 1) {{ {RESULTS} }} }}")
    assert table(first["assessmentRevision"]["results"]) == EXPECTED
    rows = audit_rows(loaded.data_dir, loaded.dsns, "assessment")
    assert [r["actor"] for r in rows if r["action"] == "openCorrection" and r["success"]] == ["office"]
