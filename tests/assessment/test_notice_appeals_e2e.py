"""Adjustment items, public notice and appeals end to end through the gateway (DESIGN.md §4.2, §4.4).

The real stack with the business date pinned (`MBO_TODAY`); time moves by restarting the assessment service
with a later date, never by sleeping. The year is the hand-computed scenario of test_service_assessment.py,
with a 7-day notice and these adjustment items (composites before them are in EXPECTED there):

* adjustments.csv: D3 −0.5 → 96.30 − 0.50 = 95.80, so D3 no longer ties D2 at the 区 quota line
  (floor(0.5 × 2) = 1): D2 alone is ADVANCED, D3 QUALIFIED, rank 2, no overflow;
  D1 +3 and +3 = 6, clamped to the cap 5 → 104.10 + 5.00 = 109.10 (still non-qualified: its veto failed).
* proposed in the system: M1 +1 by the supervision office, approved by the target office → 96.05 + 1 = 97.05;
  M2 +0.5 by the target office, rejected by a second target-office account → M2 stays 91.45.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.assessment.test_e2e_assessment import run_import, write_year_bundle
from tests.assessment.test_service_assessment import YEAR
from tests.support.audit import audit_rows
from tests.support.bundles import write_csv
from tests.support.stack import RunningStack

PUBLISHED_ON = "2027-01-05"
NOTICE_ENDS = "2027-01-11"  # 7 calendar days, the day of publication the first
SETTINGS = [("advanced_ratio: 区", "0.5"), ("last_place_count:区", "1"), ("last_place_count:市直", "4"),
            ("voter_group_weight:市民代表", "2"), ("notice_days", "7")]  # 人大代表 has no weight: it weighs 1
ADJUSTMENTS = [("D3", "-0.5", "重点工作推进迟缓，被市委督查室通报批评"), ("D1", "3", "获国家级表彰"),
               ("D1", "3", "改革经验被国务院办公厅通报推广")]
ADJUSTED = {  # unit: (composite, adjustment points, grade, rank)
    "D2": ("96.30", "0.00", "ADVANCED", 1), "D3": ("95.80", "-0.50", "QUALIFIED", 2),
    "D1": ("109.10", "5.00", "UNQUALIFIED", 3), "D4": ("89.11", "0.00", "LAST_PLACE", 4),
    "M1": ("97.05", "1.00", "QUALIFIED", 1), "M2": ("91.45", "0.00", "LAST_PLACE", 2),
    "M3": ("54.00", "0.00", "LAST_PLACE", 3), "M4": ("0.00", "0.00", "LAST_PLACE", 4),
}
ITEMS = ("adjustmentItems(year: 2026) { id unitCode points category reason status imported proposedBy decidedBy "
         "version }")
STATE_FIELDS = "revision status final onNotice noticeEndsAt finalizedAt"
STATE = f"assessment(year: 2026) {{ {STATE_FIELDS} }}"
RESULTS = "results { unit { code } compositeScore adjustmentPoints grade rank missing }"
PUBLISHED = ("publishedRevision(year: 2026) { revision final noticeEndsAt advancedUnitAward advancedLeaderAward "
             "results { unitCode compositeScore grade adjustmentPoints adjustments { points category reason } } }")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    running = RunningStack(Path(tmp_path_factory.mktemp("stack")))
    running.stack.env["MBO_TODAY"] = PUBLISHED_ON
    running.start()
    try:
        for name, roles, unit in [("office", ("TARGET_OFFICE",), None), ("office2", ("TARGET_OFFICE",), None),
                                  ("supervision", ("SUPERVISION_OFFICE",), None), ("fgw", ("ASSESSOR",), "FGW"),
                                  ("d4op", ("UNIT_OPERATOR",), "D4"), ("m2leader", ("LEADER",), "M2"),
                                  ("evaluator", ("EVALUATOR",), None)]:
            running.add_user(name, *roles, unit=unit)
        yield running
    finally:
        running.stop()


def call(stack: RunningStack, user: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    with stack.client(user) as client:
        result = client.execute(query, variables)
    return {"data": result.data, "errors": result.errors}


def ok(stack: RunningStack, user: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    answer = call(stack, user, query, variables)
    assert answer["errors"] == [], answer["errors"]
    return answer["data"] or {}


def refused(stack: RunningStack, user: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    answer = call(stack, user, query, variables)
    assert answer["errors"], answer["data"]
    return answer["errors"][0]


def move_to(stack: RunningStack, day: str) -> None:
    """The next business day(s): restart the assessment service with another date."""
    stack.stack.restart("assessment", {"MBO_TODAY": day})


def table(results: list[dict[str, Any]]) -> dict[str, tuple[str, str, str, int]]:
    return {r["unit"]["code"]: (r["compositeScore"], r["adjustmentPoints"], r["grade"], r["rank"]) for r in results}


@pytest.fixture(scope="module")
def loaded(stack: RunningStack, tmp_path_factory: pytest.TempPathFactory) -> RunningStack:
    bundle = write_year_bundle(tmp_path_factory.mktemp("bundle"))
    write_csv(bundle / "settings.csv", ["year", "key", "value"], [[str(YEAR), k, v] for k, v in SETTINGS])
    write_csv(bundle / "adjustments.csv", ["unit_code", "year", "points", "reason"],
              [[u, str(YEAR), p, r] for u, p, r in ADJUSTMENTS])
    done = run_import(stack, bundle)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "adjustments.csv: 3 created" in done.stdout, done.stdout
    return stack


def test_settings_written_with_a_space_are_read_the_same_everywhere(loaded: RunningStack) -> None:
    data = ok(loaded, "office", "{ assessmentSettings(year: 2026) { noticeDays adjustmentCap advancedUnitAward "
                                "groupQuotas { group advancedRatio lastPlaceCount } "
                                "voterGroupWeights { group weight } } }")
    settings = data["assessmentSettings"]
    assert settings["groupQuotas"] == [{"group": "区", "advancedRatio": "0.5", "lastPlaceCount": 1},
                                       {"group": "市直", "advancedRatio": None, "lastPlaceCount": 4}]
    assert settings["voterGroupWeights"] == [{"group": "市民代表", "weight": "2"}]
    assert (settings["noticeDays"], settings["adjustmentCap"], settings["advancedUnitAward"]) == (7, "5", "0")
    # The same key in another spelling is the same key: setting it again changes nothing.
    same = ok(loaded, "office", 'mutation { setAssessmentSetting(year: 2026, key: " advanced_ratio :区", '
                                'value: "0.5") { groupQuotas { group advancedRatio } } }')
    assert same["setAssessmentSetting"]["groupQuotas"][0] == {"group": "区", "advancedRatio": "0.5"}
    error = refused(loaded, "office", 'mutation { setAssessmentSetting(year: 2026, key: "notice_days", '
                                      'value: "1.5") { noticeDays } }')
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", "value")


def test_bad_adjustment_rows_are_reported_and_nothing_is_written(loaded: RunningStack, tmp_path: Path) -> None:
    before = ok(loaded, "office", f"{{ {ITEMS} }}")["adjustmentItems"]
    write_csv(tmp_path / "adjustments.csv", ["unit_code", "year", "points", "reason"], [
        ["M1", "2026", "1", "获省级表彰"],  # good, but the file is refused as a whole
        ["M1", "2026", "0.125", "三位小数"],
        ["XX", "2026", "1", "未知单位"],
        ["M2", "2026", "0", "零分"],
        ["M3", "2026", "-2", ""],
        ["M4", "二〇二六", "1", "年份"],
        ["M1", "2026", "2", "获省级表彰"],
    ])
    done = run_import(loaded, tmp_path)
    assert done.returncode != 0
    error = refused(loaded, "office", "mutation($rows: [JSON!]!) { importAdjustments(rows: $rows) { created } }",
                    {"rows": [{"row": 2, "unit_code": "M1", "year": "2026", "points": "1.001", "reason": "x"},
                              {"row": 3, "unit_code": "D9", "year": "2026", "points": "1", "reason": "y"},
                              {"row": 4, "unit_code": "M2", "year": "2026", "points": "101", "reason": "z"},
                              {"row": 5, "unit_code": "M3", "year": "2026", "points": "abc", "reason": "w"},
                              {"row": 6, "unit_code": "M4", "year": "2026", "points": "1"}]})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    reported = {(e["row"], e["column"]): e["reason"] for e in error["extensions"]["rowErrors"]}
    assert set(reported) == {(2, "points"), (3, "unit_code"), (4, "points"), (5, "points"), (6, "reason")}
    assert "decimal places" in reported[(2, "points")] and "D9" in reported[(3, "unit_code")]
    printed = set(re.findall(r"row\s+(\d+)\s+(\S+)", done.stderr))
    assert printed == {("3", "points"), ("4", "unit_code"), ("5", "points"), ("6", "reason"), ("7", "year"),
                       ("8", "reason")}, done.stderr
    assert ok(loaded, "office", f"{{ {ITEMS} }}")["adjustmentItems"] == before


def test_items_are_proposed_and_decided_by_another_target_office_account(loaded: RunningStack) -> None:
    propose = ('mutation($unit: ID!, $points: Decimal!, $reason: String!) { proposeAdjustment(year: 2026, '
               'unitCode: $unit, points: $points, category: "表彰奖励", reason: $reason, evidence: "国务院文件") '
               '{ id status version proposedBy } }')
    bonus = ok(loaded, "supervision", propose,
               {"unit": "M1", "points": "1", "reason": "获国家级表彰"})["proposeAdjustment"]
    assert (bonus["status"], bonus["proposedBy"]) == ("PROPOSED", "supervision")
    own = ok(loaded, "office", propose, {"unit": "M2", "points": "0.5", "reason": "获省级表彰"})["proposeAdjustment"]
    error = refused(loaded, "d4op", propose, {"unit": "D4", "points": "5", "reason": "自评"})
    assert error["extensions"]["code"] == "FORBIDDEN"
    error = refused(loaded, "supervision", propose, {"unit": "M1", "points": "1.005", "reason": "x"})
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", "points")

    approve = "mutation($id: ID!, $v: Int!) { approveAdjustment(id: $id, version: $v) { status decidedBy version } }"
    reject = ("mutation($id: ID!, $v: Int!, $r: String!) { rejectAdjustment(id: $id, version: $v, reason: $r) "
              "{ status decidedBy decisionReason } }")
    error = refused(loaded, "office", approve, {"id": own["id"], "v": own["version"]})
    assert error["extensions"]["code"] == "FORBIDDEN" and "different target-office account" in error["message"]
    error = refused(loaded, "supervision", approve, {"id": bonus["id"], "v": bonus["version"]})
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert refused(loaded, "office", approve, {"id": bonus["id"], "v": 7})["extensions"]["code"] == "CONFLICT"
    done = ok(loaded, "office", approve, {"id": bonus["id"], "v": bonus["version"]})["approveAdjustment"]
    assert done == {"status": "APPROVED", "decidedBy": "office", "version": 2}
    assert refused(loaded, "office", approve, {"id": bonus["id"], "v": 2})["extensions"]["code"] == "CONFLICT"
    error = refused(loaded, "office2", reject, {"id": own["id"], "v": own["version"], "r": " "})
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", "reason")
    no = ok(loaded, "office2", reject, {"id": own["id"], "v": own["version"], "r": "材料不全"})["rejectAdjustment"]
    assert no == {"status": "REJECTED", "decidedBy": "office2", "decisionReason": "材料不全"}
    items = ok(loaded, "office", f"{{ {ITEMS} }}")["adjustmentItems"]
    assert sorted((i["unitCode"], i["points"], i["status"], i["imported"]) for i in items) == [
        ("D1", "3.00", "APPROVED", True), ("D1", "3.00", "APPROVED", True), ("D3", "-0.50", "APPROVED", True),
        ("M1", "1.00", "APPROVED", False), ("M2", "0.50", "REJECTED", False)]
    actions = {(r["action"], r["actor"]) for r in audit_rows(loaded.data_dir, loaded.dsns, "assessment")
               if r["success"]}
    assert {("importAdjustments", "office"), ("proposeAdjustment", "supervision"), ("approveAdjustment", "office"),
            ("rejectAdjustment", "office2")} <= actions


@pytest.fixture(scope="module")
def published(loaded: RunningStack) -> dict[str, Any]:
    ok(loaded, "office", "mutation { computeAssessment(year: 2026) { status } }")
    # A setting is an input too: changing one makes the computed results stale.
    ok(loaded, "office", 'mutation { setAssessmentSetting(year: 2026, key: "adjustment_cap", value: "5") '
                         '{ adjustmentCap } }')
    assert ok(loaded, "office", f"{{ {STATE} }}")["assessment"]["status"] == "OPEN"
    assert refused(loaded, "office", "mutation { publishAssessment(year: 2026) { status } }")["extensions"][
        "code"] == "CONFLICT"
    ok(loaded, "office", "mutation { computeAssessment(year: 2026) { status } }")
    return ok(loaded, "office", f"mutation {{ publishAssessment(year: 2026) {{ {STATE_FIELDS} "
                                f"advancedOverflow {RESULTS} }} }}")["publishAssessment"]


def test_adjusted_composites_decide_grades_and_ranks(published: dict[str, Any]) -> None:
    assert table(published["results"]) == ADJUSTED
    assert published["advancedOverflow"] == 0  # D3's deduction broke the tie with D2
    by_code = {r["unit"]["code"]: r for r in published["results"]}
    assert by_code["D2"]["missing"] == []  # 人大代表 without a weight is counted, not missing


def test_publishing_puts_the_revision_on_notice(loaded: RunningStack, published: dict[str, Any]) -> None:
    assert (published["status"], published["final"], published["onNotice"], published["noticeEndsAt"]) == (
        "PUBLISHED", False, True, NOTICE_ENDS)
    revision = ok(loaded, "office", f"{{ {PUBLISHED} }}")["publishedRevision"]
    assert (revision["final"], revision["noticeEndsAt"], revision["advancedUnitAward"]) == (False, NOTICE_ENDS, "0")
    d1 = next(r for r in revision["results"] if r["unitCode"] == "D1")
    assert (d1["compositeScore"], d1["adjustmentPoints"]) == ("109.10", "5.00")
    assert sorted(a["reason"] for a in d1["adjustments"]) == ["改革经验被国务院办公厅通报推广", "获国家级表彰"]
    bulletin = ok(loaded, "d4op", "{ bulletin(year: 2026) { final onNotice noticeEndsAt markdown "
                                  "entries { unitCode adjustmentPoints } } }")["bulletin"]
    assert (bulletin["final"], bulletin["onNotice"]) == (False, True)
    assert "（第1版，2027年1月5日发布）" in bulletin["markdown"]
    assert "本结果正在公示，公示期至2027年1月11日" in bulletin["markdown"]
    assert "| 市发展和改革委员会 | 1.00 | +1.00 表彰奖励（获国家级表彰） |" in bulletin["markdown"]


def test_appeals_during_the_notice(loaded: RunningStack, published: dict[str, Any]) -> None:
    appeal = ('mutation($unit: ID!, $reason: String!) { fileAppeal(year: 2026, unitCode: $unit, reason: $reason) '
              '{ id unitCode status revision filedBy version } }')
    d4 = ok(loaded, "d4op", appeal, {"unit": "D4", "reason": "D4-1 实际完成200亿元，统计局核定有误"})["fileAppeal"]
    assert (d4["status"], d4["revision"], d4["filedBy"]) == ("FILED", 1, "d4op")
    m2 = ok(loaded, "m2leader", appeal, {"unit": "M2", "reason": "定性目标完成度应为1"})["fileAppeal"]
    assert refused(loaded, "d4op", appeal, {"unit": "M3", "reason": "代他人申诉"})["extensions"]["code"] == "FORBIDDEN"
    assert refused(loaded, "d4op", appeal, {"unit": "D4", "reason": "再次申诉"})["extensions"]["code"] == "CONFLICT"
    assert refused(loaded, "office", appeal, {"unit": "D4", "reason": "x"})["extensions"]["code"] == "FORBIDDEN"
    mine = ok(loaded, "d4op", "{ appeals(year: 2026) { unitCode } }")["appeals"]
    assert mine == [{"unitCode": "D4"}]
    error = refused(loaded, "office", "mutation { finalizeAssessment(year: 2026) { final } }")
    assert error["extensions"]["code"] == "CONFLICT" and f"public notice until {NOTICE_ENDS}" in error["message"]

    move_to(loaded, "2027-01-12")  # the notice has ended; the appeals are not decided yet
    error = refused(loaded, "office", "mutation { finalizeAssessment(year: 2026) { final } }")
    assert error["extensions"]["code"] == "CONFLICT" and "not yet decided" in error["message"]
    late = refused(loaded, "d4op", appeal, {"unit": "D4", "reason": "逾期申诉"})
    assert late["extensions"]["code"] == "CONFLICT" and "appeals are closed" in late["message"]

    decide = ('mutation($id: ID!, $v: Int!, $d: AppealDecision!, $r: String!) { decideAppeal(id: $id, version: $v, '
              'decision: $d, reason: $r) { status decision decidedBy } }')
    assert refused(loaded, "d4op", decide, {"id": d4["id"], "v": 1, "d": "ACCEPTED", "r": "x"})["extensions"][
        "code"] == "FORBIDDEN"
    assert refused(loaded, "office", decide, {"id": m2["id"], "v": 1, "d": "REJECTED", "r": ""})["extensions"][
        "code"] == "BAD_USER_INPUT"
    rejected = ok(loaded, "office", decide, {"id": m2["id"], "v": 1, "d": "REJECTED",
                                             "r": "经复核，定性目标完成度0.8有据"})["decideAppeal"]
    assert rejected == {"status": "REJECTED", "decision": "经复核，定性目标完成度0.8有据", "decidedBy": "office"}
    accepted = ok(loaded, "office", decide, {"id": d4["id"], "v": 1, "d": "ACCEPTED",
                                             "r": "统计局复核确认200亿元，予以更正"})["decideAppeal"]
    assert accepted["status"] == "ACCEPTED"
    error = refused(loaded, "office", "mutation { finalizeAssessment(year: 2026) { final } }")
    assert error["extensions"]["code"] == "CONFLICT" and "appeals accepted" in error["message"]

    # The accepted appeal is answered by a correction: revision 2, whose notice starts afresh.
    ok(loaded, "office", 'mutation { openCorrection(year: 2026, reason: "采纳汉阳区申诉") { revision } }')
    ok(loaded, "fgw", 'mutation { certifyTarget(year: 2026, targetCode: "D4-1", actualValue: "200") { code } }')
    ok(loaded, "office", "mutation { computeAssessment(year: 2026) { status } }")
    second = ok(loaded, "office", f"mutation {{ publishAssessment(year: 2026) {{ revision final noticeEndsAt "
                                  f"{RESULTS} }} }}")["publishAssessment"]
    assert (second["revision"], second["final"], second["noticeEndsAt"]) == (2, False, "2027-01-18")
    grades = table(second["results"])
    # D4: 92.11 and qualified (the hand-computed correction of test_service_assessment.py); D1 is now the only
    # non-qualified 区 unit → last place; the items stay with the corrected revision.
    assert grades["D4"] == ("92.11", "0.00", "QUALIFIED", 3)
    assert grades["D1"] == ("109.10", "5.00", "LAST_PLACE", 4)
    assert grades["M1"] == ("97.05", "1.00", "QUALIFIED", 1)
    error = refused(loaded, "office", "mutation { finalizeAssessment(year: 2026) { final } }")
    assert "public notice until 2027-01-18" in error["message"]

    move_to(loaded, "2027-01-19")
    final = ok(loaded, "office", f"mutation {{ finalizeAssessment(year: 2026) {{ {STATE_FIELDS} }} }}")
    state = final["finalizeAssessment"]
    assert (state["revision"], state["final"], state["onNotice"]) == (2, True, False)
    assert state["finalizedAt"]
    assert ok(loaded, "office", f"{{ {PUBLISHED} }}")["publishedRevision"]["final"] is True
    bulletin = ok(loaded, "d4op", "{ bulletin(year: 2026) { final markdown } }")["bulletin"]
    assert bulletin["final"] and "本结果为最终结果" in bulletin["markdown"]
    again = refused(loaded, "office", "mutation { finalizeAssessment(year: 2026) { final } }")
    assert again["extensions"]["code"] == "CONFLICT" and "already final" in again["message"]
    first = ok(loaded, "office", "{ assessmentRevision(year: 2026, revision: 1) { final noticeEndsAt } }")
    assert first["assessmentRevision"] == {"final": False, "noticeEndsAt": NOTICE_ENDS}
    rows = audit_rows(loaded.data_dir, loaded.dsns, "assessment")
    done = [(r["action"], r["actor"]) for r in rows if r["success"] and r["action"] in (
        "fileAppeal", "decideAppeal", "finalizeAssessment")]
    assert done == [("fileAppeal", "d4op"), ("fileAppeal", "m2leader"), ("decideAppeal", "office"),
                    ("decideAppeal", "office"), ("finalizeAssessment", "office")]
