"""Rows of database values as PostgreSQL's text COPY stream (`COPY … FROM STDIN`, FORMAT text).

asyncpg's `copy_records_to_table` sends the binary format, and encodes each numeric from its Decimal digit by
digit: 16,000 reward lines of six amounts each took ~330 ms of the personnel service's processor time on a slow
2-core machine. In the text format an amount is `str(Decimal)` (the same digits; the server's numeric input reads
them exactly): the same rows cost ~90 ms. Every value keeps its meaning: text is escaped as the format requires,
a time is sent in UTC as asyncpg would convert it, NULL is `\\N`.

A column whose field has no text form here (binary, UUID, time, interval, float) makes `formatters` answer None,
and the caller sends those rows in the binary format as before.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from tortoise import fields

NULL = "\\N"
CHUNK_ROWS = 2000  # rows per CopyData message: the server stores one chunk while the next is being made
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

Formatter = Callable[[Any], str]


def text(value: Any) -> str:
    value = value if type(value) is str else str(value)
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_ESCAPES)
    return value


def integer(value: Any) -> str:
    return str(int(value))


def boolean(value: Any) -> str:
    return "t" if value else "f"


def number(value: Any) -> str:
    """A Decimal (or a whole number) as its digits; anything else is escaped as text, so no value can end a
    line or a column early whatever a caller passes (the server then refuses what is not a number)."""
    return str(value) if isinstance(value, Decimal | int) else text(value)


def day(value: date) -> str:
    return value.isoformat()


def moment() -> Formatter:
    """A timestamptz as asyncpg sends it (`astimezone(UTC)`: a naive time is read as the machine's local time);
    the last one is remembered, since a bulk write stamps every row with the same time."""
    last: list[Any] = [None, ""]

    def format_moment(value: datetime) -> str:
        if value is not last[0]:
            last[0], last[1] = value, value.astimezone(UTC).isoformat()
        return last[1]
    return format_moment


def _formatter(field: fields.Field) -> Formatter | None:
    if isinstance(field, fields.BooleanField):
        return boolean
    if isinstance(field, fields.IntField | fields.BigIntField | fields.SmallIntField):
        return integer
    if isinstance(field, fields.DecimalField):
        return number
    if isinstance(field, fields.DatetimeField):
        return moment()
    if isinstance(field, fields.DateField):
        return day
    if isinstance(field, fields.CharField | fields.TextField | fields.JSONField):
        return text
    return None


def formatters(field_list: Sequence[fields.Field]) -> list[Formatter] | None:
    """Each column's text form, or None when one of them has none here."""
    found = [_formatter(field) for field in field_list]
    return None if any(f is None for f in found) else found  # type: ignore[misc]


def lines(rows: Iterable[tuple[Any, ...]], formats: Sequence[Formatter]) -> Iterable[bytes]:
    """The rows as text COPY data, CHUNK_ROWS lines at a time."""
    pending: list[str] = []
    for row in rows:
        pending.append("\t".join([NULL if value is None else f(value) for f, value in zip(formats, row, strict=True)]))
        if len(pending) >= CHUNK_ROWS:
            pending.append("")
            yield "\n".join(pending).encode()
            pending = []
    if pending:
        pending.append("")
        yield "\n".join(pending).encode()


async def stream(rows: Iterable[tuple[Any, ...]], formats: Sequence[Formatter]) -> AsyncIterator[bytes]:
    """`lines` as the asynchronous source asyncpg's `copy_to_table` reads."""
    for chunk in lines(rows, formats):
        yield chunk
