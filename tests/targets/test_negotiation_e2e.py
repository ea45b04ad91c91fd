"""磋商 end to end: proposal, acceptance or counter-proposal, agreement, stretch check, calendar."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.audit import audit_rows
from tests.targets.harness import EVALUATOR, JA_OP, JH_OP, LEADER, OFFICE, Api

CREATE = """mutation($input: NewTargetInput!) { createTarget(input: $input) { code status version } }"""
PROPOSE = """mutation($code: String!, $v: Int!, $value: Decimal!) {
  proposeTarget(year: 2027, code: $code, version: $v, value: $value, reason: "市里要求") {
    status proposedValue version } }"""
ACCEPT = """mutation($code: String!, $v: Int!) { acceptProposal(year: 2027, code: $code, version: $v) {
  status version } }"""
COUNTER = """mutation($code: String!, $v: Int!, $value: Decimal!, $reason: String!) {
  counterPropose(year: 2027, code: $code, version: $v, value: $value, reason: $reason) {
    status proposedValue version } }"""
AGREE = """mutation($code: String!, $v: Int!, $value: Decimal, $why: String) {
  agreeTarget(year: 2027, code: $code, version: $v, value: $value, overrideReason: $why) {
    status agreedValue version stretchOverrideReason noStretch } }"""
ROUNDS = """query($code: String!) { target(year: 2027, code: $code) {
  status negotiationRounds { action value reason actor role at } } }"""


def new_target(code: str, unit: str = "JA", baseline: str = "100", direction: str = "HIGHER_IS_BETTER",
               points: str = "50") -> dict[str, object]:
    return {"input": {"year": 2027, "code": code, "unitCode": unit, "title": f"指标 {code}", "kind": "BASE",
                      "measure": "QUANTITATIVE", "direction": direction, "points": points, "baseline": baseline,
                      "unitOfMeasure": "亿元", "category": "economy"}}


@pytest.fixture(scope="module")
def year(api: Api) -> Api:
    api.ok("mutation { createYear(year: 2027) { year } }")
    for code in ("N-1", "N-2", "N-3", "N-4"):
        api.ok(CREATE, new_target(code))
    api.ok(CREATE, new_target("N-5", direction="LOWER_IS_BETTER", baseline="30"))
    return api


def test_a_full_negotiation_keeps_every_round(year: Api) -> None:
    assert year.ok(PROPOSE, {"code": "N-1", "v": 1, "value": "110"})["proposeTarget"] == {
        "status": "PROPOSED", "proposedValue": "110", "version": 2}
    countered = year.ok(COUNTER, {"code": "N-1", "v": 2, "value": "104", "reason": "产能受限"}, who=JA_OP)
    assert countered["counterPropose"] == {"status": "NEGOTIATING", "proposedValue": "104", "version": 3}
    agreed = year.ok(AGREE, {"code": "N-1", "v": 3, "value": "107"}, who=LEADER)["agreeTarget"]
    assert agreed == {"status": "AGREED", "agreedValue": "107", "version": 4, "stretchOverrideReason": None,
                      "noStretch": False}
    rounds = year.ok(ROUNDS, {"code": "N-1"})["target"]["negotiationRounds"]
    assert [(r["action"], r["value"], r["actor"], r["role"]) for r in rounds] == [
        ("PROPOSE", "110", "office", "TARGET_OFFICE"), ("COUNTER", "104", "jaop", "UNIT_OPERATOR"),
        ("AGREE", "107", "mayor", "LEADER")]
    assert rounds[1]["reason"] == "产能受限" and all(r["at"] for r in rounds)


def test_the_unit_may_accept_and_the_leader_agrees_the_proposed_value(year: Api) -> None:
    year.ok(PROPOSE, {"code": "N-2", "v": 1, "value": "120"})
    assert year.ok(ACCEPT, {"code": "N-2", "v": 2}, who=JA_OP)["acceptProposal"]["status"] == "PROPOSED"
    agreed = year.ok(AGREE, {"code": "N-2", "v": 3}, who=LEADER)["agreeTarget"]
    assert (agreed["status"], agreed["agreedValue"]) == ("AGREED", "120")


def test_no_stretch_needs_an_override_reason_which_is_audited(year: Api) -> None:
    year.ok(PROPOSE, {"code": "N-3", "v": 1, "value": "100"})
    refused = year.refused(AGREE, {"code": "N-3", "v": 2}, who=LEADER)
    assert refused["extensions"]["code"] == "BAD_USER_INPUT"
    assert refused["extensions"]["field"] == "overrideReason"
    flags = year.ok("{ stretchFlags(year: 2027, unitCode: \"JA\") { target { code } value baseline overridden } }")
    assert {"target": {"code": "N-3"}, "value": "100", "baseline": "100", "overridden": False} \
        in flags["stretchFlags"]
    agreed = year.ok(AGREE, {"code": "N-3", "v": 2, "why": "受疫情影响维持上年水平"}, who=LEADER)["agreeTarget"]
    assert agreed["stretchOverrideReason"] == "受疫情影响维持上年水平" and agreed["noStretch"] is True
    trail = audit_rows(year.stack.data_dir, year.stack.dsns, "targets")
    entry = [r for r in trail if r["action"] == "agreeTarget" and r["entity_id"] == "2027:N-3" and r["success"]]
    assert entry and "受疫情影响维持上年水平" in str(entry[-1]["detail"])
    assert any(r["action"] == "agreeTarget" and not r["success"] for r in trail)
    flags = year.ok("{ stretchFlags(year: 2027) { target { code } overridden overrideReason } }")["stretchFlags"]
    assert {"target": {"code": "N-3"}, "overridden": True, "overrideReason": "受疫情影响维持上年水平"} in flags


def test_lower_is_better_stretch_means_a_lower_value(year: Api) -> None:
    year.ok(PROPOSE, {"code": "N-5", "v": 1, "value": "28"})
    assert year.ok(AGREE, {"code": "N-5", "v": 2}, who=LEADER)["agreeTarget"]["noStretch"] is False


def test_wrong_roles_other_units_and_illegal_steps_are_refused(year: Api) -> None:
    assert year.refused(PROPOSE, {"code": "N-4", "v": 1, "value": "120"}, who=JA_OP)["extensions"]["code"] \
        == "FORBIDDEN"
    year.ok(PROPOSE, {"code": "N-4", "v": 1, "value": "120"})
    assert year.refused(ACCEPT, {"code": "N-4", "v": 2}, who=JH_OP)["extensions"]["code"] == "FORBIDDEN"
    assert year.refused(ACCEPT, {"code": "N-4", "v": 2}, who=OFFICE)["extensions"]["code"] == "FORBIDDEN"
    assert year.refused(AGREE, {"code": "N-4", "v": 2}, who=OFFICE)["extensions"]["code"] == "FORBIDDEN"
    assert year.refused(AGREE, {"code": "N-4", "v": 2}, who=EVALUATOR)["extensions"]["code"] == "FORBIDDEN"
    stale = year.refused(COUNTER, {"code": "N-4", "v": 1, "value": "1", "reason": "x"}, who=JA_OP)
    assert stale["extensions"]["code"] == "CONFLICT" and stale["extensions"]["currentVersion"] == 2
    no_reason = year.refused(COUNTER, {"code": "N-4", "v": 2, "value": "115", "reason": " "}, who=JA_OP)
    assert no_reason["extensions"]["code"] == "BAD_USER_INPUT"
    year.ok(AGREE, {"code": "N-4", "v": 2}, who=LEADER)
    illegal = year.refused(ACCEPT, {"code": "N-4", "v": 3}, who=JA_OP)
    assert illegal["extensions"]["code"] == "CONFLICT" and illegal["extensions"]["currentStatus"] == "AGREED"


def test_year_moves_one_step_at_a_time(year: Api, api: Api) -> None:
    api.ok("mutation { createYear(year: 2031) { year } }")
    advance = ("mutation($s: YearStatus!, $v: Int!) { advanceYear(year: 2031, status: $s, version: $v) "
               "{ status version } }")
    skipped = api.refused(advance, {"s": "SIGNED", "v": 1})
    assert skipped["extensions"]["code"] == "CONFLICT"
    assert api.ok(advance, {"s": "NEGOTIATING", "v": 1})["advanceYear"] == {"status": "NEGOTIATING", "version": 2}
    assert api.refused(advance, {"s": "SIGNED", "v": 1})["extensions"]["code"] == "CONFLICT"
    assert api.refused(advance, {"s": "PLANNING", "v": 2})["extensions"]["code"] == "CONFLICT"
    assert api.refused(advance, {"s": "SIGNED", "v": 2}, who=LEADER)["extensions"]["code"] == "FORBIDDEN"
    for step, version in (("SIGNED", 2), ("EXECUTING", 3), ("CLOSED", 4)):
        api.ok(advance, {"s": step, "v": version})
    closed = api.refused(CREATE, {"input": {**new_target("Z-1")["input"], "year": 2031}})
    assert closed["extensions"]["code"] == "CONFLICT"


SCHEDULE = """mutation($leaders: [LeaderInput!]!) {
  scheduleNegotiations(year: 2027, start: "2027-02-19", days: 3, sessionsPerDay: 2, rooms: 2,
                       leaders: $leaders) {
    sessions { day slot room unitCode leaderStaffNos } unscheduled } }"""


def test_the_calendar_places_every_unit_once_without_double_booking(year: Api, tmp_path: Path) -> None:
    leaders = [{"staffNo": "L-MAYOR", "units": ["JA", "JH", "QK"], "unavailable": ["2027-02-19"]},
               {"staffNo": "L-VICE", "units": ["FGW", "CZJ"]}]
    plan = year.ok(SCHEDULE, {"leaders": leaders})["scheduleNegotiations"]
    assert plan["unscheduled"] == []
    sessions = plan["sessions"]
    assert sorted(s["unitCode"] for s in sessions) == ["CZJ", "FGW", "JA", "JH", "QK"]
    seen = [(s["day"], s["slot"], ld) for s in sessions for ld in s["leaderStaffNos"]]
    assert len(seen) == len(set(seen))
    assert all(s["day"] != "2027-02-19" for s in sessions if "L-MAYOR" in s["leaderStaffNos"])
    assert {s["day"] for s in sessions} <= {"2027-02-19", "2027-02-22", "2027-02-23"}  # Fri, Mon, Tue
    day = year.ok("{ negotiationDay(year: 2027, day: \"2027-02-22\") { slot room unit { name } } }")
    assert day["negotiationDay"] and all(s["unit"]["name"] for s in day["negotiationDay"])
    own = year.ok("{ negotiationSchedule(year: 2027) { unitCode } }", who=JA_OP)["negotiationSchedule"]
    assert own == [{"unitCode": "JA"}]
    assert year.refused(SCHEDULE, {"leaders": leaders}, who=LEADER)["extensions"]["code"] == "FORBIDDEN"
