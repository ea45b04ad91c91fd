"""备案表 Filing records (领导干部目标考核结果备案表): DRAFT → REVIEWED → TRANSFERRED → ARCHIVED."""

from __future__ import annotations

from typing import Any

from tui import keys
from tui.dialogs.prompt import PromptDialog
from tui.documents import save_document
from tui.screens.records import RecordsScreen

STATUSES = ("DRAFT", "REVIEWED", "TRANSFERRED", "ARCHIVED")


class FilingsScreen(RecordsScreen):
    BINDINGS = [*RecordsScreen.BINDINGS, keys.FILTER, keys.DOCUMENT]
    KIND = "Filing"
    TITLE_TEXT = "领导干部目标考核结果备案表 Filing records · f 按状态筛选 filters by status · w 流转 workflow"
    EXPORT_NAME = "filing-records"

    def __init__(self) -> None:
        super().__init__()
        self.state: str | None = None

    async def fetch(self) -> list[dict[str, Any]] | None:
        if not self.api.has("Query", "filingRecords"):
            self.status("服务器尚未提供备案表 This server does not offer filing records yet (filingRecords).")
            return None
        return await self.call(self.api.filing_records, self.year, self.state)

    def action_filter(self) -> None:
        def chosen(value: str | None) -> None:
            if value is not None:
                value = value.strip().upper()
                self.state = value if value in STATUSES else None
                self.action_reload()

        self.app.push_screen(PromptDialog(f"状态 Status ({' / '.join(STATUSES)}; 空=全部 empty = all)",
                                          self.state or ""), chosen)


    def action_document(self) -> None:
        """Every form of the year as an official document (DOCX), one cadre per page, for printing."""
        save_document(self, f"{self.year} 年度领导干部目标考核结果备案表 filing records", "filingRecordsDocument",
                      {"year": self.year})
