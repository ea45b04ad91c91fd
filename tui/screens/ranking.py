"""考核排名 Ranking: compute (in the background), the table coloured by grade with the quota lines of each
group, tie overflow and shortfall explained, each unit's adjustment items (加减分) with their reasons, publish
and make final (定稿) behind a confirmation; or the published bulletin, on public notice (公示) or final."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.widgets import DataTable, Header, Label, LoadingIndicator, Static

from tui import keys
from tui.dialogs.prompt import PromptDialog
from tui.documents import save_document
from tui.format import GRADE_STYLE, GRADES, signed, standing
from tui.screens.base import MboScreen, Sheets
from tui.screens.home import ASSESSMENT
from tui.screens.queue import ask_to_finalise
from tui.widgets.footer import Footer

COLUMNS = ("名次", "代码 Code", "名称 Name", "组", "专项 Dept", "投票 Vote", "检查 Insp", "基层 Grass",
           "综合 Total", "达标", "等次 Grade", "加减分 Adj", "缺项 Missing")
NUMBERS = {4, 5, 6, 7, 8, 11}  # the score columns, exported as numbers (综合 includes 加减分)


def export_cell(index: int, text: str) -> Decimal | str:
    """A score column as a number in the workbook; everything else as shown."""
    if index in NUMBERS and text.lstrip("-").replace(".", "", 1).isdigit():
        return Decimal(text)
    return text


def items_text(name: str, r: dict[str, Any]) -> str:
    """One unit's adjustment items with their reasons, for the panel under the table."""
    items = r.get("adjustments") or []
    if not items:
        return f"{name}：无加减分 no adjustment items"
    listed = "；".join(f"{signed(a['points'])} {a['category']}（{a['reason']}）" for a in items)
    return f"{name} 加减分 adjustment {signed(r['adjustmentPoints'])}（上限内合计 clamped sum）：{listed}"


def explain(g: dict[str, Any]) -> str:
    name = g["group"] or "默认组 default group"
    lines = [f"[b]{name}[/b]: {g['unitCount']} 个单位 units, {g['qualifiedCount']} 个达标 qualified. "
             f"先进名额 Advanced quota = floor({g['advancedRatio']} × {g['qualifiedCount']}) = {g['advancedQuota']}; "
             f"先进 advanced {g['advancedCount']}."]
    if g["advancedOverflow"]:
        lines.append(f"  [yellow]并列超额 Tie overflow: {g['advancedOverflow']} "
                     "个单位与名额内最后一名并列，一并评为先进 "
                     f"unit(s) tie with the last unit inside the quota and are advanced too: "
                     f"{', '.join(g['advancedOverflowUnits'])}[/yellow]")
    lines.append(f"  末位 Last place: {len(g['lastPlaceUnits'])} of {g['lastPlaceCount']} "
                 f"({', '.join(g['lastPlaceUnits']) or '—'}).")
    if g["lastPlaceShortfall"]:
        lines.append(f"  [yellow]末位不足 Shortfall: 未达标单位只有 {g['unitCount'] - g['qualifiedCount']} "
                     "个，少于末位数 "
                     f"{g['lastPlaceCount']}，全部列为末位 only {g['unitCount'] - g['qualifiedCount']} non-qualified "
                     f"units, fewer than {g['lastPlaceCount']}: all of them are last place "
                     f"(shortfall {g['lastPlaceShortfall']}).[/yellow]")
    if g.get("lastPlaceOverflow"):
        lines.append(f"  [yellow]末位并列 Tie at the last-place boundary: {', '.join(g['lastPlaceOverflowUnits'])} "
                     f"included too.[/yellow]")
    return "\n".join(lines)


