"""Staff numbers checked against the personnel service: the responsible leader and the assignee of a target are
members of staff of the target's unit. One `_entities` call asks personnel for the unit of every number given."""

from __future__ import annotations

from collections.abc import Iterable

from kernel import upstream
from kernel.context import RequestContext
from kernel.errors import BadInput

LOOKUP_SLICE = 5000
UNITS_OF = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { staffNo unit { code } } } }"


async def units_of(ctx: RequestContext, staff_nos: Iterable[str | None]) -> dict[str, str]:
    """The current unit of each staff number personnel knows among `staff_nos` (unknown ones are left out).

    Asked in slices of LOOKUP_SLICE numbers: a province's targets.csv names ~80,000 people, which in one call
    kept the personnel service busy past the upstream timeout and held every answer object at once."""
    wanted = sorted({s for s in staff_nos if s})
    found: dict[str, str] = {}
    for start in range(0, len(wanted), LOOKUP_SLICE):
        assert ctx.http is not None
        data = await upstream.call(
            ctx.http, ctx.settings, "personnel", UNITS_OF,
            {"r": [{"__typename": "Person", "staffNo": staff_no} for staff_no in wanted[start:start + LOOKUP_SLICE]]},
            request_id=ctx.request_id,
        )
        found.update((p["staffNo"], p["unit"]["code"]) for p in data["_entities"] if p)
    return found


def not_of_unit(staff_no: str, unit_code: str, field: str) -> BadInput:
    """The one answer for a number that is nobody's and for a person of another unit: a caller learns nothing
    about the staff of other units from it."""
    return BadInput(f"unit {unit_code} has no member of staff {staff_no}", field=field)


async def check_staff_of_unit(ctx: RequestContext, unit_code: str, people: Iterable[tuple[str, str | None]]) -> None:
    """Raise BAD_USER_INPUT for the first (field, staff number) whose person is not staff of `unit_code`."""
    given = [(field, staff_no) for field, staff_no in people if staff_no]
    units = await units_of(ctx, (staff_no for _field, staff_no in given))
    for field, staff_no in given:
        if units.get(staff_no) != unit_code:
            raise not_of_unit(staff_no, unit_code, field)
