"""Per-request DataLoaders of the personnel service."""

from __future__ import annotations

from typing import Any

from strawberry.dataloader import DataLoader

from kernel.context import RequestContext
from services.personnel.models import Person
from services.personnel.service import staff_of_units


async def _people_by_staff_no(staff_nos: list[str]) -> list[Person | None]:
    found = {p.staff_no: p for p in await Person.filter(staff_no__in=list(set(staff_nos)))}
    return [found.get(s) for s in staff_nos]


def make_loaders(ctx: RequestContext) -> dict[str, Any]:
    return {
        "person": DataLoader(load_fn=_people_by_staff_no),
        "staff": DataLoader(load_fn=staff_of_units),
    }
