"""The walking skeleton end to end: import through the gateway, a query over all three subgraphs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.audit import audit_rows
from tests.support.bundles import UNITS, write_csv, write_skeleton_bundle
from tests.support.stack import PASSWORD, RunningStack


def run_import(stack: RunningStack, bundle: Path, user: str = "office") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **stack.client_env(user, PASSWORD)}
    return subprocess.run([sys.executable, "-m", "mbo.cli", "import", str(bundle)], env=env, text=True,
                          capture_output=True, timeout=120, check=False)


def entities_calls(stack: RunningStack) -> dict[str, int]:
    counts = {}
    for service in ("targets", "assessment", "personnel"):
        text = httpx.get(f"{stack.service_url(service)}/metrics",
                         headers={"Authorization": f"Bearer {stack.service_token()}"}).text
        counts[service] = sum(
            int(float(line.rsplit(" ", 1)[1])) for line in text.splitlines()
            if line.startswith("mbo_graphql_root_fields_total") and 'field="_entities"' in line
        )
    return counts


@pytest.fixture(scope="module")
def loaded(stack: RunningStack, tmp_path_factory: pytest.TempPathFactory) -> RunningStack:
    stack.add_user("office", "TARGET_OFFICE")
    stack.add_user("supervision", "SUPERVISION_OFFICE")
    stack.add_user("jaop", "UNIT_OPERATOR", unit="JA")
    done = run_import(stack, write_skeleton_bundle(tmp_path_factory.mktemp("bundle")))
    assert done.returncode == 0, done.stderr
    assert "units.csv: 5 created" in done.stdout
    assert "people.csv: 15 created" in done.stdout
    assert "settings.csv: 3 created" in done.stdout
    return stack


def test_units_with_staff_after_import(loaded: RunningStack) -> None:
    with loaded.client("office") as client:
        result = client.execute("{ units { code name staff { staffNo name } } }")
    assert result.errors == []
    units = result.data["units"]
    assert [u["code"] for u in units] == sorted(code for code, *_ in UNITS)
    by_code = {u["code"]: u for u in units}
    assert by_code["JA"]["name"] == "江岸区"
    assert [p["staffNo"] for p in by_code["JA"]["staff"]] == ["JA-001", "JA-002", "JA-003"]
    assert all(p["name"] for p in by_code["FGW"]["staff"])


def test_three_subgraph_query_makes_one_entities_call_per_subgraph(loaded: RunningStack) -> None:
    query = """
      { units { code name
          staff { staffNo name unit { code name } }
          assessmentSettings(year: 2026) { passLine voterGroupWeights { group weight } } } }
    """
    with loaded.client("office") as client:
        before = entities_calls(loaded)
        result = client.execute(query)
        after = entities_calls(loaded)
    assert result.errors == []
    first = result.data["units"][0]
    assert first["assessmentSettings"]["passLine"] == "65"
    assert first["assessmentSettings"]["voterGroupWeights"] == [{"group": "市民代表", "weight": "2"}]
    assert first["staff"][0]["unit"]["name"] == first["name"]
    # units → targets (root); staff → personnel (_entities ×1); assessmentSettings → assessment
    # (_entities ×1); staff.unit.name → targets (_entities ×1): one call per subgraph per step.
    assert {k: after[k] - before[k] for k in after} == {"targets": 1, "assessment": 1, "personnel": 1}


def test_subgraph_errors_come_back_with_their_path(loaded: RunningStack) -> None:
    """The supervision office reads every unit's people, not their pay."""
    with loaded.client("supervision") as client:
        result = client.execute('{ units { code staff { staffNo monthlySalary } } }')
    assert result.data is not None
    assert result.data["units"][0]["staff"][0]["monthlySalary"] is None
    paths = [e["path"] for e in result.errors]
    assert ["units", 0, "staff", 0, "monthlySalary"] in paths
    assert all(e["extensions"]["code"] == "FORBIDDEN" for e in result.errors)
    assert len(result.errors) == 15


