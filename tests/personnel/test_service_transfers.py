"""Whose unit (§4.3), one-time awards and final revisions on the real personnel service (own process, real
database) against a real upstream server standing in for targets and assessment.

Every figure is computed by hand from §4.3: each person is judged by the stint they held on 31 December
2026; their pay is their own.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.personnel.service_fixtures import IMPORT, FakeUpstream, PersonnelProcess, person_input
from tests.personnel.test_service_apply import ADJUSTMENTS, FILINGS, HONOURS
from tests.personnel.test_service_apply import APPLY as APPLY_WITHOUT_AWARDS

UNITS = ["ADV", "QUA", "UNQ", "LST"]
GRADES = {"ADV": "ADVANCED", "QUA": "QUALIFIED", "UNQ": "UNQUALIFIED", "LST": "LAST_PLACE"}
# staff no, position, member, role, on establishment, salary, bonus, unit, since
PEOPLE = [
    ("ADV-1", "党组书记", True, "party_secretary", True, "15000.00", "40000.00", "ADV", None),
    ("ADV-2", "局长", True, "admin_head", True, "14000.00", "38000.00", "ADV", None),
    ("ADV-3", "副局长", True, "", True, "12000.00", "30000.00", "ADV", None),
    ("QUA-1", "科员", False, "", True, "7000.00", "20000.00", "QUA", None),
    ("QUA-2", "科员", False, "", True, "7100.00", "21000.00", "QUA", None),
    ("UNQ-1", "科员", False, "", True, "6000.00", "18000.00", "UNQ", None),
    ("UNQ-2", "科员", False, "", False, "5000.00", "15000.05", "UNQ", None),
    ("LST-1", "党组书记", True, "party_secretary", True, "15500.00", "41000.00", "LST", None),
    ("LST-2", "局长", True, "admin_head", True, "14500.00", "39000.00", "LST", None),
    ("NEW-SEP", "科员", False, "", True, "6500.00", "19000.00", "ADV", "2026-09-01"),
    ("NEW-2027", "科员", False, "", True, "6600.00", "19500.00", "ADV", "2027-02-01"),
]
TRANSFER_COLUMNS = ("staff_no", "unit_code", "position", "leadership_member", "main_leader_role", "effective_date")
TRANSFERS = [
    # the advanced unit's party secretary becomes the last-place unit's on 30 June …
    ("ADV-1", "LST", "党组书记", "yes", "party_secretary", "2026-06-30"),
    # … whose secretary becomes a deputy of the qualified unit the same day
    ("LST-1", "QUA", "副局长", "yes", "", "2026-06-30"),
    ("QUA-1", "ADV", "科员", "no", "", "2026-12-31"),
    ("QUA-2", "ADV", "科员", "no", "", "2027-01-10"),
    ("UNQ-1", "", "", "", "", "2026-11-16"),
]
APPLY = APPLY_WITHOUT_AWARDS.replace("honours created", "honours unitAwards created")
IMPORT_TRANSFERS = """mutation($rows: [JSON!]!) { importTransfers(rows: $rows) { file created updated unchanged } }"""
TRANSFER = """mutation($s: ID!, $v: Int!, $unit: String, $pos: String, $member: Boolean, $role: MainLeaderRole,
  $day: Date!) { transferPerson(staffNo: $s, version: $v, unitCode: $unit, position: $pos, leadershipMember: $member,
  mainLeaderRole: $role, effectiveDate: $day) { staffNo version unit { code } position leftOn
  unitHistory { unit { code } position leadershipMember mainLeaderRole since until } } }"""
PERSON = """query($s: ID!) { person(staffNo: $s) { version unit { code } leftOn
  unitHistory { unit { code } position leadershipMember mainLeaderRole since until } } }"""
AWARDS = "query($y: Int!) { unitAwards(year: $y) { unit { code } amount title revision } }"
AWARD_LINES = """query($y: Int!) { rewardLines(year: $y, first: 100) { edges { node { person { staffNo }
  unit { code } grade bonusPaid bonusForfeited extraSalary oneTimeAward total ruleCode } } } }"""
ADJUSTED = [("1.50", "国家级表彰", "获评全国文明城区"), ("-2.00", "安全事故", "发生较大安全生产事故（省通报）")]


def transfer_rows(rows: list[tuple[str, ...]], first: int = 2) -> list[dict[str, Any]]:
    return [{"row": first + i, **dict(zip(TRANSFER_COLUMNS, r, strict=True))} for i, r in enumerate(rows)]


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeUpstream]:
    server = FakeUpstream().start()
    server.state.units = [*UNITS, "SPARE"]
    yield server
    server.stop()


@pytest.fixture(scope="module")
def personnel(tmp_path_factory: pytest.TempPathFactory, upstream: FakeUpstream) -> Iterator[PersonnelProcess]:
    process = PersonnelProcess(Path(tmp_path_factory.mktemp("personnel")), upstream.url).start()
    rows = [person_input(n, staff_no, f"{staff_no}姓名", unit, position, member, role, established, salary, bonus,
                         since)
            for n, (staff_no, position, member, role, established, salary, bonus, unit, since) in enumerate(PEOPLE, 2)]
    answer = process.gql(IMPORT, {"rows": rows})
    assert answer.errors == [] and answer.data["importPeople"]["created"] == len(PEOPLE)
    moved = process.gql(IMPORT_TRANSFERS, {"rows": transfer_rows(TRANSFERS)})
    assert moved.errors == [] and moved.data["importTransfers"] == {
        "file": "transfers.csv", "created": 5, "updated": 0, "unchanged": 0}
    yield process
    process.stop()


def by_staff(answer: Any, field: str) -> dict[str, dict]:
    assert answer.errors == [], answer.errors
    return {e["node"]["person"]["staffNo"]: e["node"] for e in answer.data[field]["edges"]}


class TestUnitHistory:
    def test_imported_transfers_are_dated_stints(self, personnel: PersonnelProcess) -> None:
        person = personnel.gql(PERSON, {"s": "ADV-1"}).data["person"]
        assert person["unit"] == {"code": "LST"} and person["leftOn"] is None
        assert [(h["unit"]["code"], h["mainLeaderRole"], h["since"], h["until"]) for h in person["unitHistory"]] == [
            ("ADV", "PARTY_SECRETARY", None, "2026-06-29"), ("LST", "PARTY_SECRETARY", "2026-06-30", None)]

    def test_a_leaver_keeps_a_history_and_is_known_with_the_day_they_left(self, personnel: PersonnelProcess
                                                                          ) -> None:
        person = personnel.gql(PERSON, {"s": "UNQ-1"}).data["person"]
        assert person["leftOn"] == "2026-11-16"
        assert [(h["unit"]["code"], h["until"]) for h in person["unitHistory"]] == [("UNQ", "2026-11-15")]
        # still among the unit's people (targets assigned to them earlier in the year stay valid), marked as left
        staff = personnel.gql('{ _entities(representations: [{__typename: "Unit", code: "UNQ"}]) '
                              '{ ... on Unit { staff { staffNo leftOn } } } }').data["_entities"][0]["staff"]
        assert staff == [{"staffNo": "UNQ-1", "leftOn": "2026-11-16"}, {"staffNo": "UNQ-2", "leftOn": None}]

    def test_reimporting_the_same_files_changes_nothing(self, personnel: PersonnelProcess) -> None:
        again = personnel.gql(IMPORT_TRANSFERS, {"rows": transfer_rows(TRANSFERS)})
        assert again.data["importTransfers"] == {"file": "transfers.csv", "created": 0, "updated": 0,
                                                 "unchanged": 5}
        rows = [person_input(n, s, f"{s}姓名", u, p, m, r, e, sal, b, since)
                for n, (s, p, m, r, e, sal, b, u, since) in enumerate(PEOPLE, 2)]
        people = personnel.gql(IMPORT, {"rows": rows})
        assert people.data["importPeople"] == {"created": 0, "updated": 0, "unchanged": len(PEOPLE)}


class TestTransfersFile:
    def test_bad_rows_are_reported_with_row_column_and_reason_and_nothing_is_written(
            self, personnel: PersonnelProcess) -> None:
        before = personnel.gql(PERSON, {"s": "UNQ-2"}).data["person"]
        rows = transfer_rows([
            ("UNQ-2", "QUA", "科员", "no", "", "2026-08-01"),  # good on its own
            ("NOBODY", "QUA", "科员", "no", "", "2026-08-01"),
            ("UNQ-2", "NOPE", "科员", "no", "", "2026-08-01"),
            ("UNQ-2", "QUA", "科员", "no", "", "2026-02-30"),
            ("ADV-1", "QUA", "科员", "yes", "", "2026-03-01"),  # before the held stint began (30 June)
            ("UNQ-2", "ADV", "科员", "no", "", "2026-08-01"),  # the same person moved twice on one day
            ("QUA-2", "QUA", "局长", "no", "admin_head", "2027-03-01"),
            ("UNQ-1", "", "", "", "", "2026-12-01"),  # left already
            ("ADV-2", "ADV", "局长", "yes", "admin_head", "2026-09-01"),  # the post already held
        ])
        answer = personnel.gql(IMPORT_TRANSFERS, {"rows": rows})
        assert answer.codes == ["BAD_USER_INPUT"]
        errors = {(e["row"], e["column"]): e["reason"] for e in answer.errors[0]["extensions"]["rowErrors"]}
        assert set(errors) == {(3, "staff_no"), (4, "unit_code"), (5, "effective_date"), (6, "effective_date"),
                               (7, "effective_date"), (8, "main_leader_role"), (9, "unit_code"), (10, "unit_code")}
        assert errors[(6, "effective_date")] == "2026-03-01 is before 2026-06-30, when the stint held began"
        assert errors[(7, "effective_date")] == "row 2 moves UNQ-2 the same day"
        assert "not a date" in errors[(5, "effective_date")]
        assert personnel.gql(PERSON, {"s": "UNQ-2"}).data["person"] == before


class TestPeopleSince:
    def test_bad_since_is_a_bad_row_and_nothing_is_written(self, personnel: PersonnelProcess) -> None:
        rows = [person_input(2, "NEW-X", "新人", "QUA", "科员", False, "", True, "1.00", "1.00", "2026-09-01"),
                person_input(3, "NEW-Y", "新人", "QUA", "科员", False, "", True, "1.00", "1.00", "1 Sept"),
                person_input(4, "ADV-1", "ADV-1姓名", "QUA", "科员", True, "", True, "15000.00", "40000.00",
                             "2026-05-01")]
        answer = personnel.gql(IMPORT, {"rows": rows})
        assert answer.codes == ["BAD_USER_INPUT"]
        errors = {(e["row"], e["column"]): e["reason"] for e in answer.errors[0]["extensions"]["rowErrors"]}
        assert set(errors) == {(3, "since")}
        answer = personnel.gql(IMPORT, {"rows": [rows[0], rows[2]]})
        errors = {(e["row"], e["column"]): e["reason"] for e in answer.errors[0]["extensions"]["rowErrors"]}
        assert errors == {(4, "since"): "2026-05-01 is before 2026-06-30, when the stint held began"}
        assert personnel.gql('{ person(staffNo: "NEW-X") { name } }').data["person"] is None


class TestTransferPerson:
    def test_refusals(self, personnel: PersonnelProcess) -> None:
        version = personnel.gql(PERSON, {"s": "UNQ-2"}).data["person"]["version"]
        base = {"s": "UNQ-2", "v": version, "unit": "QUA", "pos": "科员", "member": False, "day": "2026-08-01"}
        unknown = personnel.gql(TRANSFER, {**base, "unit": "NOPE"})
        assert unknown.codes == ["BAD_USER_INPUT"] and unknown.errors[0]["extensions"]["field"] == "unitCode"
        role = personnel.gql(TRANSFER, {**base, "role": "ADMIN_HEAD"})
        assert role.codes == ["BAD_USER_INPUT"] and role.errors[0]["extensions"]["field"] == "mainLeaderRole"
        stale = personnel.gql(TRANSFER, {**base, "v": version - 1 if version > 1 else version + 1})
        assert stale.codes == ["CONFLICT"] and stale.errors[0]["extensions"]["field"] == "version"
        v1 = personnel.gql(PERSON, {"s": "ADV-1"}).data["person"]["version"]
        early = personnel.gql(TRANSFER, {**base, "s": "ADV-1", "v": v1, "day": "2026-01-01"})
        assert early.codes == ["BAD_USER_INPUT"] and early.errors[0]["extensions"]["field"] == "effectiveDate"
        assert "before 2026-06-30" in early.errors[0]["message"]
        assert personnel.gql(TRANSFER, {**base, "s": "NOBODY", "v": 1}).codes == ["NOT_FOUND"]
        assert personnel.gql(PERSON, {"s": "UNQ-2"}).data["person"]["version"] == version

    @pytest.mark.parametrize("role", ["UNIT_OPERATOR", "LEADER", "SUPERVISION_OFFICE", "AUDITOR", "ASSESSOR"])
    def test_only_the_two_offices_transfer(self, personnel: PersonnelProcess, role: str) -> None:
        answer = personnel.gql(TRANSFER, {"s": "UNQ-2", "v": 1, "unit": "QUA", "day": "2026-08-01"},
                               as_=("x", role), unit="UNQ")
        assert answer.codes == ["FORBIDDEN"]


class TestApplyByTheStintOn31December:
    @pytest.fixture(scope="class", autouse=True)
    def applied(self, personnel: PersonnelProcess, upstream: FakeUpstream) -> dict:
        upstream.publish(2026, 1, GRADES, unit_award="200000", leader_award="50000",
                         adjustments={"LST": ADJUSTED})
        answer = personnel.gql(APPLY, {"y": 2026}, as_=("orgdept", "ORGANIZATION_DEPT"))
        assert answer.errors == []
        return answer.data["applyResults"]

    def test_lines_follow_the_31_december_stint(self, personnel: PersonnelProcess) -> None:
        lines = by_staff(personnel.gql(AWARD_LINES, {"y": 2026}), "rewardLines")
        got = {s: (n["unit"]["code"], n["grade"], n["bonusPaid"], n["bonusForfeited"], n["extraSalary"],
                   n["oneTimeAward"], n["total"]) for s, n in lines.items()}
        assert got == {
            # moved to the last-place unit on 30 June as its party secretary: forfeits all, no award
            "ADV-1": ("LST", "LAST_PLACE", "0.00", "40000.00", "0.00", "0.00", "0.00"),
            # stayed admin head of the advanced unit: 38000.00 + 14000.00 + 50000.00 one-time award
            "ADV-2": ("ADV", "ADVANCED", "38000.00", "0.00", "14000.00", "50000.00", "102000.00"),
            "ADV-3": ("ADV", "ADVANCED", "30000.00", "0.00", "12000.00", "0.00", "42000.00"),
            # moved on 31 December: the advanced unit's line, 20000.00 + 7000.00
            "QUA-1": ("ADV", "ADVANCED", "20000.00", "0.00", "7000.00", "0.00", "27000.00"),
            # moved on 10 January 2027: still the qualified unit's line for 2026
            "QUA-2": ("QUA", "QUALIFIED", "21000.00", "0.00", "0.00", "0.00", "21000.00"),
            # the last-place unit's secretary became a deputy of the qualified unit on 30 June
            "LST-1": ("QUA", "QUALIFIED", "41000.00", "0.00", "0.00", "0.00", "41000.00"),
            "LST-2": ("LST", "LAST_PLACE", "0.00", "39000.00", "0.00", "0.00", "0.00"),
            # 15000.05 × 60 % = 9000.03; forfeited 6000.02
            "UNQ-2": ("UNQ", "UNQUALIFIED", "9000.03", "6000.02", "0.00", "0.00", "9000.03"),
            # joined on 1 September: a full line in the advanced unit, 19000.00 + 6500.00
            "NEW-SEP": ("ADV", "ADVANCED", "19000.00", "0.00", "6500.00", "0.00", "25500.00"),
            # UNQ-1 left on 16 November and NEW-2027 joined in 2027: no line
        }

    def test_report_counts(self, applied: dict) -> None:
        assert (applied["people"], applied["rewardLines"], applied["filingRecords"], applied["leaderAdjustments"],
                applied["honours"]) == (9, 9, 4, 2, 2)

    def test_the_main_leader_who_moved_into_the_last_place_unit_has_its_case(self, personnel: PersonnelProcess
                                                                              ) -> None:
        cases = personnel.gql(ADJUSTMENTS, {"y": 2026}).data["leaderAdjustments"]
        assert sorted((c["person"]["staffNo"], c["unit"]["code"], c["mainLeaderRole"]) for c in cases) == [
            ("ADV-1", "LST", "PARTY_SECRETARY"), ("LST-2", "LST", "ADMIN_HEAD")]

    def test_honours_and_the_unit_award_go_to_the_advanced_unit_and_who_led_it_on_31_december(
            self, personnel: PersonnelProcess) -> None:
        honours = personnel.gql(HONOURS, {"y": 2026}).data["honours"]
        assert sorted((h["kind"], h["unit"]["code"], (h["person"] or {}).get("staffNo")) for h in honours) == [
            ("PERSON", "ADV", "ADV-2"), ("UNIT", "ADV", None)]
        awards = personnel.gql(AWARDS, {"y": 2026}).data["unitAwards"]
        assert awards == [{"unit": {"code": "ADV"}, "amount": "200000.00", "title": "武汉市年度目标管理先进单位",
                           "revision": 1}]

    def test_filing_records_carry_the_post_of_31_december_and_the_units_adjustment_items(
            self, personnel: PersonnelProcess) -> None:
        query = FILINGS.replace("revision reason version", "revision reason version position adjustmentPoints "
                                                           "adjustments { points category reason }")
        forms = by_staff(personnel.gql(query, {"y": 2026}), "filingRecords")
        assert sorted(forms) == ["ADV-1", "ADV-2", "ADV-3", "LST-2"]
        assert (forms["ADV-1"]["unit"]["code"], forms["ADV-1"]["teamRole"], forms["ADV-1"]["grade"]) == (
            "LST", "PARTY_SECRETARY", "LAST_PLACE")
        assert forms["ADV-1"]["adjustmentPoints"] == "-0.50"
        assert forms["ADV-1"]["adjustments"] == [
            {"points": "1.50", "category": "国家级表彰", "reason": "获评全国文明城区"},
            {"points": "-2.00", "category": "安全事故", "reason": "发生较大安全生产事故（省通报）"}]
        assert forms["ADV-2"]["adjustmentPoints"] == "0.00" and forms["ADV-2"]["adjustments"] == []

    def test_the_exports_show_the_one_time_awards_and_the_adjustment_items(self, personnel: PersonnelProcess
                                                                             ) -> None:
        answer = personnel.gql("{ rewardLinesExport(year: 2026) { contentBase64 } }")
        book = load_workbook(io.BytesIO(base64.b64decode(answer.data["rewardLinesExport"]["contentBase64"])))
        assert book.sheetnames[:2] == ["汇总", "先进单位奖励"]
        awards = list(book["先进单位奖励"].iter_rows(values_only=True))
        assert awards[2][:4] == ("ADV", "ADV单位", "武汉市年度目标管理先进单位", 200000)
        sheet = book[next(n for n in book.sheetnames if n.startswith("ADV"))]
        rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
        assert rows["工号"][8:10] == ("一次性物质奖励", "合计")
        assert (rows["ADV-2"][8], rows["ADV-2"][9]) == (50000, 102000)
        forms = personnel.gql("{ filingRecordsExport(year: 2026) { contentBase64 } }")
        listing = load_workbook(io.BytesIO(base64.b64decode(forms.data["filingRecordsExport"]["contentBase64"])))
        header, *records = list(listing["备案表清单"].iter_rows(values_only=True))
        secretary = dict(zip(header, next(r for r in records if r[2] == "ADV-1"), strict=True))
        assert secretary["加减分"] == -0.5
        assert secretary["加减分事项"] == ("国家级表彰 +1.50（获评全国文明城区）；"
                                      "安全事故 −2.00（发生较大安全生产事故（省通报））")

    def test_a_move_recorded_later_but_effective_in_the_year_takes_the_line_back(
            self, personnel: PersonnelProcess) -> None:
        version = personnel.gql(PERSON, {"s": "ADV-3"}).data["person"]["version"]
        left = personnel.gql(TRANSFER, {"s": "ADV-3", "v": version, "day": "2026-12-01"})
        assert left.errors == [] and left.data["transferPerson"]["leftOn"] == "2026-12-01"
        report = personnel.gql(APPLY, {"y": 2026}).data["applyResults"]
        assert (report["people"], report["created"], report["changed"], report["withdrawn"]) == (8, 0, 1, 1)
        line = by_staff(personnel.gql(AWARD_LINES, {"y": 2026}), "rewardLines")["ADV-3"]
        assert (line["ruleCode"], line["total"]) == ("NO_STINT", "0.00")
        forms = by_staff(personnel.gql(FILINGS, {"y": 2026}), "filingRecords")
        assert forms["ADV-3"]["status"] == "WITHDRAWN"

    def test_a_later_revision_without_awards_withdraws_them(self, personnel: PersonnelProcess,
                                                            upstream: FakeUpstream) -> None:
        upstream.publish(2026, 2, GRADES, reason="奖励标准调整", adjustments={"LST": ADJUSTED})
        report = personnel.gql(APPLY, {"y": 2026}).data["applyResults"]
        assert report["unitAwards"] == 0
        assert personnel.gql(AWARDS, {"y": 2026}).data["unitAwards"] == []
        line = by_staff(personnel.gql(AWARD_LINES, {"y": 2026}), "rewardLines")["ADV-2"]
        assert (line["oneTimeAward"], line["total"]) == ("0.00", "52000.00")


class TestAwardsWithoutSettings:
    def test_no_award_records_and_one_time_awards_0(self, personnel: PersonnelProcess,
                                                    upstream: FakeUpstream) -> None:
        upstream.publish(2025, 1, GRADES)
        report = personnel.gql(APPLY, {"y": 2025}).data["applyResults"]
        assert report["unitAwards"] == 0
        assert personnel.gql(AWARDS, {"y": 2025}).data["unitAwards"] == []
        lines = by_staff(personnel.gql(AWARD_LINES, {"y": 2025}), "rewardLines")
        assert {n["oneTimeAward"] for n in lines.values()} == {"0.00"}
        # on 31 December 2025 everyone held their first stint; the September 2026 joiner was not there yet
        assert lines["ADV-1"]["unit"]["code"] == "ADV" and lines["ADV-1"]["total"] == "55000.00"
        assert "NEW-SEP" not in lines and "UNQ-1" in lines


class TestFinalRevisionsOnly:
    def test_a_revision_on_public_notice_is_refused_naming_the_notice_end(
            self, personnel: PersonnelProcess, upstream: FakeUpstream) -> None:
        upstream.publish(2027, 1, GRADES, final=False, notice_ends_at="2028-01-22")
        answer = personnel.gql(APPLY, {"y": 2027})
        assert answer.codes == ["CONFLICT"]
        assert "on public notice (公示) until 2028-01-22" in answer.errors[0]["message"]
        assert answer.errors[0]["extensions"]["noticeEndsAt"] == "2028-01-22"
        assert personnel.gql(AWARD_LINES, {"y": 2027}).data["rewardLines"]["edges"] == []
        refused = [r for r in personnel.audit() if r["action"] == "applyResults" and not r["success"]]
        assert refused and "2028-01-22" in refused[-1]["detail"]
        upstream.publish(2027, 1, GRADES, final=True, notice_ends_at="2028-01-22")
        assert personnel.gql(APPLY, {"y": 2027}).errors == []

    def test_an_assessment_service_from_before_notice_publishes_final_revisions(
            self, personnel: PersonnelProcess, upstream: FakeUpstream) -> None:
        upstream.state.before_notice = True
        try:
            upstream.publish(2024, 1, GRADES)
            assert "final" not in upstream.state.published[2024]
            answer = personnel.gql(APPLY, {"y": 2024})
            assert answer.errors == [] and answer.data["applyResults"]["rewardLines"] == 9
        finally:
            upstream.state.before_notice = False


class TestPeopleSinceFindsItsPlace:
    def row(self, staff_no: str, unit: str, since: str | None) -> dict[str, Any]:
        _, position, member, role, established, salary, bonus, _, _ = next(p for p in PEOPLE if p[0] == staff_no)
        return person_input(2, staff_no, f"{staff_no}姓名", unit, position, member, role, established, salary, bonus,
                            since)

    def test_an_earlier_since_corrects_a_sole_stint(self, personnel: PersonnelProcess) -> None:
        answer = personnel.gql(IMPORT, {"rows": [self.row("NEW-SEP", "ADV", "2026-08-15")]})
        assert answer.data["importPeople"]["updated"] == 1
        person = personnel.gql(PERSON, {"s": "NEW-SEP"}).data["person"]
        assert [(h["unit"]["code"], h["since"], h["until"]) for h in person["unitHistory"]] == [
            ("ADV", "2026-08-15", None)]

    def test_a_later_since_in_another_unit_is_a_move(self, personnel: PersonnelProcess) -> None:
        answer = personnel.gql(IMPORT, {"rows": [self.row("UNQ-2", "QUA", "2026-10-01")]})
        assert answer.data["importPeople"]["updated"] == 1
        person = personnel.gql(PERSON, {"s": "UNQ-2"}).data["person"]
        assert person["unit"] == {"code": "QUA"}
        assert [(h["unit"]["code"], h["since"], h["until"]) for h in person["unitHistory"]] == [
            ("UNQ", None, "2026-09-30"), ("QUA", "2026-10-01", None)]

    def test_a_different_start_of_a_stint_held_after_a_transfer_is_a_bad_row(self, personnel: PersonnelProcess
                                                                            ) -> None:
        answer = personnel.gql(IMPORT, {"rows": [self.row("UNQ-2", "QUA", "2026-10-05")]})
        reasons = {(e["row"], e["column"]): e["reason"] for e in answer.errors[0]["extensions"]["rowErrors"]}
        assert reasons == {(2, "since"): "the person holds this post since 2026-10-01; after a transfer its start "
                                         "changes with transfers.csv"}


class TestInParallel:
    def test_one_of_several_transfers_with_the_same_version_wins(self, personnel: PersonnelProcess) -> None:
        version = personnel.gql(PERSON, {"s": "LST-2"}).data["person"]["version"]
        days = [f"2027-03-{d:02d}" for d in range(1, 7)]
        with ThreadPoolExecutor(len(days)) as pool:
            answers = list(pool.map(lambda day: personnel.gql(TRANSFER, {
                "s": "LST-2", "v": version, "unit": "ADV", "pos": "局长", "member": True, "day": day}), days))
        assert sorted(a.codes == [] for a in answers) == [False] * (len(days) - 1) + [True]
        assert all(a.codes == ["CONFLICT"] for a in answers if a.codes)
        person = personnel.gql(PERSON, {"s": "LST-2"}).data["person"]
        assert person["version"] == version + 1 and len(person["unitHistory"]) == 2

    def test_the_same_transfers_file_imported_twice_at_once_records_each_move_once(
            self, personnel: PersonnelProcess) -> None:
        rows = transfer_rows([("QUA-2", "QUA", "科员", "no", "", "2027-06-01"),
                              ("LST-1", "ADV", "副局长", "yes", "", "2027-06-01")])
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda _: personnel.gql(IMPORT_TRANSFERS, {"rows": rows}), range(4)))
        assert all(a.errors == [] for a in answers), [a.errors for a in answers]
        assert sorted(a.data["importTransfers"]["created"] for a in answers) == [0, 0, 0, 2]
        history = personnel.gql(PERSON, {"s": "QUA-2"}).data["person"]["unitHistory"]
        assert [(h["unit"]["code"], h["since"]) for h in history] == [
            ("QUA", None), ("ADV", "2027-01-10"), ("QUA", "2027-06-01")]
