"""Spreadsheet cells that never run as formulas (CSV / formula injection), for every XLSX the system writes:
the services' exports and the operator client's own."""

from __future__ import annotations

from typing import Any

# What a spreadsheet may read as the start of a formula: = + - @, and tab / carriage return, which some
# spreadsheets strip before looking at the next character.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value, or for text that could start a formula the same text behind a quote (shown as text)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
