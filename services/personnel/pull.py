"""Incremental pulls for the personnel office: pages ordered by (updated_at, id) behind opaque cursors."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from kernel.errors import BadInput

DEFAULT_PAGE = 100
MAX_PAGE = 1000
T = TypeVar("T")


def encode_cursor(updated_at: datetime, ident: int) -> str:
    stamp = updated_at.astimezone(UTC).isoformat(timespec="microseconds")
    return base64.urlsafe_b64encode(f"{stamp}|{ident}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        stamp, _, ident = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        moment = datetime.fromisoformat(stamp)
        if moment.tzinfo is None:
            raise ValueError("naive")
        return moment.astimezone(UTC), int(ident)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadInput("the cursor is not one this service gave out", field="after") from None


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE
    if first < 0 or first > MAX_PAGE:
        raise BadInput(f"first must be between 0 and {MAX_PAGE}", field="first")
    return first


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    has_next: bool


async def page(query: QuerySet, *, first: int | None, after: str | None,
               updated_since: datetime | None) -> Page:
    """One page of `query` in (updated_at, id) order, after the cursor and from `updated_since` on."""
    size = page_size(first)
    if updated_since is not None:
        since = updated_since if updated_since.tzinfo else updated_since.replace(tzinfo=UTC)
        query = query.filter(updated_at__gte=since)
    if after:
        moment, ident = decode_cursor(after)
        query = query.filter(Q(updated_at__gt=moment) | Q(updated_at=moment, id__gt=ident))
    rows = list(await query.order_by("updated_at", "id").limit(size + 1))
    return Page(rows=rows[:size], has_next=len(rows) > size)
