"""Bulk reads and writes that stay fast at city and province scale: plain rows, no ORM object per row.

`insert_rows` writes tuples already in database form with one prepared statement (SQLite executemany) or a
COPY (PostgreSQL); `insert_dicts` puts a few hundred dicts into that form first (the model's defaults for what
a dict leaves out, each value through its field's `to_db_value`, as the ORM would); `bulk_update` changes many
rows by id with one prepared statement; `select_rows` reads plain tuples. All of them run in the current
transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from tortoise.models import Model

CHUNK = 500
WRITE_CHUNK = 5000


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def is_postgres(model: type[Model]) -> bool:
    return model._meta.db.capabilities.dialect == "postgres"


def money(model: type[Model]) -> Any:
    """How a DecimalField value already rounded to its places goes to the database: text in SQLite (where
    the ORM stores decimals as text; the same as its adapter writes), the Decimal itself for PostgreSQL."""
    return (lambda value: value) if is_postgres(model) else str


def column(model: type[Model], name: str) -> str:
    return model._meta.fields_map[name].source_field or name


def db_value(model: type[Model], name: str, value: Any) -> Any:
    """One value as the driver receives it, for a value written to many rows (converted once, not per row):
    the field's `to_db_value`, then in SQLite the adapter the ORM registered for its type (datetimes → text)."""
    value = model._meta.fields_map[name].to_db_value(value, None)
    if not is_postgres(model):
        adapt = sqlite3.adapters.get((type(value), sqlite3.PrepareProtocol))
        if adapt is not None:
            value = adapt(value)
    return value


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


async def insert_rows(model: type[Model], names: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """INSERT rows given as tuples of database values, in the order of `names` (the id is the database's)."""
    if not rows:
        return
    meta = model._meta
    connection = meta.db
    columns = [column(model, n) for n in names]
    if connection.capabilities.dialect == "postgres":
        async with connection.acquire_connection() as raw:
            await raw.copy_records_to_table(meta.db_table, records=rows, columns=columns)
        return
    marks = ", ".join("?" for _ in columns)
    quoted = ", ".join(f'"{c}"' for c in columns)
    sql = f'INSERT INTO "{meta.db_table}" ({quoted}) VALUES ({marks})'
    for part in chunks(rows, WRITE_CHUNK):
        await connection.execute_many(sql, list(part))


def _insert_names(model: type[Model]) -> list[str]:
    meta = model._meta
    return [name for name in meta.fields_db_projection
            if not (meta.fields_map[name].pk and meta.fields_map[name].generated)]


async def insert_dicts(model: type[Model], rows: list[dict[str, Any]]) -> None:
    """INSERT rows given as field → value dicts; what a dict leaves out takes the field's default."""
    if not rows:
        return
    fields_map = model._meta.fields_map
    names = _insert_names(model)
    defaults = {}
    for name in names:
        default = fields_map[name].default
        defaults[name] = default() if callable(default) else default
    converters = [fields_map[name].to_db_value for name in names]
    tuples = [tuple(convert(row.get(name, defaults[name]), None) for name, convert in zip(names, converters,
                                                                                          strict=True))
              for row in rows]
    await insert_rows(model, names, tuples)


async def select_rows(model: type[Model], names: Sequence[str], where: str, *params: Any) -> list[tuple[Any, ...]]:
    """SELECT the named fields as plain tuples; `where` uses {} for each parameter (e.g. "year = {}")."""
    meta = model._meta
    connection = meta.db
    postgres = connection.capabilities.dialect == "postgres"
    marks = [f"${i + 1}" if postgres else "?" for i in range(len(params))]
    quoted = ", ".join(f'"{column(model, n)}"' for n in names)
    sql = f'SELECT {quoted} FROM "{meta.db_table}" WHERE {where.format(*marks)}'
    _, rows = await connection.execute_query(sql, list(params))
    return [tuple(row) for row in rows]


def decimal(value: Any) -> Decimal:
    """A decimal column read as a plain value (text in SQLite, Decimal in PostgreSQL) as a Decimal."""
    return value if isinstance(value, Decimal) else Decimal(str(value))
