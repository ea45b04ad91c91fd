"""Opening a year's assessment: snapshot the agreed top-level targets and the units from targets."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from tortoise.exceptions import IntegrityError

from kernel import upstream
from kernel.audit import audited
from kernel.context import RequestContext
from kernel.errors import AppError, BadInput, NotFound, UpstreamError
from services.assessment import rules
from services.assessment.models import Assessment, Revision, SnapshotTarget, SnapshotUnit, Status

MIN_YEAR, MAX_YEAR = 1990, 2200

SNAPSHOT_QUERY = """
query AssessmentSnapshot($year: Int!) {
  agreedTargets(year: $year) {
    code unitCode kind measure direction agreedValue points assessingDepartment version
  }
  units { code name kind group }
}
"""


class NoTargets(NotFound):
    """The targets service has no agreed target for the year: there is nothing to assess."""


@dataclass(frozen=True)
class Fetched:
    units: list[SnapshotUnit]
    targets: list[SnapshotTarget]


def check_year(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise BadInput(f"year must be between {MIN_YEAR} and {MAX_YEAR}", field="year")
    return year


def _decimal(value: Any, what: str, *, required: bool = True) -> str | None:
    if value is None or str(value).strip() == "":
        if required:
            raise UpstreamError(f"the targets service sent no {what}", upstream="targets")
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise UpstreamError(f"the targets service sent {what} {value!r}, not a number", upstream="targets") from None
    if not number.is_finite():
        raise UpstreamError(f"the targets service sent {what} {value!r}", upstream="targets")
    return str(number)


def _enum(enum: type[StrEnum], value: Any, what: str) -> str:
    try:
        return enum(str(value).upper()).value
    except ValueError:
        raise UpstreamError(f"the targets service sent {what} {value!r}", upstream="targets") from None


def parse_snapshot(year: int, data: dict[str, Any]) -> Fetched:
    """Turn the targets service's answer into snapshot rows; refuse an inconsistent answer."""
    units = [
        SnapshotUnit(year=year, code=str(u["code"]), name=str(u.get("name") or u["code"]),
                     kind=str(u.get("kind") or ""), group=str(u.get("group") or ""))
        for u in data.get("units") or []
    ]
    known = {u.code for u in units}
    targets: list[SnapshotTarget] = []
    seen: set[str] = set()
    for t in data.get("agreedTargets") or []:
        code = str(t["code"])
        if code in seen:
            raise UpstreamError(f"the targets service sent target {code} twice", upstream="targets")
        seen.add(code)
        if str(t["unitCode"]) not in known:
            raise UpstreamError(f"target {code} names unit {t['unitCode']}, which the targets service does "
                                "not list", upstream="targets")
        measure = _enum(rules.Measure, t["measure"], f"measure of {code}")
        targets.append(SnapshotTarget(
            year=year, code=code, unit_code=str(t["unitCode"]),
            kind=_enum(rules.TargetKind, t["kind"], f"kind of {code}"),
            measure=measure,
            direction=_enum(rules.Direction, t.get("direction") or "HIGHER_IS_BETTER", f"direction of {code}"),
            agreed_value=_decimal(t.get("agreedValue"), f"agreed value of {code}",
                                  required=measure == rules.Measure.QUANTITATIVE),
            points=_decimal(t.get("points") or "0", f"points of {code}"),
            assessing_department=str(t.get("assessingDepartment") or ""),
            source_version=int(t.get("version") or 1),
        ))
    return Fetched(units=units, targets=targets)


async def fetch(ctx: RequestContext, year: int) -> Fetched:
    """Ask the targets service (service token, timeouts, retries) for the year's agreed targets and units."""
    if ctx.http is None:
        raise AppError("the service has no HTTP client to reach the targets service")
    data = await upstream.call(ctx.http, ctx.settings, "targets", SNAPSHOT_QUERY, {"year": year},
                               request_id=ctx.request_id)
    return parse_snapshot(year, data)


def source_record(fetched: Fetched) -> dict[str, Any]:
    return {
        "service": "targets",
        "takenAt": datetime.now(UTC).isoformat(timespec="seconds"),
        "units": len(fetched.units),
        "targets": len(fetched.targets),
        "targetVersions": {t.code: t.source_version for t in fetched.targets},
    }


async def ensure_open(ctx: RequestContext, year: int) -> Assessment:
    """The year's assessment, opened from a fresh snapshot of the targets service when it is not yet."""
    check_year(year)
    existing = await Assessment.get_or_none(year=year)
    if existing is not None:
        return existing
    fetched = await fetch(ctx, year)
    if not fetched.targets:
        raise NoTargets(f"the targets service has no agreed target for {year}; import or agree the year's "
                        "targets first", field="year")
    actor = ctx.caller.username if ctx.caller else "anonymous"
    try:
        async with audited(ctx, action="openAssessment", entity="Assessment") as audit:
            audit.entity_id = str(year)
            source = source_record(fetched)
            assessment = await Assessment.create(year=year, status=Status.OPEN, revision=1, opened_by=actor,
                                                 snapshot_source=json.dumps(source, ensure_ascii=False))
            await Revision.create(year=year, number=1, opened_by=actor)
            await SnapshotUnit.bulk_create(fetched.units, batch_size=1000)
            await SnapshotTarget.bulk_create(fetched.targets, batch_size=1000)
            audit.after = {"year": year, "revision": 1, "units": source["units"], "targets": source["targets"],
                           "maxTargetVersion": max(t.source_version for t in fetched.targets)}
    except IntegrityError:
        # Another request opened the year at the same moment; use theirs.
        return await Assessment.get(year=year)
    return assessment
