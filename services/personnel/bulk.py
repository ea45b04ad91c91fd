"""Bulk updates for the personnel service (the inserts and plain reads are kernel/bulk.py's)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from tortoise.models import Model

from kernel.bulk import (  # noqa: F401  (the personnel modules take them from here)
    WRITE_CHUNK,
    db_value,
    decimal,
    insert_dicts,
    insert_rows,
    money,
    refresh_statistics,
    select_rows,
)

CHUNK = 500


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


async def bulk_update(model: type[Model], rows: list[dict[str, Any]], names: Sequence[str]) -> None:
    """UPDATE … WHERE id = ? for many rows with one prepared statement (executemany), in the current transaction."""
    if not rows:
        return
    meta = model._meta
    connection = meta.db
    fields_map = meta.fields_map
    postgres = connection.capabilities.dialect == "postgres"
    sets = ", ".join(f'"{fields_map[n].source_field or n}" = {f"${i + 1}" if postgres else "?"}'
                     for i, n in enumerate(names))
    where = f"${len(names) + 1}" if postgres else "?"
    sql = f'UPDATE "{meta.db_table}" SET {sets} WHERE "id" = {where}'
    values = [[fields_map[n].to_db_value(row[n], None) for n in names] + [row["id"]] for row in rows]
    for part in chunks(values, WRITE_CHUNK):
        await connection.execute_many(sql, list(part))
