"""The targets service's rules as pure functions over plain data: no ORM, no I/O (docs/targets.md)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from services.targets.models import Direction, TargetStatus, YearStatus

YEAR_FLOW: tuple[YearStatus, ...] = (
    YearStatus.PLANNING, YearStatus.NEGOTIATING, YearStatus.SIGNED, YearStatus.EXECUTING, YearStatus.CLOSED,
)

# Which target statuses each negotiation step may start from, and where it leads.
TARGET_MOVES: dict[str, tuple[frozenset[TargetStatus], TargetStatus]] = {
    "propose": (frozenset({TargetStatus.DRAFT, TargetStatus.PROPOSED, TargetStatus.NEGOTIATING}),
                TargetStatus.PROPOSED),
    "accept": (frozenset({TargetStatus.PROPOSED}), TargetStatus.PROPOSED),
    "counter": (frozenset({TargetStatus.PROPOSED, TargetStatus.NEGOTIATING}), TargetStatus.NEGOTIATING),
    "agree": (frozenset({TargetStatus.PROPOSED, TargetStatus.NEGOTIATING}), TargetStatus.AGREED),
    "sign": (frozenset({TargetStatus.AGREED, TargetStatus.SIGNED}), TargetStatus.SIGNED),
}
BASE_POINTS_TOTAL = Decimal(100)


def year_transition_allowed(current: YearStatus, wanted: YearStatus) -> bool:
    """A year moves one step forward at a time: PLANNING → NEGOTIATING → SIGNED → EXECUTING → CLOSED."""
    return YEAR_FLOW.index(wanted) == YEAR_FLOW.index(current) + 1


def target_move(current: TargetStatus, move: str) -> TargetStatus | None:
    """The status after `move` (propose, accept, counter, agree, sign), or None when it is not allowed."""
    allowed, result = TARGET_MOVES[move]
    return result if current in allowed else None


def plain(value: Decimal | None) -> Decimal | None:
    """A decimal without trailing zeros and never in exponent form: 95.000000 → 95, 0.500 → 0.5."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def improves(value: Decimal, baseline: Decimal, direction: Direction) -> bool:
    """Does `value` improve on `baseline` in the target's direction (跳起来摘桃子)? Equal is no stretch."""
    if direction is Direction.HIGHER_IS_BETTER:
        return value > baseline
    return value < baseline


def needs_stretch_override(value: Decimal | None, baseline: Decimal | None, direction: Direction) -> bool:
    """A target with a value and a baseline that does not improve on it is flagged "no stretch" (自娱自乐)."""
    if value is None or baseline is None:
        return False
    return not improves(value, baseline, direction)


def uncovered_gap(parent_value: Decimal | None, child_values: Iterable[Decimal | None]) -> Decimal | None:
    """Parent value minus the sum of the children's values (None when the parent has no value)."""
    if parent_value is None:
        return None
    return plain(parent_value - sum((v for v in child_values if v is not None), Decimal(0)))


# ---- trees ---------------------------------------------------------------------------------------


@dataclass
class Node:
    code: str
    parent_code: str | None
    data: Any = None
    children: list[Node] = field(default_factory=list)


def build_forest(items: Iterable[tuple[str, str | None, Any]]) -> list[Node]:
    """Roots (ordered by code) of the trees formed by (code, parent_code, data); orphans become roots."""
    nodes = {code: Node(code, parent, data) for code, parent, data in items}
    roots: list[Node] = []
    for node in sorted(nodes.values(), key=lambda n: n.code):
        parent = nodes.get(node.parent_code) if node.parent_code else None
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)
    return roots


def find_cycles(parents: Mapping[str, str | None]) -> set[str]:
    """Codes that lie on a parent cycle (a → b → … → a)."""
    on_cycle: set[str] = set()
    state: dict[str, int] = {}
    for start in parents:
        path: list[str] = []
        code: str | None = start
        while code is not None and code in parents and state.get(code, 0) == 0:
            state[code] = 1
            path.append(code)
            code = parents[code]
        if code is not None and state.get(code) == 1:
            on_cycle.update(path[path.index(code):])
        for visited in path:
            state[visited] = 2
    return on_cycle


