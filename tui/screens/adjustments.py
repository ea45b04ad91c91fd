"""末位调整 Leader adjustments: a case per main leader of a last-place unit, PROPOSED → DECIDED → EXECUTED."""

from __future__ import annotations

from typing import Any

from tui.dialogs.form import Field
from tui.screens.records import RecordsScreen

DECISIONS = [("TRANSFER", "调任 Transfer"), ("DEMOTION", "降职 Demotion"), ("REMOVAL", "免职 Removal"),
             ("OTHER", "其他 Other")]


class AdjustmentsScreen(RecordsScreen):
    KIND = "LeaderAdjustment"  # not the 加减分 items (proposeAdjustment, approveAdjustment …)
    TITLE_TEXT = "末位单位主要负责人调整 Leader adjustments · w 决定/执行 decide or execute (组织部 organisation dept)"
    EXPORT_NAME = "leader-adjustments"

    async def fetch(self) -> list[dict[str, Any]] | None:
        if not self.api.has("Query", "leaderAdjustments"):
            self.status("服务器尚未提供末位调整 This server does not offer leader adjustments yet (leaderAdjustments).")
            return None
        return await self.call(self.api.leader_adjustments, self.year)

    def extra_fields(self) -> list[Field]:
        return [Field("kind", "决定类型 Decision", "TRANSFER", choices=DECISIONS),
                Field("text", "决定内容 Decision text / note")]
