"""Per-request DataLoaders of the assessment service."""

from __future__ import annotations

from typing import Any

from strawberry.dataloader import DataLoader

from kernel.context import RequestContext
from services.assessment.assessments import results_for_units
from services.assessment.settings import settings_for


def make_loaders(ctx: RequestContext) -> dict[str, Any]:
    async def results(keys: list[tuple[int, str]]) -> list[Any]:
        return await results_for_units(ctx, keys)

    async def settings(years: list[int]) -> list[Any]:
        return [await settings_for(year) for year in years]

    return {"result": DataLoader(load_fn=results), "settings": DataLoader(load_fn=settings)}
