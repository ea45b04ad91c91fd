"""Appeals (申诉, DESIGN.md §4.4) against a unit's result while its revision is on public notice.

A unit's operator, or a leader of that unit, files an appeal with a reason; the target office decides it with
a written reason — accepted (it then corrects the inputs through `openCorrection` and publishes a new
revision, whose notice starts afresh) or rejected. A revision with an appeal filed or accepted on it cannot
become final: `Revision.blocking_appeals` counts them, and is changed in the same transaction as the appeal,
so a finalisation running at the same moment sees it (its conditional update needs the count at 0).
"""

from __future__ import annotations

from tortoise.expressions import F

from kernel import clock
from kernel.audit import audited
from kernel.context import RequestContext
from kernel.errors import Conflict, Forbidden, NotFound
from kernel.ids import record_id
from kernel.roles import Role
from kernel.validation import clean_text
from services.assessment import rules
from services.assessment.decisions import check_pending, record_decision
from services.assessment.models import Appeal, AppealStatus, Assessment, Revision, Status, UnitResult
from services.assessment.snapshot import check_year

FILERS = (Role.UNIT_OPERATOR, Role.LEADER)
MAX_REASON = 2000


async def file(ctx: RequestContext, *, year: int, unit_code: str, reason: str) -> Appeal:
    """File an appeal against the unit's result in the latest revision, while it is on public notice."""
    caller = ctx.require(*FILERS)
    unit_code = (unit_code or "").strip()
    if not caller.is_service and caller.unit != unit_code:
        raise Forbidden(f"an appeal is filed by the unit's own operator or leader; your unit is "
                        f"{caller.unit or 'none'}, not {unit_code or '(empty)'}")
    reason = clean_text(reason, field="reason", limit=MAX_REASON)
    assessment = await Assessment.get_or_none(year=check_year(year))
    if assessment is None or not await Revision.exists(year=year, published_at__isnull=False):
        raise NotFound(f"no result of {year} has been published", field="year")
    if assessment.status != Status.PUBLISHED:
        raise Conflict(f"a correction of {year} (revision {assessment.revision}) is in progress; appeal against it "
                       "once it is published")
    revision = await Revision.get(year=year, number=assessment.revision)
    refusal = rules.appeal_refusal(final=revision.final_at is not None, ends_on=revision.notice_ends_on,
                                   today=clock.today())
    if refusal:
        raise Conflict(f"revision {revision.number} of {year}: {refusal}")
    if not await UnitResult.exists(year=year, revision=revision.number, unit_code=unit_code):
        raise NotFound(f"{unit_code} has no result in revision {revision.number} of {year}", field="unitCode")
    pending = await Appeal.get_or_none(year=year, revision=revision.number, unit_code=unit_code,
                                       status=AppealStatus.FILED)
    if pending is not None:
        raise Conflict(f"appeal #{pending.id} of {unit_code} on revision {revision.number} is not decided yet")
    async with audited(ctx, action="fileAppeal", entity="Appeal") as audit:
        still = await Assessment.filter(year=year, revision=revision.number, status=Status.PUBLISHED).update(
            status=Status.PUBLISHED)
        counted = still and await Revision.filter(id=revision.id, final_at__isnull=True).update(
            blocking_appeals=F("blocking_appeals") + 1)
        if not counted:
            raise Conflict(f"revision {revision.number} of {year} was made final or corrected meanwhile; reload")
        appeal = await Appeal.create(year=year, revision=revision.number, unit_code=unit_code, reason=reason,
                                     status=AppealStatus.FILED, filed_by=caller.username,
                                     filed_role=caller.primary_role)
        audit.entity_id = str(appeal.id)
        audit.after = {"year": year, "revision": revision.number, "unit": unit_code, "reason": reason,
                       "status": AppealStatus.FILED.value}
    return appeal


async def decide(ctx: RequestContext, *, appeal_id: str, version: int, accepted: bool, reason: str) -> Appeal:
    """Accept or reject an appeal, with a written reason (target office)."""
    caller = ctx.require(Role.TARGET_OFFICE)
    reason = clean_text(reason, field="reason", limit=MAX_REASON, label="written reason")
    appeal = await Appeal.get_or_none(id=key) if (key := record_id(appeal_id)) else None
    if appeal is None:
        raise NotFound(f"no appeal {appeal_id}", field="id")
    label = f"appeal #{appeal.id}"
    check_pending(appeal, label=label, pending=AppealStatus.FILED, version=version)
    status = AppealStatus.ACCEPTED if accepted else AppealStatus.REJECTED
    async with audited(ctx, action="decideAppeal", entity="Appeal") as audit:
        audit.entity_id = str(appeal.id)
        await record_decision(Appeal, appeal, label=label, pending=AppealStatus.FILED, version=version,
                              status=status, decided_by=caller.username, decision=reason)
        if not accepted:  # an accepted appeal keeps blocking: it is answered by a corrected revision
            await Revision.filter(year=appeal.year, number=appeal.revision).update(
                blocking_appeals=F("blocking_appeals") - 1)
        audit.before = {"status": AppealStatus.FILED.value, "version": version}
        audit.after = {"status": status.value, "version": version + 1, "unit": appeal.unit_code,
                       "revision": appeal.revision, "reason": reason}
    return await Appeal.get(id=appeal.id)
