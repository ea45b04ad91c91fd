"""How values look on screen: decimals as the server sent them, money with thousands, grades in colour."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

STATUS = {"DRAFT": "草拟 draft", "PROPOSED": "已提出 proposed", "NEGOTIATING": "磋商中 negotiating",
          "AGREED": "已商定 agreed", "SIGNED": "已签订 signed"}
GRADES = {"ADVANCED": "先进 Advanced", "QUALIFIED": "达标 Qualified", "UNQUALIFIED": "未达标 Unqualified",
          "LAST_PLACE": "末位 Last place"}
GRADE_STYLE = {"ADVANCED": "bold green", "QUALIFIED": "", "UNQUALIFIED": "yellow", "LAST_PLACE": "bold red"}


def amount(value: Any) -> str:
    """A Decimal string as sent ('97.65'); '—' when absent."""
    if value is None or value == "":
        return "—"
    return str(value)


def money(value: Any) -> str:
    if value is None or value == "":
        return "—"
    try:
        return f"{Decimal(str(value)):,.2f}"
    except InvalidOperation:
        return str(value)


def person(p: dict[str, Any] | None) -> str:
    if not p:
        return ""
    name = p.get("name")
    return f"{name}（{p['staffNo']}）" if name else str(p.get("staffNo", ""))


def signed(points: str) -> str:
    """Adjustment points with their sign: +1.00, -2.00."""
    value = Decimal(str(points))
    return f"+{value}" if value > 0 else str(value)


def standing(a: dict[str, Any]) -> str:
    """公示 or final, for a published revision; empty before publication."""
    if a.get("final"):
        return "最终结果 final"
    ends = a.get("noticeEndsAt") or "—"
    if a.get("onNotice"):
        return f"公示中至 {ends} on public notice"
    if a.get("status") == "PUBLISHED" or a.get("noticeEndsAt"):
        return f"公示期满 {ends}，待定稿 notice ended, not final yet"
    return ""
