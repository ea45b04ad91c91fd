"""Letters and progress reports in batches (createLetters, signLetters, reportProgressBatch): each item checked
as its one-at-a-time mutation checks it, all or nothing, the same content hash, and the unit's own only."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.targets.harness import JA_OP, JH_OP, LEADER, OFFICE, Api, execute_sql, loaded_ok, target_row, write_targets

CREATE = """mutation($inputs: [NewLetterInput!]!) { createLetters(inputs: $inputs) { id status version level } }"""
SIGN = """mutation($s: [LetterSignatureInput!]!) { signLetters(signatures: $s) {
  id status version contentHash issuerSignedBy receiverSignedBy } }"""
VERIFY = """query($id: ID!) { verifyLetter(id: $id) { valid storedHash currentHash } }"""
LETTERS = """query { letters(year: 2030) { id level status receiver } }"""
REPORT = """mutation($r: [ProgressReportInput!]!) { reportProgressBatch(year: 2030, reports: $r) }"""
REPORTS = """query($code: String!) { target(year: 2030, code: $code) { status progressReports { period actualToDate
  reporter } } }"""
LAGGING = """query($d: Date!) { laggingTargets(year: 2030, asOf: $d) { code status } }"""


@pytest.fixture(scope="module")
def year(api: Api, tmp_path_factory: pytest.TempPathFactory) -> None:
    rows = [target_row("B-01", "JA", points="60", value="100", year="2030"),
            target_row("B-01-D", "JA", parent="B-01", value="100", year="2030", department="一科"),
            target_row("B-01-D-1", "JA", parent="B-01-D", value="60", year="2030", assignee="JA-002"),
            target_row("B-01-D-2", "JA", parent="B-01-D", value="40", year="2030", assignee="JA-003"),
            target_row("B-02", "JA", points="40", value="50", year="2030", assignee="JA-001"),
            target_row("H-01", "JH", points="100", value="10", year="2030", assignee="JH-001")]
    loaded_ok(api, api.load(write_targets(tmp_path_factory.mktemp("t2030"), rows)))


def city(unit: str, codes: list[str]) -> dict[str, Any]:
    return {"year": 2030, "unitCode": unit, "level": "CITY_UNIT", "issuer": "武汉市人民政府", "receiver": unit,
            "targetCodes": codes}


def test_letters_are_drafted_and_signed_in_batches_level_by_level(api: Api, year: None) -> None:
    made = api.ok(CREATE, {"inputs": [city("JA", ["B-01", "B-02"]), city("JH", ["H-01"])]})["createLetters"]
    assert [(x["status"], x["version"], x["level"]) for x in made] == [("DRAFT", 1, "CITY_UNIT")] * 2
    ja, jh = made[0]["id"], made[1]["id"]
    below = api.ok(CREATE, {"inputs": [{"year": 2030, "unitCode": "JA", "level": "UNIT_DEPARTMENT", "issuer": "江岸区",
                                        "receiver": "一科", "targetCodes": ["B-01-D"], "parentId": ja}]})
    dept = below["createLetters"][0]["id"]
    people = api.ok(CREATE, {"inputs": [
        {"year": 2030, "unitCode": "JA", "level": "DEPARTMENT_PERSON", "issuer": "一科", "receiver": "JA-002",
         "targetCodes": ["B-01-D-1"], "parentId": dept},
        {"year": 2030, "unitCode": "JA", "level": "DEPARTMENT_PERSON", "issuer": "一科", "receiver": "JA-003",
         "targetCodes": ["B-01-D-2"], "parentId": dept}]})["createLetters"]
    # A batch that signs a child before its parent is refused whole: nothing of it stays.
    early = api.refused(SIGN, {"s": [{"id": ja, "side": "ISSUER", "version": 1},
                                     {"id": dept, "side": "ISSUER", "version": 1}]}, who=LEADER)
    assert early["extensions"]["code"] in ("CONFLICT", "FORBIDDEN")
    assert {x["status"] for x in api.ok(LETTERS)["letters"]} == {"DRAFT"}
    api.ok(SIGN, {"s": [{"id": ja, "side": "ISSUER", "version": 1}, {"id": jh, "side": "ISSUER", "version": 1}]},
           who=LEADER)
    # The unit signs only its own side: JH's letter in a JA batch refuses the whole batch.
    other = api.refused(SIGN, {"s": [{"id": ja, "side": "RECEIVER", "version": 2},
                                     {"id": jh, "side": "RECEIVER", "version": 2}]}, who=JA_OP)
    assert other["extensions"]["code"] == "FORBIDDEN"
    signed = api.ok(SIGN, {"s": [{"id": ja, "side": "RECEIVER", "version": 2},
                                 {"id": dept, "side": "ISSUER", "version": 1}]}, who=JA_OP)["signLetters"]
    assert [(x["status"], x["receiverSignedBy"] or x["issuerSignedBy"]) for x in signed] == [
        ("SIGNED", "jaop"), ("DRAFT", "jaop")]
    same = api.refused(SIGN, {"s": [{"id": dept, "side": "RECEIVER", "version": 2}]}, who=JA_OP)
    assert same["extensions"]["code"] == "CONFLICT" and "two different people" in same["message"]
    api.ok(SIGN, {"s": [{"id": dept, "side": "RECEIVER", "version": 2}]
                  + [{"id": p["id"], "side": "ISSUER", "version": 1} for p in people]})
    done = api.ok(SIGN, {"s": [{"id": p["id"], "side": "RECEIVER", "version": 2} for p in people]},
                  who=JA_OP)["signLetters"]
    assert {x["status"] for x in done} == {"SIGNED"}
    for letter in [ja, dept, *(p["id"] for p in people)]:
        check = api.ok(VERIFY, {"id": letter})["verifyLetter"]
        assert check["valid"] and check["storedHash"] == check["currentHash"]
    assert api.ok(REPORTS, {"code": "B-01-D-1"})["target"]["status"] == "SIGNED"
    jh_letter = next(x for x in api.ok(LETTERS)["letters"] if x["id"] == jh)
    assert jh_letter["status"] == "DRAFT", "JH has not signed its side yet"


def test_a_batch_of_letters_is_checked_as_one_letter_is(api: Api, year: None) -> None:
    before = len(api.ok(LETTERS)["letters"])
    wrong_unit = api.refused(CREATE, {"inputs": [city("JA", ["H-01"])]})
    assert wrong_unit["extensions"]["code"] == "BAD_USER_INPUT"
    stranger = api.refused(CREATE, {"inputs": [
        {"year": 2030, "unitCode": "JH", "level": "UNIT_DEPARTMENT", "issuer": "汉阳区", "receiver": "一科",
         "targetCodes": ["H-01"], "parentId": "1"}]}, who=JA_OP)
    assert stranger["extensions"]["code"] == "FORBIDDEN"
    nobody = api.refused(CREATE, {"inputs": [
        {"year": 2030, "unitCode": "JH", "level": "DEPARTMENT_PERSON", "issuer": "一科", "receiver": "JA-001",
         "targetCodes": ["H-01"], "parentId": "1"}]})
    assert nobody["extensions"]["code"] == "BAD_USER_INPUT" and "no member of staff" in nobody["message"]
    assert len(api.ok(LETTERS)["letters"]) == before


def test_progress_batches_are_all_or_nothing_and_feed_the_lagging_list(api: Api, year: None) -> None:
    reports = [{"code": "B-01-D-1", "period": "2030-06", "asOf": "2030-06-30", "actualToDate": "30"},
               {"code": "B-01-D-2", "period": "2030-06", "asOf": "2030-06-30", "actualToDate": "8"},
               {"code": "B-02", "period": "2030-06", "asOf": "2030-06-30", "actualToDate": "26"}]
    elsewhere = {"code": "H-01", "period": "2030-06", "asOf": "2030-06-30", "actualToDate": "5"}
    stranger = api.refused(REPORT, {"r": [*reports, elsewhere]}, who=JA_OP)
    assert stranger["extensions"]["code"] == "FORBIDDEN"
    negative = api.refused(REPORT, {"r": [{**reports[0], "actualToDate": "-1"}]}, who=JA_OP)
    assert negative["extensions"]["code"] == "BAD_USER_INPUT"
    assert api.ok(REPORTS, {"code": "B-01-D-1"})["target"]["progressReports"] == []
    assert api.ok(REPORT, {"r": reports}, who=JA_OP)["reportProgressBatch"] == 3
    shown = api.ok(REPORTS, {"code": "B-01-D-1"})["target"]["progressReports"]
    assert shown == [{"period": "2030-06", "actualToDate": "30", "reporter": "jaop"}]
    again = api.refused(REPORT, {"r": reports[:1]}, who=JA_OP)
    assert again["extensions"]["code"] == "CONFLICT"
    # 30/60 on track, 8/40 at risk (0.2 / 0.496); B-01-D is 0.5·… weighted: (30/60 + 8/40)/2 = 0.35 → lagging
    lagging = {x["code"]: x["status"] for x in api.ok(LAGGING, {"d": "2030-06-30"})["laggingTargets"]}
    assert lagging["B-01-D-2"] == "AT_RISK" and "B-01-D-1" not in lagging and "B-02" not in lagging
    assert lagging["B-01-D"] in ("LAGGING", "AT_RISK") and "H-01" in lagging, lagging


def test_a_tampered_letter_signed_in_a_batch_fails_verification(api: Api, year: None) -> None:
    letters = api.ok(LETTERS)["letters"]
    signed = next(x for x in letters if x["level"] == "DEPARTMENT_PERSON" and x["receiver"] == "JA-002")
    assert signed["status"] == "SIGNED"
    execute_sql(api.stack, "targets", "UPDATE target SET agreed_value = 61 WHERE code = 'B-01-D-1'")
    assert api.ok(VERIFY, {"id": signed["id"]})["verifyLetter"]["valid"] is False
    execute_sql(api.stack, "targets", "UPDATE target SET agreed_value = 60 WHERE code = 'B-01-D-1'")
    assert api.ok(VERIFY, {"id": signed["id"]})["verifyLetter"]["valid"] is True


def test_the_other_units_operator_cannot_sign_in_a_batch(api: Api, year: None) -> None:
    jh = next(x for x in api.ok(LETTERS)["letters"] if x["status"] == "DRAFT" and x["level"] == "CITY_UNIT")
    refused = api.refused(SIGN, {"s": [{"id": jh["id"], "side": "RECEIVER", "version": 2}]}, who=JA_OP)
    assert refused["extensions"]["code"] == "FORBIDDEN"
    signed = api.ok(SIGN, {"s": [{"id": jh["id"], "side": "RECEIVER", "version": 2}]}, who=JH_OP)["signLetters"]
    assert signed[0]["status"] == "SIGNED" and signed[0]["contentHash"]



def test_two_batches_signing_the_same_letter_at_once_one_wins(api: Api, tmp_path_factory: pytest.TempPathFactory
                                                             ) -> None:
    rows = [target_row(f"C-{n}", "JA", points="25", value="10", year="2031", assignee="JA-001") for n in range(4)]
    loaded_ok(api, api.load(write_targets(tmp_path_factory.mktemp("t2031"), rows)))
    inputs = [{"year": 2031, "unitCode": "JA", "level": "CITY_UNIT", "issuer": "武汉市人民政府", "receiver": "江岸区",
               "targetCodes": [f"C-{n}"]} for n in range(4)]
    ids = [x["id"] for x in api.ok(CREATE, {"inputs": inputs})["createLetters"]]
    batch = {"s": [{"id": i, "side": "ISSUER", "version": 1} for i in ids]}
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda who: api.call(SIGN, batch, who=who), [LEADER, OFFICE]))
    won = [a for a in answers if not a.get("errors")]
    lost = [a for a in answers if a.get("errors")]
    assert len(won) == 1 and len(lost) == 1, answers
    assert lost[0]["errors"][0]["extensions"]["code"] == "CONFLICT"
    signer = won[0]["data"]["signLetters"][0]["issuerSignedBy"]
    assert {x["issuerSignedBy"] for x in won[0]["data"]["signLetters"]} == {signer}
    assert [x["version"] for x in won[0]["data"]["signLetters"]] == [2, 2, 2, 2]