def leaves(roots: Iterable[Node]) -> list[Node]:
    out: list[Node] = []
    stack = list(roots)
    while stack:
        node = stack.pop()
        if node.children:
            stack.extend(node.children)
        else:
            out.append(node)
    return sorted(out, key=lambda n: n.code)


def base_points_total(targets: Iterable[tuple[str, Decimal | None, str | None]]) -> Decimal:
    """Sum of points over BASE top-level targets, given (kind, points, parent_code) triples."""
    return sum((p or Decimal(0) for kind, p, parent in targets if kind == "BASE" and not parent), Decimal(0))


# ---- progress ------------------------------------------------------------------------------------


class ProgressStatus(StrEnum):
    ON_TRACK = "ON_TRACK"
    LAGGING = "LAGGING"
    AT_RISK = "AT_RISK"


ON_TRACK_RATIO = Decimal("0.9")
LAGGING_RATIO = Decimal("0.7")


def elapsed_fraction(year: int, as_of: date) -> Decimal:
    """Share of the year gone by the end of `as_of` (0 before 1 January, 1 from 31 December on)."""
    start = date(year, 1, 1)
    days = (date(year + 1, 1, 1) - start).days
    gone = (as_of - start).days + 1
    return Decimal(min(max(gone, 0), days)) / Decimal(days)


RATE_UNITS = ("%", "％", "‰", "百分点", "percentage point", "pp")


def is_rate(unit_of_measure: str) -> bool:
    """A unit of a rate or a change (%, ‰, 百分点): values below zero are real (a growth rate can fall)."""
    unit = unit_of_measure.strip().lower()
    return any(mark in unit for mark in RATE_UNITS[:4]) or unit.startswith(RATE_UNITS[4:])


def negative_actual_refusal(measure_quantitative: bool, direction: Direction, unit_of_measure: str,
                            agreed: Decimal | None, baseline: Decimal | None, actual: Decimal) -> str | None:
    """Why an actual to date cannot be reported for a target, or None when it can (docs/targets.md).

    A qualitative target reports a completion between 0 and 1. A quantitative one may report a value below
    zero when that can be true of it: a lower-is-better target (a reduction, a change), a rate or change
    (%, ‰, 百分点), or a target whose agreed value or baseline is itself below zero.
    """
    if not measure_quantitative:
        if not Decimal(0) <= actual <= Decimal(1):
            return "a qualitative target's progress is a completion between 0 and 1"
        return None
    if actual >= 0 or direction is Direction.LOWER_IS_BETTER or is_rate(unit_of_measure):
        return None
    if (agreed is not None and agreed < 0) or (baseline is not None and baseline < 0):
        return None
    return (f"an actual to date below zero is not possible for this target (higher is better, counted in "
            f"{unit_of_measure.strip() or 'units'}); report 0 or correct the figure")


def completion(measure_quantitative: bool, direction: Direction, agreed: Decimal | None,
               actual: Decimal | None) -> Decimal:
    """Progress of one target in [0, 1] from its latest actual to date.

    Quantitative, agreed value above zero: higher-is-better actual / agreed; lower-is-better agreed / actual
    (1 when the actual is zero or below: under the cap). Agreed value below zero (a reduction such as −3 %, a
    deficit): the same with the ratio turned round — higher-is-better agreed / actual (1 from zero up),
    lower-is-better actual / agreed. Agreed value zero: 1 when the actual is on the right side of zero, else
    0 (a cap of 0 with an actual of 5 is 0 % done, not 100 %). Qualitative: the reported completion. No
    report, or no agreed value, is 0.
    """
    if actual is None:
        return Decimal(0)
    if not measure_quantitative:
        share = actual
    elif agreed is None:
        share = Decimal(0)
    elif agreed == 0:
        met = actual >= 0 if direction is Direction.HIGHER_IS_BETTER else actual <= 0
        share = Decimal(1) if met else Decimal(0)
    else:
        higher = direction is Direction.HIGHER_IS_BETTER
        if (agreed > 0) == higher:  # the actual grows towards the agreed value
            share = actual / agreed
        else:  # the actual must stay on the far side of the agreed value: agreed / actual
            share = Decimal(1) if (actual <= 0 if agreed > 0 else actual >= 0) else agreed / actual
    return min(max(share, Decimal(0)), Decimal(1))


