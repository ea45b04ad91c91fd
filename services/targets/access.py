"""Who may read and write what in the targets service (DESIGN.md §7)."""

from __future__ import annotations

from kernel.auth import Caller
from kernel.context import RequestContext
from kernel.errors import Forbidden
from kernel.roles import Role

# Roles that see every unit's targets, letters and progress; UNIT_OPERATOR sees its own unit only.
READ_ALL = (Role.TARGET_OFFICE, Role.LEADER, Role.ASSESSOR, Role.EVALUATOR, Role.SUPERVISION_OFFICE,
            Role.ORGANIZATION_DEPT)
WRITE_ALL = (Role.TARGET_OFFICE,)


def require_reader(ctx: RequestContext) -> Caller:
    """Anyone who reads targets at all: the office roles, or a unit operator (for its own unit)."""
    return ctx.require(*READ_ALL, Role.UNIT_OPERATOR)


def require_read_unit(ctx: RequestContext, unit_code: str) -> Caller:
    caller = require_reader(ctx)
    if caller.has(*READ_ALL) or caller.unit == unit_code:
        return caller
    raise Forbidden(f"you may only read your own unit's targets ({caller.unit or 'none'})")


def require_write_unit(ctx: RequestContext, unit_code: str) -> Caller:
    """The target office, or a unit operator of `unit_code`."""
    caller = ctx.require(*WRITE_ALL, Role.UNIT_OPERATOR)
    if caller.has(*WRITE_ALL):
        return caller
    if caller.unit == unit_code:
        return caller
    raise Forbidden(f"you may only change your own unit's targets ({caller.unit or 'none'})")


def readable_unit_filter(ctx: RequestContext, unit_code: str | None) -> str | None:
    """The unit a list query is limited to: the caller's own for a unit operator, else `unit_code` (the
    `repository.readable_*` scopes apply it to their queries)."""
    caller = require_reader(ctx)
    if caller.has(*READ_ALL):
        return unit_code
    if unit_code is not None and unit_code != caller.unit:
        raise Forbidden(f"you may only read your own unit's targets ({caller.unit or 'none'})")
    return caller.unit
