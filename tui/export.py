"""XLSX exports written on the operator's machine; the saved path is shown on screen."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kernel.spreadsheet import safe_cell


def export_dir() -> Path:
    return Path(os.environ.get("MBO_EXPORT_DIR", "exports")).expanduser().resolve()


def safe_sheet(name: str) -> str:
    for ch in "[]:*?/\\":
        name = name.replace(ch, "_")
    return name[:31] or "sheet"


def write_xlsx(file_name: str, sheets: dict[str, tuple[list[str], list[list[Any]]]]) -> Path:
    """One sheet per entry (header row + rows); returns the absolute path written. Text that a spreadsheet
    could run as a formula is written as text, as in the services' exports (kernel.spreadsheet)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    path = export_dir() / file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for name, (header, rows) in sheets.items():
        sheet = book.create_sheet(safe_sheet(name))
        sheet.append([safe_cell(v) for v in header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
        for index, column in enumerate(header, start=1):
            width = max([len(str(column)) * 2, *(len(str(r[index - 1])) * 2 for r in rows[:200] if len(r) >= index)])
            sheet.column_dimensions[sheet.cell(1, index).column_letter].width = min(40, max(8, width))
    book.save(path)
    return path