class RankingScreen(MboScreen):
    BINDINGS = [keys.BACK, keys.RELOAD, keys.COMPUTE, keys.PUBLISH, keys.CORRECT, keys.FINALIZE, keys.EXPORT,
                keys.DOCUMENT]
    ROLE_ACTIONS = {"compute": "compute", "publish": "publish", "finalize": "finalize", "correct": "correct"}
    CSS = MboScreen.CSS + """
    #explain { height: auto; max-height: 12; border: round $accent; padding: 0 1; }
    #ranking { height: 1fr; }
    #items { height: auto; max-height: 4; padding: 0 1; }
    LoadingIndicator { height: 1; display: none; }
    RankingScreen.busy LoadingIndicator { display: block; }
    """

    def __init__(self, *, bulletin: bool = False) -> None:
        super().__init__()
        self.bulletin = bulletin
        self.assessment: dict[str, Any] | None = None
        self.rows: dict[str, tuple[str, dict[str, Any]]] = {}  # row key → (unit name, result)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.bulletin and action in ("compute", "publish", "finalize", "correct"):
            return False
        if super().check_action(action, parameters) is False:
            return False  # an action the role may not take is not shown at all
        if action == "publish" and self.assessment is not None and self.assessment["status"] != "COMPUTED":
            return None  # shown, greyed out: only a computed assessment is published
        if action == "finalize" and self.assessment is not None and not (
                self.assessment["status"] == "PUBLISHED" and not self.assessment.get("final")):
            return None  # shown, greyed out: only a published revision that is not final yet
        if action == "correct" and self.assessment is not None and self.assessment["status"] != "PUBLISHED":
            return None  # shown, greyed out: only a published revision is corrected
        return True

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="heading", classes="title")
        yield Static("", id="explain")
        yield LoadingIndicator()
        yield DataTable(id="ranking", cursor_type="row")
        yield Static("", id="items")
        yield Label("", classes="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#explain").border_title = "名额线说明 Quota lines"
        self.query_one(DataTable).add_columns(*COLUMNS)
        self.query_one(DataTable).focus()
        self.action_reload()

    def action_reload(self) -> None:
        self.status("加载中 Loading…")
        self.load()

    @work(exclusive=True, exit_on_error=False, group="ranking")
    async def load(self) -> None:
        if self.bulletin:
            found = await self.call(self.api.bulletin, self.year)
            if found is None:
                self.status("尚无已发布的通报 Nothing published for this year yet.")
                return
            self.fill_bulletin(found)
            return
        found = await self.call(self.api.ranking, self.year)
        self.assessment = found
        self.refresh_bindings()
        if found is None:
            self.query_one("#heading", Label).update(f"{self.year} 年终考核 Assessment · 未开启 not opened yet")
            self.query_one(DataTable).clear()
            self.status("按 c 计算 Press c to compute (opens the assessment from the agreed targets).")
            return
        self.fill(found)

    def fill(self, a: dict[str, Any]) -> None:
        status = ASSESSMENT.get(a["status"], a["status"])
        notice = standing(a) if a["status"] == "PUBLISHED" else ""
        self.query_one("#heading", Label).update(
            f"{a['year']} 年终考核排名 Ranking · 第 {a['revision']} 版 revision · {status}"
            f"{' · ' + notice if notice else ''} · "
            f"并列超额 tie overflow {a['advancedOverflow']} · 末位不足 shortfall {a['lastPlaceShortfall']}")
        self.query_one("#explain", Static).update("\n".join(explain(g) for g in a["groups"]) or "—")
        table = self.query_one(DataTable)
        table.clear()
        self.rows = {}
        rows = a["results"]
        for index, r in enumerate(rows):
            group = r.get("unitGroup", "")
            previous = rows[index - 1] if index else None
            if previous is None or previous.get("unitGroup", "") != group:
                table.add_row("", "", Text(f"━━ {group or '默认组 default'} ━━", style="bold reverse"),
                              key=f"group:{group}")
            if r["grade"] == "LAST_PLACE" and (previous is None or previous["grade"] != "LAST_PLACE"
                                                or previous.get("unitGroup") != group):
                table.add_row("", "", Text("━━ 末位线 last ━━", style="bold red"), key=f"last:{group}")
            style = GRADE_STYLE.get(r["grade"], "")
            table.add_row(*(Text(str(v), style=style) for v in (
                r["rank"], r["unit"]["code"], r["unit"].get("name") or "", group, r["departmentScore"],
                r["votingScore"], r["inspectionScore"], r["grassrootsScore"], r["compositeScore"],
                "是" if r["qualified"] else "否", GRADES.get(r["grade"], r["grade"]), r["adjustmentPoints"],
                ", ".join(r.get("missing") or []) or "")), key=r["unit"]["code"])
            self.rows[r["unit"]["code"]] = (r["unit"].get("name") or r["unit"]["code"], r)
            following = rows[index + 1] if index + 1 < len(rows) else None
            if r["grade"] == "ADVANCED" and (following is None or following["grade"] != "ADVANCED"):
                table.add_row("", "", Text("━━ 先进线 quota ━━", style="bold green"),
                              key=f"advanced:{group}")
        grades = {k: sum(1 for r in rows if r["grade"] == k) for k in GRADES}
        self.status(" · ".join(f"{GRADES[k]} {v}" for k, v in grades.items()) + f" · 共 {len(rows)} 个单位 units")

    def fill_bulletin(self, b: dict[str, Any]) -> None:
        self.query_one("#heading", Label).update(f"{b['title']} · 第 {b['revision']} 版 revision · {standing(b)}")
        appeal = "；公示期内，单位可在“申诉 Appeals”中提出申诉 units may appeal in Appeals" if b.get("onNotice") else ""
        self.query_one("#explain", Static).update(
            f"已发布的通报（只读）The published bulletin (read only) · {standing(b)}{appeal}")
        table = self.query_one(DataTable)
        table.clear()
        self.rows = {}
        for r in b["entries"]:
            style = GRADE_STYLE.get(r["grade"], "")
            table.add_row(*(Text(str(v), style=style) for v in (
                r["rank"], r["unitCode"], r["unitName"], r["unitGroup"], r["departmentScore"], r["votingScore"],
                r["inspectionScore"], r["grassrootsScore"], r["compositeScore"], "是" if r["qualified"] else "否",
                GRADES.get(r["grade"], r["grade"]), r["adjustmentPoints"], "")), key=r["unitCode"])
            self.rows[r["unitCode"]] = (r["unitName"], r)
        self.status(f"{len(b['entries'])} 个单位 units")

    @on(DataTable.RowHighlighted)
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        found = self.rows.get(str(event.row_key.value))
        self.query_one("#items", Static).update(items_text(*found) if found else "")

    def action_compute(self) -> None:
        self.compute()

    @work(exclusive=True, exit_on_error=False, group="compute")
    async def compute(self) -> None:
        self.add_class("busy")
        self.status("计算中，可继续操作 Computing in the background…")
        try:
            done = await self.call(self.api.compute, self.year)
        finally:
            self.remove_class("busy")
        if done is not None:
            self.notify(f"计算完成 Computed revision {done['revision']}", timeout=4)
            self.load()

    def action_publish(self) -> None:
        a = self.assessment
        if not self.in_status(a, "COMPUTED",
                              "只有已计算的考核结果可以发布 Only computed results can be published (press c first)."):
            return
        advanced = sum(1 for r in a["results"] if r["grade"] == "ADVANCED")
        last = sum(1 for r in a["results"] if r["grade"] == "LAST_PLACE")
        question = (f"发布 {a['year']} 年度第 {a['revision']} 版考核结果？发布后结果冻结，更正需另开新版本。\n"
                    f"Publish revision {a['revision']} of {a['year']}? {len(a['results'])} units, {advanced} advanced, "
                    f"{last} last place. Published results are frozen; a correction opens a new revision.")

        self.confirm(question, "发布 Publish", self.publish)

    @work(exclusive=True, exit_on_error=False, group="publish")
    async def publish(self) -> None:
        done = await self.call(self.api.publish, self.year)
        if done is not None:
            notice = standing(done)
            self.notify(f"已发布 Published revision {done['revision']} · {notice}", timeout=4)
            self.load()

    def action_correct(self) -> None:
        """更正: open a new revision of the published year; its inputs can then be corrected, and it is computed
        (c) and published (p) again."""
        a = self.assessment
        if not self.in_status(a, "PUBLISHED", "只有已发布的考核结果可以更正 Only published results are corrected."):
            return

        def reason(value: str | None) -> None:
            if value:
                self.correct(value)

        question = (f"更正 {a['year']} 年度第 {a['revision']} 版：开启新版本后可修改年终数据，"
                    "然后重新计算（c）并发布（p）。"
                    f"\nOpen a correction of revision {a['revision']}: the inputs can then be changed; compute (c) "
                    "and publish (p) the new revision afterwards.\n更正原因 Reason:")
        self.app.push_screen(PromptDialog(question, check=lambda text: None if text else "必填 Required"), reason)

    @work(exclusive=True, exit_on_error=False, group="publish")
    async def correct(self, reason: str) -> None:
        done = await self.call(self.api.open_correction, self.year, reason)
        if done is not None:
            self.notify(f"已开启更正 Correction open: revision {done['revision']}", timeout=6)
            self.load()

    def action_finalize(self) -> None:
        a = self.assessment
        if a is None or a["status"] != "PUBLISHED" or a.get("final"):
            self.fail("只有已发布且尚未定稿的结果可以定稿 Only published results that are not final yet can be "
                      "made final.")
            return
        ask_to_finalise(self, a["revision"], self.load)

    def export_sheets(self) -> tuple[str, Sheets] | None:
        table = self.query_one(DataTable)
        rows = []
        for index in range(table.row_count):
            cells = [str(c) for c in table.get_row_at(index)]
            if cells[0] and cells[0][0].isdigit():
                rows.append([int(cells[0]), *(export_cell(i, c) for i, c in enumerate(cells[1:], start=1))])
        if not rows:
            return None
        return f"{'bulletin' if self.bulletin else 'ranking'}-{self.year}.xlsx", {f"{self.year}": (list(COLUMNS), rows)}

    def action_document(self) -> None:
        """The published 通报 as an official document (DOCX)."""
        save_document(self, f"{self.year} 年度考核结果通报 bulletin", "bulletinDocument", {"year": self.year})
