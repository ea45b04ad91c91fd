"""targets.csv through the API: trees, responsibility columns, all-or-nothing, BASE points, the tree query."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.audit import audit_rows
from tests.targets.harness import ASSESSOR, AUDITOR, JA_OP, JH_OP, OFFICE, Api, loaded_ok, target_row, write_targets

TREE = """query($unit: ID!, $year: Int!) { unit(code: $unit) { code targets(year: $year) {
  code title kind points agreedValue status parentCode uncoveredGap
  responsibleLeader { staffNo } assignee { staffNo }
  children { code agreedValue assignee { staffNo }
    children { code agreedValue assignee { staffNo } children { code } } } } } }"""


@pytest.fixture(scope="module")
def imported(api: Api, tmp_path_factory: pytest.TempPathFactory) -> Api:
    rows = [
        # children first: their parent comes later in the file
        target_row("JA-01-D1", "JA", parent="JA-01", value="60", department="发改科"),
        target_row("JA-01-D1-P1", "JA", parent="JA-01-D1", value="60", assignee="JA-003"),
        target_row("JA-01-D2", "JA", parent="JA-01", value="30", department="财政科", assignee="JA-002"),
        target_row("JA-01", "JA", points="70", value="100", baseline="90", leader="JA-001"),
        target_row("JA-02", "JA", points="30", value="5", baseline="6", direction="lower", assignee="JA-002"),
        target_row("JA-S1", "JA", kind="stretch", points="5", value="120", baseline="100", assignee="JA-001"),
        target_row("JH-01", "JH", points="100", value="50", baseline="45", assignee="JH-001"),
    ]
    loaded_ok(api, api.load(write_targets(tmp_path_factory.mktemp("targets"), rows)))
    return api


def test_import_creates_the_year_and_agreed_targets(imported: Api) -> None:
    data = imported.ok("{ assessmentYear(year: 2026) { year status version } }")
    assert data["assessmentYear"] == {"year": 2026, "status": "PLANNING", "version": 1}
    targets = imported.ok(TREE, {"unit": "JA", "year": 2026})["unit"]["targets"]
    assert [t["code"] for t in targets] == ["JA-01", "JA-02", "JA-S1"]
    assert {t["status"] for t in targets} == {"AGREED"}


def test_target_counts_are_top_level_per_status_and_scoped_for_unit_operators(imported: Api) -> None:
    query = "query($u: String) { targetCounts(year: 2026, unitCode: $u) { total byStatus { status count } } }"
    city = imported.ok(query)["targetCounts"]
    assert city["total"] == 4  # JA-01, JA-02, JA-S1, JH-01: children are not counted
    assert {s["status"]: s["count"] for s in city["byStatus"]}["AGREED"] == 4
    own = imported.ok(query, who=JA_OP)["targetCounts"]
    assert own["total"] == 3
    assert imported.refused(query, {"u": "JH"}, who=JA_OP)["extensions"]["code"] == "FORBIDDEN"
    assert imported.refused(query, who=AUDITOR)["extensions"]["code"] == "FORBIDDEN"


def test_the_tree_comes_back_whole_with_gap_and_people(imported: Api) -> None:
    top = imported.ok(TREE, {"unit": "JA", "year": 2026})["unit"]["targets"][0]
    assert top["code"] == "JA-01" and top["kind"] == "BASE" and top["points"] == "70"
    assert top["agreedValue"] == "100" and top["uncoveredGap"] == "10"
    assert top["responsibleLeader"] == {"staffNo": "JA-001"}
    assert [c["code"] for c in top["children"]] == ["JA-01-D1", "JA-01-D2"]
    assert top["children"][0]["children"] == [
        {"code": "JA-01-D1-P1", "agreedValue": "60", "assignee": {"staffNo": "JA-003"}, "children": []}]
    assert top["children"][1]["assignee"] == {"staffNo": "JA-002"}


def test_agreed_targets_lists_top_level_only_for_the_assessment(imported: Api, api: Api) -> None:
    token_query = "{ agreedTargets(year: 2026) { code unitCode kind measure direction agreedValue points " \
                  "assessingDepartment version } }"
    data = imported.ok(token_query, who=("service:assessment", ["SERVICE"], None))
    codes = [t["code"] for t in data["agreedTargets"]]
    assert codes == ["JA-01", "JA-02", "JA-S1", "JH-01"]
    ja02 = data["agreedTargets"][1]
    assert ja02 == {"code": "JA-02", "unitCode": "JA", "kind": "BASE", "measure": "QUANTITATIVE",
                    "direction": "LOWER_IS_BETTER", "agreedValue": "5", "points": "30",
                    "assessingDepartment": "市统计局", "version": 1}


def test_reimporting_the_same_file_changes_nothing(imported: Api, tmp_path: Path) -> None:
    rows = [target_row("JH-01", "JH", points="100", value="50", baseline="45", assignee="JH-001")]
    reports = imported.load(write_targets(tmp_path, rows))
    loaded_ok(imported, reports)
    assert "targets.csv: 0 created, 0 updated, 1 unchanged" in reports[1]


def test_bad_rows_are_all_reported_and_nothing_is_written(imported: Api, tmp_path: Path) -> None:
    rows = [
        target_row("QK-01", "QK", points="60"),
        target_row("QK-02", "QK", points="40", kind="maybe"),
        target_row("QK-03", "XX", points="10"),
        target_row("QK-04", "QK", parent="NOPE"),
        target_row("QK-01", "QK", points="1"),
        target_row("QK-05", "QK", points="0", assignee="NOBODY-1"),
        target_row("QK-06", "QK", points="0", value="abc"),
        target_row("QK-07", "QK", points="0", parent="QK-08"),
        target_row("QK-08", "QK", points="0", parent="QK-07"),
    ]
    reports = imported.load(write_targets(tmp_path, rows))
    assert reports[0] == 2
    errors_text = reports[2]
    for row, column in [(3, "kind"), (4, "unit_code"), (5, "parent_code"), (6, "code"), (7, "assignee"),
                        (8, "agreed_value"), (9, "parent_code"), (10, "parent_code")]:
        assert f"row {row:>6}  {column}" in errors_text
    assert imported.ok(TREE, {"unit": "QK", "year": 2026})["unit"]["targets"] == []


def test_base_points_must_total_100_over_file_and_store(imported: Api, tmp_path: Path) -> None:
    # JH has 100 BASE points stored; one more BASE top-level target makes 110
    rows = [target_row("JH-02", "JH", points="10"), target_row("CZJ-01", "CZJ", points="90")]
    reports = imported.load(write_targets(tmp_path, rows))
    assert reports[0] == 2 and "total 110" in reports[2] and "total 90" in reports[2]
    assert "row      2  points" in reports[2] and "row      3  points" in reports[2]
    assert imported.ok("{ target(year: 2026, code: \"JH-02\") { code } }")["target"] is None


def test_only_the_target_office_imports_and_refusals_are_audited(imported: Api) -> None:
    query = "mutation($rows: [JSON!]!) { importTargets(rows: $rows) { created } }"
    rows = [{"row": 2, "code": "X", "unit_code": "JA", "year": "2026"}]
    assert imported.refused(query, {"rows": rows}, who=JA_OP)["extensions"]["code"] == "FORBIDDEN"
    trail = audit_rows(imported.stack.data_dir, imported.stack.dsns, "targets")
    assert any(r["action"] == "importTargets" and not r["success"] and r["actor"] == "jaop" for r in trail)
    assert any(r["action"] == "importTargets" and r["success"] and r["actor"] == "office" for r in trail)


def test_unit_operators_read_only_their_own_unit(imported: Api) -> None:
    assert imported.ok(TREE, {"unit": "JA", "year": 2026}, who=JA_OP)["unit"]["targets"]
    error = imported.refused(TREE, {"unit": "JA", "year": 2026}, who=JH_OP)
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert imported.ok(TREE, {"unit": "JA", "year": 2026}, who=ASSESSOR)["unit"]["targets"]
    assert imported.refused(TREE, {"unit": "JA", "year": 2026}, who=AUDITOR)["extensions"]["code"] == "FORBIDDEN"


def test_whole_tree_through_the_gateway_names_the_people(imported: Api) -> None:
    query = "{ unit(code: \"JA\") { targets(year: 2026) { code responsibleLeader { staffNo name } " \
            "children { code assignee { staffNo name } } } } }"
    top = imported.ok(query, who=OFFICE)["unit"]["targets"][0]
    assert top["responsibleLeader"]["name"]
    assert top["children"][1]["assignee"]["name"]
