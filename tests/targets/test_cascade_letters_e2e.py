"""分解细化 and 目标责任书 end to end: decomposition, gaps, assignees, signing level by level, hashes,
frozen targets, amendments, and a change made straight in the database."""

from __future__ import annotations

import pytest

from tests.targets.harness import (
    JA_OP,
    JA_OP2,
    JH_OP,
    LEADER,
    OFFICE,
    Api,
    execute_sql,
    loaded_ok,
    target_row,
    write_targets,
)

DECOMPOSE = """mutation($code: String!, $children: [ChildTargetInput!]!) {
  decomposeTarget(year: 2028, code: $code, children: $children) { code status agreedValue unitCode kind } }"""
GAP = """query($code: String!) { target(year: 2028, code: $code) { uncoveredGap children { code } } }"""
LETTER = """mutation($input: NewLetterInput!) { createLetter(input: $input) { id status version level } }"""
SIGN = """mutation($id: ID!, $side: LetterSide!, $v: Int!) { signLetter(id: $id, side: $side, version: $v) {
  id status version contentHash issuerSignedBy receiverSignedBy receiverSignedAt supersededBy } }"""
VERIFY = """query($id: ID!) { verifyLetter(id: $id) { valid storedHash currentHash letter { status } } }"""
UPDATE = """mutation($code: String!, $v: Int!, $input: TargetChangeInput!) {
  updateTarget(year: 2028, code: $code, version: $v, input: $input) { code version assignee { staffNo } } }"""
TARGET = """query($code: String!) { target(year: 2028, code: $code) { code status version agreedValue title } }"""


