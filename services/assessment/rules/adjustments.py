"""Adjustment points (加减分, DESIGN.md §4.2): approved bonus and deduction items of a unit, clamped."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

from services.assessment.rules.exact import CENT, decimal_places, exact

POINT_PLACES = 2
MAX_ITEM_POINTS = Decimal(100)


def points_problem(points: Decimal) -> str | None:
    """Why ``points`` cannot be one adjustment item, or ``None``: a finite, non-zero number of at most 2
    decimal places, no larger than 100 either way (a bonus is positive, a deduction negative)."""
    if isinstance(points, bool) or not isinstance(points, Decimal | int):
        return f"must be a number, not {type(points).__name__}"
    value = Decimal(points)
    if not value.is_finite():
        return "must be a finite number"
    if value == 0:
        return "must not be 0 (a bonus is positive, a deduction negative)"
    if decimal_places(value) > POINT_PLACES:
        return f"has more than {POINT_PLACES} decimal places"
    if abs(value) > MAX_ITEM_POINTS:
        return f"must lie between −{MAX_ITEM_POINTS} and {MAX_ITEM_POINTS}"
    return None


def adjustment_points(points: Iterable[Decimal], cap: Decimal) -> Decimal:
    """The sum of a unit's approved items clamped to ``[−cap, +cap]``, to 2 places (no items: 0.00)."""
    bound = exact(cap, "adjustment_cap")
    if bound < 0:
        raise ValueError(f"adjustment_cap must be ≥ 0, got {cap}")
    total = sum((exact(p, "adjustment points") for p in points), Fraction(0))
    clamped = max(-bound, min(bound, total))
    return (Decimal(clamped.numerator) / Decimal(clamped.denominator)).quantize(CENT)


def adjusted_composite(composite: Decimal, points: Decimal) -> Decimal:
    """The rounded composite plus the clamped adjustment points: the composite everything after uses."""
    return (Decimal(composite) + Decimal(points)).quantize(CENT)
