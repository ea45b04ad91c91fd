"""加减分 Adjustment points: a year's bonus and deduction items of the units, with their reasons.

The supervision office and the target office propose an item (n); a different target-office account approves
or rejects it with a reason (w). Approved items count from the next computation; imported items arrive
approved. The server checks who may do what (a proposer cannot approve their own item) — this screen only
offers the actions the caller's role has.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from textual import work
from textual.widgets import Label

from tui import keys
from tui.dialogs.form import Field, FormDialog, required_check
from tui.format import signed
from tui.screens.queue import QueueScreen

CATEGORIES = [("表彰奖励", "表彰奖励 Honours"), ("改革创新", "改革创新 Reform and innovation"),
              ("安全生产", "安全生产 Work safety"), ("生态环保", "生态环保 Environment"),
              ("督查通报", "督查通报 Supervision notice"), ("其他", "其他 Other")]
DECISIONS = [("APPROVE", "批准 Approve"), ("REJECT", "驳回 Reject")]


def points_check(text: str) -> str | None:
    """A bonus (positive) or a deduction (negative), at most 2 decimal places, not above 100 either way."""
    if not text:
        return "必填 Required"
    try:
        value = Decimal(text)
    except InvalidOperation:
        return "请输入数字 Enter a number"
    if not value.is_finite() or value == 0:
        return "加分为正，扣分为负，不能为0 Positive for a bonus, negative for a deduction, not 0"
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        return "最多两位小数 At most 2 decimal places"
    if abs(value) > 100:
        return "不能超过±100 At most ±100"
    return None


class AdjustmentItemsScreen(QueueScreen):
    BINDINGS = [keys.BACK, keys.RELOAD, keys.NEW, keys.WORKFLOW]
    ROLE_ACTIONS = {"new": "propose_adjustment", "workflow": "decide_adjustment_item"}
    COLUMNS = ("单位 Unit", "加减分 Points", "类别 Category", "理由 Reason", "状态 Status", "来源 Source",
               "提出 Proposed by", "审核 Decided by")
    DETAIL_TITLE = "理由与佐证 Reason and evidence"
    STATUS = {"PROPOSED": "待审核 proposed", "APPROVED": "已批准 approved", "REJECTED": "已驳回 rejected"}
    STATUS_STYLE = {"PROPOSED": "yellow", "APPROVED": "green", "REJECTED": "dim"}

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        allowed = super().check_action(action, parameters)
        if action == "workflow" and allowed and self.current is not None and self.current["status"] != "PROPOSED":
            return None  # shown, greyed out: only proposed items are decided
        return allowed

    @work(exclusive=True, exit_on_error=False, group="adjustment-items")
    async def load(self) -> None:
        self.query_one("#heading", Label).update(
            f"{self.year} 加减分 Adjustment points · n 提出 propose (督查室/目标办) · w 审核 approve or reject "
            "(另一目标办账户 another target-office account)")
        await self.load_unit_names()
        items = await self.call(self.api.adjustment_items, self.year)
        if items is None:
            return
        self.fill(items)
        pending = sum(1 for i in items if i["status"] == "PROPOSED")
        self.status(f"{len(items)} 项 items · 待审核 proposed {pending}")

    def cells(self, item: dict[str, Any]) -> list[object]:
        return [self.unit_label(item["unitCode"]), signed(item["points"]), item["category"], item["reason"],
                self.status_label(item), "导入 imported" if item["imported"] else "提出 proposed",
                item["proposedBy"], item.get("decidedBy") or ""]

    def describe(self, item: dict[str, Any]) -> list[str]:
        lines = [f"{self.unit_label(item['unitCode'])} {signed(item['points'])} {item['category']}：{item['reason']}"]
        if item.get("evidence"):
            lines.append(f"佐证 Evidence：{item['evidence']}")
        if item.get("decisionReason"):
            lines.append(f"审核意见 Decision note（{item.get('decidedBy') or ''}）：{item['decisionReason']}")
        return lines

    def action_new(self) -> None:
        units = [(code, f"{name}（{code}）") for code, name in sorted(self.unit_names.items())]
        fields = [
            Field("unitCode", "单位 Unit", choices=units),
            Field("points", "分值 Points (+加分 / −扣分)", check=points_check, placeholder="1 或 -2"),
            Field("category", "类别 Category", CATEGORIES[0][0], choices=CATEGORIES),
            Field("reason", "理由 Reason", check=required_check),
            Field("evidence", "佐证材料 Evidence", placeholder="文件名、文号 document, reference"),
        ]

        async def save(values: dict[str, str]) -> dict[str, Any]:
            return await self.api.propose_adjustment(self.year, values["unitCode"], values["points"],
                                                     values["category"], values["reason"], values["evidence"])

        self.app.push_screen(FormDialog(f"提出加减分 Propose an adjustment item · {self.year}", fields, save),
                             self.saved)

    def action_workflow(self) -> None:
        item = self.current
        if not self.in_status(item, "PROPOSED",
                              "只有待审核的事项可以审核 Only proposed items can be approved or rejected."):
            return
        fields = [Field("decision", "审核 Decision", DECISIONS[0][0], choices=DECISIONS),
                  Field("reason", "审核意见 Reason (驳回必填 required to reject)")]

        async def save(values: dict[str, str]) -> dict[str, Any]:
            return await self.api.decide_adjustment(item, values["decision"] == "APPROVE", values["reason"])

        title = f"审核 Decide · {self.unit_label(item['unitCode'])} {signed(item['points'])} {item['reason']}"
        self.app.push_screen(FormDialog(title, fields, save), self.saved)

    def saved(self, result: dict[str, Any] | None) -> None:
        if result is not None:
            self.notify(f"已保存 Saved: {self.status_label(result)}", timeout=4)
            self.load()
