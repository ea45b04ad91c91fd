"""A unit's target tree (分解细化): agreed values, coverage gaps, stretch flags, leaders and assignees; the
highlighted target's negotiation rounds and progress; edit, negotiate and report progress from here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Header, Label, Static, Tree
from textual.widgets.tree import TreeNode

from tui import keys, labels
from tui.dialogs.form import Field, FormDialog, date_check, decimal_check, required_check
from tui.format import STATUS, amount, person
from tui.screens.base import MboScreen
from tui.widgets.footer import Footer

TOP_LEVEL_OPERATOR_FIELDS = {"responsibleDepartment", "assignee"}
EDITABLE = [
    ("title", "标题 Title"), ("category", "类别 Category"), ("unitOfMeasure", "计量单位 Unit of measure"),
    ("baseline", "基数 Baseline"), ("agreedValue", "商定值 Agreed value"), ("points", "分值 Points"),
    ("responsibleDepartment", "责任部门 Responsible dept"), ("responsibleLeader", "责任领导 Leader (staff no)"),
    ("assignee", "责任人 Assignee (staff no)"),
]
DECIMAL_FIELDS = {"baseline", "agreedValue", "points"}
ACTIONS = {"propose": "提出 Propose (target office)", "accept": "接受 Accept (unit)",
           "counter": "反提议 Counter-propose (unit)", "agree": "商定 Agree (leader)"}


def flat(target: dict[str, Any]) -> list[dict[str, Any]]:
    found = [target]
    for child in target.get("children") or []:
        found += flat(child)
    return found


def label(t: dict[str, Any]) -> Text:
    text = Text()
    text.append(f"{t['code']} ", style="bold")
    text.append(t["title"])
    value = t.get("agreedValue") if t.get("agreedValue") is not None else t.get("proposedValue")
    if value is not None:
        text.append(f"  {amount(value)}{t.get('unitOfMeasure') or ''}", style="cyan")
    text.append(f"  {STATUS.get(t['status'], t['status'])}", style="dim")
    if t.get("kind") and t["kind"] != "BASE":
        text.append(f"  [{'争取 stretch' if t['kind'] == 'STRETCH' else '否决 veto'}]", style="magenta")
    gap = t.get("uncoveredGap")
    if gap is not None and Decimal(gap) > 0:
        text.append(f"  缺口 gap {amount(gap)}", style="bold red")
    if t.get("noStretch"):
        text.append("  自娱自乐 no stretch" + (" (已说明 overridden)" if t.get("stretchOverrideReason") else ""),
                    style="yellow")
    who = person(t.get("assignee")) or person(t.get("responsibleLeader"))
    if who:
        text.append(f"  {who}", style="green")
    elif not t.get("children"):
        text.append("  无责任人 no assignee", style="red")
    return text


class UnitTreeScreen(MboScreen):
    BINDINGS = [keys.BACK, keys.RELOAD, keys.EDIT, keys.NEGOTIATE, keys.DECOMPOSE, keys.ASSIGN, keys.PROGRESS]
    ROLE_ACTIONS = {"edit": "edit_target", "progress": "report_progress", "decompose": "decompose",
                    "assign": "edit_target"}
    CSS = MboScreen.CSS + """
    #tree { width: 3fr; border: round $accent; }
    #side { width: 2fr; border: round $accent; }
    #side DataTable { height: auto; max-height: 12; }
    """

    def __init__(self, unit_code: str) -> None:
        super().__init__()
        self.unit_code = unit_code
        self.unit: dict[str, Any] | None = None
        self.by_code: dict[str, dict[str, Any]] = {}
        self.nodes: dict[str, TreeNode[dict[str, Any]]] = {}
        self.select_after_load: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield Tree[dict[str, Any]](self.unit_code, id="tree")
            with VerticalScroll(id="side"):
                yield Static("", id="detail")
                yield Label("磋商记录 Negotiation rounds", classes="title")
                yield DataTable(id="rounds", cursor_type="row")
                yield Label("进度报告 Progress reports", classes="title")
                yield DataTable(id="reports", cursor_type="row")
        yield Label("", classes="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#rounds", DataTable).add_columns("步骤 Step", "值 Value", "理由 Reason", "人 Who")
        self.query_one("#reports", DataTable).add_columns("期间 Period", "截至 As of", "实际 Actual", "说明 Note")
        self.query_one("#tree").border_title = f"目标树 Target tree · {self.unit_code} · {self.year}"
        self.query_one("#side").border_title = "详情 Detail"
        self.query_one("#tree").focus()
        self.action_reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "negotiate":
            return any(self.may(a) for a in ACTIONS)
        return super().check_action(action, parameters)

    def action_reload(self) -> None:
        self.status("加载中 Loading…")
        self.load()

    @work(exclusive=True, exit_on_error=False, group="tree")
    async def load(self) -> None:
        unit = await self.call(self.api.tree, self.unit_code, self.year)
        if unit is None:
            return
        self.unit = unit
        self.fill(unit)

    def fill(self, unit: dict[str, Any]) -> None:
        tree: Tree[dict[str, Any]] = self.query_one("#tree", Tree)  # type: ignore[assignment]
        tree.clear()
        tree.root.set_label(Text(f"{unit['code']} {unit['name']}", style="bold"))
        tree.root.data = None
        self.by_code = {}
        self.nodes = {}

        def add(parent: TreeNode[dict[str, Any]], target: dict[str, Any]) -> None:
            self.by_code[target["code"]] = target
            children = target.get("children") or []
            node = parent.add(label(target), data=target, expand=True, allow_expand=bool(children))
            self.nodes[target["code"]] = node
            for child in children:
                add(node, child)

        for target in unit["targets"]:
            add(tree.root, target)
        tree.root.expand()
        count = len(self.by_code)
        gaps = sum(1 for t in self.by_code.values() if t.get("uncoveredGap") and Decimal(t["uncoveredGap"]) > 0)
        flags = sum(1 for t in self.by_code.values() if t.get("noStretch"))
        self.status(f"{len(unit['targets'])} 个顶层目标 top-level · {count} 个目标 targets in all · "
                    f"{gaps} 个覆盖缺口 coverage gaps · {flags} 个自娱自乐 no-stretch flags"
                    + self.taken_warnings())
        wanted = self.select_after_load
        if wanted and wanted in self.nodes:
            self.call_after_refresh(tree.move_cursor, self.nodes[wanted])
            self.show(self.by_code[wanted])

    @property
    def current(self) -> dict[str, Any] | None:
        node = self.query_one("#tree", Tree).cursor_node
        return node.data if node is not None else None

    @on(Tree.NodeHighlighted)
    def highlighted(self, event: Tree.NodeHighlighted[dict[str, Any]]) -> None:
        if event.node.data:
            self.show(event.node.data)

    def show(self, t: dict[str, Any]) -> None:
        lines = [
            f"[b]{t['code']}[/b] {t['title']}",
            f"类别 {t.get('category') or '—'} · {labels.label(labels.TARGET_KIND, t['kind'])} · "
            f"{labels.label(labels.MEASURE, t['measure'])} · {labels.label(labels.DIRECTION, t['direction'])}",
            f"基数 Baseline {amount(t.get('baseline'))} · 提议 Proposed {amount(t.get('proposedValue'))} · "
            f"商定 Agreed {amount(t.get('agreedValue'))} {t.get('unitOfMeasure') or ''}",
            f"分值 Points {amount(t.get('points'))} · 状态 {STATUS.get(t['status'], t['status'])} · v{t['version']}",
            f"责任部门 Dept {t.get('responsibleDepartment') or '—'}",
            f"责任领导 Leader {person(t.get('responsibleLeader')) or '—'} · 责任人 Assignee "
            f"{person(t.get('assignee')) or '—'}",
        ]
        if t.get("uncoveredGap") is not None:
            lines.append(f"覆盖缺口 Uncovered gap: {amount(t['uncoveredGap'])}")
        if t.get("noStretch"):
            lines.append("[yellow]自娱自乐: 商定值未超过基数 the value does not beat the baseline[/yellow]"
                         + (f" — 说明 {t['stretchOverrideReason']}" if t.get("stretchOverrideReason") else ""))
        self.query_one("#detail", Static).update("\n".join(lines))
        self.load_detail(t["code"])

    @work(exclusive=True, exit_on_error=False, group="detail")
    async def load_detail(self, code: str) -> None:
        found = await self.call(self.api.target_detail, self.year, code)
        rounds = self.query_one("#rounds", DataTable)
        reports = self.query_one("#reports", DataTable)
        rounds.clear()
        reports.clear()
        if not found:
            return
        for r in found.get("negotiationRounds") or []:
            rounds.add_row(labels.label(labels.NEGOTIATION_ACTION, r["action"]), amount(r.get("value")),
                           r.get("reason") or "", f"{r['actor']}（{labels.label(labels.ROLE, r['role'])}）")
        for p in found.get("progressReports") or []:
            reports.add_row(p["period"], p["asOf"], amount(p.get("actualToDate")), p.get("note") or "")

    # ---- edit --------------------------------------------------------------------------------------------

    def action_edit(self) -> None:
        target = self.current
        if target is None:
            return
        top = target["code"] in {t["code"] for t in (self.unit or {}).get("targets", [])}
        office = self.api.session.has_role("TARGET_OFFICE")
        state = {"version": target["version"]}

        def values(t: dict[str, Any]) -> dict[str, str]:
            found = {}
            for name, _ in EDITABLE:
                value = t.get(name)
                if isinstance(value, dict):
                    value = value.get("staffNo")
                found[name] = "" if value is None else str(value)
            return found

        def disabled(name: str) -> bool:
            if top and name == "agreedValue":
                return True  # set by negotiation
            return top and not office and name not in TOP_LEVEL_OPERATOR_FIELDS

        current = values(target)
        fields = [Field(name, text, current[name],
                        check=decimal_check(low=Decimal(0)) if name in DECIMAL_FIELDS
                        else required_check if name == "title" else None,
                        disabled=disabled(name)) for name, text in EDITABLE]

        async def save(new: dict[str, str]) -> dict[str, Any]:
            change = {k: (v or None) for k, v in new.items() if v != current.get(k) and not disabled(k)}
            if not change:
                return target
            return await self.api.update_target(self.year, target["code"], state["version"], change)

        async def reload() -> dict[str, str]:
            fresh = await self.api.target(self.year, target["code"])
            if fresh is None:
                return current
            state["version"] = fresh["version"]
            current.update(values(fresh))
            return values(fresh)

        note = "（顶层目标：商定值经磋商确定 top-level: the value is set by negotiation）"
        title = f"编辑目标 Edit target {target['code']}" + (note if top else "")
        self.app.push_screen(FormDialog(title, fields, save, reload), self.saved)

    def version_reload(self, code: str, state: dict[str, Any]) -> Callable[[], Awaitable[dict[str, str]]]:
        """A form's reload after a version conflict: the target's current version into `state`, no field
        changed."""

        async def reload() -> dict[str, str]:
            fresh = await self.api.target(self.year, code)
            if fresh:
                state["version"] = fresh["version"]
            return {}

        return reload

    def saved(self, result: dict[str, Any] | None) -> None:
        if result:
            self.notify(f"已保存 Saved {result['code']}", timeout=3)
            self.select_after_load = result["code"]
            self.action_reload()

    # ---- negotiate ---------------------------------------------------------------------------------------

    def action_negotiate(self) -> None:
        target = self.current
        if target is None:
            return
        allowed = [(a, text) for a, text in ACTIONS.items() if self.may(a)]
        state = {"version": target["version"]}
        fields = [
            Field("action", "步骤 Step", allowed[0][0], choices=allowed),
            Field("value", "值 Value", "", check=decimal_check()),
            Field("reason", "理由 Reason"),
        ]
        if target.get("noStretch") and self.may("agree"):
            fields.append(Field("override", "自娱自乐说明 No-stretch override reason"))

        async def save(v: dict[str, str]) -> dict[str, Any]:
            return await self.api.negotiate(v["action"], self.year, target["code"], state["version"],
                                            v["value"] or None, v["reason"] or None, v.get("override") or None)

        self.app.push_screen(FormDialog(f"磋商 Negotiate {target['code']} {target['title']}", fields, save,
                                        self.version_reload(target["code"], state)),
                             self.saved)

    # ---- decompose and assign ----------------------------------------------------------------------------

    def action_decompose(self) -> None:
        """分解细化: a child target under the highlighted agreed target, to a department or a person; the
        parent's coverage gap (缺口) shows what is still to be covered."""
        target = self.current
        if target is None:
            return
        if target["status"] not in ("AGREED", "SIGNED"):
            self.fail(f"只有已商定的目标可以分解 Only an agreed target is decomposed ({STATUS.get(target['status'])})")
            return
        taken = {c["code"] for c in target.get("children") or []}
        number = next(n for n in range(1, 100) if f"{target['code']}-{n}" not in taken)
        gap = target.get("uncoveredGap")
        fields = [
            Field("code", "代码 Code", f"{target['code']}-{number}", check=required_check),
            Field("title", "标题 Title", check=required_check),
            Field("value", "分解值 Value" + (f"（缺口 gap {amount(gap)}）" if gap is not None else ""),
                  amount(gap) if gap not in (None, "0") else "", check=decimal_check(low=Decimal(0))),
            Field("points", "分值 Points", check=decimal_check(low=Decimal(0))),
            Field("responsibleDepartment", "责任部门 Responsible dept"),
            Field("assignee", "责任人 Assignee (staff no)"),
        ]

        async def save(v: dict[str, str]) -> dict[str, Any]:
            child = {k: (val or None) for k, val in v.items()}
            done = await self.api.decompose(self.year, target["code"], child)
            return done[0]

        self.app.push_screen(FormDialog(f"分解 Decompose {target['code']} {target['title']}", fields, save),
                             self.saved)

    def action_assign(self) -> None:
        """指派: the responsible department and the person who carries the highlighted target."""
        target = self.current
        if target is None:
            return
        state = {"version": target["version"]}
        department = target.get("responsibleDepartment") or ""
        fields = [Field("responsibleDepartment", "责任部门 Responsible dept", department),
                  Field("assignee", "责任人 Assignee (staff no)", (target.get("assignee") or {}).get("staffNo", ""),
                        check=required_check)]

        async def save(v: dict[str, str]) -> dict[str, Any]:
            change = {k: val for k, val in v.items() if val}
            return await self.api.update_target(self.year, target["code"], state["version"], change)

        self.app.push_screen(FormDialog(f"指派 Assign {target['code']} {target['title']}", fields, save,
                                        self.version_reload(target["code"], state)),
                             self.saved)

    # ---- progress ----------------------------------------------------------------------------------------

    def action_progress(self) -> None:
        target = self.current
        if target is None:
            return
        today = self.mbo.today
        fields = [
            Field("period", "期间 Period", f"{today.year}-{today.month:02d}", check=required_check),
            Field("asOf", "截至日期 As of (YYYY-MM-DD)", today.isoformat(), check=date_check()),
            Field("actual", "累计实际 Actual to date", "", check=decimal_check(required=True)),
            Field("note", "说明与佐证 Note and evidence (document no., link)"),
        ]

        async def save(v: dict[str, str]) -> dict[str, Any]:
            await self.api.report_progress(self.year, target["code"], v["period"], v["asOf"], v["actual"],
                                           v["note"] or None)
            return target

        self.app.push_screen(FormDialog(f"进度报告 Progress report {target['code']}", fields, save), self.saved)
