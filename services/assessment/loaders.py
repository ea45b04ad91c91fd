"""Per-request DataLoaders of the assessment service."""

from __future__ import annotations

from typing import Any

from strawberry.dataloader import DataLoader

from kernel.context import RequestContext
from services.assessment import repository


def make_loaders(ctx: RequestContext) -> dict[str, Any]:
    async def results(keys: list[tuple[int, str]]) -> list[Any]:
        return await repository.results_for_units(ctx, keys)

    async def settings(years: list[int]) -> list[Any]:
        return [await repository.readable_settings(ctx, year) for year in years]

    return {"result": DataLoader(load_fn=results), "settings": DataLoader(load_fn=settings)}
