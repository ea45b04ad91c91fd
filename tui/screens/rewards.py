"""奖惩兑现 Rewards: apply a published year's results, then the reward sheet per unit with totals, the one-time
awards (一次性物质奖励) of advanced units and their main leaders; XLSX export (one sheet per unit) saved to a path
shown on screen."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.widgets import DataTable, Header, Label

from tui import keys
from tui.format import GRADE_STYLE, GRADES, money
from tui.screens.base import MboScreen, Sheets
from tui.widgets.footer import Footer

MONEY = ("bonusPaid", "bonusForfeited", "extraSalary", "oneTimeAward", "total")
SHEET = ["工号 Staff no", "姓名 Name", "等次 Grade", "兑现奖金 Bonus paid", "扣减 Forfeited", "加发月薪 Extra salary",
         "一次性奖励 One-time award", "合计 Total"]


def dec(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


class RewardsScreen(MboScreen):
    BINDINGS = [keys.BACK, keys.RELOAD, keys.APPLY, keys.EXPORT, keys.OPEN]
    ROLE_ACTIONS = {"apply": "apply_results"}
    CSS = MboScreen.CSS + """
    #units { height: 2fr; border: round $accent; }
    #sheet { height: 3fr; border: round $accent; }
    """

    def __init__(self, unit_code: str | None = None) -> None:
        super().__init__()
        self.lines: dict[str, list[dict[str, Any]]] = {}
        self.awards: list[dict[str, Any]] = []
        self.unit_code = unit_code

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="heading", classes="title")
        yield Label("", id="awards")
        yield DataTable(id="units", cursor_type="row", zebra_stripes=True)
        yield DataTable(id="sheet", cursor_type="row", zebra_stripes=True)
        yield Label("", classes="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#units").border_title = "单位汇总 Units (enter: the unit's sheet)"
        self.query_one("#sheet").border_title = "奖惩表 Reward sheet"
        self.query_one("#units", DataTable).add_columns("单位 Unit", "等次 Grade", "人数 People", "兑现 Paid",
                                                        "扣减 Forfeited", "加发 Extra", "一次性奖励 One-time",
                                                        "合计 Total")
        self.query_one("#sheet", DataTable).add_columns(*SHEET)
        self.query_one("#units", DataTable).focus()
        self.action_reload()

    def action_reload(self) -> None:
        self.query_one("#heading", Label).update(f"{self.year} 年度奖惩兑现 Rewards · a 兑现考核结果 applies the "
                                                 "published results · x 导出 exports XLSX")
        self.status("加载中 Loading…")
        self.load()

    @work(exclusive=True, exit_on_error=False, group="rewards")
    async def load(self) -> None:
        if not self.api.has("Query", "rewardLines"):
            self.status("服务器尚未提供奖惩数据 This server does not offer reward lines yet (rewardLines).")
            return
        lines = await self.call(self.api.reward_lines, self.year)
        if lines is None:
            return
        self.awards = await self.call(self.api.unit_awards, self.year) or []
        self.query_one("#awards", Label).update(
            "先进单位一次性奖励 One-time awards of advanced units: " + "；".join(
                f"{a['unit'].get('name') or a['unit']['code']}（{a['unit']['code']}）{money(a['amount'])}"
                for a in self.awards) if self.awards else "")
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for line in lines:
            grouped[line["unit"]["code"]].append(line)
        self.lines = dict(sorted(grouped.items()))
        table = self.query_one("#units", DataTable)
        table.clear()
        for code, rows in self.lines.items():
            grade = rows[0]["grade"]
            style = GRADE_STYLE.get(grade, "")
            sums = [sum((dec(r.get(k)) for r in rows), Decimal(0)) for k in MONEY]
            table.add_row(code, Text(GRADES.get(grade, grade), style=style), str(len(rows)),
                          *(money(s) for s in sums), key=code)
        grand = sum((dec(r["total"]) for r in lines), Decimal(0))
        self.status(f"{len(self.lines)} 个单位 units · {len(lines)} 人 people · 合计 total {money(grand)}"
                    if lines else "尚无奖惩记录；按 a 兑现已发布的结果 No reward lines yet; press a to apply the "
                                  "published results.")
        if self.unit_code and self.unit_code in self.lines:
            table.move_cursor(row=list(self.lines).index(self.unit_code))
            self.show_sheet(self.unit_code)
        elif self.lines:
            self.show_sheet(next(iter(self.lines)))

    @on(DataTable.RowHighlighted, "#units")
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value:
            self.show_sheet(str(event.row_key.value))

    def action_open(self) -> None:
        table = self.query_one("#units", DataTable)
        if table.row_count:
            self.show_sheet(str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value))
            self.query_one("#sheet", DataTable).focus()

    @on(DataTable.RowSelected, "#units")
    def selected(self) -> None:
        self.action_open()

    def show_sheet(self, code: str) -> None:
        self.unit_code = code
        rows = self.lines.get(code, [])
        sheet = self.query_one("#sheet", DataTable)
        sheet.clear()
        sheet.border_title = f"奖惩表 Reward sheet · {code} · {len(rows)} 人 people"
        for r in rows:
            style = GRADE_STYLE.get(r["grade"], "")
            sheet.add_row(r["person"]["staffNo"], r["person"].get("name") or "",
                          Text(GRADES.get(r["grade"], r["grade"]), style=style), *(money(r.get(k)) for k in MONEY))
        sums = [sum((dec(r.get(k)) for r in rows), Decimal(0)) for k in MONEY]
        sheet.add_row(Text("合计 Total", style="bold"), "", "", *(Text(money(s), style="bold") for s in sums),
                      key="total")

    def action_apply(self) -> None:
        question = (f"兑现 {self.year} 年度已发布的考核结果（奖惩、荣誉、备案表、末位调整）？"
                    "重复兑现同一版本不会改变任何数据。\n"
                    f"Apply the published results of {self.year} (rewards, honours, filing records, leader "
                    "adjustments)? Applying the same revision again changes nothing.")

        self.confirm(question, "兑现 Apply", self.apply)

    @work(exclusive=True, exit_on_error=False, group="apply")
    async def apply(self) -> None:
        self.status("兑现中 Applying…")
        report = await self.call(self.api.apply_results, self.year)
        if report is None:
            return
        figures = ", ".join(f"{k} {v}" for k, v in report.items() if isinstance(v, int | str) and k != "__typename")
        self.notify(f"已兑现 Applied: {figures}", timeout=8)
        self.load()

    def export_sheets(self) -> tuple[str, Sheets] | None:
        if not self.lines:
            return None
        sheets: Sheets = {}
        for code, rows in self.lines.items():
            body = [[r["person"]["staffNo"], r["person"].get("name") or "", r["grade"], *(dec(r.get(k)) for k in MONEY)]
                    for r in rows]
            body.append(["合计 Total", "", "", *(sum((dec(r.get(k)) for r in rows), Decimal(0)) for k in MONEY)])
            sheets[code] = (SHEET, body)
        if self.awards:
            sheets["先进单位奖励 Unit awards"] = (
                ["单位 Unit", "称号 Title", "奖励 Amount"],
                [[f"{a['unit'].get('name') or ''}（{a['unit']['code']}）", a["title"], dec(a["amount"])]
                 for a in self.awards])
        return f"rewards-{self.year}.xlsx", sheets
