"""进度督办 end to end: reports, status against elapsed time, roll-up through the tree, lagging targets."""

from __future__ import annotations

import pytest

from tests.targets.harness import EVALUATOR, JA_OP, JH_OP, LEADER, Api, loaded_ok, target_row, write_targets

REPORT = """mutation($code: String!, $actual: Decimal!, $asOf: Date!, $period: String! = "2029-H1") {
  reportProgress(year: 2029, code: $code, period: $period, asOf: $asOf, actualToDate: $actual,
                 note: "上半年", evidence: "统计快报") { period actualToDate reporter } }"""
PROGRESS = """query($code: String!) { target(year: 2029, code: $code) {
  progress(asOf: "2029-06-30") { progress elapsed status reported actualToDate } } }"""
LAGGING = """query($unit: String, $leader: String) {
  laggingTargets(year: 2029, asOf: "2029-06-30", unitCode: $unit, responsibleLeader: $leader) {
    code unitCode status progress reported responsibleLeader { staffNo } target { title } } }"""


@pytest.fixture(scope="module")
def reported(api: Api, tmp_path_factory: pytest.TempPathFactory) -> Api:
    rows = [target_row("P-01", "JA", points="70", value="100", year="2029", leader="JA-001"),
            target_row("P-01-D1", "JA", parent="P-01", value="60", year="2029", assignee="JA-002"),
            target_row("P-01-D2", "JA", parent="P-01", value="40", year="2029", assignee="JA-003"),
            target_row("P-02", "JA", points="30", value="", baseline="", measure="qualitative", year="2029"),
            target_row("P-JH", "JH", points="100", value="10", year="2029")]
    loaded_ok(api, api.load(write_targets(tmp_path_factory.mktemp("t2029"), rows)))
    api.ok(REPORT, {"code": "P-01-D1", "actual": "30", "asOf": "2029-06-30"}, who=JA_OP)
    api.ok(REPORT, {"code": "P-01-D2", "actual": "10", "asOf": "2029-06-30"}, who=JA_OP)
    api.ok(REPORT, {"code": "P-02", "actual": "0.4", "asOf": "2029-06-20", "period": "2029-06"}, who=JA_OP)
    api.ok(REPORT, {"code": "P-02", "actual": "0.9", "asOf": "2029-07-20", "period": "2029-07"}, who=JA_OP)
    return api


def test_a_report_records_who_and_what(reported: Api) -> None:
    query = ("{ target(year: 2029, code: \"P-01-D1\") "
             "{ progressReports { period actualToDate note evidence reporter } } }")
    reports = reported.ok(query)["target"]["progressReports"]
    assert reports == [{"period": "2029-H1", "actualToDate": "30", "note": "上半年", "evidence": "统计快报",
                        "reporter": "jaop"}]


def test_status_comes_from_progress_against_the_elapsed_year(reported: Api) -> None:
    d1 = reported.ok(PROGRESS, {"code": "P-01-D1"})["target"]["progress"]
    assert d1 == {"progress": "0.5000", "elapsed": "0.4959", "status": "ON_TRACK", "reported": True,
                  "actualToDate": "30"}
    assert reported.ok(PROGRESS, {"code": "P-01-D2"})["target"]["progress"]["status"] == "AT_RISK"
    # the later report (20 July) does not count on 30 June
    p02 = reported.ok(PROGRESS, {"code": "P-02"})["target"]["progress"]
    assert (p02["progress"], p02["status"]) == ("0.4000", "LAGGING")


def test_progress_rolls_up_the_tree(reported: Api) -> None:
    parent = reported.ok(PROGRESS, {"code": "P-01"})["target"]["progress"]
    assert parent == {"progress": "0.3750", "elapsed": "0.4959", "status": "LAGGING", "reported": True,
                      "actualToDate": None}


def test_lagging_targets_for_supervision(reported: Api) -> None:
    found = reported.ok(LAGGING, {})["laggingTargets"]
    assert [(t["code"], t["status"]) for t in found] == [
        ("P-01", "LAGGING"), ("P-01-D2", "AT_RISK"), ("P-02", "LAGGING"), ("P-JH", "AT_RISK")]
    assert found[-1]["reported"] is False and found[1]["target"]["title"] == "目标 P-01-D2"
    by_leader = reported.ok(LAGGING, {"leader": "JA-001"})["laggingTargets"]
    assert [t["code"] for t in by_leader] == ["P-01"] and by_leader[0]["responsibleLeader"] == {"staffNo": "JA-001"}
    assert [t["code"] for t in reported.ok(LAGGING, {"unit": "JH"}, who=LEADER)["laggingTargets"]] == ["P-JH"]
    assert [t["code"] for t in reported.ok(LAGGING, {}, who=JH_OP)["laggingTargets"]] == ["P-JH"]
    assert reported.refused(LAGGING, {"unit": "JA"}, who=JH_OP)["extensions"]["code"] == "FORBIDDEN"


def test_progress_refusals(reported: Api) -> None:
    args = {"code": "P-01-D1", "actual": "31", "asOf": "2029-07-01"}
    assert reported.refused(REPORT, args, who=JH_OP)["extensions"]["code"] == "FORBIDDEN"
    assert reported.refused(REPORT, args, who=EVALUATOR)["extensions"]["code"] == "FORBIDDEN"
    over = reported.refused(REPORT, {"code": "P-02", "actual": "1.5", "asOf": "2029-07-01"}, who=JA_OP)
    assert over["extensions"]["code"] == "BAD_USER_INPUT"
    wrong_year = reported.refused(REPORT, {**args, "asOf": "2030-01-01"}, who=JA_OP)
    assert wrong_year["extensions"]["code"] == "BAD_USER_INPUT"
