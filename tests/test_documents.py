"""Official documents (DOCX) end to end: a year signed, assessed, published and applied on the real stack, then
each document fetched through the gateway, opened with python-docx and read against the data; the CLI export,
the TUI's save key, and the refusals (another unit, a role without the data, pay fields)."""

from __future__ import annotations

import base64
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from docx import Document as open_docx
from docx.document import Document as Docx
from docx.oxml.ns import qn

from mbo.client import Client
from tests.support.bundles import write_csv
from tests.support.stack import PASSWORD, RunningStack
from tests.tui.bundle import write_year_bundle, write_year_end
from tests.tui.helpers import SIZE, make_app, run_import, signed_in, until
from tui.dialogs.save_document import SaveDocumentDialog
from tui.screens.filings import FilingsScreen
from tui.screens.letters import LettersScreen
from tui.screens.ranking import RankingScreen

YEAR = 2026
USERS = [("office", ("TARGET_OFFICE",), None), ("office2", ("TARGET_OFFICE",), None),
         ("jaop", ("UNIT_OPERATOR",), "JA"),
         ("orgdept", ("ORGANIZATION_DEPT",), None), ("supervision", ("SUPERVISION_OFFICE",), None),
         ("evaluator", ("EVALUATOR",), None), ("jaleader", ("LEADER",), "JA"), ("qkleader", ("LEADER",), "QK")]
LETTER = """mutation($input: NewLetterInput!) { createLetter(input: $input) { id version } }"""
SIGN = """mutation($id: ID!, $side: LetterSide!, $v: Int!) { signLetter(id: $id, side: $side, version: $v) {
  id version status contentHash } }"""
BULLETIN = """query { bulletinDocument(year: 2026) { filename contentType contentBase64 } }"""
LETTERS = """query($unit: String!) { letterDocument(year: 2026, unitCode: $unit) {
  filename contentType contentBase64 } }"""
