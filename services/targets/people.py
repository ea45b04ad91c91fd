"""Staff numbers checked against the personnel service: one `_entities` call for the staff of every unit."""

from __future__ import annotations

from collections.abc import Iterable

from kernel import upstream
from kernel.context import RequestContext
from services.targets.models import Unit

STAFF = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Unit { staff { staffNo } } } }"


async def unknown_staff(ctx: RequestContext, staff_nos: Iterable[str | None]) -> set[str]:
    """The staff numbers among `staff_nos` that personnel does not know."""
    wanted = {s for s in staff_nos if s}
    if not wanted:
        return set()
    assert ctx.http is not None
    codes = await Unit.all().order_by("code").values_list("code", flat=True)
    data = await upstream.call(
        ctx.http, ctx.settings, "personnel", STAFF,
        {"r": [{"__typename": "Unit", "code": code} for code in codes]}, request_id=ctx.request_id,
    )
    found = {p["staffNo"] for unit in data["_entities"] if unit for p in unit.get("staff") or []}
    return wanted - found
