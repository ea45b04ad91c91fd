"""Adjustment items, appeals and finalisation in the operator client, signed in as each role that does them.

The real stack with the business date pinned (`MBO_TODAY`); the year has a 7-day public notice. Every action is
done through the TUI with Pilot and its effect checked through the API.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input, Select

from tests.support.bundles import write_csv
from tests.support.stack import RunningStack, running_stack
from tests.tui.bundle import YEAR, write_year_bundle
from tests.tui.helpers import opened, run_import, session, text_of, until
from tui.dialogs.confirm import ConfirmDialog
from tui.dialogs.form import FormDialog
from tui.screens.adjustment_items import AdjustmentItemsScreen
from tui.screens.appeals import AppealsScreen
from tui.screens.ranking import RankingScreen

USERS = [("office", ("TARGET_OFFICE",), None), ("office2", ("TARGET_OFFICE",), None),
         ("supervision", ("SUPERVISION_OFFICE",), None), ("jaop", ("UNIT_OPERATOR",), "JA"),
         ("qkleader", ("LEADER",), "QK")]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with running_stack(Path(tmp_path_factory.mktemp("stack")), MBO_TODAY="2027-01-05") as running:
        for name, roles, unit in USERS:
            running.add_user(name, *roles, unit=unit)
        bundle = write_year_bundle(tmp_path_factory.mktemp("bundle"))
        write_csv(bundle / "settings.csv", ["year", "key", "value"],
                  [[str(YEAR), "advanced_ratio", "0.5"], [str(YEAR), "last_place_count", "1"],
                   [str(YEAR), "notice_days", "7"]])
        write_csv(bundle / "adjustments.csv", ["unit_code", "year", "points", "reason"],
                  [["JH", str(YEAR), "-2", "发生重大安全生产事故，被省政府通报"]])
        run_import(running, bundle)
        yield running


def api(stack: RunningStack, user: str, query: str) -> dict[str, Any]:
    with stack.client(user) as client:
        result = client.execute(query)
    assert result.errors == [], result.errors
    return result.data or {}


def items(stack: RunningStack) -> list[dict[str, Any]]:
    return api(stack, "office", f"{{ adjustmentItems(year: {YEAR}) {{ unitCode points category reason status "
                                "proposedBy decidedBy decisionReason } }")["adjustmentItems"]


def select_row(table: DataTable, key: str) -> None:
    table.move_cursor(row=table.get_row_index(key))


async def test_supervision_proposes_and_another_target_office_account_decides(stack: RunningStack) -> None:
    async with session(stack, "supervision") as (app, pilot):
        screen = await opened(pilot, "adjustment_items", AdjustmentItemsScreen, lambda s: s.records)
        assert "发生重大安全生产事故" in str(screen.query_one(DataTable).get_row_at(0)[3])
        assert screen.check_action("workflow", ()) is False  # the supervision office does not approve
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        form = app.screen
        assert form.focused is form.query_one("#f-unitCode", Select)  # the first field has the focus
        form.query_one("#f-unitCode", Select).value = "QK"
        form.query_one("#f-points", Input).value = "0.125"
        await pilot.pause()
        assert "两位小数" in text_of(app, "#e-points")
        form.query_one("#f-points", Input).value = "1"
        form.query_one("#f-reason", Input).value = "获国家级表彰：全国文明城区"
        form.query_one("#f-evidence", Input).value = "中央文明委文件"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen and len(screen.records) == 2)
    proposed = [i for i in items(stack) if i["unitCode"] == "QK"]
    assert proposed == [{"unitCode": "QK", "points": "1.00", "category": "表彰奖励",
                         "reason": "获国家级表彰：全国文明城区", "status": "PROPOSED", "proposedBy": "supervision",
                         "decidedBy": None, "decisionReason": None}]

    async with session(stack, "office") as (app, pilot):
        screen = await opened(pilot, "adjustment_items", AdjustmentItemsScreen, lambda s: len(s.records) == 2)
        qk = next(i for i in screen.records if i["unitCode"] == "QK")
        select_row(screen.query_one(DataTable), qk["id"])
        await pilot.pause()
        assert "中央文明委文件" in text_of(app, "#detail")
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        assert app.screen.query_one("#f-decision", Select).value == "APPROVE"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen and any(
            i["unitCode"] == "QK" and i["status"] == "APPROVED" for i in screen.records))

        # The office proposes an item itself: approving its own proposal is refused, on the form.
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        form = app.screen
        form.query_one("#f-unitCode", Select).value = "CZJ"
        form.query_one("#f-points", Input).value = "-1"
        form.query_one("#f-category", Select).value = "督查通报"
        form.query_one("#f-reason", Input).value = "重点工作推进迟缓，被市委督查室通报批评"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen and len(screen.records) == 3)
        czj = next(i for i in screen.records if i["unitCode"] == "CZJ")
        select_row(screen.query_one(DataTable), czj["id"])
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "different target-office account" in text_of(app, "#form-error"))
        assert "无此操作权限" in text_of(app, "#form-error")
    assert next(i for i in items(stack) if i["unitCode"] == "CZJ")["status"] == "PROPOSED"

    async with session(stack, "office2") as (app, pilot):
        screen = await opened(pilot, "adjustment_items", AdjustmentItemsScreen, lambda s: len(s.records) == 3)
        select_row(screen.query_one(DataTable), czj["id"])
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        app.screen.query_one("#f-decision", Select).value = "REJECT"
        await pilot.press("ctrl+s")  # a rejection needs a reason: the server says so, next to the field
        await until(pilot, lambda: "required" in text_of(app, "#e-reason"))
        app.screen.query_one("#f-reason", Input).value = "通报不属于本年度考核期"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen and any(
            i["unitCode"] == "CZJ" and i["status"] == "REJECTED" for i in screen.records))
    czj_item = next(i for i in items(stack) if i["unitCode"] == "CZJ")
    assert (czj_item["decidedBy"], czj_item["decisionReason"]) == ("office2", "通报不属于本年度考核期")


@pytest.fixture(scope="module")
def published(stack: RunningStack) -> RunningStack:
    api(stack, "office", f"mutation {{ computeAssessment(year: {YEAR}) {{ status }} }}")
    done = api(stack, "office", f"mutation {{ publishAssessment(year: {YEAR}) {{ final noticeEndsAt }} }}")
    assert done["publishAssessment"] == {"final": False, "noticeEndsAt": "2027-01-11"}
    return stack


async def test_the_ranking_shows_adjustment_points_and_their_reasons(published: RunningStack) -> None:
    async with session(published, "office") as (app, pilot):
        screen = await opened(pilot, "ranking", RankingScreen, lambda s: s.assessment)
        assert "公示中至 2027-01-11" in text_of(app, "#heading")
        table = screen.query_one(DataTable)
        assert str(table.get_row("JH")[11]) == "-2.00" and str(table.get_row("QK")[11]) == "1.00"
        assert str(table.get_row("JA")[11]) == "0.00"
        select_row(table, "JH")
        await pilot.pause()
        assert "-2.00 扣分（发生重大安全生产事故，被省政府通报）" in text_of(app, "#items")
        select_row(table, "JA")
        await pilot.pause()
        assert "无加减分" in text_of(app, "#items")
        assert screen.check_action("finalize", ()) is True


async def appeal_as(stack: RunningStack, user: str, unit: str) -> None:
    async with session(stack, user) as (app, pilot):
        await opened(pilot, "bulletin", RankingScreen, lambda _: "通报" in text_of(app, "#heading"))
        assert "公示中至 2027-01-11" in text_of(app, "#heading")
        app.pop_screen()
        screen = await opened(pilot, "appeals", AppealsScreen, lambda _: "Appeals ·" in text_of(app, "#heading"))
        assert screen.check_action("new", ()) is True and screen.check_action("workflow", ()) is False
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        form = app.screen
        assert form.query_one("#f-unit", Input).disabled
        assert form.focused is form.query_one("#f-reason", Input)  # the first field to fill in
        await pilot.press("x")
        assert form.query_one("#f-reason", Input).value == "x"
        form.query_one("#f-reason", Input).value = f"{unit} 的核定值有误，请复核"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen and any(x["unitCode"] == unit for x in screen.appeals))


async def test_a_unit_operator_and_a_unit_leader_appeal(published: RunningStack) -> None:
    await appeal_as(published, "jaop", "JA")
    await appeal_as(published, "qkleader", "QK")
    appeals = api(published, "office", f"{{ appeals(year: {YEAR}) {{ unitCode status filedBy }} }}")["appeals"]
    assert appeals == [{"unitCode": "JA", "status": "FILED", "filedBy": "jaop"},
                       {"unitCode": "QK", "status": "FILED", "filedBy": "qkleader"}]


async def test_the_office_decides_the_appeals_and_makes_the_revision_final(published: RunningStack) -> None:
    async with session(published, "office") as (app, pilot):
        screen = await opened(pilot, "appeals", AppealsScreen, lambda s: len(s.appeals) == 2)
        assert screen.check_action("new", ()) is False  # the office does not appeal
        for index, appeal in enumerate(list(screen.appeals)):
            select_row(screen.query_one(DataTable), appeal["id"])
            await pilot.press("w")
            await until(pilot, lambda: isinstance(app.screen, FormDialog))
            form = app.screen
            assert form.focused is form.query_one("#f-decision", Select)
            form.query_one("#f-decision", Select).value = "REJECTED"
            form.query_one("#f-reason", Input).value = "经复核，核定值无误"
            await pilot.press("ctrl+s")
            await until(pilot, lambda i=index: app.screen is screen and sum(
                x["status"] == "REJECTED" for x in screen.appeals) == i + 1)
        # The notice runs until 2027-01-11: making the revision final is refused, in plain language.
        await pilot.press("F")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await until(pilot, lambda: "error" in app.screen.query_one(".status").classes)
        assert "public notice until 2027-01-11" in text_of(app, ".status")
    assert api(published, "office", f"{{ assessment(year: {YEAR}) {{ final }} }}")["assessment"]["final"] is False

    published.stack.restart("assessment", {"MBO_TODAY": "2027-01-12"})
    async with session(published, "office") as (app, pilot):
        screen = await opened(pilot, "ranking", RankingScreen, lambda s: s.assessment)
        assert "公示期满 2027-01-11" in text_of(app, "#heading")
        await pilot.press("F")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await until(pilot, lambda: screen.assessment is not None and screen.assessment.get("final"))
        assert "最终结果 final" in text_of(app, "#heading")
        assert screen.check_action("finalize", ()) is None  # greyed out once final
    state = api(published, "office", f"{{ publishedRevision(year: {YEAR}) {{ final }} "
                                     f"appeals(year: {YEAR}) {{ status decision decidedBy }} }}")
    assert state["publishedRevision"]["final"] is True
    assert {(a["status"], a["decision"], a["decidedBy"]) for a in state["appeals"]} == {
        ("REJECTED", "经复核，核定值无误", "office")}
