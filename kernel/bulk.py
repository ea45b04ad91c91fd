"""Bulk writes and reads that stay fast at city and province scale: plain rows, no ORM object per row.

`insert_rows` writes tuples already in database form with one prepared statement (SQLite executemany) or a
COPY (PostgreSQL, in the text format: `kernel.copy_text`); `insert_dicts` puts field → value dicts into that
form first, as the ORM would (the model's defaults for what a dict leaves out, `auto_now` times, each value
through its field's conversion and length check); `select_rows` reads plain tuples. All of them run in the
current transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import itertools
import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from tortoise import fields, timezone
from tortoise.exceptions import IntegrityError
from tortoise.fields.data import CharEnumFieldInstance
from tortoise.models import Model

from kernel import copy_text

WRITE_CHUNK = 5000
logger = logging.getLogger(__name__)


def chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def is_postgres(model: type[Model]) -> bool:
    return model._meta.db.capabilities.dialect == "postgres"


def money(model: type[Model]) -> Callable[[Decimal], Any]:
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


async def insert_rows(model: type[Model], names: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """INSERT rows given as tuples of database values, in the order of `names` (the id is the database's). The
    rows may come from a generator: PostgreSQL's COPY sends each slice as soon as it is full, so the server
    stores one slice while the next is being made."""
    source = iter(rows)
    first = next(source, None)
    if first is None:
        return
    rows = itertools.chain((first,), source)
    meta = model._meta
    connection = meta.db
    columns = [column(model, n) for n in names]
    if connection.capabilities.dialect == "postgres":
        from asyncpg.exceptions import IntegrityConstraintViolationError

        formats = copy_text.formatters([meta.fields_map[n] for n in names])
        async with connection.acquire_connection() as raw:
            try:
                if formats is None:
                    await raw.copy_records_to_table(meta.db_table, records=rows, columns=columns)
                else:
                    await raw.copy_to_table(meta.db_table, source=copy_text.stream(rows, formats), columns=columns,
                                            format="text")
            except IntegrityConstraintViolationError as exc:  # as the ORM reports it
                raise IntegrityError(exc) from exc
        return
    marks = ", ".join("?" for _ in columns)
    quoted = ", ".join(f'"{c}"' for c in columns)
    sql = f'INSERT INTO "{meta.db_table}" ({quoted}) VALUES ({marks})'
    while part := list(itertools.islice(rows, WRITE_CHUNK)):
        await connection.execute_many(sql, part)


# Rows an import adds to a table before PostgreSQL is told to count them again (see `refresh_statistics`).
ANALYZE_AFTER_ROWS = 1000


async def refresh_statistics(rows: int, *models: type[Model]) -> None:
    """After an import committed `rows` new rows into these tables, have PostgreSQL count them again (ANALYZE)
    instead of waiting for autovacuum. A statement a connection has run often keeps the plan PostgreSQL made
    for it then: a lookup of 500 staff numbers (`staff_no IN ($1 … $500)`) first run while the table was empty
    keeps a plan that compares each of the 500 with every row, and a people.csv re-imported straight after a
    city's first import (22,000 people) took 28–32 s instead of 4. New statistics make the plans again.
    Nothing to do in SQLite; a failure is logged, never the import's (it has committed)."""
    if rows < ANALYZE_AFTER_ROWS or not models or not is_postgres(models[0]):
        return
    tables = ", ".join(f'"{model._meta.db_table}"' for model in models)
    try:
        await models[0]._meta.db.execute_script(f"ANALYZE {tables}")
    except Exception:  # statistics are an optimisation; the rows are stored
        logger.warning("ANALYZE %s failed after an import", tables, exc_info=True)


def insert_names(model: type[Model]) -> list[str]:
    """Every stored field of the model but a generated id."""
    meta = model._meta
    return [name for name in meta.fields_db_projection
            if not (meta.fields_map[name].pk and meta.fields_map[name].generated)]


def _converter(field: fields.Field) -> Callable[[Any], Any]:
    """The field's conversion to a database value, as the ORM makes it: `to_python_value` when the object is
    made (a decimal is rounded to its places there), `to_db_value` when it is saved. Values the driver takes as
    they are pass straight through (text within its length — the check the ORM's validator makes —, whole
    numbers, booleans); an enum member is converted once and its text kept (the ORM's enum conversion and
    check cost ~2 µs a cell), a Decimal is rounded to the field's places directly."""
    to_python, to_db = field.to_python_value, field.to_db_value

    def convert(value: Any, _instance: None) -> Any:
        return to_db(None if value is None else to_python(value), None)
    kind = type(field)
    enum_type = getattr(field, "enum_type", None)
    if isinstance(field, CharEnumFieldInstance) and isinstance(enum_type, type):
        converted: dict[Any, Any] = {}  # member → its database text, converted as above the first time it comes

        def member(value: Any) -> Any:
            if value.__class__ is not enum_type:
                return convert(value, None)
            known = converted.get(value, converted)
            if known is converted:
                known = converted[value] = convert(value, None)
            return known
        return member
    if kind is fields.DecimalField and not field.validators:
        quant = field.quant  # type: ignore[attr-defined]

        def decimal(value: Any) -> Any:  # Decimal(d).quantize is d.quantize; to_db_value keeps a Decimal as it is
            return value.quantize(quant) if value.__class__ is Decimal else convert(value, None)
        return decimal
    if kind in (fields.CharField, fields.TextField):
        limit = getattr(field, "max_length", None) or 0

        def text(value: Any) -> Any:
            if value is None or (type(value) is str and (not limit or len(value) <= limit)):
                return value
            return convert(value, None)
        return text
    if kind in (fields.IntField, fields.BigIntField, fields.SmallIntField, fields.BooleanField):
        native = bool if kind is fields.BooleanField else int

        def plain(value: Any) -> Any:
            return value if value is None or type(value) is native else convert(value, None)
        return plain
    return lambda value: convert(value, None)


def dict_converter(model: type[Model], names: Sequence[str]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A function turning a field → value dict into the row tuple `insert_rows` takes for `names`; a field the
    dict leaves out takes its default (converted once), `auto_now` fields the time of this call."""
    fields_map = model._meta.fields_map
    now = timezone.now()
    plan = []
    for name in names:
        field = fields_map[name]
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            default = now
        else:
            default = field.default() if callable(field.default) else field.default
        convert = _converter(field)
        plan.append((name, None if default is None else convert(default), convert))
    missing = object()

    def row(values: dict[str, Any]) -> tuple[Any, ...]:
        return tuple([default if (value := values.get(name, missing)) is missing else convert(value)
                      for name, default, convert in plan])
    return row


async def insert_dicts(model: type[Model], rows: Sequence[dict[str, Any]]) -> None:
    """INSERT rows given as field → value dicts; what a dict leaves out takes the field's default."""
    if not rows:
        return
    names = insert_names(model)
    convert = dict_converter(model, names)
    for part in chunks(rows, WRITE_CHUNK):  # converted a slice at a time: no second copy of every row
        await insert_rows(model, names, [convert(row) for row in part])


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


RELEASE_AFTER_ROWS = 20_000
RELEASE_AFTER_BYTES = 10_000_000


def _release() -> None:
    # No gc.collect(): the rows are freed by reference counting as soon as the answer is out, and a full
    # collection walks every object the process holds (0.25 s with the schema and the ORM loaded).
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: its allocator keeps what it keeps
        pass


def release_memory_soon(rows: int, delay: float = 0.5) -> None:
    """After an import of many rows (or an applyResults over many people), hand the memory its request took
    back to the operating system once the answer has gone out (the request's parsed rows are freed by then).
    Without it a province's file leaves the process hundreds of MB larger than it needs to stay: freed blocks
    stay in the C allocator's heap (`malloc_trim` returns them)."""
    if rows < RELEASE_AFTER_ROWS:
        return
    with contextlib.suppress(RuntimeError):
        asyncio.get_running_loop().call_later(delay, _release)


_paused = 0


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector while a request builds a province's rows (hundreds of thousands of
    small objects, none in a cycle): every few thousand allocations it would otherwise walk all of them again —
    2.3 of the 3.4 s it took to read a province's roster. Reference counting still frees everything; the
    collector runs again when the last paused request ends."""
    global _paused
    if _paused == 0 and not gc.isenabled():
        yield  # someone else turned it off: leave it so
        return
    _paused += 1
    gc.disable()
    try:
        yield
    finally:
        _paused -= 1
        if _paused == 0:
            gc.enable()


_frozen = False


# Young objects allowed before the collector's first generation runs (CPython's default is 700). A request's
# objects are freed by reference counting as soon as its answer is out (no reference cycle is left behind:
# tests/kernel/test_request_garbage.py), but what fifty requests in flight hold at once crossed 700 several
# times per request, and each collection walked all of it: 5 % of the targets service's processor time and
# 4.5 % of the gateway's under load; with 5,000, 0.2 % and 0.
YOUNG_GENERATION_THRESHOLD = 5000


def freeze_startup_heap() -> None:
    """Once a service has started (schema built, ORM and database open), move what it holds into the collector's
    permanent generation: those objects live as long as the process, and every full collection walked all of
    them again — most of the processor time of a small import file's request (its rows are allocations enough to
    start one). Done once per process; what is garbage by then is collected first. From then on the first
    generation is collected every YOUNG_GENERATION_THRESHOLD objects instead of every 700."""
    global _frozen
    if _frozen:
        return
    _frozen = True
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, *gc.get_threshold()[1:])


LARGE_BODY = 1_000_000


def _content_length(scope: dict[str, Any]) -> int:
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


class LargeBodies:
    """ASGI middleware of a service: a request with a body over LARGE_BODY bytes — an import file — is read,
    parsed, checked and carried out with the cyclic collector paused (`gc_paused`: parsing a province's
    file makes a million small objects, none in a cycle), and the memory it took is given back once it is
    answered (`release_memory_soon`)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") != "http" or _content_length(scope) < LARGE_BODY:
            await self.app(scope, receive, send)
            return
        try:
            with gc_paused():
                await self.app(scope, receive, send)
        finally:
            if _content_length(scope) >= RELEASE_AFTER_BYTES:
                release_memory_soon(RELEASE_AFTER_ROWS)
