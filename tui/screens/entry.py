"""年终数据录入 Year-end entry grids: certifications, ballots, inspection scores, grassroots review.

One unit at a time (`u` chooses it); keyboard only; values are range-checked as they are typed; the totals
line shows the running counts and the score the inputs give; ctrl+s saves the changed rows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Header, Label

from tui import keys
from tui.dialogs.prompt import PromptDialog
from tui.labels import MEASURE, TARGET_KIND, label
from tui.screens.base import MboScreen
from tui.widgets.entry_grid import Column, EntryGrid, int_check, range_check
from tui.widgets.footer import Footer

TITLES = {"certifications": "专项目标考核 Certifications", "ballots": "投票测评 Ballots",
          "inspections": "年终检查 Inspection scores", "grassroots": "基层评议 Grassroots review"}
VALUES = {"excellent": 100, "good": 80, "fair": 60, "poor": 0}
PUBLISHED = ("只读：第 {revision} 版已发布，修改须由目标办开启更正（考核排名 o）。Read only: revision {revision} is "
             "published; the target office opens a correction (Ranking, o) before inputs change.")


def certification_check(text: str, row: dict[str, Any]) -> str | None:
    try:
        value = Decimal(text)
    except ArithmeticError:
        return "请输入数字 Enter a number"
    if row["measure"] == "QUALITATIVE" and not Decimal(0) <= value <= Decimal(1):
        return "定性目标完成度 0–1 Qualitative completion is 0–1"
    if value < 0:
        return "不能为负 Must be ≥ 0"
    return None


def columns(kind: str) -> list[Column]:
    if kind == "certifications":
        return [Column("code", "代码 Code"), Column("kindLabel", "类型 Kind"), Column("measureLabel", "计量 Measure"),
                Column("agreed", "商定值 Agreed"), Column("points", "分值 Points"),
                Column("value", "认定值 Actual / completion", certification_check), Column("ratio", "完成率 Ratio")]
    if kind == "ballots":
        return [Column("group", "投票组 Voter group"), Column("excellent", "优秀 Excellent", int_check),
                Column("good", "良好 Good", int_check), Column("fair", "一般 Fair", int_check),
                Column("poor", "差 Poor", int_check), Column("count", "合计 Ballots"), Column("score", "组得分 Score")]
    if kind == "inspections":
        return [Column("inspector", "检查人 Inspector"), Column("score", "得分 Score (0–100)", range_check(0, 100))]
    return [Column("satisfied", "满意 Satisfied", int_check),
            Column("basicallySatisfied", "基本满意 Basically", int_check),
            Column("dissatisfied", "不满意 Dissatisfied", int_check), Column("count", "合计 Responses"),
            Column("score", "得分 Score")]


def ballot_score(row: dict[str, Any]) -> tuple[int, Decimal | None]:
    counts = {k: int(row.get(k) or 0) for k in VALUES}
    n = sum(counts.values())
    if not n:
        return 0, None
    return n, (Decimal(sum(VALUES[k] * v for k, v in counts.items())) / n).quantize(Decimal("0.01"))


def grassroots_score(row: dict[str, Any]) -> tuple[int, Decimal | None]:
    s, b, d = (int(row.get(k) or 0) for k in ("satisfied", "basicallySatisfied", "dissatisfied"))
    n = s + b + d
    return n, (Decimal(100 * s + 60 * b) / n).quantize(Decimal("0.01")) if n else None


def totals(kind: str) -> Any:
    def text(rows: list[dict[str, Any]]) -> str:
        if kind == "certifications":
            done = sum(1 for r in rows if r.get("value") not in (None, ""))
            points = sum((Decimal(str(r["points"])) for r in rows if r["kind"] == "BASE"), Decimal(0))
            return f"已认定 Certified {done} / {len(rows)} · 基本目标分值合计 Base-target points {points}"
        if kind == "ballots":
            scored = [ballot_score(r) for r in rows]
            n = sum(c for c, _ in scored)
            groups = [s for _, s in scored if s is not None]
            mean = (sum(groups, Decimal(0)) / len(groups)).quantize(Decimal("0.01")) if groups else None
            return f"投票 Ballots {n} · 投票组 groups {len(groups)} · 等权平均 equal-weight mean {mean or '—'}"
        if kind == "inspections":
            scores = [Decimal(str(r["score"])) for r in rows if r.get("score") not in (None, "")]
            mean = (sum(scores, Decimal(0)) / len(scores)).quantize(Decimal("0.01")) if scores else None
            return f"检查人 Inspectors {len(scores)} · 平均 Mean {mean or '—'}"
        n, score = grassroots_score(rows[0]) if rows else (0, None)
        return f"答卷 Responses {n} · 得分 Score {score or '—'}"
    return text


class EntryScreen(MboScreen):
    BINDINGS = [keys.BACK, keys.RELOAD, keys.UNIT, keys.SAVE, Binding("plus", "add", "新增行 Add row", id="add-row")]

    def __init__(self, kind: str, unit_code: str | None = None) -> None:
        super().__init__()
        self.kind = kind
        self.unit_code = unit_code

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("save", "add"):
            return self.may(f"entry_{self.kind}") and (action == "save" or self.kind in ("ballots", "inspections")) \
                and (None if self.grid_locked else True)
        return super().check_action(action, parameters)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="heading", classes="title")
        yield EntryGrid(columns(self.kind), totals(self.kind), id="grid")
        yield Label("", classes="status")
        yield Footer()

    @property
    def grid(self) -> EntryGrid:
        return self.query_one(EntryGrid)

    @property
    def grid_locked(self) -> bool:
        grids = self.query(EntryGrid)
        return bool(grids and grids.first().read_only)

    def make_read_only(self, why: str) -> None:
        """Published: the grid shows read only, with the reason, and offers no save."""
        self.grid.read_only = why
        self.grid.refill()
        self.refresh_bindings()

    def on_mount(self) -> None:
        self.grid.table.focus()
        if self.unit_code is None and self.department_wide:
            self.unit_code = ""  # every unit's targets the caller's department assesses
        if self.unit_code is None and self.api.session.unit:
            self.unit_code = self.api.session.unit
        if self.unit_code is None:
            self.first_unit()
        else:
            self.action_reload()

    @work(exclusive=True, exit_on_error=False, group="units")
    async def first_unit(self) -> None:
        units = await self.call(self.api.units)
        if units:
            self.unit_code = units[0]["code"]
            self.action_reload()

    @property
    def department_wide(self) -> bool:
        """An assessor (考核处室) certifies the targets its department assesses, across units."""
        return self.kind == "certifications" and self.api.session.has_role("ASSESSOR") and not self.may("ranking")

    def action_reload(self) -> None:
        unit = self.unit_code or f"本处室考核的全部目标 every target {self.api.session.unit} assesses"
        self.query_one("#heading", Label).update(
            f"{TITLES[self.kind]} · {self.year} · 单位 Unit {unit} · u 换单位 change unit · enter 或数字 "
            "编辑 edits · ctrl+s 保存 saves")
        self.status("加载中 Loading…")
        self.load()

    def action_choose_unit(self) -> None:
        def chosen(value: str | None) -> None:
            if value:
                self.unit_code = value.upper()
                self.action_reload()

        self.app.push_screen(PromptDialog("单位代码 Unit code", self.unit_code or ""), chosen)

    def action_add(self) -> None:
        question = "投票组名称 Voter group" if self.kind == "ballots" else "检查人 Inspector"

        def chosen(value: str | None) -> None:
            if not value:
                return
            if self.kind == "ballots":
                self.grid.add({"group": value, "excellent": "0", "good": "0", "fair": "0", "poor": "0"})
            else:
                self.grid.add({"inspector": value, "score": ""})
            self.derive()

        self.app.push_screen(PromptDialog(question), chosen)

    @on(EntryGrid.Changed)
    def derive(self) -> None:
        grid = self.grid
        for row in grid.rows:
            if self.kind == "ballots":
                n, score = ballot_score(row)
                row["count"], row["score"] = n, score if score is not None else "—"
            elif self.kind == "grassroots":
                n, score = grassroots_score(row)
                row["count"], row["score"] = n, score if score is not None else "—"
            elif self.kind == "certifications" and row.get("value") not in (None, ""):
                row["ratio"] = self.ratio(row)
        grid.refill()

    @staticmethod
    def ratio(row: dict[str, Any]) -> str:
        value = Decimal(str(row["value"]))
        if row["measure"] == "QUALITATIVE":
            return f"{value:.4f}"
        agreed = Decimal(str(row["agreed"])) if row.get("agreed") not in (None, "—") else None
        if not agreed:
            return "—"
        if row["direction"] == "LOWER_IS_BETTER":
            return "1.0000" if value == 0 else f"{agreed / value:.4f}"
        return f"{value / agreed:.4f}"

    async def published(self) -> str:
        """Why the year's inputs are read only now ('' when they may change). The offices read the year's
        state; the other roles learn it from the server's refusal on their first save."""
        if not self.may("ranking"):
            return ""
        found = await self.call(self.api.assessment_status, self.year)
        if found and found["status"] == "PUBLISHED":
            return PUBLISHED.format(revision=found["revision"])
        return ""

    @work(exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        unit = self.unit_code or ""
        rows: list[dict[str, Any]] = []
        self.grid.read_only = await self.published()
        self.refresh_bindings()
        if self.kind == "certifications":
            found = await self.call(self.api.assessed_targets, self.year, unit)
            if found is None:
                return
            for t in found:
                cert = t.get("certification") or {}
                value = cert.get("completion") if t["measure"] == "QUALITATIVE" else cert.get("actualValue")
                rows.append({"code": t["code"], "kind": t["kind"], "measure": t["measure"],
                             "kindLabel": label(TARGET_KIND, t["kind"]), "measureLabel": label(MEASURE, t["measure"]),
                             "direction": t["direction"], "agreed": t.get("agreedValue") or "—",
                             "points": t["points"], "value": value or "", "ratio": ""})
        elif self.kind == "ballots":
            found = await self.call(self.api.ballots, self.year, unit)
            if found is None:
                return
            rows = [{"group": b["voterGroup"], **{k: str(b[k]) for k in VALUES}} for b in found]
        elif self.kind == "inspections":
            found = await self.call(self.api.inspections, self.year, unit)
            if found is None:
                return
            rows = [{"inspector": i["inspector"], "score": i["score"]} for i in found]
        else:
            found = await self.call(self.api.grassroots, self.year, unit)
            if found is None:
                return
            g = found[0] if found else {"satisfied": 0, "basicallySatisfied": 0, "dissatisfied": 0}
            rows = [{k: str(g[k]) for k in ("satisfied", "basicallySatisfied", "dissatisfied")}]
        self.grid.load(rows)
        self.derive()
        self.status(f"{len(rows)} 行 rows")

    def action_save(self) -> None:
        if self.grid.read_only:
            self.fail(self.grid.read_only)
        elif self.grid.dirty:
            self.save()
        else:
            self.status("没有需要保存的修改 Nothing to save")

    @work(exclusive=True, exit_on_error=False, group="save")
    async def save(self) -> None:
        grid = self.grid
        unit = self.unit_code or ""
        saved = 0
        for index in sorted(grid.dirty):
            row = grid.rows[index]
            if self.kind == "certifications":
                if row.get("value") in (None, ""):
                    continue
                qualitative = row["measure"] == "QUALITATIVE"
                done = await self.call(self.api.certify, self.year, row["code"],
                                       None if qualitative else str(row["value"]),
                                       str(row["value"]) if qualitative else None)
            elif self.kind == "ballots":
                done = await self.call(self.api.set_ballots, self.year, unit, row["group"],
                                       {k: int(row.get(k) or 0) for k in VALUES})
            elif self.kind == "inspections":
                if row.get("score") in (None, ""):
                    continue
                done = await self.call(self.api.set_inspection, self.year, unit, row["inspector"], str(row["score"]))
            else:
                done = await self.call(self.api.set_grassroots, self.year, unit,
                                       {k: int(row.get(k) or 0) for k in ("satisfied", "basicallySatisfied",
                                                                          "dissatisfied")})
            if done is None:
                refusal = self.last_error
                if refusal is not None and refusal.code == "CONFLICT" and "published" in refusal.message:
                    self.make_read_only(PUBLISHED.format(revision="当前 current"))
                grid.refill()
                return
            saved += 1
            grid.dirty.discard(index)
        grid.refill()
        self.status(f"已保存 Saved {saved} 行 rows")
        self.notify(f"已保存 Saved {saved} 行 rows", timeout=3)
