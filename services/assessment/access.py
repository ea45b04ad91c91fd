"""Who may read what in the assessment service (DESIGN.md §7): the offices read every unit and revision; a unit
reads its own unit's published results; the bulletin is for every business role; the frozen revision is for
the offices that apply it."""

from __future__ import annotations

from kernel.context import RequestContext
from kernel.errors import Forbidden
from kernel.roles import Role

READERS = tuple(r.value for r in Role if r not in (Role.AUDITOR, Role.SYSADMIN, Role.SECURITY_ADMIN))
OFFICE_READERS = (Role.TARGET_OFFICE, Role.LEADER, Role.SUPERVISION_OFFICE, Role.ORGANIZATION_DEPT)
BULLETIN_READERS = (*OFFICE_READERS, Role.UNIT_OPERATOR, Role.ASSESSOR, Role.EVALUATOR)
PUBLISHED_READERS = (Role.TARGET_OFFICE, Role.ORGANIZATION_DEPT)
RESULT_READERS = (*OFFICE_READERS, Role.UNIT_OPERATOR)  # the assessment, its results, adjustment items, appeals
TARGET_READERS = (*OFFICE_READERS, Role.ASSESSOR, Role.EVALUATOR)
SOURCE_READERS = (*OFFICE_READERS, Role.EVALUATOR)


def is_office(ctx: RequestContext) -> bool:
    return ctx.caller is not None and ctx.caller.has(*OFFICE_READERS)


def own_unit(ctx: RequestContext) -> str | None:
    """The one unit whose results, items and appeals the caller reads; None for the offices (every unit)."""
    if is_office(ctx):
        return None
    return (ctx.caller.unit if ctx.caller is not None else None) or ""


def require_unit_reader(ctx: RequestContext, unit_code: str) -> None:
    """An office reads any unit's result; a unit operator its own unit's only."""
    caller = ctx.require(*RESULT_READERS)
    if not is_office(ctx) and caller.unit != unit_code:
        raise Forbidden(f"a unit operator sees only its own unit's result ({caller.unit or 'none'})")


def reads_every_target(ctx: RequestContext) -> bool:
    """The offices and the evaluators read every target; an assessor only those its department assesses."""
    return ctx.caller is not None and ctx.caller.has(*OFFICE_READERS, Role.EVALUATOR)
