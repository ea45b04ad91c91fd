"""Filing-form workflow, leader-adjustment cases and cadre files on the real personnel service."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.personnel.service_fixtures import IMPORT, FakeUpstream, PersonnelProcess, person_input
from tests.personnel.test_service_apply import APPLY, GRADES, STAFF, UNITS, filings

STEP = """mutation($id: ID!, $v: Int!) { %s(id: $id, version: $v) { id status version reviewedBy transferredBy
  archivedBy signatures { step user office at } } }"""
REVIEW = """mutation($id: ID!, $v: Int!, $r: String) { reviewFilingRecord(id: $id, version: $v, remarks: $r) {
  status version remarks reviewedBy reviewedAt } }"""
DECIDE = """mutation($id: ID!, $v: Int!, $k: AdjustmentDecisionKind!, $t: String!) {
  decideLeaderAdjustment(id: $id, version: $v, kind: $k, text: $t) { status version decisionKind decisionText
  decidedBy decidedAt } }"""
EXECUTE = """mutation($id: ID!, $v: Int!) { executeLeaderAdjustment(id: $id, version: $v, note: "已执行") {
  status version executedBy executedAt } }"""
CASES = "query { leaderAdjustments(year: 2026) { id version status person { staffNo } } }"
CADRE = """query($s: ID!) { person(staffNo: $s) { staffNo cadreFile { filingRecords { year status grade }
  leaderAdjustments { year status } } } }"""
SUPERVISION = ("dc", "SUPERVISION_OFFICE")
OFFICE = ("office", "TARGET_OFFICE")
ORG = ("org", "ORGANIZATION_DEPT")


@pytest.fixture(scope="module")
def personnel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PersonnelProcess]:
    upstream = FakeUpstream().start()
    upstream.state.units = UNITS
    process = PersonnelProcess(Path(tmp_path_factory.mktemp("personnel")), upstream.url).start()
    rows = [person_input(n, f"{u}-{s[0]}", f"{u}人员{s[0]}", u, *s[1:]) for n, (u, s) in
            enumerate(((u, s) for u in UNITS for s in STAFF), start=2)]
    assert process.gql(IMPORT, {"rows": rows}).errors == []
    for year, revision in ((2025, 1), (2026, 1)):
        upstream.publish(year, revision, GRADES)
        assert process.gql(APPLY, {"y": year}).errors == []
    yield process
    process.stop()
    upstream.stop()


def step(personnel: PersonnelProcess, name: str, form: dict, who: tuple[str, ...]) -> tuple[dict | None, list]:
    answer = personnel.gql(STEP % name, {"id": form["id"], "v": form["version"]}, as_=who)
    return (answer.data or {}).get(name), answer.codes


class TestFilingWorkflow:
    def test_full_path_records_who_and_when(self, personnel: PersonnelProcess) -> None:
        form = filings(personnel)["UNQ-1"]
        reviewed = personnel.gql(REVIEW, {"id": form["id"], "v": form["version"], "r": "情况属实"},
                                 as_=SUPERVISION).data["reviewFilingRecord"]
        assert reviewed["status"] == "REVIEWED" and reviewed["remarks"] == "情况属实"
        assert reviewed["reviewedBy"] == "dc" and reviewed["reviewedAt"]
        transferred, _ = step(personnel, "transferFilingRecord", {**form, "version": reviewed["version"]}, OFFICE)
        assert transferred["status"] == "TRANSFERRED" and transferred["transferredBy"] == "office"
        archived, _ = step(personnel, "archiveFilingRecord", transferred, ORG)
        assert archived["status"] == "ARCHIVED" and archived["archivedBy"] == "org"
        assert [(s["step"], s["user"], s["office"]) for s in archived["signatures"]] == [
            ("REVIEWED", "dc", "SUPERVISION_OFFICE"), ("TRANSFERRED", "office", "TARGET_OFFICE"),
            ("ARCHIVED", "org", "ORGANIZATION_DEPT")]

    def test_archived_record_is_immutable(self, personnel: PersonnelProcess) -> None:
        form = filings(personnel)["UNQ-1"]
        assert form["status"] == "ARCHIVED"
        for name, who in (("reviewFilingRecord", SUPERVISION), ("transferFilingRecord", OFFICE),
                          ("archiveFilingRecord", ORG)):
            _, codes = step(personnel, name, form, who)
            assert codes == ["CONFLICT"]

    @pytest.mark.parametrize("name,who", [
        ("reviewFilingRecord", ORG), ("reviewFilingRecord", ("op", "UNIT_OPERATOR")),
        ("reviewFilingRecord", ("auditor", "AUDITOR")), ("reviewFilingRecord", ("leader", "LEADER")),
    ])
    def test_review_needs_the_supervision_or_target_office(self, personnel: PersonnelProcess, name: str,
                                                           who: tuple[str, ...]) -> None:
        _, codes = step(personnel, name, filings(personnel)["UNQ-2"], who)
        assert codes == ["FORBIDDEN"]

    def test_only_the_organisation_department_archives(self, personnel: PersonnelProcess) -> None:
        form = filings(personnel)["UNQ-3"]
        reviewed, _ = step(personnel, "reviewFilingRecord", form, OFFICE)
        transferred, _ = step(personnel, "transferFilingRecord", reviewed, SUPERVISION)
        for who in (OFFICE, SUPERVISION):
            _, codes = step(personnel, "archiveFilingRecord", transferred, who)
            assert codes == ["FORBIDDEN"]

    def test_steps_cannot_be_skipped(self, personnel: PersonnelProcess) -> None:
        form = filings(personnel)["LST-1"]
        _, codes = step(personnel, "transferFilingRecord", form, OFFICE)
        assert codes == ["CONFLICT"]
        _, codes = step(personnel, "archiveFilingRecord", form, ORG)
        assert codes == ["CONFLICT"]

    def test_stale_version_is_a_conflict(self, personnel: PersonnelProcess) -> None:
        form = filings(personnel)["LST-2"]
        first, _ = step(personnel, "reviewFilingRecord", form, OFFICE)
        assert first["status"] == "REVIEWED"
        _, codes = step(personnel, "transferFilingRecord", form, OFFICE)
        assert codes == ["CONFLICT"]

    def test_unknown_record_is_not_found(self, personnel: PersonnelProcess) -> None:
        _, codes = step(personnel, "reviewFilingRecord", {"id": "999999", "version": 1}, OFFICE)
        assert codes == ["NOT_FOUND"]

    def test_every_step_is_audited(self, personnel: PersonnelProcess) -> None:
        actions = {(r["action"], r["actor"], bool(r["success"])) for r in personnel.audit()}
        assert {("reviewFilingRecord", "dc", True), ("transferFilingRecord", "office", True),
                ("archiveFilingRecord", "org", True), ("archiveFilingRecord", "office", False)} <= actions


class TestLeaderAdjustments:
    def case(self, personnel: PersonnelProcess, staff_no: str) -> dict:
        cases = personnel.gql(CASES, as_=ORG).data["leaderAdjustments"]
        return next(c for c in cases if c["person"]["staffNo"] == staff_no)

    @pytest.mark.parametrize("who", [OFFICE, SUPERVISION, ("leader", "LEADER"), ("op", "UNIT_OPERATOR")])
    def test_only_the_organisation_department_decides(self, personnel: PersonnelProcess, who: tuple[str, ...]
                                                      ) -> None:
        case = self.case(personnel, "LST-1")
        answer = personnel.gql(DECIDE, {"id": case["id"], "v": case["version"], "k": "TRANSFER", "t": "调整"},
                               as_=who, unit="LST")
        assert answer.codes == ["FORBIDDEN"]

    def test_proposed_decided_executed(self, personnel: PersonnelProcess) -> None:
        case = self.case(personnel, "LST-1")
        assert case["status"] == "PROPOSED"
        decided = personnel.gql(DECIDE, {"id": case["id"], "v": case["version"], "k": "DEMOTION",
                                         "t": "免去党组书记职务，降职使用"}, as_=ORG).data["decideLeaderAdjustment"]
        assert decided["status"] == "DECIDED" and decided["decisionKind"] == "DEMOTION"
        assert decided["decisionText"] == "免去党组书记职务，降职使用" and decided["decidedBy"] == "org"
        refused = personnel.gql(EXECUTE, {"id": case["id"], "v": decided["version"]}, as_=OFFICE)
        assert refused.codes == ["FORBIDDEN"]
        executed = personnel.gql(EXECUTE, {"id": case["id"], "v": decided["version"]}, as_=ORG)
        assert executed.data["executeLeaderAdjustment"]["status"] == "EXECUTED"
        again = personnel.gql(DECIDE, {"id": case["id"], "v": decided["version"] + 1, "k": "OTHER", "t": "x"}, as_=ORG)
        assert again.codes == ["CONFLICT"]

    def test_decision_needs_a_text(self, personnel: PersonnelProcess) -> None:
        case = self.case(personnel, "LST-2")
        answer = personnel.gql(DECIDE, {"id": case["id"], "v": case["version"], "k": "OTHER", "t": "  "}, as_=ORG)
        assert answer.codes == ["BAD_USER_INPUT"]

    def test_executing_a_proposed_case_is_a_conflict(self, personnel: PersonnelProcess) -> None:
        case = self.case(personnel, "LST-2")
        assert personnel.gql(EXECUTE, {"id": case["id"], "v": case["version"]}, as_=ORG).codes == ["CONFLICT"]

    def test_unit_leader_sees_own_unit_cases_only_and_the_auditor_none(self, personnel: PersonnelProcess) -> None:
        own = personnel.gql(CASES, as_=("lstleader", "LEADER"), unit="LST").data["leaderAdjustments"]
        assert {c["person"]["staffNo"] for c in own} == {"LST-1", "LST-2"}
        other = personnel.gql(CASES, as_=("advleader", "LEADER"), unit="ADV").data["leaderAdjustments"]
        assert other == []
        assert personnel.gql(CASES, as_=("auditor", "AUDITOR")).codes == ["FORBIDDEN"]
        assert personnel.gql(CASES, as_=("op", "UNIT_OPERATOR"), unit="LST").codes == ["FORBIDDEN"]


class TestCadreFile:
    def test_filing_records_and_cases_across_years_newest_first(self, personnel: PersonnelProcess) -> None:
        found = personnel.gql(CADRE, {"s": "LST-1"}, as_=ORG).data["person"]["cadreFile"]
        assert [f["year"] for f in found["filingRecords"]] == [2026, 2025]
        assert [c["year"] for c in found["leaderAdjustments"]] == [2026, 2025]
        assert found["leaderAdjustments"][0]["status"] == "EXECUTED"

    def test_staff_without_consequences_have_an_empty_file(self, personnel: PersonnelProcess) -> None:
        found = personnel.gql(CADRE, {"s": "QUA-4"}, as_=ORG).data["person"]["cadreFile"]
        assert found == {"filingRecords": [], "leaderAdjustments": []}

    def test_cadre_file_is_not_for_unit_operators_or_other_units(self, personnel: PersonnelProcess) -> None:
        assert personnel.gql(CADRE, {"s": "LST-1"}, as_=("op", "UNIT_OPERATOR"), unit="LST").codes == ["FORBIDDEN"]
        assert personnel.gql(CADRE, {"s": "LST-1"}, as_=("l", "LEADER"), unit="ADV").codes == ["FORBIDDEN"]
        mine = personnel.gql(CADRE, {"s": "LST-1"}, as_=("l", "LEADER"), unit="LST")
        assert mine.errors == []
