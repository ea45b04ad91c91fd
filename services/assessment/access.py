"""Who may read what in the assessment service (DESIGN.md §7): the offices read every unit and revision; a unit
reads its own unit's published results; the bulletin is for every business role; the frozen revision is for
the offices that apply it."""

from __future__ import annotations

from kernel.context import RequestContext
from kernel.roles import Role

READERS = tuple(r.value for r in Role if r not in (Role.AUDITOR, Role.SYSADMIN, Role.SECURITY_ADMIN))
OFFICE_READERS = (Role.TARGET_OFFICE, Role.LEADER, Role.SUPERVISION_OFFICE, Role.ORGANIZATION_DEPT)
BULLETIN_READERS = (*OFFICE_READERS, Role.UNIT_OPERATOR, Role.ASSESSOR, Role.EVALUATOR)
PUBLISHED_READERS = (Role.TARGET_OFFICE, Role.ORGANIZATION_DEPT)


def is_office(ctx: RequestContext) -> bool:
    return ctx.caller is not None and ctx.caller.has(*OFFICE_READERS)