def test_target_office_sees_salaries_as_decimal_strings(loaded: RunningStack) -> None:
    with loaded.client("office") as client:
        result = client.execute('{ units { code staff { staffNo monthlySalary bonusStandard } } }')
    assert result.errors == []
    ja = next(u for u in result.data["units"] if u["code"] == "JA")
    assert ja["staff"][1]["monthlySalary"] == "8500.00"
    assert ja["staff"][1]["bonusStandard"] == "31000.50"


def test_fragments_aliases_variables_and_typename(loaded: RunningStack) -> None:
    query = """
      query Q($code: ID!, $year: Int!) {
        first: unit(code: $code) { ...Named __typename s: assessmentSettings(year: $year) { passLine } }
        other: unit(code: "CZJ") { ... on Unit { code kind } }
      }
      fragment Named on Unit { code name people: staff { __typename n: name } }
    """
    with loaded.client("office") as client:
        result = client.execute(query, {"code": "JA", "year": 2026})
    assert result.errors == []
    assert result.data == {
        "first": {
            "code": "JA", "name": "江岸区", "__typename": "Unit", "s": {"passLine": "65"},
            "people": [{"__typename": "Person", "n": n} for n in
                       [p["n"] for p in result.data["first"]["people"]]],
        },
        "other": {"code": "CZJ", "kind": "MUNICIPAL"},
    }
    assert len(result.data["first"]["people"]) == 3


def test_unknown_field_is_a_validation_error(loaded: RunningStack) -> None:
    with loaded.client("office") as client:
        result = client.execute("{ units { code salary } }")
    assert result.data is None
    assert "salary" in result.errors[0]["message"]


def test_bad_units_file_reports_every_row_and_writes_nothing(loaded: RunningStack, tmp_path: Path) -> None:
    rows = [
        ["HY", "汉阳区", "district", ""],
        ["", "无代码单位", "municipal", ""],
        ["WC", "武昌区", "province", ""],
        ["QS", "青山区", "district", ""],
        ["HY", "汉阳区重复", "district", ""],
    ]
    write_csv(tmp_path / "units.csv", ["code", "name", "kind", "group"], rows)
    with loaded.client("office") as client:
        before = client.execute("{ units { code name } }").data
        done = run_import(loaded, tmp_path)
        after = client.execute("{ units { code name } }").data
    assert done.returncode == 2
    assert "row      3  code" in done.stderr
    assert "row      4  kind" in done.stderr
    assert "row      6  code" in done.stderr and "also on row 2" in done.stderr
    assert after == before
    assert not any(u["code"] in {"HY", "QS", "WC"} for u in after["units"])


def test_unit_operator_cannot_import_and_the_refusal_is_audited(loaded: RunningStack, tmp_path: Path) -> None:
    write_csv(tmp_path / "units.csv", ["code", "name", "kind"], [["XZ", "新洲区", "district"]])
    done = run_import(loaded, tmp_path, user="jaop")
    assert done.returncode == 2
    assert "TARGET_OFFICE" in done.stderr
    rows = audit_rows(loaded.data_dir, loaded.dsns, "targets")
    refused = [r for r in rows if r["action"] == "importUnits" and not r["success"]]
    assert refused and refused[-1]["actor"] == "jaop"
    assert str(refused[-1]["detail"]).startswith("FORBIDDEN")


def test_update_with_stale_version_is_a_conflict(loaded: RunningStack) -> None:
    mutation = "mutation($v: Int!) { updateUnit(code: \"QK\", version: $v, name: \"硚口区人民政府\") { version name } }"
    with loaded.client("office") as client:
        ok = client.execute(mutation, {"v": 1})
        stale = client.execute(mutation, {"v": 1})
    assert ok.data["updateUnit"] == {"version": 2, "name": "硚口区人民政府"}
    assert stale.errors[0]["extensions"]["code"] == "CONFLICT"
    assert stale.errors[0]["path"] == ["updateUnit"]


def test_people_import_is_audited(loaded: RunningStack) -> None:
    rows = audit_rows(loaded.data_dir, loaded.dsns, "personnel")
    created = [r for r in rows if r["action"] == "importPeople" and r["success"]]
    assert created and created[0]["actor"] == "office"
