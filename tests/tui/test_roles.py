"""Each role's daily work in the operator client, signed in as that role against the real stack, with the
effect checked through the API; and every screen of every role opened at 120×40 without a refusal, a raw
code or a field name.

The year is imported with its year-end inputs, computed, published and applied in the fixture, so filing
records and leader adjustments exist."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input, Label, Select

from tests.support.stack import RunningStack, running_stack
from tests.tui.bundle import write_year_bundle
from tests.tui.helpers import opened, run_import, session, settle, text_of, until
from tui.dialogs.confirm import ConfirmDialog
from tui.dialogs.form import FormDialog
from tui.dialogs.prompt import PromptDialog
from tui.roles import destinations
from tui.screens.adjustments import AdjustmentsScreen
from tui.screens.cadre_file import CadreFileScreen
from tui.screens.entry import EntryScreen
from tui.screens.filings import FilingsScreen
from tui.screens.letters import LettersScreen
from tui.screens.ranking import RankingScreen
from tui.screens.records import DetailDialog
from tui.screens.unit_tree import UnitTreeScreen
from tui.screens.units import UnitsScreen

USERS = [("office", ("TARGET_OFFICE",), None), ("leader", ("LEADER",), None),
         ("supervision", ("SUPERVISION_OFFICE",), None), ("orgdept", ("ORGANIZATION_DEPT",), None),
         ("jaop", ("UNIT_OPERATOR",), "JA"), ("evaluator", ("EVALUATOR",), None),
         ("assessor", ("ASSESSOR",), "市统计局")]


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with running_stack(Path(tmp_path_factory.mktemp("stack"))) as running:
        for name, roles, unit in USERS:
            running.add_user(name, *roles, unit=unit)
        run_import(running, write_year_bundle(tmp_path_factory.mktemp("bundle")))
        for step in ("computeAssessment(year: 2026) { status }", "publishAssessment(year: 2026) { status }",
                     "applyResults(year: 2026) { filingRecords }"):
            api(running, "office", f"mutation {{ {step} }}")
        yield running


def api(stack: RunningStack, user: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    with stack.client(user) as client:
        result = client.execute(query, variables or {})
    assert result.errors == [], result.errors
    return result.data or {}


def filings(stack: RunningStack) -> dict[str, dict[str, Any]]:
    data = api(stack, "office", "{ filingRecords(year: 2026, first: 500) { edges { node { id status version "
                                "remarks person { staffNo } } } } }")
    return {e["node"]["id"]: e["node"] for e in data["filingRecords"]["edges"]}


def status_text(app: Any) -> str:
    return text_of(app, ".status")


def refused(app: Any) -> bool:
    return any(label.has_class("error") for label in app.screen.query(".status").results(Label))


async def test_supervision_reviews_and_transfers_filing_records_without_pay_fields(year: RunningStack) -> None:
    async with session(year, "supervision") as (app, pilot):
        screen = await opened(pilot, "filings", FilingsScreen, lambda s: s.records)
        assert not refused(app), status_text(app)
        assert all("bonusPaid" not in r for r in screen.records)  # asked only for what the role may read
        assert screen.records[0]["status"] == "DRAFT"  # its own queue first
        assert "待我处理 waiting for you" in status_text(app)
        first = screen.records[0]
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        assert app.screen.query_one("#f-remarks", Input).has_focus
        await pilot.press(*"经督查室核实")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen and screen.records[0]["status"] == "REVIEWED")
        assert screen.records[0]["id"] == first["id"] and screen.query_one(DataTable).cursor_row == 0
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await until(pilot, lambda: app.screen is screen and screen.records[0]["status"] == "TRANSFERRED")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DetailDialog))
        detail = text_of(app, "#detail-text")
        assert "已移交 Transferred" in detail and "经督查室核实" in detail and "{" not in detail
        await pilot.press("escape")
    record = filings(year)[first["id"]]
    assert record["status"] == "TRANSFERRED" and record["remarks"] == "经督查室核实"

    async with session(year, "supervision") as (app, pilot):
        await opened(pilot, CadreFileScreen(record["person"]["staffNo"]), CadreFileScreen,
                     lambda _: "条记录" in status_text(app))
        rows = app.screen.query_one("#file", DataTable)
        assert rows.row_count >= 1
        assert "已移交 Transferred" in [str(c) for c in rows.get_row_at(0)]


async def test_filing_records_beyond_the_first_rows_are_drawn_in_order_and_keep_the_cursor(
        year: RunningStack, monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.screens import records

    monkeypatch.setattr(records, "FIRST_ROWS", 2)  # the year's few records then fill in several chunks
    monkeypatch.setattr(records, "CHUNK", 3)
    async with session(year, "orgdept") as (_app, pilot):
        screen = await opened(pilot, "filings", FilingsScreen, lambda s: s.records)
        table = screen.query_one(DataTable)
        assert len(screen.shown) > 2 + 3  # more than the first rows and one chunk
        keys = [str(row.value) for row in table.rows]
        assert keys == [str(i) for i in screen.shown]  # every row, once, in the screen's order
        row = len(screen.shown) - 1  # the last row: drawn by the last chunk
        table.move_cursor(row=row)
        record = screen.current
        assert record is not None and record["id"] == screen.records[screen.shown[row]]["id"]
        screen.refill(keep=row)  # as after a workflow step on that row
        assert table.cursor_row == row and screen.current == record  # drawn before the cursor went back to it
        await until(pilot, lambda: table.row_count == len(screen.shown))
        assert [str(r.value) for r in table.rows] == keys


async def test_a_refused_cadre_file_is_not_no_person(year: RunningStack) -> None:
    async with session(year, "supervision") as (app, pilot):
        await opened(pilot, CadreFileScreen("NOBODY-1"), CadreFileScreen, lambda _: "No person" in status_text(app))
    async with session(year, "jaop") as (app, pilot):  # a unit operator may not read cadre files: a refusal
        await opened(pilot, CadreFileScreen("JA-001"), CadreFileScreen, lambda _: refused(app))
        assert "无此操作权限" in status_text(app) and "No person" not in status_text(app)


async def test_the_organisation_department_archives_and_decides_adjustments(year: RunningStack) -> None:
    draft = next(r for r in filings(year).values() if r["status"] == "DRAFT")
    done = api(year, "office", "mutation($id: ID!, $v: Int!) { reviewFilingRecord(id: $id, version: $v) { version } }",
               {"id": draft["id"], "v": draft["version"]})
    api(year, "office", "mutation($id: ID!, $v: Int!) { transferFilingRecord(id: $id, version: $v) { version } }",
        {"id": draft["id"], "v": done["reviewFilingRecord"]["version"]})
    async with session(year, "orgdept") as (app, pilot):
        screen = await opened(pilot, "filings", FilingsScreen, lambda s: s.records)
        assert screen.records[0]["status"] == "TRANSFERRED"  # its queue first
        assert "bonusPaid" in screen.records[0]
        target = screen.records[0]["id"]
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await until(pilot, lambda: app.screen is screen and screen.records[0]["status"] == "ARCHIVED")
        assert filings(year)[target]["status"] == "ARCHIVED"

        app.pop_screen()
        cases = await opened(pilot, "adjustments", AdjustmentsScreen, lambda s: s.records)
        case = cases.records[0]
        assert case["status"] == "PROPOSED"
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        assert app.screen.query_one("#f-kind", Select).has_focus
        app.screen.query_one("#f-text", Input).value = "调任非领导职务"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is cases and cases.records[0]["status"] == "DECIDED")
        assert "调任 Transfer" in [str(c) for c in cases.query_one(DataTable).get_row_at(0)]
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        app.screen.query_one("#f-note", Input).value = "已办理"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is cases and cases.records[0]["status"] == "EXECUTED")
    found = api(year, "orgdept", "{ leaderAdjustments(year: 2026) { id status decisionKind executionNote } }")
    executed = next(c for c in found["leaderAdjustments"] if c["id"] == case["id"])
    assert executed == {"id": case["id"], "status": "EXECUTED", "decisionKind": "TRANSFER", "executionNote": "已办理"}


async def test_a_published_year_is_corrected_from_the_client(year: RunningStack) -> None:
    # the evaluator: the grid of a published year refuses the change and turns read-only, saying why
    async with session(year, "evaluator") as (app, pilot):
        entry = await opened(pilot, EntryScreen("ballots", "JA"), EntryScreen, lambda s: s.grid.rows)
        await pilot.press("right", "9", "enter", "ctrl+s")
        await until(pilot, lambda: refused(app))
        assert entry.grid.read_only, status_text(app)
        assert "目标办开启更正" in text_of(app, "#totals")
        assert entry.check_action("save", ()) is None  # shown greyed out

    # the target office: the grid is read only at once; the ranking offers the correction
    async with session(year, "office") as (app, pilot):
        await opened(pilot, EntryScreen("ballots", "JA"), EntryScreen, lambda s: s.grid.rows)
        assert app.screen.grid.read_only
        app.pop_screen()
        ranking = await opened(pilot, "ranking", RankingScreen, lambda s: s.assessment)
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, PromptDialog))
        await pilot.press("enter")  # empty: refused with the reason, the dialog stays
        assert "必填" in text_of(app, "#prompt-error")
        await pilot.press(*"检查组评分录入有误")
        await pilot.press("enter")
        await until(pilot, lambda: ranking.assessment is not None and ranking.assessment["status"] == "OPEN")
    state = api(year, "office", "{ assessment(year: 2026) { status revision } }")["assessment"]
    assert state == {"status": "OPEN", "revision": 2}

    async with session(year, "evaluator") as (app, pilot):
        entry = await opened(pilot, EntryScreen("ballots", "JA"), EntryScreen, lambda s: s.grid.rows)
        assert not entry.grid.read_only
        group = entry.grid.rows[0]["group"]
        await pilot.press("right", "9", "9", "enter", "ctrl+s")
        await until(pilot, lambda: "已保存 Saved 1" in status_text(app))
    tallies = api(year, "office", '{ ballotTallies(year: 2026, unitCode: "JA") { voterGroup excellent } }')
    assert {"voterGroup": group, "excellent": 99} in tallies["ballotTallies"]

    async with session(year, "office") as (app, pilot):
        ranking = await opened(pilot, "ranking", RankingScreen, lambda s: s.assessment)
        await pilot.press("c")
        await until(pilot, lambda: ranking.assessment is not None and ranking.assessment["status"] == "COMPUTED")
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await until(pilot, lambda: ranking.assessment is not None and ranking.assessment["status"] == "PUBLISHED")
    state = api(year, "office", "{ assessment(year: 2026) { status revision } }")["assessment"]
    assert state == {"status": "PUBLISHED", "revision": 2}


async def test_the_assessor_certifies_its_departments_targets(year: RunningStack) -> None:
    api(year, "office", 'mutation { openCorrection(year: 2026, reason: "专项考核认定值更正") { status } }')
    async with session(year, "assessor") as (app, pilot):
        entry = await opened(pilot, "entry_certifications", EntryScreen, lambda s: s.grid.rows)
        assert not refused(app)
        units = {row["code"].split("-")[0] for row in entry.grid.rows}
        assert units == {"JA", "JH", "QK", "FGW", "CZJ"}  # across units: every target the department assesses
        index = next(i for i, row in enumerate(entry.grid.rows) if row["code"] == "JH-T02")
        entry.grid.table.move_cursor(row=index, column=5)
        await pilot.press("8", ".", "5", "enter", "ctrl+s")
        await until(pilot, lambda: "已保存 Saved 1" in status_text(app))
    found = api(year, "office", '{ assessedTargets(year: 2026, unitCode: "JH") { code certification '
                                "{ actualValue } } }")["assessedTargets"]
    assert {"code": "JH-T02", "certification": {"actualValue": "8.5"}} in found


async def test_a_leader_agrees_a_proposed_target(year: RunningStack) -> None:
    api(year, "office", """mutation { createTarget(input: {year: 2026, code: "JA-T09", unitCode: "JA",
        title: "新增就业人数", kind: BASE, measure: QUANTITATIVE, direction: HIGHER_IS_BETTER, points: 1,
        baseline: 100}) { code } }""")
    version = api(year, "office", '{ target(year: 2026, code: "JA-T09") { version } }')["target"]["version"]
    api(year, "office", 'mutation($v: Int!) { proposeTarget(year: 2026, code: "JA-T09", version: $v, value: 120) '
                        "{ status } }", {"v": version})
    async with session(year, "leader") as (app, pilot):
        tree = await opened(pilot, UnitTreeScreen("JA"), UnitTreeScreen, lambda s: "JA-T09" in s.by_code)
        assert tree.check_action("edit", ()) is False and tree.check_action("decompose", ()) is False
        tree.query_one("#tree").move_cursor(tree.nodes["JA-T09"])
        await settle(pilot)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        assert app.screen.query_one("#f-action", Select).value == "agree"  # the leader's only step
        app.screen.query_one("#f-reason", Input).value = "同意目标办提议"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is tree and tree.by_code["JA-T09"]["status"] == "AGREED")
    found = api(year, "office", '{ target(year: 2026, code: "JA-T09") { status agreedValue } }')["target"]
    assert found == {"status": "AGREED", "agreedValue": "120"}


async def test_the_unit_operator_cascades_reports_and_drafts_letters(year: RunningStack) -> None:
    api(year, "office", """mutation { createLetter(input: {year: 2026, unitCode: "JA", level: CITY_UNIT,
        issuer: "武汉市人民政府", receiver: "江岸区", targetCodes: ["JA-T02"]}) { id } }""")
    async with session(year, "jaop") as (app, pilot):
        await opened(pilot, "units", UnitsScreen, lambda s: s.staff)
        assert app.screen.staff == {"JA": 3} and not refused(app)  # its own staff, nobody else's asked for
        units = app.screen
        await pilot.press("p")  # on the first unit (CZJ): not its own
        await until(pilot, lambda: refused(app))
        await pilot.press("slash", "J", "A")
        units.query_one(DataTable).focus()
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, DetailDialog))
        assert "JA-001" in text_of(app, "#detail-text") and "JA-003" in text_of(app, "#detail-text")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is units)
        await pilot.press("slash", "enter")  # enter in the search opens the tree
        await until(pilot, lambda: isinstance(app.screen, UnitTreeScreen) and app.screen.by_code)
        tree = app.screen
        tree.query_one("#tree").move_cursor(tree.nodes["JA-T02"])
        await settle(pilot)
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        form = app.screen
        assert form.query_one("#f-code", Input).has_focus
        code = form.query_one("#f-code", Input).value
        form.query_one("#f-title", Input).value = "分解到综合处"
        form.query_one("#f-value", Input).value = "abc"
        await pilot.pause()
        assert "请输入数字" in text_of(app, "#e-value")  # checked as typed, the reason shown
        form.query_one("#f-value", Input).value = "1"
        form.query_one("#f-points", Input).value = "1"
        form.query_one("#f-responsibleDepartment", Input).value = "综合处"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is tree and code in tree.by_code)
        # the refilled tree puts its cursor back on the saved target once drawn (call_after_refresh): wait for
        # that before moving it, or the restore could move it again after the test did
        await until(pilot, lambda: tree.current is not None and tree.current["code"] == tree.select_after_load)
        tree.query_one("#tree").move_cursor(tree.nodes[code])
        await settle(pilot)
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        app.screen.query_one("#f-assignee", Input).value = "JA-003"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is tree and (tree.by_code.get(code, {}).get("assignee") or {})
                    .get("staffNo") == "JA-003")
        await until(pilot, lambda: tree.current is not None and tree.current["code"] == code)  # restored, as above
        await pilot.press("g")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        app.screen.query_one("#f-asOf", Input).value = "2026-13-45"
        await pilot.pause()
        assert "有效日期" in text_of(app, "#e-asOf")
        app.screen.query_one("#f-asOf", Input).value = "2026-06-30"
        app.screen.query_one("#f-actual", Input).value = "0.4"
        app.screen.query_one("#f-note", Input).value = "佐证：江岸统计月报第6期"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is tree)

        app.pop_screen()
        app.pop_screen()
        letters = await opened(pilot, "letters", LettersScreen, lambda s: s.letters, 10)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        form = app.screen
        assert form.query_one("#f-level", Select).value == "UNIT_DEPARTMENT"  # no city letters for a unit
        assert form.query_one("#f-issuer", Input).value == "江岸区"  # the parent's receiver issues
        form.query_one("#f-receiver", Input).value = "综合处"
        form.query_one("#f-targetCodes", Input).value = code
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is letters and len(letters.letters) == 2)
        await pilot.press("down", "enter")
        await until(pilot, lambda: isinstance(app.screen, DetailDialog))
        assert code in text_of(app, "#detail-text")
    found = api(year, "office", f'{{ target(year: 2026, code: "{code}") {{ responsibleDepartment assignee '
                                "{ staffNo } progressReports { actualToDate note } } }")["target"]
    assert found["responsibleDepartment"] == "综合处" and found["assignee"] == {"staffNo": "JA-003"}
    assert found["progressReports"] == [{"actualToDate": "0.4", "note": "佐证：江岸统计月报第6期"}]
    letters_found = api(year, "office", '{ letters(year: 2026, unitCode: "JA") { level receiver targets { code } } }')
    assert {"level": "UNIT_DEPARTMENT", "receiver": "综合处", "targets": [{"code": code}]} in \
        letters_found["letters"]


async def test_actions_a_role_may_not_take_are_not_shown(year: RunningStack) -> None:
    for user in ("leader", "supervision", "orgdept"):
        async with session(year, user) as (app, pilot):
            await opened(pilot, "ranking", RankingScreen, lambda _: "Loading" not in status_text(app))
            for action in ("publish", "compute", "correct", "finalize"):
                assert app.screen.check_action(action, ()) is False, (user, action)


async def test_the_year_chooser_refuses_what_is_not_a_year(year: RunningStack) -> None:
    async with session(year, "evaluator") as (app, pilot):
        await pilot.press("ctrl+y")
        await until(pilot, lambda: isinstance(app.screen, PromptDialog))
        dialog = app.screen
        for typed, reason in (("2031", "须在"), ("abc", "四位数字")):
            dialog.query_one(Input).value = typed
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is dialog and reason in text_of(app, "#prompt-error")
        dialog.query_one(Input).value = "2026"
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is not dialog)
        assert app.year == 2026
        assert "已发布 published" in text_of(app, "#assessment .stat-value")  # every role sees the year's state


UPPER_CODE = re.compile(r"(?<![\w-])[A-Z]{2,}(?:_[A-Z]+)+(?![\w-])")
CAMEL = re.compile(r"(?<![\w./-])[a-z]+(?:[A-Z][a-z0-9]+)+(?![\w/-])")


def screen_text(app: Any) -> str:
    svg = app.export_screenshot()
    return "".join(html.unescape(part).replace("\xa0", " ") for part in re.findall(r">([^<]*)</text>", svg))


async def test_every_screen_of_every_role_opens_without_a_refusal_a_code_or_a_field_name(
        year: RunningStack) -> None:
    enums = api(year, "office", "{ __schema { types { kind enumValues { name } } } }")
    codes = {v["name"] for t in enums["__schema"]["types"] if t["kind"] == "ENUM" and not t.get("name", "")
             .startswith("__") for v in t["enumValues"] or [] if len(v["name"]) > 3}
    bare = re.compile(r"(?<![\w-])(" + "|".join(sorted(codes, key=len, reverse=True)) + r")(?![\w-])")
    problems: list[str] = []
    for user, roles, _unit in USERS:
        async with session(year, user) as (app, pilot):
            for destination in destinations(list(roles)):
                app.open(destination.action)
                await until(pilot, lambda: type(pilot.app.screen).__name__ != "HomeScreen")
                await until(pilot, lambda: "Loading" not in status_text(pilot.app)
                            if pilot.app.screen.query(".status") else True)
                await settle(pilot)
                where = f"{user} · {destination.label}"
                if refused(app):
                    problems.append(f"{where}: refused: {status_text(app)}")
                text = screen_text(app)
                for pattern in (UPPER_CODE, bare, CAMEL):
                    problems += [f"{where}: {m}" for m in {m.group(0) for m in pattern.finditer(text)}]
                if isinstance(app.screen, (FilingsScreen, AdjustmentsScreen)) and app.screen.records:
                    await pilot.press("enter")  # the detail of the first record
                    await until(pilot, lambda: isinstance(pilot.app.screen, DetailDialog))
                    problems += [f"{where} detail: {m}" for pattern in (UPPER_CODE, bare, CAMEL)
                                 for m in {m.group(0) for m in pattern.finditer(screen_text(app))}]
                    await pilot.press("escape")
                app.action_home()
                await settle(pilot)
            if "UNIT_OPERATOR" in roles or "LEADER" in roles or "TARGET_OFFICE" in roles:
                app.push_screen(UnitTreeScreen("JA"))
                await until(pilot, lambda: isinstance(pilot.app.screen, UnitTreeScreen) and pilot.app.screen.by_code)
                tree = app.screen
                tree.query_one("#tree").move_cursor(tree.nodes["JA-T01"])
                await settle(pilot)
                text = screen_text(app)
                problems += [f"{user} · tree: {m}" for pattern in (UPPER_CODE, bare, CAMEL)
                             for m in {m.group(0) for m in pattern.finditer(text)}]
                if refused(app):
                    problems.append(f"{user} · tree: refused: {status_text(app)}")
    assert problems == [], "\n".join(problems)


async def test_the_lagging_screen_shows_what_the_api_returns_most_urgent_first(year: RunningStack) -> None:
    from tui.screens.lagging import SEVERITY, LaggingScreen

    expected = api(year, "leader", '{ laggingTargets(year: 2026, asOf: "2026-06-30") { code status } }')
    assert expected["laggingTargets"]
    async with session(year, "leader") as (app, pilot):
        app.open("lagging")
        await until(pilot, lambda: isinstance(app.screen, LaggingScreen) and app.screen.whole, settled=False)
        screen = app.screen  # past the first page: the whole list, which comes with the leaders' names
        leaders = [r["responsibleLeader"] for r in screen.rows if r.get("responsibleLeader")]
        assert leaders and all(leader.get("name") for leader in leaders)
        await until(pilot, lambda: True)  # the table's rows drawn
        first_page = await app.api.lagging_first(2026, "2026-06-30", None, None, 5)
        assert len(first_page) == 5 and {r["code"] for r in first_page} <= {r["code"] for r in screen.rows}
        assert [SEVERITY[r["status"]] for r in first_page] == sorted(SEVERITY[r["status"]] for r in first_page)
        table = screen.query_one(DataTable)
        assert table.row_count == len(screen.rows) == len(expected["laggingTargets"])
        behind = sum(1 for r in expected["laggingTargets"] if r["status"] != "ON_TRACK")
        assert f"{behind} 个目标 targets behind schedule" in status_text(app)
        ranks = [SEVERITY[r["status"]] for r in screen.rows]
        assert ranks == sorted(ranks)  # at risk first, then lagging
        assert "（JA-001）" in " ".join(str(table.get_row_at(i)[8]) for i in range(table.row_count))


async def test_the_lagging_screen_asks_only_for_the_most_urgent_when_there_are_more(
        year: RunningStack, monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.screens import lagging

    day = "2026-09-30"  # after every other test's reports: this test's own day
    query = f'{{ laggingTargets(year: 2026, asOf: "{day}") {{ code unitCode status progress elapsed }} }}'
    others = sorted({r["unitCode"] for r in api(year, "leader", query)["laggingTargets"]} - {"JA"})[:2]
    for unit in others:  # 30 of 50 by the end of September: 0.6 of 0.75 of the year gone, LAGGING
        api(year, "office", f'mutation {{ reportProgress(year: 2026, code: "{unit}-T04", period: "2026-Q3", '
                            f'asOf: "{day}", actualToDate: "30") {{ version }} }}')
    every = sorted(api(year, "leader", query)["laggingTargets"], key=lagging.urgency)
    at_risk = sum(1 for r in every if r["status"] == "AT_RISK")
    behind = sum(1 for r in every if r["status"] == "LAGGING")
    assert at_risk > 3 and behind == 2, (at_risk, behind)
    monkeypatch.setattr(lagging, "SHOWN", 3)  # the table shows fewer rows than the day has behind schedule
    monkeypatch.setattr(lagging, "FIRST_ROWS", 2)
    async with session(year, "leader") as (app, pilot):
        whole_lists = []
        ask_whole = app.api.lagging

        async def counted(*args: Any, **kwargs: Any) -> Any:
            whole_lists.append(args)
            return await ask_whole(*args, **kwargs)

        app.api.lagging = counted  # type: ignore[method-assign]
        app.open("lagging")
        await until(pilot, lambda: isinstance(app.screen, lagging.LaggingScreen) and app.screen.whole)
        screen = app.screen
        screen.query_one("#as-of", Input).value = day
        screen.action_reload()
        await until(pilot, lambda: screen.asked[0] == day and screen.whole)
        assert whole_lists == []  # the three most urgent and the counts, not the whole list
        assert [r["code"] for r in screen.rows] == [r["code"] for r in every[:3]]
        assert all(r["responsibleLeader"].get("name") for r in screen.rows if r.get("responsibleLeader"))
        assert f"{len(every)} 个目标 targets behind schedule" in status_text(app)
        assert "the 3 most urgent shown" in status_text(app)

        screen.query_one("#state", Select).value = "LAGGING"  # the lagging ones come after every one at risk
        await until(pilot, lambda: screen.whole and screen.query_one(DataTable).row_count == behind)
        table = screen.query_one(DataTable)
        assert [str(table.get_row_at(i)[1]) for i in range(table.row_count)] == \
            [r["code"] for r in every if r["status"] == "LAGGING"]
        assert f"{behind} 个目标 targets behind schedule" in status_text(app) and whole_lists == []


async def test_the_lagging_screen_shows_staff_numbers_when_names_cannot_be_fetched(year: RunningStack) -> None:
    from tui.screens.lagging import LaggingScreen

    async with session(year, "leader") as (app, pilot):
        personnel = year.stack.processes["personnel"]
        personnel.terminate()
        personnel.wait(10)
        try:
            app.open("lagging")
            await until(pilot, lambda: isinstance(app.screen, LaggingScreen) and app.screen.whole)
            screen = app.screen
            leaders = [r["responsibleLeader"] for r in screen.rows if r.get("responsibleLeader")]
            assert leaders and all(leader.get("staffNo") and not leader.get("name") for leader in leaders)
            assert "Names unavailable; staff numbers shown" in status_text(app) and not refused(app)
            table = screen.query_one(DataTable)
            assert table.row_count == len(screen.rows)
            assert "JA-001" in " ".join(str(table.get_row_at(i)[8]) for i in range(table.row_count))
        finally:
            year.stack.restart("personnel")


async def test_refusals_say_what_is_wrong(year: RunningStack) -> None:
    from tui.api import Api, ApiError

    client = Api(year.url)
    await client.adopt(year.session_token("office"))
    try:
        record = next(r for r in await client.filing_records(2026, None) if r["status"] == "DRAFT")
        with pytest.raises(ApiError) as wrong_step:  # a draft is not transferred before its review
            await client.filing_step("transfer", record)
        assert wrong_step.value.code == "CONFLICT"
        assert "记录当前状态不允许此操作" in wrong_step.value.message and "他人" not in wrong_step.value.message
        with pytest.raises(ApiError) as stale:
            await client.filing_step("review", {**record, "version": record["version"] + 5})
        assert "数据已被他人修改" in stale.value.message and f"current version {record['version']}" in \
            stale.value.message
        case = (await client.leader_adjustments(2026))[0]
        with pytest.raises(ApiError) as empty:
            await client.query("""mutation D($id: ID!, $version: Int!, $kind: AdjustmentDecisionKind!,
              $text: String!) { decideLeaderAdjustment(id: $id, version: $version, kind: $kind, text: $text)
              { id } }""", {"id": case["id"], "version": case["version"], "kind": "TRANSFER", "text": None})
        assert "服务器暂不支持" not in empty.value.message
        assert empty.value.field == "text" or "text" in empty.value.message
    finally:
        await client.close()
