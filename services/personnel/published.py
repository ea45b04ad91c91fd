"""The published assessment revision, read from the assessment service (the only upstream read of apply).

The revision carries what personnel needs from §4.2–4.4: whether it is final (public notice over), the one-time
award settings frozen with it, and each unit's adjustment items. An assessment service that predates public
notice publishes only final revisions with no awards and no adjustment items; personnel asks it the fields it
has (one look at its schema) and reads the revision so, which lets the two services be upgraded one at a time.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from kernel import upstream
from kernel.context import RequestContext
from kernel.errors import Conflict, UpstreamError

GRADES = frozenset({"ADVANCED", "QUALIFIED", "UNQUALIFIED", "LAST_PLACE"})

NOTICE_FIELDS = ("final", "noticeEndsAt", "advancedUnitAward", "advancedLeaderAward")
QUERY = """
query PublishedRevision($year: Int!) {
  publishedRevision(year: $year) {
    year revision publishedAt reason final noticeEndsAt advancedUnitAward advancedLeaderAward
    results { unitCode unitName unitGroup grade compositeScore rank qualified
              adjustmentPoints adjustments { points category reason } }
  }
}
"""
BEFORE_NOTICE_QUERY = """
query PublishedRevision($year: Int!) {
  publishedRevision(year: $year) {
    year revision publishedAt reason
    results { unitCode unitName unitGroup grade compositeScore rank qualified }
  }
}
"""
FIELDS_QUERY = '{ __type(name: "PublishedRevision") { fields { name } } }'


@dataclass(frozen=True)
class Adjustment:
    """One approved 加减分 item of a unit, as published."""

    points: Decimal
    category: str
    reason: str

    def as_json(self) -> dict[str, str]:
        return {"points": str(self.points), "category": self.category, "reason": self.reason}


@dataclass(frozen=True)
class UnitOutcome:
    unit_code: str
    unit_name: str
    unit_group: str
    grade: str
    composite_score: Decimal | None
    rank: int | None
    qualified: bool
    adjustment_points: Decimal = Decimal("0.00")
    adjustments: tuple[Adjustment, ...] = ()

    def as_json(self) -> dict[str, Any]:
        found = {
            "unitCode": self.unit_code, "unitName": self.unit_name, "unitGroup": self.unit_group,
            "grade": self.grade, "qualified": self.qualified, "rank": self.rank,
            "compositeScore": None if self.composite_score is None else str(self.composite_score),
        }
        if self.adjustment_points or self.adjustments:  # absent when zero: earlier snapshots keep their digest
            found["adjustmentPoints"] = str(self.adjustment_points)
            found["adjustments"] = [a.as_json() for a in self.adjustments]
        return found


@dataclass(frozen=True)
class PublishedRevision:
    year: int
    revision: int
    published_at: str
    reason: str
    results: tuple[UnitOutcome, ...]
    final: bool = True
    notice_ends_at: date | None = None
    advanced_unit_award: Decimal = Decimal("0.00")
    advanced_leader_award: Decimal = Decimal("0.00")

    @property
    def digest(self) -> str:
        """A fingerprint of the results and awards, so a revision number reused for other content is noticed
        (a revision without awards has the fingerprint of its results alone, as before awards existed)."""
        content: Any = [r.as_json() for r in sorted(self.results, key=lambda r: r.unit_code)]
        if self.advanced_unit_award or self.advanced_leader_award:
            content = {"results": content, "advancedUnitAward": str(self.advanced_unit_award),
                       "advancedLeaderAward": str(self.advanced_leader_award)}
        canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def by_unit(self) -> dict[str, UnitOutcome]:
        return {r.unit_code: r for r in self.results}

    def require_final(self) -> None:
        """applyResults takes only a final revision (§4.4): one on public notice is refused with CONFLICT."""
        if self.final:
            return
        until = f" until {self.notice_ends_at.isoformat()}" if self.notice_ends_at else ""
        raise Conflict(f"revision {self.revision} of {self.year} is on public notice (公示){until} and must be "
                       "finalised (finalizeAssessment) before it is applied", field="year",
                       noticeEndsAt=self.notice_ends_at.isoformat() if self.notice_ends_at else None)


def _decimal(value: Any, what: str = "a score") -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise UpstreamError(f"the assessment service sent {what} that is not a number: {value!r}") from None
    if not number.is_finite():
        raise UpstreamError(f"the assessment service sent {what} that is not a number: {value!r}")
    return number


def _amount(value: Any, what: str) -> Decimal:
    number = _decimal(value, what)
    if number is None:
        return Decimal("0.00")
    if number < 0:
        raise UpstreamError(f"the assessment service sent a negative {what}: {value!r}")
    return number


def _day(value: Any) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise UpstreamError(f"the assessment service sent a notice end that is not a date: {value!r}") from None


def _adjustments(item: dict[str, Any]) -> tuple[Decimal, tuple[Adjustment, ...]]:
    points = _decimal(item.get("adjustmentPoints"), "adjustment points") or Decimal("0.00")
    found = tuple(Adjustment(points=_decimal(a.get("points"), "adjustment points") or Decimal(0),
                             category=str(a.get("category") or ""), reason=str(a.get("reason") or ""))
                  for a in item.get("adjustments") or [])
    return points, found


def parse(payload: dict[str, Any] | None) -> PublishedRevision | None:
    """The revision from the `publishedRevision` answer (None when nothing is published)."""
    if payload is None:
        return None
    results = []
    for item in payload.get("results") or []:
        grade = str(item.get("grade") or "").upper()
        if grade not in GRADES:
            raise UpstreamError(f"the assessment service sent an unknown grade {grade!r}")
        code = str(item.get("unitCode") or "").strip()
        if not code:
            raise UpstreamError("the assessment service sent a result without a unit code")
        rank = item.get("rank")
        points, adjustments = _adjustments(item)
        results.append(UnitOutcome(
            unit_code=code, unit_name=str(item.get("unitName") or ""), unit_group=str(item.get("unitGroup") or ""),
            grade=grade, composite_score=_decimal(item.get("compositeScore")),
            rank=int(rank) if rank is not None else None, qualified=bool(item.get("qualified")),
            adjustment_points=points, adjustments=adjustments,
        ))
    codes = [r.unit_code for r in results]
    if len(codes) != len(set(codes)):
        raise UpstreamError("the assessment service sent a unit twice in one revision")
    return PublishedRevision(
        year=int(payload["year"]), revision=int(payload["revision"]),
        published_at=str(payload.get("publishedAt") or ""), reason=str(payload.get("reason") or ""),
        results=tuple(results), final=bool(payload.get("final", True)),
        notice_ends_at=_day(payload.get("noticeEndsAt")),
        advanced_unit_award=_amount(payload.get("advancedUnitAward"), "unit award"),
        advanced_leader_award=_amount(payload.get("advancedLeaderAward"), "leader award"),
    )


async def fetch(ctx: RequestContext, year: int) -> PublishedRevision | None:
    """The year's published revision from the assessment service, or None when none is published."""
    assert ctx.http is not None
    offered = await upstream.call(ctx.http, ctx.settings, "assessment", FIELDS_QUERY, request_id=ctx.request_id)
    names = {f["name"] for f in ((offered.get("__type") or {}).get("fields") or [])}
    query = QUERY if set(NOTICE_FIELDS) <= names else BEFORE_NOTICE_QUERY
    data = await upstream.call(ctx.http, ctx.settings, "assessment", query, {"year": year},
                               request_id=ctx.request_id)
    return parse(data.get("publishedRevision"))
