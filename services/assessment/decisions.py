"""A decision on a pending row — an adjustment item proposed, an appeal filed: refused unless the row is still
pending at the version the decider saw, and recorded by one conditional update, so two deciders at once cannot
both succeed."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from tortoise.expressions import F
from tortoise.models import Model

from kernel.errors import Conflict


class Pending(Protocol):
    id: int
    status: Any
    version: int


def check_pending(row: Pending, *, label: str, pending: StrEnum, version: int) -> None:
    """CONFLICT when `row` was decided already or changed since the decider read it at `version`."""
    if row.status != pending:
        raise Conflict(f"{label} is already {row.status.value.lower()}")
    if row.version != version:
        raise Conflict(f"{label} changed meanwhile (version {row.version}, not {version}); reload")


async def record_decision(model: type[Model], row: Pending, *, label: str, pending: StrEnum, version: int,
                          status: StrEnum, decided_by: str, **note: Any) -> None:
    """Inside the writing transaction: the decision, who took it and when, and the next version; CONFLICT when
    another decision came first."""
    changed = await model.filter(id=row.id, version=version, status=pending).update(
        status=status, decided_by=decided_by, decided_at=datetime.now(UTC), version=F("version") + 1, **note)
    if not changed:
        raise Conflict(f"{label} was decided meanwhile; reload")