def progress_status(progress: Decimal, elapsed: Decimal) -> ProgressStatus:
    """ratio = progress / elapsed: ≥ 0.9 ON_TRACK, ≥ 0.7 LAGGING, else AT_RISK (nothing elapsed: ON_TRACK)."""
    if elapsed <= 0:
        return ProgressStatus.ON_TRACK
    ratio = progress / elapsed
    if ratio >= ON_TRACK_RATIO:
        return ProgressStatus.ON_TRACK
    if ratio >= LAGGING_RATIO:
        return ProgressStatus.LAGGING
    return ProgressStatus.AT_RISK


def weighted_progress(children: Sequence[tuple[Decimal, Decimal | None]]) -> Decimal:
    """Roll-up of (progress, points) pairs: weighted by points; unweighted when the points are all equal
    or sum to zero."""
    if not children:
        return Decimal(0)
    weights = [p or Decimal(0) for _, p in children]
    total = sum(weights, Decimal(0))
    if total <= 0 or len(set(weights)) == 1:
        return sum((g for g, _ in children), Decimal(0)) / len(children)
    return sum((g * w for (g, _), w in zip(children, weights, strict=True)), Decimal(0)) / total


def roll_up(roots: Iterable[Node], own_progress: Mapping[str, Decimal],
            points: Mapping[str, Decimal | None]) -> dict[str, Decimal]:
    """Progress of every node: a leaf's own; a parent's, its children's rolled up by `weighted_progress`."""
    result: dict[str, Decimal] = {}
    order: list[Node] = []
    stack = list(roots)
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(node.children)
    for node in reversed(order):
        if node.children:
            result[node.code] = weighted_progress([(result[c.code], points.get(c.code)) for c in node.children])
        else:
            result[node.code] = own_progress.get(node.code, Decimal(0))
    return result


# ---- letters -------------------------------------------------------------------------------------

LETTER_FIELDS = ("id", "year", "unitCode", "level", "title", "issuer", "receiver", "parentId", "amendsId",
                 "changes", "reason", "issuerSignedBy", "issuerSignedAt", "receiverSignedBy", "receiverSignedAt")
TARGET_FIELDS = ("code", "year", "unitCode", "parentCode", "title", "category", "kind", "measure", "direction",
                 "unitOfMeasure", "baseline", "agreedValue", "points", "benchmarkCity", "benchmarkValue",
                 "assessingDepartment", "responsibleLeader", "responsibleDepartment", "assignee", "additive")


def canonical_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(plain(value))
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    return value


def canonical_content(letter: Mapping[str, Any], targets: Iterable[Mapping[str, Any]]) -> str:
    """The signed content of a letter: its fields and its targets' fields (targets sorted by code), as
    JSON with sorted keys, no spaces, UTF-8, decimals as plain strings, times as ISO 8601 seconds."""
    body = {
        "letter": {name: canonical_value(letter.get(name)) for name in LETTER_FIELDS},
        "targets": sorted(({name: canonical_value(t.get(name)) for name in TARGET_FIELDS} for t in targets),
                          key=lambda t: (t["year"], t["code"])),
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(letter: Mapping[str, Any], targets: Iterable[Mapping[str, Any]]) -> str:
    return hashlib.sha256(canonical_content(letter, targets).encode()).hexdigest()
