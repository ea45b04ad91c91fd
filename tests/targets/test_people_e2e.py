"""The people a target names belong to its unit, and a unit's operator reads no other unit's people: through
the gateway (assignee, responsible leader, decomposition, import, letters) and on the personnel port."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.targets.harness import JA_OP, JH_OP, LEADER, OFFICE, Api, loaded_ok, target_row, write_targets

EVALUATOR_JA = ("evaluator", ["EVALUATOR"], "JA")
UPDATE = """mutation($code: String!, $v: Int!, $input: TargetChangeInput!) {
  updateTarget(year: 2026, code: $code, version: $v, input: $input) { code version assignee { staffNo } } }"""
DECOMPOSE = """mutation($code: String!, $children: [ChildTargetInput!]!) {
  decomposeTarget(year: 2026, code: $code, children: $children) { code } }"""
CREATE = """mutation($leader: String) { createTarget(input: {year: 2026, code: "P-NEW", unitCode: "JA", title: "新目标",
  kind: STRETCH, measure: QUALITATIVE, direction: HIGHER_IS_BETTER, points: "2", responsibleLeader: $leader}) {
  code } }"""
IMPORT = "mutation($rows: [JSON!]!) { importTargets(rows: $rows) { created updated unchanged } }"
LETTER = """mutation($receiver: String!) { createLetter(input: {year: 2026, unitCode: "JA", level: DEPARTMENT_PERSON,
  issuer: "一科", receiver: $receiver, targetCodes: ["P-01"]}) { id } }"""
VERSION = """query($code: String!) { target(year: 2026, code: $code) { version assignee { staffNo }
  responsibleLeader { staffNo } children { code } } }"""
TREE = """{ unit(code: "JA") { targets(year: 2026) { code assignee { staffNo name position onEstablishment
  unitHistory { unit { code } position } } } } }"""
ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { staffNo name position } } }"


@pytest.fixture(scope="module")
def targets(api: Api, tmp_path_factory: pytest.TempPathFactory) -> Api:
    rows = [target_row("P-01", "JA", points="60", assignee="JA-003"),
            target_row("P-02", "JA", points="40", leader="JA-001", assignee="JA-002"),
            target_row("P-JH", "JH", points="100", assignee="JH-003")]
    loaded_ok(api, api.load(write_targets(tmp_path_factory.mktemp("targets"), rows)))
    return api


def version(api: Api, code: str) -> int:
    return api.ok(VERSION, {"code": code})["target"]["version"]


def same_refusal(unknown: dict[str, Any], elsewhere: dict[str, Any], numbers: tuple[str, str]) -> None:
    """The refusal for a number nobody has and for another unit's person are one and the same answer."""
    assert unknown["extensions"]["code"] == elsewhere["extensions"]["code"] == "BAD_USER_INPUT"
    assert unknown["extensions"] == elsewhere["extensions"]
    assert unknown["message"].replace(numbers[0], "N") == elsewhere["message"].replace(numbers[1], "N")


def test_an_assignee_of_another_unit_is_refused_like_an_unknown_number(targets: Api) -> None:
    v = version(targets, "P-01")
    elsewhere = targets.refused(UPDATE, {"code": "P-01", "v": v, "input": {"assignee": "JH-001"}}, who=JA_OP)
    unknown = targets.refused(UPDATE, {"code": "P-01", "v": v, "input": {"assignee": "JA-999"}}, who=JA_OP)
    same_refusal(unknown, elsewhere, ("JA-999", "JH-001"))
    assert elsewhere["message"] == "unit JA has no member of staff JH-001"
    assert elsewhere["extensions"]["field"] == "assignee"
    by_office = targets.refused(UPDATE, {"code": "P-01", "v": v, "input": {"responsibleLeader": "JH-001"}})
    assert (by_office["message"], by_office["extensions"]["field"]) == (
        "unit JA has no member of staff JH-001", "responsibleLeader")
    after = targets.ok(VERSION, {"code": "P-01"})["target"]
    assert (after["version"], after["assignee"], after["responsibleLeader"]) == (v, {"staffNo": "JA-003"}, None)
    # another unit's operator is refused the target itself before anything is said about the people
    assert targets.refused(UPDATE, {"code": "P-01", "v": v, "input": {"assignee": "JH-001"}},
                           who=JH_OP)["extensions"]["code"] == "FORBIDDEN"
    assert targets.ok(UPDATE, {"code": "P-01", "v": v, "input": {"assignee": "JA-002"}},
                      who=JA_OP)["updateTarget"]["assignee"] == {"staffNo": "JA-002"}
    targets.ok(UPDATE, {"code": "P-01", "v": v + 1, "input": {"assignee": "JA-003"}}, who=JA_OP)


def test_decomposition_refuses_people_of_another_unit(targets: Api) -> None:
    def decompose(leader: str | None, assignee: str | None) -> dict[str, Any]:
        child = {"code": "P-02-D1", "title": "一科", "value": "50", "responsibleLeader": leader, "assignee": assignee}
        return targets.refused(DECOMPOSE, {"code": "P-02", "children": [child]}, who=JA_OP)

    same_refusal(decompose(None, "JA-999"), decompose(None, "JH-002"), ("JA-999", "JH-002"))
    same_refusal(decompose("QK-001", "JA-003"), decompose("JA-998", "JA-003"), ("QK-001", "JA-998"))
    assert decompose("QK-001", "JA-003")["extensions"]["field"] == "responsibleLeader"
    assert targets.ok(VERSION, {"code": "P-02"})["target"]["children"] == []


