"""Optimistic locking: the one refusal for a change to a row someone else changed since the caller read it."""

from __future__ import annotations

from typing import Protocol

from kernel.errors import Conflict


class Versioned(Protocol):
    version: int


def check_version(row: Versioned, version: int, what: str) -> None:
    """CONFLICT (with the row's current version) unless `row` is still at the `version` the caller saw."""
    if row.version != version:
        raise Conflict(f"{what} was changed by someone else (you saw version {version}, it is now {row.version}); "
                       "reload and try again", field="version", currentVersion=row.version)
