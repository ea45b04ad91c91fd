"""主页 Home: what the caller's role may open, and the state of the year in counts and progress bars."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Header, Label, OptionList
from textual.widgets.option_list import Option

from tui import keys
from tui.format import standing
from tui.labels import roles as roles_label
from tui.roles import OFFICE, UNIT_OPERATOR, destinations, reads_business_data
from tui.screens.base import MboScreen
from tui.widgets.footer import Footer
from tui.widgets.stat import Stat

LEVELS = {"CITY_UNIT": "市—单位 City→unit", "UNIT_DEPARTMENT": "单位—处室 Unit→dept",
          "DEPARTMENT_PERSON": "处室—个人 Dept→person"}
ADMIN_NOTE = ("三员账户不查看业务数据；请从左侧菜单进入账户管理。\n"
              "Administrator accounts see no business data: open Accounts from the menu.")
ASSESSMENT = {"OPEN": "已开启 open", "COMPUTED": "已计算 computed", "PUBLISHED": "已发布 published"}


class HomeScreen(MboScreen):
    BINDINGS = [keys.RELOAD]
    CSS = MboScreen.CSS + """
    #menu { width: 46; border: round $accent; }
    #dashboard { border: round $accent; padding: 0 1; }
    #dashboard Label.section { text-style: bold; margin-top: 1; padding: 0 1; }
    """

    def __init__(self, units: asyncio.Future[list[dict[str, Any]]] | None = None) -> None:
        super().__init__()
        self._units = units
        """The units already asked for when the screen was made (used by the first load only)."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield OptionList(*[Option(d.label, id=d.action) for d in destinations(self.roles)], id="menu")
            with VerticalScroll(id="dashboard"):
                yield Label("", id="heading", classes="title")
                if reads_business_data(self.roles):
                    yield from self.figures()
                else:
                    yield Label(ADMIN_NOTE, classes="section")
                with Vertical():
                    yield Label("", classes="status")
        yield Footer()

    def figures(self) -> ComposeResult:
        yield Label("单位与目标 Units and targets", classes="section")
        yield Stat("单位 Units", id="units")
        yield Stat("目标（顶层） Top-level targets", id="targets")
        yield Stat("已商定 Agreed", id="agreed")
        yield Stat("已签订 Signed", id="signed")
        yield Label("目标责任书 Letters signed per level", classes="section")
        for level, label in LEVELS.items():
            yield Stat(label, id=f"letters-{level}")
        yield Label("进度与年终 Progress and year-end", classes="section")
        yield Stat("进度滞后 Lagging / at risk", id="lagging")
        yield Stat("年终考核 Assessment", id="assessment")
        yield Stat("缺少年终数据 Units missing inputs", id="missing")

    def on_mount(self) -> None:
        menu = self.query_one("#menu", OptionList)
        menu.border_title = "功能 Actions (enter)"
        if menu.option_count:
            menu.highlighted = 0
        self.query_one("#dashboard").border_title = "年度概况 The year"
        self.action_reload()

    def action_reload(self) -> None:
        session = self.api.session
        who = f"{session.username} · {roles_label(session.roles)}" + (f" · {session.unit}" if session.unit else "")
        self.query_one("#heading", Label).update(f"{self.year} 年度 · {who}")
        if not reads_business_data(self.roles):
            return
        self.load_units()
        if self.api.has("Query", "targetCounts"):  # the totals in parallel: one aggregate query, no list first
            self.load_totals(self.own_unit())
        self.load_letters()
        self.load_lagging()
        self.load_assessment()

    @on(OptionList.OptionSelected, "#menu")
    def selected(self, event: OptionList.OptionSelected) -> None:
        self.mbo.open(str(event.option.id))

    def stat(self, name: str) -> Stat:
        return self.query_one(f"#{name}", Stat)

    def unavailable(self, *names: str, why: str = "—") -> None:
        for name in names:
            self.stat(name).show(why)

    @work(exclusive=True, exit_on_error=False, group="home-units")
    async def load_units(self) -> None:
        apart = self.api.has("Query", "targetCounts")  # the totals load on their own (action_reload)
        units = await self.call(self.units)
        if units is None:
            return self.unavailable("units", *(() if apart else ("targets", "agreed", "signed")))
        kinds = Counter(u["kind"] for u in units)
        self.stat("units").show(f"{len(units)}（区 {kinds['DISTRICT']} · 市直 {kinds['MUNICIPAL']}）")
        if apart:
            return None
        own = self.own_unit()  # an older server: agreed statuses counted here, then the totals (refused there)
        if not own and self.api.has("Query", "agreedTargets"):
            agreed = await self.call(self.api.agreed_statuses, self.year)
            if agreed is not None:
                signed = agreed.count("SIGNED")
                self.stat("agreed").show(f"{len(agreed)}")
                self.stat("signed").show(f"{signed} / {len(agreed)}", signed, len(agreed) or None)
        self.load_totals(own)
        return None

    async def units(self) -> list[dict[str, Any]]:
        ahead, self._units = self._units, None
        return await ahead if ahead is not None else await self.api.units()

    def own_unit(self) -> str | None:
        """The unit whose targets a unit operator (not also of the target office) counts; None: every unit."""
        session = self.api.session
        return session.unit if session.has_role(UNIT_OPERATOR) and not session.has_role(OFFICE) else None

    @work(exclusive=True, exit_on_error=False, group="home-totals")
    async def load_totals(self, own: str | None) -> None:
        counted = await self.call(self.api.target_counts, self.year, own)
        if counted is None:
            return self.unavailable("targets", "agreed", "signed")
        by_status = {s["status"]: s["count"] for s in counted["byStatus"]}
        total = counted["total"]
        agreed = by_status.get("AGREED", 0) + by_status.get("SIGNED", 0)
        signed = by_status.get("SIGNED", 0)
        self.stat("targets").show(f"{total}" + (f"（{own}）" if own else ""))
        self.stat("agreed").show(f"{agreed} / {total}", agreed, total or None)
        self.stat("signed").show(f"{signed} / {total}", signed, total or None)
        return None

    @work(exclusive=True, exit_on_error=False, group="home-letters")
    async def load_letters(self) -> None:
        if not self.api.has("Query", "letters"):
            return self.unavailable(*(f"letters-{lv}" for lv in LEVELS), why="— (server: letters)")
        letters = await self.call(self.api.letters, self.year, None)
        if letters is None:
            return self.unavailable(*(f"letters-{lv}" for lv in LEVELS))
        for level in LEVELS:
            mine = [x for x in letters if x["level"] == level and x["status"] != "SUPERSEDED"]
            signed = sum(1 for x in mine if x["status"] == "SIGNED")
            self.stat(f"letters-{level}").show(f"{signed} / {len(mine)}", signed, len(mine) or None)

    @work(exclusive=True, exit_on_error=False, group="home-lagging")
    async def load_lagging(self) -> None:
        if not self.api.has("Query", "laggingTargets"):
            return self.unavailable("lagging", why="— (server: laggingTargets)")
        if not self.may("lagging"):
            return self.unavailable("lagging")
        unit = self.api.session.unit if self.api.session.has_role(UNIT_OPERATOR) else None
        if self.api.has("Query", "laggingCount"):
            kinds = await self.call(self.api.lagging_count, self.year, self.mbo.today.isoformat(), unit)
        else:  # an older server: count the statuses of the whole list
            rows = await self.call(self.api.lagging_statuses, self.year, self.mbo.today.isoformat(), unit)
            kinds = None if rows is None else Counter(rows)
        if kinds is None:
            return self.unavailable("lagging")
        day = self.mbo.today.isoformat()
        self.stat("lagging").show(f"滞后 {kinds['LAGGING']} · 风险 {kinds['AT_RISK']}（截至 {day}）")

    @work(exclusive=True, exit_on_error=False, group="home-assessment")
    async def load_assessment(self) -> None:
        if not self.may("ranking"):
            self.unavailable("missing")
            if not self.may("bulletin"):
                return self.unavailable("assessment")
            published = await self.call(self.api.bulletin_status, self.year)
            if published is None:
                return self.stat("assessment").show("未发布 not published yet")
            shown = f"{ASSESSMENT['PUBLISHED']} · 第 {published['revision']} 版 revision"
            return self.stat("assessment").show(f"{shown} · {standing(published)}")
        found: dict[str, Any] | None = await self.call(self.api.assessment_status, self.year)
        if found is None:
            self.stat("assessment").show("未开启 not opened")
            return self.unavailable("missing")
        status = ASSESSMENT.get(found["status"], found["status"])
        notice = standing(found) if found["status"] == "PUBLISHED" else ""
        shown = f"{status} · 第 {found['revision']} 版 revision"
        self.stat("assessment").show(f"{shown} · {notice}" if notice else shown)
        results = found.get("results") or []
        if not results:
            return self.unavailable("missing", why="— (计算后可见 after compute)")
        missing = [r for r in results if r.get("missing")]
        self.stat("missing").show(f"{len(missing)} / {len(results)}", len(missing), len(results))
