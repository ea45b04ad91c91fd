"""Per-request DataLoaders of the personnel service."""

from __future__ import annotations

from typing import Any

from strawberry.dataloader import DataLoader
from tortoise.models import Model

from kernel.context import RequestContext
from kernel.ids import record_id
from services.personnel.models import FilingRecord, LeaderAdjustment, Person, RewardLine
from services.personnel.roster import staff_of_units, unit_histories


async def _people_by_staff_no(staff_nos: list[str]) -> list[Person | None]:
    found: dict[str, Person] = {}
    unique = list(set(staff_nos))
    for start in range(0, len(unique), 500):
        for person in await Person.filter(staff_no__in=unique[start:start + 500]):
            found[person.staff_no] = person
    return [found.get(s) for s in staff_nos]


def _by_id(model: type[Model]) -> DataLoader:
    async def load(ids: list[str]) -> list[Any]:
        numbers = {key for i in ids if (key := record_id(i))}
        found = {str(row.id): row for row in await model.filter(id__in=list(numbers))} if numbers else {}
        return [found.get(i) for i in ids]
    return DataLoader(load_fn=load)


def make_loaders(ctx: RequestContext) -> dict[str, Any]:
    return {
        "person": DataLoader(load_fn=_people_by_staff_no),
        "staff": DataLoader(load_fn=staff_of_units),
        "history": DataLoader(load_fn=unit_histories),
        "reward_line": _by_id(RewardLine),
        "filing_record": _by_id(FilingRecord),
        "leader_adjustment": _by_id(LeaderAdjustment),
    }
