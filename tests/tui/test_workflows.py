"""The operator client end to end: the real gateway and services, driven with Pilot at 120×40."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Input, OptionList, Select

from tests.support.bundles import write_csv
from tests.support.stack import PASSWORD, RunningStack
from tests.tui.bundle import COLUMNS, write_year_end
from tests.tui.helpers import enter_credentials, needs_otp, opened, session, settle, signed_in, text_of, until
from tui.commands import MboCommands
from tui.dialogs.confirm import ConfirmDialog
from tui.dialogs.form import FormDialog
from tui.dialogs.prompt import PromptDialog
from tui.screens.adjustments import AdjustmentsScreen
from tui.screens.cadre_file import CadreFileScreen
from tui.screens.entry import EntryScreen
from tui.screens.filings import FilingsScreen
from tui.screens.import_bundle import ImportScreen
from tui.screens.letters import LettersScreen
from tui.screens.ranking import RankingScreen
from tui.screens.rewards import RewardsScreen
from tui.screens.sign_in import SignInScreen
from tui.screens.unit_tree import UnitTreeScreen
from tui.screens.units import UnitsScreen


async def test_sign_in_shows_the_target_office_home_with_counts(loaded: RunningStack) -> None:
    async with session(loaded, None) as (app, pilot):
        await enter_credentials(pilot, "office")
        await needs_otp(pilot)  # TARGET_OFFICE signs in with a second factor
        assert "请输入动态口令" in text_of(app, "#error")
        await pilot.press(*str(loaded.otp("office")))
        await pilot.press("enter")
        await signed_in(pilot)
        await settle(pilot)
        assert "5（区 3 · 市直 2）" in text_of(app, "#units .stat-value")
        assert text_of(app, "#targets .stat-value") == "20"
        assert text_of(app, "#agreed .stat-value") == "20 / 20"
        menu = app.screen.query_one("#menu", OptionList)
        ids = [menu.get_option_at_index(i).id for i in range(menu.option_count)]
        assert {"units", "import", "ranking", "rewards"} <= set(ids)


async def test_wrong_password_and_lockout_are_explained(loaded: RunningStack) -> None:
    loaded.add_user("clumsy", "LEADER")
    async with session(loaded, None) as (app, pilot):
        screen = app.screen
        screen.query_one("#username", Input).value = "clumsy"
        for attempt in range(6):
            screen.query_one("#password", Input).value = f"wrong-{attempt}"
            await pilot.press("enter")
            await settle(pilot)
            if attempt == 0:
                assert "用户名或密码错误" in text_of(app, "#error")
        assert "账户已锁定" in text_of(app, "#error")
        assert isinstance(app.screen, SignInScreen)


async def test_navigate_to_a_unit_tree_and_edit_a_target(loaded: RunningStack) -> None:
    async with session(loaded) as (app, pilot):
        await pilot.press("enter")  # the first menu entry: units
        await until(pilot, lambda: isinstance(app.screen, UnitsScreen) and app.screen.units)
        await pilot.press("slash", "J", "A", "enter")  # enter in the search opens the first unit's tree
        await until(pilot, lambda: isinstance(app.screen, UnitTreeScreen) and app.screen.by_code)
        tree = app.screen
        assert isinstance(tree, UnitTreeScreen) and tree.unit_code == "JA"
        assert tree.by_code["JA-T01"]["uncoveredGap"] == "10"
        await pilot.press("down", "down", "down", "down", "down")
        assert tree.current and tree.current["code"] == "JA-T01-2"
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        app.screen.query_one("#f-agreedValue", Input).value = "45"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is tree and tree.by_code.get("JA-T01-2", {}).get("agreedValue") == "45")
        assert tree.by_code["JA-T01"]["uncoveredGap"] == "5"
        assert "45亿元" in str(tree.nodes["JA-T01-2"].label)
        # the cursor goes back to the edited target once the refilled tree has been drawn (call_after_refresh)
        await until(pilot, lambda: tree.current is not None and tree.current["code"] == "JA-T01-2")


async def test_validation_messages_sit_next_to_the_field(loaded: RunningStack) -> None:
    async with session(loaded) as (app, pilot):
        await opened(pilot, UnitTreeScreen("JA"), UnitTreeScreen, lambda s: s.by_code)
        await pilot.press("down", "e")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        app.screen.query_one("#f-points", Input).value = "abc"
        await pilot.pause()
        assert "请输入数字" in text_of(app, "#e-points")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        assert "请更正" in text_of(app, "#form-error")
        assert app.screen.query_one("#f-agreedValue", Input).disabled  # top-level: set by negotiation


async def test_a_conflict_is_explained_and_reload_takes_the_newer_version(loaded: RunningStack) -> None:
    async with session(loaded) as (app, pilot):
        tree = await opened(pilot, UnitTreeScreen("JH"), UnitTreeScreen, lambda s: s.by_code)
        await pilot.press("down", "down", "e")  # JH-T01-1
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        with loaded.client("office") as client:  # someone else saves first
            done = client.execute('mutation { updateTarget(year: 2026, code: "JH-T01-1", version: 1, '
                                  'input: {title: "工业增加值（他人修改）"}) { version } }')
            assert done.errors == []
        app.screen.query_one("#f-responsibleDepartment", Input).value = "工业处"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen.query_one("#form").has_class("conflict"))
        assert "数据已被他人修改" in text_of(app, "#form-error")
        await pilot.click("#reload")
        await until(pilot, lambda: app.screen.query_one("#f-title", Input).value == "工业增加值（他人修改）")
        app.screen.query_one("#f-responsibleDepartment", Input).value = "工业处"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is tree and
                    tree.by_code.get("JH-T01-1", {}).get("responsibleDepartment") == "工业处")
        assert tree.by_code["JH-T01-1"]["title"] == "工业增加值（他人修改）"


async def test_the_entry_grid_checks_ranges_and_saves(loaded: RunningStack) -> None:
    async with session(loaded, "evaluator") as (app, pilot):
        screen = await opened(pilot, EntryScreen("inspections", "JA"), EntryScreen,
                              lambda _: "行 rows" in text_of(app, ".status"))
        await pilot.press("plus")
        await until(pilot, lambda: isinstance(app.screen, PromptDialog))
        app.screen.query_one(Input).value = "检查组丙"
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is screen and len(screen.grid.rows) == 1)
        await pilot.press("1", "5", "0")
        await pilot.pause()
        await pilot.press("enter")
        assert "范围" in text_of(app, "#editor-error")
        screen.query_one("#editor", Input).value = "88.5"
        await pilot.press("enter")
        assert screen.grid.rows[0]["score"] == "88.5"
        assert "平均 Mean 88.50" in text_of(app, "#totals")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "已保存 Saved 1" in text_of(app, ".status"))
    with loaded.client("office") as client:
        rows = client.execute('{ inspectionScores(year: 2026, unitCode: "JA") { inspector score } }').data
    assert rows == {"inspectionScores": [{"inspector": "检查组丙", "score": "88.5"}]}


async def test_year_end_from_import_to_publish(loaded: RunningStack, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    write_csv(bad / "certifications.csv", COLUMNS["certifications.csv"],
              [["JA-T01", "2026", "120", "", ""], ["NOPE-T9", "2026", "1", "", ""], ["JA-T03", "2026", "", "2", ""]])
    good = write_year_end(tmp_path / "good")
    async with session(loaded) as (app, pilot):
        screen = await opened(pilot, "import", ImportScreen)
        screen.query_one("#path", Input).value = str(bad)
        await pilot.press("enter")
        await until(pilot, lambda: "拒绝" in text_of(app, "#file-certifications-csv .state"))
        errors = screen.query_one("#errors", DataTable)
        assert errors.row_count >= 2
        rows = [[str(c) for c in errors.get_row_at(i)] for i in range(errors.row_count)]
        assert {r[1] for r in rows} >= {"3", "4"}
        screen.query_one("#path", Input).value = str(good)
        await pilot.press("ctrl+o")
        await until(pilot, lambda: "导入完成" in text_of(app, ".status"))
        assert errors.row_count == 0
        for name in ("certifications", "ballots", "inspections", "grassroots"):
            assert "完成 done" in text_of(app, f"#file-{name}-csv .state")

        app.pop_screen()
        app.open("ranking")
        await until(pilot, lambda: (isinstance(app.screen, RankingScreen) and "Ranking" in text_of(app, "#heading"))
                    or "not opened" in text_of(app, "#heading"))
        ranking = app.screen
        await pilot.press("c")
        await until(pilot, lambda: ranking.assessment is not None and ranking.assessment["status"] == "COMPUTED")
        grades = {r["unit"]["code"]: r["grade"] for r in ranking.assessment["results"]}
        assert grades == {"JA": "ADVANCED", "JH": "QUALIFIED", "QK": "LAST_PLACE", "FGW": "UNQUALIFIED",
                          "CZJ": "LAST_PLACE"}
        assert "先进名额 Advanced quota = floor(0.5 × 2) = 1" in text_of(app, "#explain")
        table = ranking.query_one(DataTable)
        labels = [str(table.get_row_at(i)[2]) for i in range(table.row_count)]
        assert any("先进线" in x for x in labels) and any("末位线" in x for x in labels)
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await until(pilot, lambda: ranking.assessment is not None and ranking.assessment["status"] == "PUBLISHED")
        assert "已发布 published" in text_of(app, "#heading")


async def test_apply_results_and_open_a_reward_sheet(loaded: RunningStack) -> None:
    async with session(loaded) as (app, pilot):
        assert app.api.has("Mutation", "applyResults") and app.api.has("Query", "rewardLines")
        screen = await opened(pilot, "rewards", RewardsScreen, lambda _: "Loading" not in text_of(app, ".status"))
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await until(pilot, lambda: app.screen is screen and len(screen.lines) == 5)
        units = screen.query_one("#units", DataTable)
        assert units.row_count == 5
        await pilot.press("enter")
        sheet = screen.query_one("#sheet", DataTable)
        assert sheet.row_count == 4  # three people and the totals line
        assert str(sheet.get_row_at(3)[0]) == "合计 Total"


async def test_filing_records_move_through_their_workflow(loaded: RunningStack) -> None:
    async with session(loaded) as (app, pilot):
        assert app.api.has("Query", "filingRecords")
        screen = await opened(pilot, "filings", FilingsScreen, lambda s: s.records)
        assert {r["status"] for r in screen.records} == {"DRAFT"}
        assert "archive" not in {s.name for s in screen.my_steps()}  # the organisation department's step
        assert "bonusPaid" in screen.records[0]  # the target office reads the bonus fields
        first = screen.records[0]
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        app.screen.query_one("#f-remarks", Input).value = "经核实 checked"
        await pilot.press("ctrl+s")
        def reviewed() -> dict | None:
            return next((r for r in screen.records if r["id"] == first["id"] and r["status"] == "REVIEWED"), None)

        await until(pilot, lambda: app.screen is screen and reviewed())
        assert reviewed()["remarks"] == "经核实 checked"
        assert screen.records[0]["id"] == first["id"]  # the record keeps its place
        assert screen.query_one(DataTable).cursor_row == 0
        assert "已审核 Reviewed" in str(screen.query_one(DataTable).get_row_at(0)[7])
        staff_no = first["person"]["staffNo"]
        await opened(pilot, CadreFileScreen(staff_no), CadreFileScreen, lambda _: "条记录" in text_of(app, ".status"))
        assert app.screen.query_one(DataTable).row_count >= 1


async def test_the_organisation_department_decides_a_leader_adjustment(loaded: RunningStack) -> None:
    async with session(loaded, "orgdept") as (app, pilot):
        assert app.api.has("Query", "leaderAdjustments")
        screen = await opened(pilot, "adjustments", AdjustmentsScreen, lambda s: s.records)
        assert {r["unit"]["code"] for r in screen.records} == {"QK", "CZJ"}
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        assert app.screen.query_one("#f-kind", Select).value == "TRANSFER"
        assert app.screen.query_one("#f-kind", Select).has_focus  # the first field has the focus
        app.screen.query_one("#f-text", Input).value = "调任非领导职务"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen and "DECIDED" in {r["status"] for r in screen.records})


async def test_a_child_letter_before_its_parent_is_refused_in_plain_language(loaded: RunningStack) -> None:
    with loaded.client("office") as client:
        parent = client.execute("""mutation { createLetter(input: {year: 2026, unitCode: "JH", level: CITY_UNIT,
            issuer: "武汉市人民政府", receiver: "江汉区", targetCodes: ["JH-T01", "JH-T02", "JH-T03", "JH-T04"]})
            { id } }""")
        assert parent.errors == [], parent.errors
        child = client.execute("""mutation($p: ID!) { createLetter(input: {year: 2026, unitCode: "JH",
            level: UNIT_DEPARTMENT, issuer: "江汉区", receiver: "综合处", targetCodes: ["JH-T01-1"], parentId: $p})
            { id } }""", {"p": parent.data["createLetter"]["id"]})
        assert child.errors == [], child.errors
    async with session(loaded) as (app, pilot):
        await opened(pilot, "letters", LettersScreen, lambda s: len(s.letters) == 2)
        await pilot.press("down", "i")  # the unit → department letter
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await until(pilot, lambda: "error" in app.screen.query_one(".status").classes)
        assert "记录当前状态不允许此操作" in text_of(app, ".status")


async def test_an_evaluator_is_not_offered_compute_or_publish(loaded: RunningStack) -> None:
    async with session(loaded, "evaluator") as (app, pilot):
        menu = app.screen.query_one("#menu", OptionList)
        ids = {menu.get_option_at_index(i).id for i in range(menu.option_count)}
        assert "ranking" not in ids and "import" not in ids and "entry_ballots" in ids
        app.open("ranking")
        await settle(pilot)
        assert not isinstance(app.screen, RankingScreen)
        screen = await opened(pilot, "bulletin", RankingScreen)
        assert screen.check_action("publish", ()) is False and screen.check_action("compute", ()) is False
        labels = [label for label, _, _ in MboCommands(screen)._commands()]
        assert not any("发布" in x or "Publish" in x or "计算" in x for x in labels)
        assert any("通报" in x for x in labels)


async def test_a_unit_operator_is_refused_another_units_tree(loaded: RunningStack) -> None:
    async with session(loaded, "jaop") as (app, pilot):
        await opened(pilot, UnitTreeScreen("JH"), UnitTreeScreen, lambda _: "权限" in text_of(app, ".status"))
        assert "无此操作权限" in text_of(app, ".status")
        app.pop_screen()
        await opened(pilot, UnitTreeScreen("JA"), UnitTreeScreen, lambda s: s.by_code)


def move(stack: RunningStack, staff_no: str, unit: str, effective: str) -> None:
    with stack.client("office") as client:
        version = client.execute("query($s: ID!) { person(staffNo: $s) { version } }", {"s": staff_no}
                                 ).data["person"]["version"]
        moved = client.execute("mutation($s: ID!, $v: Int!, $u: String!, $d: Date!) { transferPerson(staffNo: $s, "
                               "version: $v, unitCode: $u, effectiveDate: $d) { staffNo } }",
                               {"s": staff_no, "v": version, "u": unit, "d": effective})
        assert moved.errors == [], moved.errors


async def test_a_unit_operator_sees_its_own_people_and_a_staff_number_for_one_who_left(loaded: RunningStack
                                                                                       ) -> None:
    async with session(loaded, "jaop") as (app, pilot):
        await opened(pilot, "units", UnitsScreen, lambda s: s.staff)
        table = app.screen.query_one(DataTable)
        staff = {str(table.get_row_at(i)[0]): str(table.get_row_at(i)[4]) for i in range(table.row_count)}
        assert staff.pop("JA") == "3" and set(staff.values()) == {"—"}  # its own staff; no other unit's asked for
        assert not app.screen.query_one(".status").has_class("error")
        await opened(pilot, UnitTreeScreen("JA"), UnitTreeScreen, lambda s: s.by_code)
        assert app.screen.by_code["JA-T01-2"]["assignee"]["name"]  # JA-003, of JA: named
        move(loaded, "JA-003", "JH", "2027-02-01")  # after the assessed year: 2026's results stay as they are
        try:
            app.screen.by_code = {}
            await pilot.press("r")
            await until(pilot, lambda: app.screen.by_code)
            assert app.screen.by_code["JA-T01-2"]["assignee"] == {"staffNo": "JA-003"}  # now JH's: no name
            assert "仅显示工号" in text_of(app, ".status")
            assert "JA-003" in str(app.screen.nodes["JA-T01-2"].label)
        finally:
            move(loaded, "JA-003", "JA", "2027-03-01")


async def test_an_expired_session_asks_to_sign_in_again_and_resumes(loaded: RunningStack) -> None:
    async with session(loaded) as (app, pilot):
        units = await opened(pilot, "units", UnitsScreen, lambda s: s.units)
        units.units = []
        app.api.session.token = "expired"
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, SignInScreen), settled=False)
        assert app.screen.resume
        app.screen.query_one("#password", Input).value = PASSWORD
        await pilot.press("enter")
        await needs_otp(pilot)
        app.screen.query_one("#otp", Input).value = str(loaded.otp("office"))
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is units and units.units)
        assert len(units.units) == 5


async def test_help_and_the_command_palette_list_the_actions(loaded: RunningStack) -> None:
    async with session(loaded) as (app, pilot):
        await opened(pilot, "ranking", RankingScreen)
        labels = [label for label, _, _ in MboCommands(app.screen)._commands()]
        assert any("发布 Publish" in x for x in labels) and any("考核排名" in x for x in labels)
        await pilot.press("question_mark")
        await settle(pilot)
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, RankingScreen)

