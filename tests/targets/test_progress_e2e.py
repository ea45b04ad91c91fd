"""进度督办 end to end: reports, status against elapsed time, roll-up through the tree, lagging targets."""

from __future__ import annotations

from pathlib import Path

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


COUNT = """query($unit: String) { laggingCount(year: 2029, asOf: "2029-06-30", unitCode: $unit) { lagging atRisk } }"""
URGENT = """query($first: Int) { laggingTargets(year: 2029, asOf: "2029-06-30", first: $first) { code status } }"""


def test_lagging_count_and_the_most_urgent_first(reported: Api) -> None:
    assert reported.ok(COUNT, {})["laggingCount"] == {"lagging": 2, "atRisk": 2}
    assert reported.ok(COUNT, {"unit": "JH"}, who=LEADER)["laggingCount"] == {"lagging": 0, "atRisk": 1}
    assert reported.ok(COUNT, {}, who=JH_OP)["laggingCount"] == {"lagging": 0, "atRisk": 1}
    assert reported.refused(COUNT, {"unit": "JA"}, who=JH_OP)["extensions"]["code"] == "FORBIDDEN"
    # at risk before lagging; P-JH (nothing reported, 0 %) trails the elapsed time further than P-01-D2 (25 %)
    urgent = reported.ok(URGENT, {"first": 3})["laggingTargets"]
    assert [(t["code"], t["status"]) for t in urgent] == [("P-JH", "AT_RISK"), ("P-01-D2", "AT_RISK"),
                                                          ("P-01", "LAGGING")]
    assert len(reported.ok(URGENT, {"first": 10})["laggingTargets"]) == 4
    assert reported.ok(URGENT, {"first": 0})["laggingTargets"] == []
    assert reported.refused(URGENT, {"first": -1})["extensions"]["code"] == "BAD_USER_INPUT"


CORRECT = """mutation($actual: Decimal!, $version: Int) {
  reportProgress(year: 2031, code: "Q-01", period: "2031-H1", asOf: "2031-06-30", actualToDate: $actual,
                 version: $version) { version } }"""
LAGGING_2031 = """{ laggingTargets(year: 2031, asOf: "2031-06-30") { code status progress }
  laggingCount(year: 2031, asOf: "2031-06-30") { lagging atRisk } }"""


def test_the_lagging_answer_follows_every_report_and_correction(api: Api, tmp_path: Path) -> None:
    rows = [target_row("Q-01", "JA", points="100", value="100", year="2031")]
    loaded_ok(api, api.load(write_targets(tmp_path, rows)))
    before = api.ok(LAGGING_2031)
    assert [(t["code"], t["status"]) for t in before["laggingTargets"]] == [("Q-01", "AT_RISK")]
    assert api.ok(LAGGING_2031) == before  # asked again, unchanged
    api.ok(CORRECT, {"actual": "60"}, who=JA_OP)
    after = api.ok(LAGGING_2031)
    assert after["laggingTargets"] == [] and after["laggingCount"] == {"lagging": 0, "atRisk": 0}
    api.ok(CORRECT, {"actual": "35", "version": 1}, who=JA_OP)  # a correction brings it back: 35 % of 50 % gone
    corrected = api.ok(LAGGING_2031)
    assert [(t["code"], t["status"]) for t in corrected["laggingTargets"]] == [("Q-01", "LAGGING")]
    assert corrected["laggingCount"] == {"lagging": 1, "atRisk": 0}


def test_the_same_question_asked_at_once_gets_one_answer(reported: Api) -> None:
    from concurrent.futures import ThreadPoolExecutor

    day = """query($d: Date!) { laggingTargets(year: 2029, asOf: $d) { code status progress }
      laggingCount(year: 2029, asOf: $d) { lagging atRisk } }"""
    alone = reported.ok(day, {"d": "2029-06-29"})
    with ThreadPoolExecutor(8) as pool:  # a day nobody asked yet: all eight arrive while it is computed
        answers = list(pool.map(lambda _: reported.ok(day, {"d": "2029-06-28"}), range(8)))
    assert all(a == answers[0] for a in answers)
    assert [t["code"] for t in answers[0]["laggingTargets"]] == [t["code"] for t in alone["laggingTargets"]]
    assert answers[0]["laggingCount"]["lagging"] + answers[0]["laggingCount"]["atRisk"] == \
        len(answers[0]["laggingTargets"])
