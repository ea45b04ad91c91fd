"""干部档案 A person's cadre file: filing records and adjustment cases across years, newest first, and the dated
unit history (任职经历). The target office and the organisation department record a transfer (调动) here."""

from __future__ import annotations

from datetime import date
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import DataTable, Header, Input, Label

from tui import keys
from tui.api import ApiError
from tui.dialogs.form import Field, FormDialog, date_check
from tui.labels import ADJUSTMENT_STATUS, DECISION_KIND, FILING_STATUS, TEAM_ROLE, label
from tui.screens.base import MboScreen
from tui.screens.records import grade, score, when
from tui.widgets.footer import Footer

LEAVES = "__leaves__"  # the unit choice "leaves the system" (never shown: the select shows its label)
ROLES = {"PARTY_SECRETARY": "党委（党组）书记 Party secretary", "ADMIN_HEAD": "行政主要负责人 Administrative head"}
YES_NO = [("yes", "是 Yes"), ("no", "否 No")]
FILE = ("年度 Year", "记录 Record", "单位 Unit", "职务 Position", "等次 Grade", "综合得分 Composite", "名次 Rank",
        "状态 Status", "结果 Outcome", "日期 Date")


def filing_row(r: dict[str, Any]) -> tuple[str, ...]:
    done = r.get("archivedAt") or r.get("transferredAt") or r.get("reviewedAt") or r.get("updatedAt")
    return (str(r.get("year")), "备案表 Filing record", r.get("unitName") or "",
            f"{r.get('position') or ''}（{label(TEAM_ROLE, r.get('teamRole'))}）", grade(r), score(r),
            str(r.get("rank") or "—"), label(FILING_STATUS, r.get("status")), r.get("rewardText") or "—",
            when(done)[:10])


def case_row(c: dict[str, Any]) -> tuple[str, ...]:
    decision = f"{label(DECISION_KIND, c.get('decisionKind'))} {c.get('decisionText') or ''}".strip() \
        if c.get("decisionKind") else "—"
    done = c.get("executedAt") or c.get("decidedAt") or c.get("updatedAt")
    return (str(c.get("year")), "末位调整 Leader adjustment", (c.get("unit") or {}).get("code") or "",
            c.get("position") or "", "末位 Last place", score(c), str(c.get("rank") or "—"),
            label(ADJUSTMENT_STATUS, c.get("status")), decision, when(done)[:10])


HISTORY = ("单位 Unit", "职务 Position", "班子成员 Team member", "主要负责人 Main leader", "起 From", "止 To")


def unit_label(unit: dict[str, Any]) -> str:
    return f"{unit.get('name') or unit['code']}（{unit['code']}）"


def stint_row(stint: dict[str, Any]) -> tuple[str, ...]:
    role = stint.get("mainLeaderRole")
    return (unit_label(stint["unit"]), stint.get("position") or "", "是 yes" if stint.get("leadershipMember") else "",
            ROLES.get(role, "") if role else "", stint.get("since") or "此前 Before the system",
            stint.get("until") or "至今 Now")


def last_change(person: dict[str, Any]) -> date | None:
    """The day from which a transfer may take effect: the start of the held stint, or the day the person left."""
    if person.get("leftOn"):
        return date.fromisoformat(person["leftOn"])
    held = [s for s in person.get("unitHistory") or [] if not s.get("until")]
    return date.fromisoformat(held[-1]["since"]) if held and held[-1].get("since") else None


class TransferForm(FormDialog):
    """The transfer form opens on its first field, the destination unit."""

    def on_mount(self) -> None:
        self.query_one("#f-unitCode").focus()


