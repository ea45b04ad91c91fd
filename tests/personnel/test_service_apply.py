"""applyResults on the real personnel service (own process, real database) against a real upstream server.

Every money figure below is computed by hand from §4.3 (100 % / 60 % / 0 %, one month's salary for
people on the establishment of an advanced unit, half-up to the cent).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.personnel.service_fixtures import IMPORT, FakeUpstream, PersonnelProcess, person_input

UNITS = ["ADV", "QUA", "UNQ", "LST"]
GRADES = {"ADV": "ADVANCED", "QUA": "QUALIFIED", "UNQ": "UNQUALIFIED", "LST": "LAST_PLACE"}
# (suffix, position, leadership member, main leader role, on establishment, salary, bonus standard)
STAFF = [
    ("1", "党组书记", True, "party_secretary", True, "12345.67", "30000.00"),
    ("2", "局长", True, "admin_head", True, "11000.00", "28888.88"),
    ("3", "副局长", True, "", True, "9000.50", "25000.01"),
    ("4", "科员", False, "", True, "6543.21", "20000.03"),
    ("5", "聘用人员", False, "", False, "4000.00", "10000.07"),
]
# staff_no → (bonusPaid, bonusForfeited, extraSalary, total, rule code)
EXPECTED = {
    "ADV-1": ("30000.00", "0.00", "12345.67", "42345.67", "ADVANCED_ON_ESTABLISHMENT"),
    "ADV-2": ("28888.88", "0.00", "11000.00", "39888.88", "ADVANCED_ON_ESTABLISHMENT"),
    "ADV-3": ("25000.01", "0.00", "9000.50", "34000.51", "ADVANCED_ON_ESTABLISHMENT"),
    "ADV-4": ("20000.03", "0.00", "6543.21", "26543.24", "ADVANCED_ON_ESTABLISHMENT"),
    "ADV-5": ("10000.07", "0.00", "0.00", "10000.07", "ADVANCED_OFF_ESTABLISHMENT"),
    "QUA-1": ("30000.00", "0.00", "0.00", "30000.00", "QUALIFIED"),
    "QUA-2": ("28888.88", "0.00", "0.00", "28888.88", "QUALIFIED"),
    "QUA-3": ("25000.01", "0.00", "0.00", "25000.01", "QUALIFIED"),
    "QUA-4": ("20000.03", "0.00", "0.00", "20000.03", "QUALIFIED"),
    "QUA-5": ("10000.07", "0.00", "0.00", "10000.07", "QUALIFIED"),
    "UNQ-1": ("0.00", "30000.00", "0.00", "0.00", "UNQUALIFIED_LEADERSHIP"),
    "UNQ-2": ("0.00", "28888.88", "0.00", "0.00", "UNQUALIFIED_LEADERSHIP"),
    "UNQ-3": ("0.00", "25000.01", "0.00", "0.00", "UNQUALIFIED_LEADERSHIP"),
    # 20000.03 × 0.6 = 12000.018 → 12000.02 (rounds up); forfeited 20000.03 − 12000.02
    "UNQ-4": ("12000.02", "8000.01", "0.00", "12000.02", "UNQUALIFIED_STAFF"),
    # 10000.07 × 0.6 = 6000.042 → 6000.04 (rounds down); forfeited 10000.07 − 6000.04
    "UNQ-5": ("6000.04", "4000.03", "0.00", "6000.04", "UNQUALIFIED_STAFF"),
    "LST-1": ("0.00", "30000.00", "0.00", "0.00", "LAST_PLACE_LEADERSHIP"),
    "LST-2": ("0.00", "28888.88", "0.00", "0.00", "LAST_PLACE_LEADERSHIP"),
    "LST-3": ("0.00", "25000.01", "0.00", "0.00", "LAST_PLACE_LEADERSHIP"),
    "LST-4": ("12000.02", "8000.01", "0.00", "12000.02", "LAST_PLACE_STAFF"),
    "LST-5": ("6000.04", "4000.03", "0.00", "6000.04", "LAST_PLACE_STAFF"),
}
APPLY = """mutation($y: Int!) { applyResults(year: $y) { year revision people rewardLines filingRecords
  leaderAdjustments honours created changed unchanged withdrawn flaggedForReview } }"""
LINES = """query($y: Int!, $after: String) { rewardLines(year: $y, first: 1000, after: $after) {
  edges { cursor node { person { staffNo name } unit { code } grade bonusPaid bonusForfeited extraSalary total
  ruleCode rule revision reason updatedAt } } pageInfo { hasNextPage endCursor } } }"""
FILINGS = """query($y: Int) { filingRecords(year: $y, first: 1000) { edges { node { id person { staffNo name }
  unit { code } year grade status updatedAt teamRole compositeScore rank rewardRule honours needsReview reviewNote
  revision reason version } } } }"""
ADJUSTMENTS = """query($y: Int!) { leaderAdjustments(year: $y) { id person { staffNo } unit { code } status
  mainLeaderRole revision needsReview } }"""
HONOURS = """query($y: Int!) { honours(year: $y) { kind title unit { code } person { staffNo } revision } }"""


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeUpstream]:
    server = FakeUpstream().start()
    server.state.units = [*UNITS, "NEW"]
    yield server
    server.stop()


@pytest.fixture(scope="module")
def personnel(tmp_path_factory: pytest.TempPathFactory, upstream: FakeUpstream) -> Iterator[PersonnelProcess]:
    process = PersonnelProcess(Path(tmp_path_factory.mktemp("personnel")), upstream.url).start()
    rows, n = [], 2
    for unit in UNITS:
        for suffix, position, member, role, established, salary, bonus in STAFF:
            rows.append(person_input(n, f"{unit}-{suffix}", f"{unit}人员{suffix}", unit, position, member, role,
                                     established, salary, bonus))
            n += 1
    answer = process.gql(IMPORT, {"rows": rows})
    assert answer.errors == [] and answer.data["importPeople"]["created"] == 20
    yield process
    process.stop()


def lines(personnel: PersonnelProcess, year: int = 2026) -> dict[str, dict]:
    answer = personnel.gql(LINES, {"y": year})
    assert answer.errors == []
    return {e["node"]["person"]["staffNo"]: e["node"] for e in answer.data["rewardLines"]["edges"]}


def filings(personnel: PersonnelProcess, year: int = 2026) -> dict[str, dict]:
    answer = personnel.gql(FILINGS, {"y": year})
    assert answer.errors == []
    return {e["node"]["person"]["staffNo"]: e["node"] for e in answer.data["filingRecords"]["edges"]}


class TestRefusals:
    def test_nothing_published_is_a_conflict_with_a_plain_message(self, personnel: PersonnelProcess) -> None:
        answer = personnel.gql(APPLY, {"y": 2030})
        assert answer.codes == ["CONFLICT"]
        assert "nothing is published for 2030" in answer.errors[0]["message"]
        assert lines(personnel, 2030) == {}

    def test_an_unreachable_assessment_service_is_reported_and_changes_nothing(
            self, personnel: PersonnelProcess, upstream: FakeUpstream) -> None:
        """The roster is read while the revision is fetched; when the fetch fails, the roster's read is dropped,
        the failure is what the caller sees, and the next apply works."""
        upstream.publish(2032, 1, GRADES)
        upstream.state.failing = True
        try:
            answer = personnel.gql(APPLY, {"y": 2032})
        finally:
            upstream.state.failing = False
        assert answer.codes == ["INTERNAL"]
        assert "the assessment service is not reachable (HTTP 503)" in answer.errors[0]["message"]
        assert lines(personnel, 2032) == {}
        answer = personnel.gql(APPLY, {"y": 2032})
        assert answer.errors == [] and answer.data["applyResults"]["rewardLines"] == len(lines(personnel, 2032)) > 0

    @pytest.mark.parametrize("role", ["UNIT_OPERATOR", "LEADER", "AUDITOR", "SUPERVISION_OFFICE", "EVALUATOR"])
    def test_only_the_target_office_and_organisation_department_apply(
            self, personnel: PersonnelProcess, upstream: FakeUpstream, role: str) -> None:
        upstream.publish(2031, 1, GRADES)
        answer = personnel.gql(APPLY, {"y": 2031}, as_=("someone", role), unit="ADV")
        assert answer.codes == ["FORBIDDEN"]
        assert lines(personnel, 2031) == {}

    def test_refusal_is_audited(self, personnel: PersonnelProcess) -> None:
        personnel.gql(APPLY, {"y": 2031}, as_=("op", "UNIT_OPERATOR"), unit="ADV")
        refused = [r for r in personnel.audit() if r["action"] == "applyResults" and not r["success"]]
        assert refused and refused[-1]["actor"] == "op"
        assert str(refused[-1]["detail"]).startswith("FORBIDDEN")

    def test_unauthenticated_request_is_refused(self, personnel: PersonnelProcess) -> None:
        response = personnel.http.post(f"{personnel.url}/graphql", json={"query": "{ honours(year: 2026) { title } }"})
        assert response.status_code == 401
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


class TestFirstApplication:
    @pytest.fixture(scope="class", autouse=True)
    def applied(self, personnel: PersonnelProcess, upstream: FakeUpstream) -> dict:
        upstream.publish(2026, 1, GRADES, reason="首次发布")
        answer = personnel.gql(APPLY, {"y": 2026}, as_=("orgdept", "ORGANIZATION_DEPT"))
        assert answer.errors == []
        return answer.data["applyResults"]

    def test_report_counts(self, applied: dict) -> None:
        assert applied == {
            "year": 2026, "revision": 1, "people": 20, "rewardLines": 20, "filingRecords": 9,
            "leaderAdjustments": 2, "honours": 3, "created": 20 + 9 + 2 + 3, "changed": 0, "unchanged": 0,
            "withdrawn": 0, "flaggedForReview": 0,
        }

    @pytest.mark.parametrize("staff_no", sorted(EXPECTED))
    def test_reward_line_matches_the_hand_computation(self, personnel: PersonnelProcess, staff_no: str) -> None:
        line = lines(personnel)[staff_no]
        paid, forfeited, extra, total, rule = EXPECTED[staff_no]
        assert (line["bonusPaid"], line["bonusForfeited"], line["extraSalary"], line["total"]) == (
            paid, forfeited, extra, total)
        assert line["ruleCode"] == rule and line["rule"].startswith(rule + ": ")
        assert line["grade"] == GRADES[staff_no.split("-")[0]]
        assert line["unit"]["code"] == staff_no.split("-")[0]
        assert line["revision"] == 1

    def test_honours_for_the_advanced_unit_and_its_main_leaders(self, personnel: PersonnelProcess) -> None:
        answer = personnel.gql(HONOURS, {"y": 2026})
        got = sorted((h["kind"], h["title"], h["unit"]["code"], (h["person"] or {}).get("staffNo"))
                     for h in answer.data["honours"])
        assert got == [
            ("PERSON", "武汉市年度目标管理先进个人", "ADV", "ADV-1"),
            ("PERSON", "武汉市年度目标管理先进个人", "ADV", "ADV-2"),
            ("UNIT", "武汉市年度目标管理先进单位", "ADV", None),
        ]

    def test_filing_record_for_each_leadership_member_of_advanced_and_non_qualified_units(
            self, personnel: PersonnelProcess) -> None:
        found = filings(personnel)
        assert sorted(found) == sorted(f"{u}-{i}" for u in ("ADV", "UNQ", "LST") for i in (1, 2, 3))
        secretary = found["ADV-1"]
        assert secretary["status"] == "DRAFT" and secretary["year"] == 2026 and secretary["grade"] == "ADVANCED"
        assert secretary["teamRole"] == "PARTY_SECRETARY" and found["ADV-3"]["teamRole"] == "MEMBER"
        assert secretary["compositeScore"] == "90.25" and secretary["rank"] == 1
        assert secretary["honours"] == ["武汉市年度目标管理先进单位", "武汉市年度目标管理先进个人"]
        assert found["ADV-3"]["honours"] == ["武汉市年度目标管理先进单位"]
        assert found["UNQ-2"]["rewardRule"] == "UNQUALIFIED_LEADERSHIP"

    def test_leader_adjustment_for_each_main_leader_of_the_last_place_unit(self, personnel: PersonnelProcess) -> None:
        cases = personnel.gql(ADJUSTMENTS, {"y": 2026}).data["leaderAdjustments"]
        assert sorted((c["person"]["staffNo"], c["unit"]["code"], c["status"], c["mainLeaderRole"]) for c in cases) \
            == [("LST-1", "LST", "PROPOSED", "PARTY_SECRETARY"), ("LST-2", "LST", "PROPOSED", "ADMIN_HEAD")]

    def test_reapplying_the_same_revision_changes_nothing(self, personnel: PersonnelProcess) -> None:
        before = (lines(personnel), filings(personnel), personnel.gql(ADJUSTMENTS, {"y": 2026}).data)
        again = personnel.gql(APPLY, {"y": 2026}).data["applyResults"]
        assert (again["created"], again["changed"], again["withdrawn"], again["flaggedForReview"]) == (0, 0, 0, 0)
        assert again["unchanged"] == 34
        after = (lines(personnel), filings(personnel), personnel.gql(ADJUSTMENTS, {"y": 2026}).data)
        assert after == before

    def test_application_is_audited_with_its_revision(self, personnel: PersonnelProcess) -> None:
        applied = [r for r in personnel.audit() if r["action"] == "applyResults" and r["success"]
                   and r["entity_id"].startswith("2026/")]
        assert applied[0]["actor"] == "orgdept" and applied[0]["entity_id"] == "2026/r1"


class TestNewerRevision:
    """Revision 2 moves QUA from QUALIFIED to ADVANCED; nothing else changes."""

    @pytest.fixture(scope="class", autouse=True)
    def revised(self, personnel: PersonnelProcess, upstream: FakeUpstream) -> tuple[dict, dict, dict]:
        before = (lines(personnel), filings(personnel))
        upstream.publish(2026, 1, GRADES)
        personnel.gql(APPLY, {"y": 2026})
        scores = {r["unitCode"]: r["compositeScore"] for r in upstream.state.published[2026]["results"]}
        upstream.publish(2026, 2, {**GRADES, "QUA": "ADVANCED"}, reason="复核更正：QUA 单位得分", scores=scores)
        answer = personnel.gql(APPLY, {"y": 2026})
        assert answer.errors == []
        return answer.data["applyResults"], before[0], before[1]

    def test_qualified_unit_now_gets_the_advanced_rewards(self, personnel: PersonnelProcess) -> None:
        now = lines(personnel)
        assert now["QUA-1"]["extraSalary"] == "12345.67" and now["QUA-1"]["total"] == "42345.67"
        assert now["QUA-5"]["ruleCode"] == "ADVANCED_OFF_ESTABLISHMENT" and now["QUA-5"]["extraSalary"] == "0.00"
        assert now["QUA-4"]["revision"] == 2
        assert "复核更正" in now["QUA-4"]["reason"] and "QUALIFIED → ADVANCED" in now["QUA-4"]["reason"]

    def test_only_what_changed_is_touched(self, personnel: PersonnelProcess, revised: tuple[dict, dict, dict]
                                          ) -> None:
        report, old_lines, old_filings = revised
        now = lines(personnel)
        for staff_no, line in now.items():
            if not staff_no.startswith("QUA"):
                assert line == old_lines[staff_no]
        for staff_no, form in filings(personnel).items():
            if not staff_no.startswith("QUA"):
                assert form == old_filings[staff_no]
        # 5 reward lines + 3 filing forms + 3 honours are new or changed for QUA, and nothing else
        assert (report["revision"], report["changed"], report["created"]) == (2, 5, 6)
        assert report["unchanged"] == 15 + 9 + 2 + 3

    def test_new_filing_records_and_honours_for_the_newly_advanced_unit(self, personnel: PersonnelProcess) -> None:
        found = filings(personnel)
        assert {f"QUA-{i}" for i in (1, 2, 3)} <= set(found)
        assert found["QUA-1"]["revision"] == 2 and found["QUA-1"]["status"] == "DRAFT"
        titles = {(h["unit"]["code"], (h["person"] or {}).get("staffNo"))
                  for h in personnel.gql(HONOURS, {"y": 2026}).data["honours"]}
        assert {("QUA", None), ("QUA", "QUA-1"), ("QUA", "QUA-2")} <= titles

    def test_an_older_revision_is_refused_afterwards(self, personnel: PersonnelProcess, upstream: FakeUpstream
                                                     ) -> None:
        upstream.publish(2026, 1, GRADES)
        answer = personnel.gql(APPLY, {"y": 2026})
        assert answer.codes == ["CONFLICT"] and "older" in answer.errors[0]["message"]


class TestFrozenFilingRecords:
    """Revision 3 takes ADV down to QUALIFIED after one of its forms went to the organisation department."""

    def test_transferred_form_is_flagged_not_changed_and_drafts_are_withdrawn(
            self, personnel: PersonnelProcess, upstream: FakeUpstream) -> None:
        upstream.publish(2026, 2, {**GRADES, "QUA": "ADVANCED"}, reason="复核更正：QUA 单位得分")
        form = filings(personnel)["ADV-1"]
        step = "mutation($id: ID!, $v: Int!) { %s(id: $id, version: $v) { status version } }"
        reviewed = personnel.gql(step % "reviewFilingRecord", {"id": form["id"], "v": form["version"]},
                                 as_=("dc", "SUPERVISION_OFFICE")).data["reviewFilingRecord"]
        transferred = personnel.gql(step % "transferFilingRecord", {"id": form["id"], "v": reviewed["version"]},
                                    as_=("dc", "SUPERVISION_OFFICE")).data["transferFilingRecord"]
        assert transferred["status"] == "TRANSFERRED"
        frozen = filings(personnel)["ADV-1"]
        upstream.publish(2026, 3, {**GRADES, "ADV": "QUALIFIED", "QUA": "ADVANCED"}, reason="第二次更正")
        report = personnel.gql(APPLY, {"y": 2026}).data["applyResults"]
        after = filings(personnel)
        assert after["ADV-1"]["status"] == "TRANSFERRED" and after["ADV-1"]["needsReview"] is True
        assert "第二次更正" in after["ADV-1"]["reviewNote"]
        assert {k: v for k, v in after["ADV-1"].items() if k not in {"needsReview", "reviewNote", "updatedAt"}} \
            == {k: v for k, v in frozen.items() if k not in {"needsReview", "reviewNote", "updatedAt"}}
        assert after["ADV-2"]["status"] == "WITHDRAWN" and after["ADV-2"]["revision"] == 3
        assert report["flaggedForReview"] == 1 and report["withdrawn"] >= 2 + 3
        assert lines(personnel)["ADV-1"]["extraSalary"] == "0.00"
        titles = {(h["unit"]["code"], (h["person"] or {}).get("staffNo"))
                  for h in personnel.gql(HONOURS, {"y": 2026}).data["honours"]}
        assert not any(code == "ADV" for code, _ in titles)
        again = personnel.gql(APPLY, {"y": 2026}).data["applyResults"]
        assert (again["created"], again["changed"], again["withdrawn"], again["flaggedForReview"]) == (0, 0, 0, 0)


class TestPeopleOfOtherUnits:
    """A unit's records name people who may have moved on; the unit still reads its records whole, never the
    roster entry of someone who is now another unit's."""

    MOVED = """query($y: Int!) { rewardLines(year: $y, first: 100) { edges { node { unit { code } person {
      staffNo name position unit { code } unitHistory { unit { code } } } } } } }"""

    def test_a_moved_persons_reward_line_shows_the_records_own_view(self, personnel: PersonnelProcess) -> None:
        version = personnel.gql('{ person(staffNo: "UNQ-4") { version } }').data["person"]["version"]
        moved = personnel.gql('mutation($v: Int!) { transferPerson(staffNo: "UNQ-4", version: $v, unitCode: "QUA", '
                              'position: "处长", effectiveDate: "2027-01-01") { unit { code } } }', {"v": version})
        assert moved.errors == [] and moved.data["transferPerson"]["unit"] == {"code": "QUA"}
        answer = personnel.gql(self.MOVED, {"y": 2026}, as_=("unq-op", "UNIT_OPERATOR"), unit="UNQ")
        assert answer.errors == []
        people = {e["node"]["person"]["staffNo"]: e["node"]["person"] for e in answer.data["rewardLines"]["edges"]}
        assert sorted(people) == ["UNQ-1", "UNQ-2", "UNQ-3", "UNQ-4", "UNQ-5"]  # the list is whole
        assert people["UNQ-4"] == {"staffNo": "UNQ-4", "name": "UNQ人员4", "position": "", "unit": {"code": "UNQ"},
                                   "unitHistory": [{"unit": {"code": "UNQ"}}]}  # nothing of QUA
        assert people["UNQ-3"]["position"] == "副局长"  # still on the roster of UNQ: the roster's own entry
        office = personnel.gql(self.MOVED, {"y": 2026}).data["rewardLines"]["edges"]
        mine = next(e["node"]["person"] for e in office if e["node"]["person"]["staffNo"] == "UNQ-4")
        assert mine["position"] == "处长" and mine["unitHistory"][-1]["unit"] == {"code": "QUA"}
        # the unit the person moved to reads them from its roster: their whole history, the stint in UNQ too
        theirs = personnel.gql('{ person(staffNo: "UNQ-4") { unitHistory { unit { code } } } }',
                               as_=("qua-op", "UNIT_OPERATOR"), unit="QUA")
        assert theirs.errors == []
        assert theirs.data["person"]["unitHistory"] == [{"unit": {"code": "UNQ"}}, {"unit": {"code": "QUA"}}]

    def test_honours_of_other_units_name_no_person_to_a_unit_operator(self, personnel: PersonnelProcess) -> None:
        query = "query($y: Int!) { honours(year: $y) { kind unit { code } person { staffNo name } } }"
        answer = personnel.gql(query, {"y": 2026}, as_=("unq-op", "UNIT_OPERATOR"), unit="UNQ")
        persons = [h for h in answer.data["honours"] if h["kind"] == "PERSON"]
        assert persons and all(h["unit"]["code"] == "QUA" and h["person"] is None for h in persons)
        assert {e["extensions"]["code"] for e in answer.errors} == {"FORBIDDEN"}
        assert len(answer.errors) == len(persons)
        assert all(h["person"]["name"] for h in personnel.gql(query, {"y": 2026}).data["honours"]
                   if h["kind"] == "PERSON")
