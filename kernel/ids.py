"""Database ids as GraphQL `ID`s: the one place that turns `"42"` back into a row's key."""

from __future__ import annotations

MAX_ID = 2**31 - 1  # the integer primary keys of every service


def record_id(value: object) -> int | None:
    """The row id a GraphQL `ID` names, or None when it is not one a service gives out (not a whole number in
    range); the caller then answers as for an unknown record."""
    text = str(value)
    if text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_ID:
        return int(text)
    return None
