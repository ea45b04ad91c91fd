"""Transfers and one-time awards in the operator client, end to end: the real gateway and services driven with
Pilot, the assessment's published revision served by a small real HTTP server in front of the real assessment
service (so the notice-and-appeals fields of the revision can be set by the test)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Label, Select

from tests.personnel.service_fixtures import FakeUpstream
from tests.support.bundles import UNITS, write_skeleton_bundle
from tests.support.stack import RunningStack
from tests.tui.helpers import opened, run_import, session, settle, text_of, until
from tui.app import MboApp
from tui.dialogs.confirm import ConfirmDialog
from tui.screens.cadre_file import CadreFileScreen, TransferForm
from tui.screens.rewards import RewardsScreen

GRADES = {"JA": "ADVANCED", "JH": "QUALIFIED", "QK": "UNQUALIFIED", "FGW": "LAST_PLACE", "CZJ": "QUALIFIED"}
HISTORY = """query($s: ID!) { person(staffNo: $s) { version leftOn unit { code }
  unitHistory { unit { code } position leadershipMember since until } } }"""


@pytest.fixture(scope="module")
def moving(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningStack, FakeUpstream]]:
    upstream = FakeUpstream().start()
    stack = RunningStack(Path(tmp_path_factory.mktemp("stack")))
    upstream.state.forward_to = f"http://127.0.0.1:{stack.stack.ports()['assessment']}/graphql"
    stack.stack.env["MBO_ASSESSMENT_URL"] = upstream.url
    stack.start()
    try:
        stack.add_user("office", "TARGET_OFFICE")
        stack.add_user("orgdept", "ORGANIZATION_DEPT")
        run_import(stack, write_skeleton_bundle(tmp_path_factory.mktemp("bundle")))
        yield stack, upstream
    finally:
        stack.stop()
        upstream.stop()


def history(stack: RunningStack, staff_no: str) -> dict:
    with stack.client("office") as client:
        answer = client.execute(HISTORY, {"s": staff_no})
    assert answer.errors == []
    return answer.data["person"]


async def open_transfer(app: MboApp, pilot: Pilot[None], staff_no: str) -> tuple[CadreFileScreen, TransferForm]:
    """The person's cadre file, and on it the transfer form opened."""
    screen = await opened(pilot, CadreFileScreen(staff_no), CadreFileScreen,
                          lambda _: "条记录" in text_of(app, ".status"))
    assert screen.query_one("#history", DataTable).row_count == 1
    await pilot.press("t")
    await until(pilot, lambda: isinstance(app.screen, TransferForm))
    return screen, app.screen  # type: ignore[return-value]


async def test_the_target_office_transfers_a_person_from_the_cadre_file(
        moving: tuple[RunningStack, FakeUpstream]) -> None:
    stack, _ = moving
    async with session(stack, "office") as (app, pilot):
        screen, form = await open_transfer(app, pilot, "JH-001")
        assert form.focused is form.query_one("#f-unitCode", Select)
        labels = [str(label) for label, _ in form.query_one("#f-unitCode", Select)._options]
        assert "江岸区（JA）" in labels and "离开本系统 Leaves the system" in labels
        form.query_one("#f-unitCode", Select).value = "JA"
        form.query_one("#f-position", Input).value = "副区长"
        form.query_one("#f-mainLeaderRole", Select).value = "none"
        form.query_one("#f-effectiveDate", Input).focus()
        await pilot.press(*"2026-13-01")
        await settle(pilot)
        assert "YYYY-MM-DD" in text_of(app, "#e-effectiveDate")
        form.query_one("#f-effectiveDate", Input).value = ""
        await pilot.press(*"2026-10-01")
        await settle(pilot)
        assert text_of(app, "#e-effectiveDate") == ""
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen and screen.query_one("#history", DataTable).row_count == 2)
        rows = [[str(c) for c in screen.query_one("#history", DataTable).get_row_at(i)] for i in range(2)]
        assert rows[0][0] == "江汉区（JH）" and rows[0][4:] == ["此前 Before the system", "2026-09-30"]
        assert rows[1][:2] == ["江岸区（JA）", "副区长"] and rows[1][4:] == ["2026-10-01", "至今 Now"]
    person = history(stack, "JH-001")
    assert person["unit"] == {"code": "JA"}
    assert [(h["unit"]["code"], h["position"], h["leadershipMember"], h["since"], h["until"])
            for h in person["unitHistory"]] == [("JH", "党组书记", True, None, "2026-09-30"),
                                                ("JA", "副区长", True, "2026-10-01", None)]


async def test_the_organisation_department_records_a_leaver_and_a_refused_date_stays_on_its_field(
        moving: tuple[RunningStack, FakeUpstream]) -> None:
    stack, _ = moving
    async with session(stack, "orgdept") as (app, pilot):
        screen, form = await open_transfer(app, pilot, "QK-003")
        form.query_one("#f-unitCode", Select).value = "__leaves__"
        form.query_one("#f-effectiveDate", Input).value = "2026-11-16"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen and "离开" in text_of(app, "#who"))
        assert "2026-11-16" in text_of(app, "#who")
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TransferForm))
        form = app.screen
        form.query_one("#f-unitCode", Select).value = "JH"
        form.query_one("#f-effectiveDate", Input).value = "2026-11-01"  # before the day the person left
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "2026-11-16" in text_of(app, "#e-effectiveDate")
        assert isinstance(app.screen, TransferForm)
        await pilot.press("escape")
    person = history(stack, "QK-003")
    assert person["leftOn"] == "2026-11-16"
    assert [(h["unit"]["code"], h["until"]) for h in person["unitHistory"]] == [("QK", "2026-11-15")]


async def test_rewards_wait_for_the_final_revision_then_show_one_time_awards(
        moving: tuple[RunningStack, FakeUpstream]) -> None:
    stack, upstream = moving
    names = {code: name for code, name, *_ in UNITS}
    upstream.publish(2026, 1, GRADES, names=names, final=False, notice_ends_at="2027-01-22")
    async with session(stack, "office") as (app, pilot):
        screen = await opened(pilot, "rewards", RewardsScreen, lambda _: "Loading" not in text_of(app, ".status"))
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await until(pilot, lambda: app.screen is screen and "2027-01-22" in text_of(app, ".status"))
        assert "公示" in text_of(app, ".status") and not screen.lines
        upstream.publish(2026, 1, GRADES, names=names, unit_award="300000", leader_award="60000")
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await until(pilot, lambda: app.screen is screen and len(screen.lines) == 5)
        assert "江岸区（JA）300,000.00" in str(screen.query_one("#awards", Label).render())
        screen.show_sheet("JA")
        sheet = screen.query_one("#sheet", DataTable)
        rows = {str(sheet.get_row_at(i)[0]): [str(c) for c in sheet.get_row_at(i)] for i in range(sheet.row_count)}
        # JA's party secretary: 30,000.50 + 8,000.00 + 60,000.00; JH-001 moved to JA on 1 October as a deputy
        assert rows["JA-001"][6:] == ["60,000.00", "98,000.50"]
        assert rows["JH-001"][6:] == ["0.00", "38,000.50"]
    with stack.client("orgdept") as client:
        awards = client.execute("{ unitAwards(year: 2026) { unit { code } amount } }")
    assert awards.data["unitAwards"] == [{"unit": {"code": "JA"}, "amount": "300000.00"}]
