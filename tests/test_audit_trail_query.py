"""The AUDITOR reads every service's audit trail through the gateway, page by page; nobody else can."""

from __future__ import annotations

from itertools import pairwise

import pytest

from tests.support.stack import RunningStack

TRAIL = """query($first: Int!, $after: String, $actor: String, $success: Boolean) {
  targetsAuditTrail(first: $first, after: $after, actor: $actor, success: $success) {
    edges { cursor node { service action entity entityId actor success detail hash prevHash } }
    pageInfo { hasNextPage endCursor } }
  assessmentAuditTrail(first: 50) { edges { node { service action actor success } } }
  personnelAuditTrail(first: 50) { edges { node { service action } } }
}"""


@pytest.fixture(scope="module")
def trail(stack: RunningStack) -> RunningStack:
    stack.add_user("office", "TARGET_OFFICE")
    stack.add_user("auditor", "AUDITOR")
    stack.add_user("jaop", "UNIT_OPERATOR", unit="JA")
    with stack.client("office") as office:
        for code, name in [("JA", "江岸区"), ("JH", "江汉区"), ("QK", "硚口区")]:
            assert office.execute(
                f'mutation {{ createUnit(code: "{code}", name: "{name}", kind: DISTRICT) {{ code }} }}').errors == []
        assert office.execute('mutation { importSettings(rows: [{row: 2, year: "2026", key: "pass_line", '
                              'value: "65"}]) { created } }').errors == []
    with stack.client("jaop") as operator:
        refused = operator.execute('mutation { createUnit(code: "XX", name: "x", kind: DISTRICT) { code } }')
        assert refused.errors[0]["extensions"]["code"] == "FORBIDDEN"
    return stack


def test_the_auditor_reads_all_three_trails_in_one_request(trail: RunningStack) -> None:
    with trail.client("auditor") as auditor:
        result = auditor.execute(TRAIL, {"first": 50})
    assert result.errors == []
    targets = [e["node"] for e in result.data["targetsAuditTrail"]["edges"]]
    assert [(n["action"], n["entityId"], n["success"]) for n in targets if n["action"] == "createUnit"] == [
        ("createUnit", "JA", True), ("createUnit", "JH", True), ("createUnit", "QK", True),
        ("createUnit", None, False)]
    assert all(n["service"] == "targets" for n in targets)
    assert all(later["prevHash"] == earlier["hash"] for earlier, later in pairwise(targets))
    assessment = [e["node"] for e in result.data["assessmentAuditTrail"]["edges"]]
    assert {"importSettings", "importSettings.set"} <= {n["action"] for n in assessment}
    assert result.data["personnelAuditTrail"]["edges"] == []


def test_pages_follow_the_cursor_and_filters_apply(trail: RunningStack) -> None:
    with trail.client("auditor") as auditor:
        first = auditor.execute(TRAIL, {"first": 2}).data["targetsAuditTrail"]
        assert first["pageInfo"]["hasNextPage"] is True and len(first["edges"]) == 2
        rest = auditor.execute(TRAIL, {"first": 50, "after": first["pageInfo"]["endCursor"]}).data
        everything = auditor.execute(TRAIL, {"first": 50}).data["targetsAuditTrail"]["edges"]
        assert first["edges"] + rest["targetsAuditTrail"]["edges"] == everything
        refused = auditor.execute(TRAIL, {"first": 50, "success": False}).data["targetsAuditTrail"]["edges"]
        assert [e["node"]["actor"] for e in refused] == ["jaop"]
        assert "FORBIDDEN" in refused[0]["node"]["detail"]
        bad = auditor.execute(TRAIL, {"first": 50, "after": "not-a-cursor"})
        assert bad.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("user", ["office", "jaop"])
def test_nobody_but_the_auditor_reads_the_trail(trail: RunningStack, user: str) -> None:
    with trail.client(user) as client:
        result = client.execute("{ targetsAuditTrail(first: 5) { edges { node { action } } } }")
    assert result.errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert result.data is None
    with trail.client("auditor") as auditor:
        refused = auditor.execute(TRAIL, {"first": 50, "actor": user, "success": False}).data
    edges = refused["targetsAuditTrail"]["edges"]
    reads = [e["node"] for e in edges if e["node"]["action"] == "read:targetsAuditTrail"]
    assert reads, "a refused read is audited"
    assert "FORBIDDEN" in reads[-1]["detail"] and "targetsAuditTrail" in reads[-1]["detail"]


def test_refused_salary_reads_are_one_audit_entry_per_request(trail: RunningStack) -> None:
    with trail.client("office") as office:
        assert office.execute('mutation { importPeople(rows: ['
                              '{row: 2, staff_no: "P1", name: "张三", unit_code: "JA", position: "科员", '
                              'leadership_member: "false", on_establishment: "true", monthly_salary: "9000", '
                              'bonus_standard: "20000"}, '
                              '{row: 3, staff_no: "P2", name: "李四", unit_code: "JA", position: "科员", '
                              'leadership_member: "false", on_establishment: "true", monthly_salary: "9100", '
                              'bonus_standard: "20000"}]) { created } }').errors == []
    with trail.client("jaop") as operator:
        result = operator.execute('{ unit(code: "JA") { staff { staffNo monthlySalary } } }')
    assert {e["extensions"]["code"] for e in result.errors} == {"FORBIDDEN"} and len(result.errors) == 2
    with trail.client("auditor") as auditor:
        entries = auditor.execute('{ personnelAuditTrail(first: 50, actor: "jaop") { edges { node { action success '
                                  'detail } } } }').data["personnelAuditTrail"]["edges"]
    refusals = [e["node"] for e in entries if not e["node"]["success"]]
    assert len(refusals) == 1, refusals
    assert "2×" in refusals[0]["detail"] and "monthlySalary" in refusals[0]["detail"]
