"""Per-request DataLoaders: one query per batch of keys (the queries are in `repository`)."""

from __future__ import annotations

from typing import Any

from strawberry.dataloader import DataLoader

from kernel.context import RequestContext
from services.targets import progress, repository


def make_loaders(ctx: RequestContext) -> dict[str, Any]:
    return {
        "unit": DataLoader(load_fn=repository.units_by_code),
        "year": DataLoader(load_fn=repository.years),
        "target": DataLoader(load_fn=repository.targets_by_id),
        "children": DataLoader(load_fn=repository.children),
        "tree": DataLoader(load_fn=repository.unit_year_trees),
        "rounds": DataLoader(load_fn=repository.rounds_of),
        "reports": DataLoader(load_fn=repository.reports_of),
        "progress": DataLoader(load_fn=progress.unit_progress),
        "letter_targets": DataLoader(load_fn=repository.targets_of_letters),
    }