@pytest.fixture(scope="module")
def cascade(api: Api, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    rows = [target_row("L-01", "JA", points="60", value="100", year="2028", leader="JA-001"),
            target_row("L-02", "JA", points="40", value="50", year="2028", assignee="JA-002")]
    loaded_ok(api, api.load(write_targets(tmp_path_factory.mktemp("t2028"), rows)))
    return {}


def test_a_unit_decomposes_its_target_and_sees_the_gap(api: Api, cascade: dict[str, str]) -> None:
    children = [{"code": "L-01-D1", "title": "一科", "value": "60", "responsibleDepartment": "一科"},
                {"code": "L-01-D2", "title": "二科", "value": "30", "responsibleDepartment": "二科"}]
    made = api.ok(DECOMPOSE, {"code": "L-01", "children": children}, who=JA_OP)["decomposeTarget"]
    assert [(c["code"], c["status"], c["agreedValue"], c["unitCode"], c["kind"]) for c in made] == [
        ("L-01-D1", "AGREED", "60", "JA", "BASE"), ("L-01-D2", "AGREED", "30", "JA", "BASE")]
    assert api.ok(GAP, {"code": "L-01"})["target"]["uncoveredGap"] == "10"
    api.ok(DECOMPOSE, {"code": "L-01-D1", "children": [
        {"code": "L-01-D1-P1", "title": "张三的指标", "value": "60", "assignee": "JA-003"}]}, who=JA_OP)
    api.ok(DECOMPOSE, {"code": "L-01-D2", "children": [
        {"code": "L-01-D2-P1", "title": "李四的指标", "value": "30"}]}, who=JA_OP)
    assert api.ok(GAP, {"code": "L-01-D1"})["target"]["uncoveredGap"] == "0"


def test_decomposition_refusals(api: Api, cascade: dict[str, str]) -> None:
    child = [{"code": "L-02-X", "title": "x", "value": "1"}]
    assert api.refused(DECOMPOSE, {"code": "L-02", "children": child}, who=JH_OP)["extensions"]["code"] \
        == "FORBIDDEN"
    clash = api.refused(DECOMPOSE, {"code": "L-02", "children": [{"code": "L-01-D1", "title": "x"}]}, who=JA_OP)
    assert clash["extensions"]["code"] == "CONFLICT"
    unknown = api.refused(DECOMPOSE, {"code": "L-02", "children": [
        {"code": "L-02-Y", "title": "y", "assignee": "NOBODY"}]}, who=JA_OP)
    assert unknown["extensions"]["code"] == "BAD_USER_INPUT"
    api.ok("""mutation { createTarget(input: {year: 2028, code: "L-DRAFT", unitCode: "JA", title: "草稿",
             kind: STRETCH, measure: QUALITATIVE, direction: HIGHER_IS_BETTER, points: "2"}) { code } }""")
    draft = api.refused(DECOMPOSE, {"code": "L-DRAFT", "children": child}, who=JA_OP)
    assert draft["extensions"]["code"] == "CONFLICT"


def test_letters_are_signed_level_by_level_with_assignees_on_every_leaf(api: Api, cascade: dict[str, str]
                                                                       ) -> None:
    city = api.ok(LETTER, {"input": {"year": 2028, "unitCode": "JA", "level": "CITY_UNIT", "issuer": "武汉市人民政府",
                                     "receiver": "江岸区", "targetCodes": ["L-01", "L-02"]}})["createLetter"]
    dept = api.ok(LETTER, {"input": {"year": 2028, "unitCode": "JA", "level": "UNIT_DEPARTMENT",
                                     "issuer": "江岸区", "receiver": "一科、二科", "parentId": city["id"],
                                     "targetCodes": ["L-01-D1", "L-01-D2"]}}, who=JA_OP)["createLetter"]
    cascade.update(city=city["id"], dept=dept["id"])
    early = api.refused(SIGN, {"id": dept["id"], "side": "ISSUER", "v": 1}, who=JA_OP)
    assert early["extensions"]["code"] == "CONFLICT" and "parent letter" in early["message"]
    assert api.refused(SIGN, {"id": city["id"], "side": "ISSUER", "v": 1}, who=JA_OP)["extensions"]["code"] \
        == "FORBIDDEN"
    api.ok(SIGN, {"id": city["id"], "side": "ISSUER", "v": 1}, who=LEADER)
    stale = api.refused(SIGN, {"id": city["id"], "side": "RECEIVER", "v": 1}, who=JA_OP)
    assert stale["extensions"]["code"] == "CONFLICT" and stale["extensions"]["currentVersion"] == 2
    missing = api.refused(SIGN, {"id": city["id"], "side": "RECEIVER", "v": 2}, who=JA_OP)
    assert missing["extensions"]["code"] == "CONFLICT" and "L-01-D2-P1" in missing["message"]
    leaf = api.ok(TARGET, {"code": "L-01-D2-P1"})["target"]
    api.ok(UPDATE, {"code": "L-01-D2-P1", "v": leaf["version"], "input": {"assignee": "JA-002"}}, who=JA_OP)
    api.ok("""mutation($v: Int!) { updateTarget(year: 2028, code: "L-DRAFT", version: $v,
             input: {assignee: "JA-001"}) { code } }""", {"v": 1})
    signed = api.ok(SIGN, {"id": city["id"], "side": "RECEIVER", "v": 2}, who=JA_OP)["signLetter"]
    assert signed["status"] == "SIGNED" and len(signed["contentHash"]) == 64
    assert (signed["issuerSignedBy"], signed["receiverSignedBy"]) == ("mayor", "jaop")
    assert signed["receiverSignedAt"]
    assert api.ok(TARGET, {"code": "L-01"})["target"]["status"] == "SIGNED"
    api.ok(SIGN, {"id": dept["id"], "side": "ISSUER", "v": 1}, who=JA_OP)
    same = api.refused(SIGN, {"id": dept["id"], "side": "RECEIVER", "v": 2}, who=JA_OP)
    assert same["extensions"]["code"] == "CONFLICT"
    assert api.ok(SIGN, {"id": dept["id"], "side": "RECEIVER", "v": 2}, who=JA_OP2)["signLetter"]["status"] \
        == "SIGNED"
    assert api.ok(VERIFY, {"id": city["id"]})["verifyLetter"]["valid"] is True


def test_a_signed_target_cannot_change(api: Api, cascade: dict[str, str]) -> None:
    target = api.ok(TARGET, {"code": "L-01"})["target"]
    refused = api.refused(UPDATE, {"code": "L-01", "v": target["version"], "input": {"title": "改名"}})
    assert refused["extensions"]["code"] == "CONFLICT"
    child = api.ok(TARGET, {"code": "L-01-D1"})["target"]
    refused = api.refused(UPDATE, {"code": "L-01-D1", "v": child["version"], "input": {"agreedValue": "1"}},
                          who=JA_OP)
    assert refused["extensions"]["code"] == "CONFLICT"
    propose = api.refused("""mutation($v: Int!) { proposeTarget(year: 2028, code: "L-01", version: $v,
                            value: "1") { code } }""", {"v": target["version"]})
    assert propose["extensions"]["code"] == "CONFLICT"


def test_the_hash_detects_a_change_made_straight_in_the_database(api: Api, cascade: dict[str, str]) -> None:
    before = api.ok(VERIFY, {"id": cascade["dept"]})["verifyLetter"]
    assert before["valid"] is True and before["storedHash"] == before["currentHash"]
    execute_sql(api.stack, "targets", "UPDATE target SET agreed_value = $1 WHERE code = $2 AND year = $3",
                "61", "L-01-D1", 2028)
    after = api.ok(VERIFY, {"id": cascade["dept"]})["verifyLetter"]
    assert after["valid"] is False and after["currentHash"] != after["storedHash"]
    execute_sql(api.stack, "targets", "UPDATE target SET agreed_value = $1 WHERE code = $2 AND year = $3",
                "60", "L-01-D1", 2028)
    assert api.ok(VERIFY, {"id": cascade["dept"]})["verifyLetter"]["valid"] is True


def test_a_signed_amendment_changes_frozen_targets(api: Api, cascade: dict[str, str]) -> None:
    amend = """mutation($id: ID!) { amendLetter(id: $id, reason: "年中调整",
                 changes: [{code: "L-02", agreedValue: "55"}]) { id status amendsId version } }"""
    assert api.refused(amend, {"id": cascade["city"]}, who=JA_OP)["extensions"]["code"] == "FORBIDDEN"
    amendment = api.ok(amend, {"id": cascade["city"]})["amendLetter"]
    assert (amendment["status"], amendment["amendsId"]) == ("DRAFT", cascade["city"])
    assert api.ok(TARGET, {"code": "L-02"})["target"]["agreedValue"] == "50"
    api.ok(SIGN, {"id": amendment["id"], "side": "ISSUER", "v": 1}, who=LEADER)
    api.ok(SIGN, {"id": amendment["id"], "side": "RECEIVER", "v": 2}, who=JA_OP)
    target = api.ok(TARGET, {"code": "L-02"})["target"]
    assert (target["agreedValue"], target["status"]) == ("55", "SIGNED")
    original = api.ok(VERIFY, {"id": cascade["city"]})["verifyLetter"]
    assert original["letter"]["status"] == "SUPERSEDED" and original["valid"] is False
    assert api.ok(VERIFY, {"id": amendment["id"]})["verifyLetter"]["valid"] is True


def test_unit_operators_see_only_their_own_letters(api: Api, cascade: dict[str, str]) -> None:
    mine = api.ok("{ letters(year: 2028) { id unitCode targets { code } } }", who=JA_OP)["letters"]
    assert mine and {letter["unitCode"] for letter in mine} == {"JA"}
    assert api.ok("{ letters(year: 2028) { id } }", who=JH_OP)["letters"] == []
    assert api.refused(VERIFY, {"id": cascade["city"]}, who=JH_OP)["extensions"]["code"] == "FORBIDDEN"


def test_signing_checks_that_base_points_total_100(api: Api, cascade: dict[str, str]) -> None:
    api.ok("""mutation { createTarget(input: {year: 2028, code: "JH-P", unitCode: "JH", title: "半数分值",
             kind: BASE, measure: QUANTITATIVE, direction: HIGHER_IS_BETTER, points: "50", baseline: "1",
             assignee: "JH-001"}) { code } }""")
    api.ok("""mutation { proposeTarget(year: 2028, code: "JH-P", version: 1, value: "2") { code } }""")
    api.ok("""mutation { agreeTarget(year: 2028, code: "JH-P", version: 2) { code } }""", who=LEADER)
    letter = api.ok(LETTER, {"input": {"year": 2028, "unitCode": "JH", "level": "CITY_UNIT", "issuer": "市政府",
                                       "receiver": "江汉区", "targetCodes": ["JH-P"]}}, who=OFFICE)["createLetter"]
    api.ok(SIGN, {"id": letter["id"], "side": "ISSUER", "v": 1}, who=LEADER)
    refused = api.refused(SIGN, {"id": letter["id"], "side": "RECEIVER", "v": 2}, who=JH_OP)
    assert refused["extensions"]["code"] == "CONFLICT" and "total 50" in refused["message"]