def test_a_new_target_and_an_import_name_only_people_of_the_targets_unit(targets: Api) -> None:
    same_refusal(targets.refused(CREATE, {"leader": "NOBODY-1"}), targets.refused(CREATE, {"leader": "FGW-001"}),
                 ("NOBODY-1", "FGW-001"))
    assert targets.ok(CREATE, {"leader": "JA-001"})["createTarget"] == {"code": "P-NEW"}

    header = ["code", "unit_code", "year", "title", "category", "kind", "measure", "direction", "unit_of_measure",
              "baseline", "agreed_value", "points", "benchmark_city", "benchmark_value", "assessing_department",
              "parent_code", "responsible_department", "responsible_leader", "assignee"]
    rows = [target_row("P-01-D9", "JA", parent="P-01", value="1", assignee="JH-002"),
            target_row("P-01-D8", "JA", parent="P-01", value="1", assignee="JA-997"),
            target_row("P-JH-D1", "JH", parent="P-JH", value="1", leader="JA-001"),
            target_row("P-01-D7", "JA", parent="P-01", value="1", assignee="JA-002")]
    body = targets.call(IMPORT, {"rows": [{"row": n, **dict(zip(header, r, strict=True))}
                                          for n, r in enumerate(rows, 2)]})
    errors = body["errors"][0]["extensions"]["rowErrors"]
    assert [(e["row"], e["column"], e["reason"]) for e in errors] == [
        (2, "assignee", "unit JA has no member of staff JH-002"),
        (3, "assignee", "unit JA has no member of staff JA-997"),
        (4, "responsible_leader", "unit JH has no member of staff JA-001")]
    assert targets.ok(VERSION, {"code": "P-01"})["target"]["children"] == []  # all or nothing


def test_a_person_letter_goes_to_a_member_of_the_units_staff(targets: Api) -> None:
    elsewhere = targets.refused(LETTER, {"receiver": "JH-003"}, who=JA_OP)
    same_refusal(targets.refused(LETTER, {"receiver": "JA-404"}, who=JA_OP), elsewhere, ("JA-404", "JH-003"))
    assert elsewhere["extensions"]["field"] == "receiver"


def test_a_person_who_left_the_unit_is_no_longer_readable_through_its_targets(targets: Api) -> None:
    before = {t["code"]: t["assignee"] for t in targets.ok(TREE, who=JA_OP)["unit"]["targets"]}
    assert before["P-01"]["staffNo"] == "JA-003" and before["P-01"]["name"]
    person = targets.ok('{ person(staffNo: "JA-003") { version } }')["person"]
    targets.ok("""mutation($v: Int!) { transferPerson(staffNo: "JA-003", version: $v, unitCode: "JH",
                  position: "科员", effectiveDate: "2027-01-01") { staffNo } }""", {"v": person["version"]})
    body = targets.call(TREE, who=JA_OP)
    by_code = {t["code"]: t for t in body["data"]["unit"]["targets"]}
    assert by_code["P-01"]["assignee"] is None  # the person, not the list: the other targets are intact
    assert by_code["P-02"]["assignee"]["name"] and by_code["P-02"]["assignee"]["unitHistory"]
    [error] = body["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["path"][:4] == ["unit", "targets", list(by_code).index("P-01"), "assignee"]
    assert error["message"] == "you may see only the people of your own unit (JA)"
    keys = targets.ok('{ unit(code: "JA") { targets(year: 2026) { code assignee { staffNo } } } }', who=JA_OP)
    assert {t["code"]: t["assignee"] for t in keys["unit"]["targets"]}["P-01"] == {"staffNo": "JA-003"}
    office = targets.ok(TREE)["unit"]["targets"]
    assert next(t["assignee"]["unitHistory"] for t in office if t["code"] == "P-01")[-1]["unit"] == {"code": "JH"}


def test_the_personnel_port_answers_a_unit_operator_for_its_own_unit_only(targets: Api) -> None:
    stack = targets.stack

    def entities(who: tuple[str, list[str], str | None], *staff_nos: str) -> dict[str, Any]:
        token = stack.token(who[0], who[1], who[2])
        return httpx.post(f"{stack.service_url('personnel')}/graphql", timeout=30,
                          json={"query": ENTITIES, "variables": {"r": [{"__typename": "Person", "staffNo": s}
                                                                       for s in staff_nos]}},
                          headers={"Authorization": f"Bearer {token}"}).json()

    answer = entities(JA_OP, "JA-001", "JH-001", "JA-999")
    assert answer["data"]["_entities"][0]["name"] and answer["data"]["_entities"][1:] == [None, None]
    assert [(e["path"], e["extensions"]["code"], e["message"]) for e in answer["errors"]] == [
        (["_entities", 1], "FORBIDDEN", "you may see only the people of your own unit (JA)"),
        (["_entities", 2], "FORBIDDEN", "you may see only the people of your own unit (JA)")]
    assert entities(EVALUATOR_JA, "JH-001")["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    city = entities(LEADER, "JH-001", "JA-999")
    assert "errors" not in city and city["data"]["_entities"][0]["name"] and city["data"]["_entities"][1] is None
    assert "errors" not in entities(OFFICE, "JH-001")


@pytest.mark.parametrize(("who", "readable"), [(JA_OP, {"JA"}), (EVALUATOR_JA, {"JA"}), (LEADER, {"JA", "JH"}),
                                               (OFFICE, {"JA", "JH"})])
def test_unit_staff_lists_follow_the_same_rule(targets: Api, who: tuple[str, list[str], str | None],
                                               readable: set[str]) -> None:
    for code in ("JA", "JH"):
        body = targets.call('query($u: ID!) { unit(code: $u) { code staff { staffNo name } } }', {"u": code}, who=who)
        if code in readable:
            assert "errors" not in body and body["data"]["unit"]["staff"], body
        else:
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
            assert not (body["data"] or {}).get("unit")
