"""Bulk-import rows as they travel in GraphQL: one JSON object per CSV row, keyed by the §5 column names.

`importUnits(rows: [JSON!]!)` and its siblings take the rows of a file exactly as the file has them
(`{"row": 2, "code": "JAQ", "name": "江岸区", "kind": "district"}`), so a client only reads the CSV
and sends it; every check of a value happens in the service, row by row, with the file's own row
numbers. (Typed input objects would make GraphQL coerce every cell twice before the service even
sees the file — seconds for a city's roster.)
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, TypeVar

from kernel.errors import BadInput

MAX_ROWS = 500_000
Row = TypeVar("Row")


def import_rows(raw: list[Any], columns: tuple[str, ...], file: str,
                make: Callable[..., Row] = SimpleNamespace) -> list[Row]:  # type: ignore[assignment]
    """Rows with a `row` number and one attribute per column (None when absent or empty), each made by `make`
    (keywords `row` and the columns: a service's own row dataclass, so no second copy of a large file is made)."""
    if len(raw) > MAX_ROWS:
        raise BadInput(f"{file}: more than {MAX_ROWS} rows in one import", field="rows")
    rows = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise BadInput(f"{file}: rows[{index}] is not an object of column → value", field="rows")
        number = item.get("row", index + 2)
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise BadInput(f"{file}: rows[{index}].row must be the row's number in the file", field="rows")
        values: dict[str, Any] = {"row": number}
        for column in columns:
            value = item.get(column)
            if isinstance(value, str):
                values[column] = value if value and not value.isspace() else None  # blank is absent
            elif value is None:
                values[column] = None
            elif isinstance(value, int | float) and not isinstance(value, bool):
                values[column] = str(value)
            else:
                raise BadInput(f"{file}: row {number}, column {column} must be text", field="rows")
        rows.append(make(**values))
    return rows