FILINGS = """query { filingRecordsDocument(year: 2026) { filename contentType contentBase64 } }"""
FORMS = """query { filingRecords(year: 2026, first: 100) { edges { node { id version status grade rank compositeScore
  person { staffNo name } unit { code } } } } }"""
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def ok(client: Client, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    result = client.execute(query, variables)
    assert result.errors == [], result.errors
    assert result.data is not None
    return result.data


def refused(client: Client, query: str, variables: dict[str, Any] | None = None) -> str:
    result = client.execute(query, variables)
    assert result.errors, result.data
    return str(result.errors[0]["extensions"]["code"])


def with_assignees(folder: Path) -> Path:
    """The bundle's leaves T02–T04 get an assignee, so that a unit's letters can be signed."""
    import csv

    path = folder / "targets.csv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    for row in rows[1:]:
        if row[0].endswith(("-T02", "-T03", "-T04")):
            row[-1] = f"{row[1]}-003"
    write_csv(path, rows[0], rows[1:])
    return folder


def sign(client: Client, letter: dict[str, Any], side: str) -> dict[str, Any]:
    signed = ok(client, SIGN, {"id": letter["id"], "side": side, "v": letter["version"]})["signLetter"]
    return signed


@pytest.fixture(scope="module")
def year(stack: RunningStack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """JA's letters signed at every level (and JH's city letter a draft), an approved adjustment item, the
    year-end inputs, the results computed, published (final at once) and applied; one form reviewed, transferred
    and archived."""
    for name, roles, unit in USERS:
        stack.add_user(name, *roles, unit=unit)
    folder = with_assignees(write_year_bundle(tmp_path_factory.mktemp("bundle"), inputs=False))
    write_csv(folder / "settings.csv", ["year", "key", "value"],
              [[str(YEAR), "advanced_ratio", "0.5"], [str(YEAR), "last_place_count", "1"],
               [str(YEAR), "advanced_unit_award", "50000"]])
    run_import(stack, folder)
    made: dict[str, Any] = {}
    with stack.client("office") as office, stack.client("jaop") as jaop, stack.client("supervision") as sup, \
            stack.client("office2") as office2, stack.client("orgdept") as org:
        city = ok(office, LETTER, {"input": {"year": YEAR, "unitCode": "JA", "level": "CITY_UNIT",
                                             "issuer": "武汉市人民政府", "receiver": "江岸区",
                                             "targetCodes": ["JA-T01", "JA-T02", "JA-T03", "JA-T04"]}})["createLetter"]
        city = sign(jaop, sign(office, city, "ISSUER"), "RECEIVER")
        dept = ok(jaop, LETTER, {"input": {"year": YEAR, "unitCode": "JA", "level": "UNIT_DEPARTMENT",
                                           "issuer": "江岸区", "receiver": "综合处", "parentId": city["id"],
                                           "targetCodes": ["JA-T01-1", "JA-T01-2"]}})["createLetter"]
        dept = sign(office, sign(jaop, dept, "ISSUER"), "RECEIVER")
        person = ok(jaop, LETTER, {"input": {"year": YEAR, "unitCode": "JA", "level": "DEPARTMENT_PERSON",
                                             "issuer": "综合处", "receiver": "JA-003", "parentId": dept["id"],
                                             "targetCodes": ["JA-T01-1-1"]}})["createLetter"]
        person = sign(office, sign(jaop, person, "ISSUER"), "RECEIVER")
        ok(office, LETTER, {"input": {"year": YEAR, "unitCode": "JH", "level": "CITY_UNIT", "issuer": "武汉市人民政府",
                                      "receiver": "江汉区", "targetCodes": ["JH-T01", "JH-T02", "JH-T03", "JH-T04"]}})
        made["letters"] = [city, dept, person]
        assert all(x["status"] == "SIGNED" and len(x["contentHash"]) == 64 for x in made["letters"])

        item = ok(sup, """mutation { proposeAdjustment(year: 2026, unitCode: "FGW", points: "-2", category: "安全事故",
          reason: "发生较大安全生产事故", evidence: "通报2026-7") { id version } }""")["proposeAdjustment"]
        ok(office2, """mutation($id: ID!, $v: Int!) { approveAdjustment(id: $id, version: $v) { id } }""",
           {"id": item["id"], "v": item["version"]})
        run_import(stack, write_year_end(tmp_path_factory.mktemp("year-end")))
        ok(office, "mutation { computeAssessment(year: 2026) { revision } }")
        ok(office, "mutation { publishAssessment(year: 2026) { revision } }")
        made["results"] = ok(office, """{ assessment(year: 2026) { results { unit { code name } grade rank
          compositeScore adjustmentPoints } } }""")["assessment"]["results"]
        ok(office, "mutation { applyResults(year: 2026) { filingRecords } }")
        forms = [e["node"] for e in ok(org, FORMS)["filingRecords"]["edges"]]
        first = next(f for f in forms if f["unit"]["code"] == "JA")
        reviewed = ok(sup, """mutation($id: ID!, $v: Int!) { reviewFilingRecord(id: $id, version: $v,
          remarks: "经审核，同意备案") { id version } }""", {"id": first["id"], "v": first["version"]})
        moved = ok(sup, """mutation($id: ID!, $v: Int!) { transferFilingRecord(id: $id, version: $v) {
          id version } }""", {"id": first["id"], "v": reviewed["reviewFilingRecord"]["version"]})
        ok(org, """mutation($id: ID!, $v: Int!) { archiveFilingRecord(id: $id, version: $v) { id } }""",
           {"id": first["id"], "v": moved["transferFilingRecord"]["version"]})
        made["forms"] = sorted(forms, key=lambda f: (f["unit"]["code"], f["person"]["staffNo"]))
        made["archived"] = first["person"]["staffNo"]
    return made


def opened(document: dict[str, Any]) -> Docx:
    assert document["contentType"] == DOCX
    return open_docx(io.BytesIO(base64.b64decode(document["contentBase64"])))


def text_of(doc: Docx) -> str:
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.append(" | ".join(c.text for c in row.cells))
    return "\n".join(lines)


def east_asia_fonts(doc: Docx) -> set[str]:
    return {f.get(qn("w:eastAsia")) for f in doc.element.body.iter(qn("w:rFonts"))}


def check_layout(doc: Docx) -> None:
    for section in doc.sections:
        sizes = [section.page_width, section.page_height, section.top_margin, section.bottom_margin,
                 section.left_margin, section.right_margin]
        assert [round(x.mm, 1) for x in sizes] == [210, 297, 37, 35, 28, 26]  # stored in twips
    normal = doc.styles["Normal"]
    assert normal.font.size.pt == 16
    assert normal.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"


def title_run(doc: Docx, text: str) -> Any:
    return next(r for p in doc.paragraphs for r in p.runs if r.text == text)


def test_the_bulletin_document_reads_as_the_published_results(stack: RunningStack, year: dict[str, Any]) -> None:
    with stack.client("jaop") as jaop:  # every bulletin reader gets the whole 通报, a unit operator too
        document = ok(jaop, BULLETIN)["bulletinDocument"]
    doc = opened(document)
    check_layout(doc)
    assert document["filename"] == "2026年度目标管理考核结果通报-第1版.docx"
    title = title_run(doc, "武汉市2026年度目标管理考核结果通报")
    assert title.font.size.pt == 22
    assert title._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "方正小标宋简体"
    assert {"方正小标宋简体", "仿宋_GB2312", "黑体"} <= east_asia_fonts(doc)
    lines = [p.text for p in doc.paragraphs]
    assert lines[0] == "定稿" and lines[1] == "武目考〔2026〕1号"  # notice_days 0: final at publication
    assert "各区人民政府，市人民政府各部门：" in lines
    heading = next(p for p in doc.paragraphs if p.text.startswith("一、先进单位"))
    assert heading.runs[0]._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "黑体"
    assert lines[-2:] == ["武汉市人民政府目标管理办公室", lines[-1]] and lines[-1].endswith("日")
    by_grade: dict[str, list[str]] = {}
    for r in year["results"]:
        by_grade.setdefault(r["grade"], []).append(r["unit"]["name"])
    assert by_grade["ADVANCED"] == ["江岸区"]
    text = text_of(doc)
    assert f"一、先进单位（{len(by_grade['ADVANCED'])}个）" in text
    assert f"四、末位单位（{len(by_grade['LAST_PLACE'])}个）" in text
    assert f"三、未达标单位（{len(by_grade['LAST_PLACE']) + len(by_grade['UNQUALIFIED'])}个）" in text
    assert "予以通报批评" in text
    detail = doc.tables[-1]
    rows = [[c.text for c in row.cells] for row in detail.rows[1:]]
    assert [(r[2], r[8], r[1]) for r in rows] == [(x["unit"]["name"], x["compositeScore"], str(x["rank"]))
                                                  for x in year["results"]]
    # the main leaders' honours and the one-time award come from personnel
    leaders = doc.tables[1]
    assert [c.text for c in leaders.rows[0].cells] == ["单位", "姓名", "职务", "称号"]
    assert {row.cells[1].text for row in leaders.rows[1:]} == {"王建国", "李秀英"}  # JA-001, JA-002
    assert "江岸区 | 武汉市年度目标管理先进单位 | 50000" in text
    assert "-2.00 安全事故（发生较大安全生产事故）" in text


def test_the_letter_document_holds_every_level_one_per_page(stack: RunningStack, year: dict[str, Any]) -> None:
    with stack.client("jaop") as jaop:
        document = ok(jaop, LETTERS, {"unit": "JA"})["letterDocument"]
    doc = opened(document)
    check_layout(doc)
    assert document["filename"] == "目标责任书-2026-JA.docx"
    body = doc.element.body
    assert len(body.findall(f".//{qn('w:br')}[@{qn('w:type')}='page']")) == 2  # three letters, three pages
    text = text_of(doc)
    for letter in year["letters"]:
        assert f"印章校验码（SHA-256）：{letter['contentHash']}" in text
        assert f"责任书编号：{letter['id']}" in text
    assert "乙方（接收方）：张志强（JA-003）" in text  # the department → person letter names its person
    targets = doc.tables[0]
    assert [c.text for c in targets.rows[0].cells] == ["编号", "目标", "分值", "目标值", "责任领导", "责任部门"]
    assert [c.text for c in targets.rows[1].cells] == [
        "JA-T01", "地区生产总值", "40", "110亿元", "王建国（JA-001）", "综合处"]
    assert len(targets.rows) == 5
    signatures = [[c.text for c in r.cells] for r in doc.tables[1].rows]
    assert signatures[2][1:] == ["office", "jaop"]
    assert signatures[3][1].startswith("20") and signatures[3][1].endswith("日")


def test_the_filing_records_document_has_one_page_per_cadre(stack: RunningStack, year: dict[str, Any]) -> None:
    with stack.client("orgdept") as org:
        document = ok(org, FILINGS)["filingRecordsDocument"]
    doc = opened(document)
    check_layout(doc)
    forms = year["forms"]
    assert len(forms) == 8 and len(doc.tables) == len(forms)
    assert len(doc.element.body.findall(f".//{qn('w:br')}[@{qn('w:type')}='page']")) == len(forms) - 1
    assert [p.text for p in doc.paragraphs].count("领导干部目标考核结果备案表") == len(forms)
    for form, table in zip(forms, doc.tables, strict=True):
        cells = [[c.text for c in r.cells] for r in table.rows]
        assert cells[0][1] == form["person"]["name"] and cells[0][3] == form["person"]["staffNo"]
        assert cells[3][3] == str(form["rank"]) and cells[4][1] == form["compositeScore"]
        assert "发放奖金" in cells[6][1]  # the organisation department sees pay
        if form["person"]["staffNo"] == year["archived"]:
            assert cells[8][1].startswith("经审核，同意备案") and "审核人：supervision" in cells[8][1]
            assert "市委组织部  经办人：orgdept  日期：20" in cells[9][1]
        else:
            assert "（签章）" in cells[8][1] and "（签章）" in cells[9][1]


def test_a_unit_leader_gets_its_own_forms_without_another_units_pay(stack: RunningStack,
                                                                   year: dict[str, Any]) -> None:
    with stack.client("qkleader") as leader:
        doc = opened(ok(leader, FILINGS)["filingRecordsDocument"])
    names = {t.rows[0].cells[1].text for t in doc.tables}
    assert names == {f["person"]["name"] for f in year["forms"] if f["unit"]["code"] == "QK"}
    with stack.client("supervision") as sup:  # every form, no pay: the supervision office does not see salaries
        doc = opened(ok(sup, FILINGS)["filingRecordsDocument"])
    assert len(doc.tables) == 8 and "发放奖金" not in text_of(doc) and "元，扣发" not in text_of(doc)


def test_documents_are_refused_outside_the_reads_they_show(stack: RunningStack, year: dict[str, Any]) -> None:
    with stack.client("jaop") as jaop:
        assert refused(jaop, LETTERS, {"unit": "JH"}) == "FORBIDDEN"
        assert refused(jaop, FILINGS) == "FORBIDDEN"
    with stack.client("evaluator") as evaluator:
        assert refused(evaluator, FILINGS) == "FORBIDDEN"
    with stack.client("office") as office:
        assert refused(office, LETTERS, {"unit": "QK"}) == "NOT_FOUND"  # QK has no letter
        assert refused(office, LETTERS, {"unit": "NOPE"}) == "NOT_FOUND"
        assert refused(office, """{ bulletinDocument(year: 2027) { filename } }""") == "NOT_FOUND"
        # JH's city letter is a draft: shown as waiting for signatures, without a hash
        draft = text_of(opened(ok(office, LETTERS, {"unit": "JH"})["letterDocument"]))
        assert "待签订" in draft and "印章校验码：双方签署后生成" in draft


def test_mbo_export_writes_the_documents(stack: RunningStack, year: dict[str, Any], tmp_path: Path) -> None:
    env = {**os.environ, **stack.client_env("office", PASSWORD)}
    for kind, extra, expected in (("bulletin", [], ["2026年度目标管理考核结果通报-第1版.docx"]),
                                  ("letters", ["--unit", "JA"], ["目标责任书-2026-JA.docx"]),
                                  ("letters", [], ["目标责任书-2026-JA.docx", "目标责任书-2026-JH.docx"]),
                                  ("filings", [], ["领导干部目标考核结果备案表-2026.docx"])):
        out = tmp_path / f"{kind}-{len(extra)}"
        done = subprocess.run([sys.executable, "-m", "mbo.cli", "export", kind, "--year", "2026", *extra,
                               "--out", str(out)], env=env, text=True, capture_output=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        assert sorted(p.name for p in out.iterdir()) == expected
        for name in expected:
            assert str(out / name) in done.stdout
            assert round(open_docx(str(out / name)).sections[0].page_height.mm) == 297
    env = {**os.environ, **stack.client_env("jaop", PASSWORD)}
    done = subprocess.run([sys.executable, "-m", "mbo.cli", "export", "letters", "--year", "2026", "--unit", "JH",
                           "--out", str(tmp_path / "refused")], env=env, text=True, capture_output=True, timeout=60,
                          check=False)
    assert done.returncode == 1 and "your own unit" in done.stderr
    assert not (tmp_path / "refused").exists() or not any((tmp_path / "refused").iterdir())


async def save_from(pilot: Any, folder: Path) -> None:
    await until(pilot, lambda: isinstance(pilot.app.screen, SaveDocumentDialog))
    dialog = pilot.app.screen
    assert dialog.query_one("#folder").value  # a default folder is offered
    dialog.query_one("#folder").value = str(folder)
    await pilot.press("enter")


async def test_the_save_key_writes_each_document_to_the_chosen_folder(stack: RunningStack, year: dict[str, Any],
                                                                     tmp_path: Path) -> None:
    app = make_app(stack, "office")
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)
        app.push_screen(RankingScreen(bulletin=True))
        await until(pilot, lambda: isinstance(app.screen, RankingScreen) and app.screen.rows)
        await pilot.press("d")
        await save_from(pilot, tmp_path / "bulletin")
        await until(pilot, lambda: (tmp_path / "bulletin").exists() and any((tmp_path / "bulletin").iterdir()))
        saved = next((tmp_path / "bulletin").iterdir())
        assert saved.name.endswith(".docx") and "武汉市2026年度目标管理考核结果通报" in text_of(open_docx(str(saved)))

        app.pop_screen()
        app.push_screen(LettersScreen("JA"))
        await until(pilot, lambda: isinstance(app.screen, LettersScreen) and app.screen.letters)
        await pilot.press("d")
        await save_from(pilot, tmp_path / "letters")
        await until(pilot, lambda: (tmp_path / "letters" / "目标责任书-2026-JA.docx").exists())

    app = make_app(stack, "orgdept")
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)
        app.push_screen(FilingsScreen())
        await until(pilot, lambda: isinstance(app.screen, FilingsScreen) and app.screen.records)
        await pilot.press("d")
        await save_from(pilot, tmp_path / "filings")
        path = tmp_path / "filings" / "领导干部目标考核结果备案表-2026.docx"
        await until(pilot, path.exists)
        assert len(open_docx(str(path)).tables) == 8
        assert "已保存" in str(app.screen.query_one(".status").render())


def test_a_bulletin_on_notice_is_marked_公示_with_the_end_of_its_notice() -> None:
    import datetime
    from types import SimpleNamespace

    from services.assessment.bulletin import Bulletin
    from services.assessment.bulletin_document import Honours, render

    ends = datetime.date.today() + datetime.timedelta(days=5)
    revision = SimpleNamespace(number=2, reason="更正投票测评录入错误", published_on=datetime.date(2026, 12, 20),
                               published_at=None, final_at=None, notice_ends_on=ends)
    doc = open_docx(io.BytesIO(render(Bulletin(2026, "武汉市", revision, [], []), Honours())))  # type: ignore[arg-type]
    lines = [p.text for p in doc.paragraphs]
    assert lines[:2] == ["公示", "武目考〔2026〕2号"]
    assert f"公示期至{ends.year}年{ends.month}月{ends.day}日" in "\n".join(lines)
    assert "更正原因：更正投票测评录入错误" in "\n".join(lines)
    assert lines[-1] == "2026年12月20日"
