"""Per-request DataLoaders: one query per batch of keys."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from strawberry.dataloader import DataLoader

from kernel.context import RequestContext
from services.targets import catalog, letters, negotiation, progress
from services.targets.models import AssessmentYear, Target, Unit


async def _units_by_code(codes: list[str]) -> list[Unit | None]:
    found = {u.code: u for u in await Unit.filter(code__in=list(set(codes)))}
    return [found.get(code) for code in codes]


async def _years(years: list[int]) -> list[AssessmentYear | None]:
    found = {y.year: y for y in await AssessmentYear.filter(year__in=list(set(years)))}
    return [found.get(year) for year in years]


async def _targets_by_id(ids: list[int]) -> list[Target | None]:
    found = {t.id: t for t in await Target.filter(id__in=list(set(ids)))}
    return [found.get(i) for i in ids]


async def _children(keys: list[tuple[int, str]]) -> list[list[Target]]:
    """Children of (year, parent code) pairs, one query per distinct year."""
    by_year: dict[int, set[str]] = defaultdict(set)
    for year, code in keys:
        by_year[year].add(code)
    grouped: dict[tuple[int, str], list[Target]] = defaultdict(list)
    for year, codes in by_year.items():
        for t in await Target.filter(year=year, parent_code__in=sorted(codes)).order_by("code"):
            grouped[(year, t.parent_code or "")].append(t)
    return [grouped[key] for key in keys]


def make_loaders(ctx: RequestContext) -> dict[str, Any]:
    return {
        "unit": DataLoader(load_fn=_units_by_code),
        "year": DataLoader(load_fn=_years),
        "target": DataLoader(load_fn=_targets_by_id),
        "children": DataLoader(load_fn=_children),
        "tree": DataLoader(load_fn=catalog.unit_year_trees),
        "rounds": DataLoader(load_fn=negotiation.rounds_of),
        "reports": DataLoader(load_fn=progress.reports_of),
        "progress": DataLoader(load_fn=progress.unit_progress),
        "letter_targets": DataLoader(load_fn=letters.targets_of_letters),
    }
