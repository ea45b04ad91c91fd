"""The published assessment revision, read from the assessment service (the only upstream read of apply)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from kernel import upstream
from kernel.context import RequestContext
from kernel.errors import UpstreamError

GRADES = frozenset({"ADVANCED", "QUALIFIED", "UNQUALIFIED", "LAST_PLACE"})

QUERY = """
query PublishedRevision($year: Int!) {
  publishedRevision(year: $year) {
    year revision publishedAt reason
    results { unitCode unitName unitGroup grade compositeScore rank qualified }
  }
}
"""


@dataclass(frozen=True)
class UnitOutcome:
    unit_code: str
    unit_name: str
    unit_group: str
    grade: str
    composite_score: Decimal | None
    rank: int | None
    qualified: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "unitCode": self.unit_code, "unitName": self.unit_name, "unitGroup": self.unit_group,
            "grade": self.grade, "qualified": self.qualified, "rank": self.rank,
            "compositeScore": None if self.composite_score is None else str(self.composite_score),
        }


@dataclass(frozen=True)
class PublishedRevision:
    year: int
    revision: int
    published_at: str
    reason: str
    results: tuple[UnitOutcome, ...]

    @property
    def digest(self) -> str:
        """A fingerprint of the results, so a revision number reused for other content is noticed."""
        canonical = json.dumps([r.as_json() for r in sorted(self.results, key=lambda r: r.unit_code)],
                               ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def by_unit(self) -> dict[str, UnitOutcome]:
        return {r.unit_code: r for r in self.results}


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise UpstreamError(f"the assessment service sent a score that is not a number: {value!r}") from None
    if not number.is_finite():
        raise UpstreamError(f"the assessment service sent a score that is not a number: {value!r}")
    return number


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
        results.append(UnitOutcome(
            unit_code=code, unit_name=str(item.get("unitName") or ""), unit_group=str(item.get("unitGroup") or ""),
            grade=grade, composite_score=_decimal(item.get("compositeScore")),
            rank=int(rank) if rank is not None else None, qualified=bool(item.get("qualified")),
        ))
    codes = [r.unit_code for r in results]
    if len(codes) != len(set(codes)):
        raise UpstreamError("the assessment service sent a unit twice in one revision")
    return PublishedRevision(
        year=int(payload["year"]), revision=int(payload["revision"]),
        published_at=str(payload.get("publishedAt") or ""), reason=str(payload.get("reason") or ""),
        results=tuple(results),
    )


async def fetch(ctx: RequestContext, year: int) -> PublishedRevision | None:
    """The year's published revision from the assessment service, or None when none is published."""
    assert ctx.http is not None
    data = await upstream.call(ctx.http, ctx.settings, "assessment", QUERY, {"year": year},
                               request_id=ctx.request_id)
    return parse(data.get("publishedRevision"))