class CadreFileScreen(MboScreen):
    BINDINGS = [keys.BACK, keys.SEARCH, keys.TRANSFER]
    ROLE_ACTIONS = {"transfer": "transfer_person"}
    CSS = MboScreen.CSS + """
    #file { height: 3fr; border: round $accent; }
    #history { height: 2fr; border: round $accent; }
    """

    def __init__(self, staff_no: str = "") -> None:
        super().__init__()
        self.staff_no = staff_no
        self.person: dict[str, Any] | None = None
        self.units: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(self.staff_no, placeholder="工号 Staff number, then enter", id="staff-no")
        yield Label("", id="who", classes="title")
        yield DataTable(id="file", cursor_type="row", zebra_stripes=True)
        yield DataTable(id="history", cursor_type="row", zebra_stripes=True)
        yield Label("", classes="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#file").border_title = "备案表与末位调整 Filing records and adjustment cases"
        self.query_one("#history").border_title = "任职经历 Unit history (dated stints)"
        self.query_one("#history", DataTable).add_columns(*HISTORY)
        self.query_one(Input).focus()
        if self.staff_no:
            self.load(self.staff_no)

    def action_search(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.load(event.value.strip())

    @work(exclusive=True, exit_on_error=False)
    async def load(self, staff_no: str) -> None:
        if not self.api.has("Person", "cadreFile"):
            await self.api.load_schema()
        try:
            found = await self.api.cadre_file(staff_no)
        except ApiError as exc:  # a refusal is shown as such, never as "no such person"
            if exc.code == "UNAUTHENTICATED" and await self.mbo.reauthenticate():
                self.load(staff_no)
            else:
                self.fail(exc)
            return
        if found is None:
            self.status(f"未找到 No person {staff_no}", error=True)
            return
        self.staff_no = staff_no
        self.person = await self.call(self.api.person_history, staff_no)
        self.show_history()
        left = f" · 已于 {self.person['leftOn']} 离开 Left the system" if self.person and self.person.get("leftOn") \
            else ""
        unit = unit_label(self.person["unit"]) if self.person else ""
        self.query_one("#who", Label).update(
            f"{found['name']}（{found['staffNo']}）· {unit} · {found.get('position') or ''}{left}")
        cadre = found.get("cadreFile") or {}
        rows = [filing_row(r) for r in cadre.get("filingRecords") or []] + \
               [case_row(c) for c in cadre.get("leaderAdjustments") or []]
        rows.sort(key=lambda row: row[0], reverse=True)  # newest year first
        table = self.query_one("#file", DataTable)
        table.clear(columns=True)
        table.add_columns(*FILE)
        for row in rows:
            table.add_row(*row)
        hint = " · t 调动 transfer" if self.may("transfer_person") else ""
        self.status(f"{len(rows)} 条记录 entries{hint}")
        table.focus()  # the keys act on the person now shown (the search field is / away)

    def show_history(self) -> None:
        table = self.query_one("#history", DataTable)
        table.clear()
        for stint in (self.person or {}).get("unitHistory") or []:
            table.add_row(*stint_row(stint))

    def action_transfer(self) -> None:
        if self.person is None:
            self.fail("请先输入工号 Look a person up first")
            return
        self.open_transfer()

    @work(exclusive=True, exit_on_error=False, group="transfer")
    async def open_transfer(self) -> None:
        if not self.units:
            self.units = await self.call(self.api.units) or []
        person = self.person
        assert person is not None
        boundary = last_change(person)
        choices = [(u["code"], unit_label(u)) for u in self.units]
        choices.append((LEAVES, "离开本系统 Leaves the system"))
        fields = [
            Field("unitCode", "调入单位 To unit", choices=choices),
            Field("position", "职务 Position", person.get("position") or ""),
            Field("leadershipMember", "领导班子成员 Team member", "yes" if person.get("leadershipMember") else "no",
                  choices=YES_NO),
            Field("mainLeaderRole", "主要负责人 Main leader", person.get("mainLeaderRole") or "none",
                  choices=[("none", "否 None"), *ROLES.items()]),
            Field("effectiveDate", "生效日期 Effective date", check=date_check(boundary),
                  placeholder=f"YYYY-MM-DD{', ≥ ' + boundary.isoformat() if boundary else ''}"),
        ]

        async def save(values: dict[str, str]) -> dict[str, Any]:
            if not values["unitCode"]:
                raise ApiError("请选择调入单位 Choose the unit (or leaves the system)", "BAD_USER_INPUT",
                               field="unitCode")
            leaves = values["unitCode"] == LEAVES
            role = None if values["mainLeaderRole"] == "none" else values["mainLeaderRole"]
            return await self.api.transfer_person(
                person["staffNo"], person["version"], None if leaves else values["unitCode"], values["position"],
                values["leadershipMember"] == "yes" and not leaves, None if leaves else role, values["effectiveDate"])

        title = f"调动 Transfer · {person['name']}（{person['staffNo']}）· 现任 now {unit_label(person['unit'])}"
        self.app.push_screen(TransferForm(title, fields, save), self.transferred)

    def transferred(self, result: dict[str, Any] | None) -> None:
        if result is None:
            return
        where = f"离开 left on {result['leftOn']}" if result.get("leftOn") else f"→ {result['unit']['code']}"
        self.notify(f"已调动 Transferred {result['staffNo']} {where}", timeout=6)
        self.load(self.staff_no)

