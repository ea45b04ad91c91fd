"""The personnel office's pull interface: Relay pages by (updatedAt, id), incremental sync, XLSX exports,
and who may read what."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.personnel.service_fixtures import IMPORT, FakeUpstream, PersonnelProcess, person_input
from tests.personnel.test_service_apply import APPLY

GRADES = {"A": "ADVANCED", "B": "UNQUALIFIED", "C": "LAST_PLACE", "D": "ADVANCED", "E": "UNQUALIFIED",
          "F": "QUALIFIED"}
PER_UNIT = 60
PAGE = """query($after: String, $since: DateTime, $first: Int) {
  filingRecords(year: 2026, updatedSince: $since, first: $first, after: $after) {
    edges { cursor node { id version status updatedAt person { staffNo } } }
    pageInfo { hasNextPage endCursor } } }"""
REVIEW = "mutation($id: ID!, $v: Int!) { reviewFilingRecord(id: $id, version: $v) { version updatedAt } }"
LINES = """query($first: Int, $after: String) { rewardLines(year: 2026, first: $first, after: $after) {
  edges { node { person { staffNo } unit { code } grade } } pageInfo { hasNextPage endCursor } } }"""
MONEY = "query { rewardLines(year: 2026, first: 5) { edges { node { unit { code } bonusPaid total } } } }"


@pytest.fixture(scope="module")
def personnel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PersonnelProcess]:
    upstream = FakeUpstream().start()
    upstream.state.units = list(GRADES)
    process = PersonnelProcess(Path(tmp_path_factory.mktemp("personnel")), upstream.url).start()
    rows, n = [], 2
    for unit in GRADES:
        for i in range(PER_UNIT):
            role = "party_secretary" if i == 0 else "admin_head" if i == 1 else ""
            name = "=1+2" if (unit, i) == ("A", 5) else f"{unit}干部{i}"
            rows.append(person_input(n, f"{unit}-{i:03d}", name, unit, "@职务" if i == 6 else "处长", True, role,
                                     i % 3 != 0, f"{9000 + i}.10", f"{20000 + i}.35"))
            n += 1
    assert process.gql(IMPORT, {"rows": rows}).errors == []
    upstream.publish(2026, 1, GRADES)
    assert process.gql(APPLY, {"y": 2026}).errors == []
    yield process
    process.stop()
    upstream.stop()


def pull(personnel: PersonnelProcess, *, since: str | None = None, after: str | None = None, first: int = 25,
         between_pages: object = None) -> list[dict]:
    seen: list[dict] = []
    pages = 0
    while True:
        answer = personnel.gql(PAGE, {"after": after, "since": since, "first": first}, as_=("org", "ORGANIZATION_DEPT"))
        assert answer.errors == []
        connection = answer.data["filingRecords"]
        seen += [e["node"] | {"cursor": e["cursor"]} for e in connection["edges"]]
        pages += 1
        if callable(between_pages):
            between_pages(pages, seen)
        if not connection["pageInfo"]["hasNextPage"]:
            return seen
        after = connection["pageInfo"]["endCursor"]


class TestIncrementalSync:
    def test_every_record_once_while_records_are_being_updated(self, personnel: PersonnelProcess) -> None:
        everything = pull(personnel, first=1000)
        assert len(everything) == 5 * PER_UNIT
        current = {r["id"]: r for r in everything}
        updated: set[str] = set()

        def update_some(page: int, seen: list[dict]) -> None:
            # after each page, review one record already seen and two not yet seen
            seen_ids = [r["id"] for r in seen]
            unseen = [i for i in current if i not in set(seen_ids)]
            for ident in [seen_ids[-1], *unseen[page * 7 % max(1, len(unseen)):][:2]]:
                record = current[ident]
                if record["status"] != "DRAFT" or ident in updated:
                    continue
                answer = personnel.gql(REVIEW, {"id": ident, "v": record["version"]}, as_=("dc", "SUPERVISION_OFFICE"))
                assert answer.errors == []
                current[ident] = {**record, "version": answer.data["reviewFilingRecord"]["version"],
                                  "status": "REVIEWED"}
                updated.add(ident)

        synced = pull(personnel, since="2000-01-01T00:00:00+00:00", between_pages=update_some)
        assert len(updated) > 20
        ids = [r["id"] for r in synced]
        assert set(ids) == set(current)
        versions = [(r["id"], r["version"]) for r in synced]
        assert len(versions) == len(set(versions)), "the same state of a record was delivered twice"
        untouched = [i for i in ids if i not in updated]
        assert len(untouched) == len(set(untouched)), "a record that did not change was delivered twice"
        last = {}
        for r in synced:
            last[r["id"]] = r
        assert {i: (r["version"], r["status"]) for i, r in last.items()} == \
            {i: (r["version"], r["status"]) for i, r in current.items()}
        keys = [(r["updatedAt"], int(r["id"])) for r in synced]
        assert keys == sorted(keys) and len(set(keys)) == len(keys)

    def test_resuming_from_the_last_cursor_returns_only_later_changes(self, personnel: PersonnelProcess) -> None:
        everything = pull(personnel, first=1000)
        cursor = everything[-1]["cursor"]
        assert pull(personnel, after=cursor) == []
        draft = next(r for r in everything if r["status"] == "DRAFT")
        personnel.gql(REVIEW, {"id": draft["id"], "v": draft["version"]}, as_=("dc", "SUPERVISION_OFFICE"))
        later = pull(personnel, after=cursor)
        assert [r["id"] for r in later] == [draft["id"]]

    def test_updated_since_filters(self, personnel: PersonnelProcess) -> None:
        everything = pull(personnel, first=1000)
        newest = everything[-1]["updatedAt"]
        recent = pull(personnel, since=newest)
        assert recent and all(r["updatedAt"] >= newest for r in recent)

    def test_bad_cursor_and_page_size_are_bad_input(self, personnel: PersonnelProcess) -> None:
        assert personnel.gql(PAGE, {"after": "bm9wZQ=="}).codes == ["BAD_USER_INPUT"]
        assert personnel.gql(PAGE, {"first": 5000}).codes == ["BAD_USER_INPUT"]

    def test_reward_lines_page_through_all_people(self, personnel: PersonnelProcess) -> None:
        seen, after = [], None
        while True:
            answer = personnel.gql(LINES, {"first": 100, "after": after})
            connection = answer.data["rewardLines"]
            seen += [e["node"]["person"]["staffNo"] for e in connection["edges"]]
            if not connection["pageInfo"]["hasNextPage"]:
                break
            after = connection["pageInfo"]["endCursor"]
        assert len(seen) == len(set(seen)) == 6 * PER_UNIT


class TestReadPermissions:
    def test_unit_operator_sees_only_own_unit_lines_without_money(self, personnel: PersonnelProcess) -> None:
        answer = personnel.gql(LINES, {"first": 1000}, as_=("bop", "UNIT_OPERATOR"), unit="B")
        units = {e["node"]["unit"]["code"] for e in answer.data["rewardLines"]["edges"]}
        assert units == {"B"}
        money = personnel.gql(MONEY, as_=("bop", "UNIT_OPERATOR"), unit="B")
        assert set(money.codes) == {"FORBIDDEN"} and len(money.errors) == 10

    def test_unit_leader_sees_own_unit_money(self, personnel: PersonnelProcess) -> None:
        money = personnel.gql(MONEY, as_=("bleader", "LEADER"), unit="B")
        assert money.errors == []
        assert {e["node"]["unit"]["code"] for e in money.data["rewardLines"]["edges"]} == {"B"}

    @pytest.mark.parametrize("role", ["AUDITOR", "ASSESSOR", "SYSADMIN"])
    def test_other_roles_see_no_reward_lines(self, personnel: PersonnelProcess, role: str) -> None:
        assert personnel.gql(MONEY, as_=("x", role)).codes == ["FORBIDDEN"]

    def test_auditor_sees_no_people_and_no_filing_records(self, personnel: PersonnelProcess) -> None:
        auditor = ("auditor", "AUDITOR")
        assert personnel.gql('{ person(staffNo: "A-001") { name } }', as_=auditor).codes == ["FORBIDDEN"]
        assert personnel.gql(PAGE, as_=auditor).codes == ["FORBIDDEN"]
        staff = personnel.gql('{ _entities(representations: [{__typename: "Unit", code: "A"}]) '
                              '{ ... on Unit { staff { name } } } }', as_=auditor)
        assert staff.codes == ["FORBIDDEN"]

    def test_unit_operator_sees_only_own_unit_staff(self, personnel: PersonnelProcess) -> None:
        query = ('{ _entities(representations: [{__typename: "Unit", code: "A"}, {__typename: "Unit", code: "B"}]) '
                 '{ ... on Unit { code staff { staffNo } } } }')
        answer = personnel.gql(query, as_=("aop", "UNIT_OPERATOR"), unit="A")
        assert answer.codes == ["FORBIDDEN"] and answer.errors[0]["path"][:2] == ["_entities", 1]
        assert len(answer.data["_entities"][0]["staff"]) == PER_UNIT


class TestExports:
    def workbook(self, answer_field: dict):
        return load_workbook(io.BytesIO(base64.b64decode(answer_field["contentBase64"])))

    def test_reward_sheet_has_one_sheet_per_unit_with_totals(self, personnel: PersonnelProcess) -> None:
        answer = personnel.gql("{ rewardLinesExport(year: 2026) { filename contentType contentBase64 rows } }")
        assert answer.errors == []
        export = answer.data["rewardLinesExport"]
        assert export["rows"] == 6 * PER_UNIT and export["filename"].endswith(".xlsx")
        book = self.workbook(export)
        assert book.sheetnames[0] == "汇总" and len(book.sheetnames) == 7
        sheet = book[next(n for n in book.sheetnames if n.startswith("B"))]
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[1][0] == "工号" and rows[-1][0] == "合计"
        paid = sum(float(r[5]) for r in rows[2:-1])
        assert float(rows[-1][5]) == pytest.approx(paid)
        assert float(rows[-1][4]) == pytest.approx(sum(20000.35 + i for i in range(PER_UNIT)))

    def test_cells_that_look_like_formulas_are_escaped(self, personnel: PersonnelProcess) -> None:
        book = self.workbook(personnel.gql("{ rewardLinesExport(year: 2026) { contentBase64 } }")
                             .data["rewardLinesExport"])
        sheet = book[next(n for n in book.sheetnames if n.startswith("A"))]
        names = [r[1] for r in sheet.iter_rows(min_row=3, values_only=True)]
        assert "'=1+2" in names and "=1+2" not in names
        forms = self.workbook(personnel.gql("{ filingRecordsExport(year: 2026) { contentBase64 } }")
                              .data["filingRecordsExport"])
        values = {v for r in forms["备案表清单"].iter_rows(values_only=True) for v in r}
        assert "'@职务" in values and "'=1+2" in values

    def test_filing_forms_one_row_each_and_one_printable_sheet_each(self, personnel: PersonnelProcess) -> None:
        export = personnel.gql("{ filingRecordsExport(year: 2026) { rows contentBase64 } }").data[
            "filingRecordsExport"]
        book = self.workbook(export)
        assert export["rows"] == 5 * PER_UNIT
        assert book.sheetnames[0] == "备案表清单" and len(book.sheetnames) == 1 + 5 * PER_UNIT
        assert book["备案表清单"].max_row == 1 + 5 * PER_UNIT
        form = book[book.sheetnames[1]]
        assert form["A1"].value.startswith("领导干部目标考核结果备案表")
        assert str(form.page_setup.paperSize) == form.PAPERSIZE_A4

    def test_unit_operator_cannot_export_rewards(self, personnel: PersonnelProcess) -> None:
        answer = personnel.gql("{ rewardLinesExport(year: 2026) { rows } }", as_=("aop", "UNIT_OPERATOR"), unit="A")
        assert answer.codes == ["FORBIDDEN"]
