"""Per-request DataLoaders of the personnel service: batches of the caller's readable rows (repository)."""

from __future__ import annotations

from functools import partial
from typing import Any

from strawberry.dataloader import DataLoader

from kernel.context import RequestContext
from services.personnel import repository


def make_loaders(ctx: RequestContext) -> dict[str, Any]:
    def by_id(readable: Any) -> DataLoader:
        return DataLoader(load_fn=lambda ids: repository.by_ids(readable(ctx), ids))

    return {
        "person": DataLoader(load_fn=partial(repository.people_by_staff_no, ctx)),
        "staff": DataLoader(load_fn=partial(repository.staff_of_units, ctx)),
        "history": DataLoader(load_fn=partial(repository.unit_histories, ctx)),
        "reward_line": by_id(repository.readable_reward_lines),
        "filing_record": by_id(repository.readable_filing_records),
        "leader_adjustment": by_id(repository.readable_leader_adjustments),
    }
