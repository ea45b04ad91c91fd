"""Per-request DataLoaders: one query per batch of keys."""

from __future__ import annotations

from typing import Any

from strawberry.dataloader import DataLoader

from kernel.context import RequestContext
from services.targets.models import Unit


async def _units_by_code(codes: list[str]) -> list[Unit | None]:
    found = {u.code: u for u in await Unit.filter(code__in=list(set(codes)))}
    return [found.get(code) for code in codes]


def make_loaders(ctx: RequestContext) -> dict[str, Any]:
    return {"unit": DataLoader(load_fn=_units_by_code)}
