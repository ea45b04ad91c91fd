"""Exact arithmetic and rounding (DESIGN.md §4, preamble).

Inputs are ``Decimal`` (or ``int``), never ``float``. Intermediate values (completion ratios, target
scores, voter-group scores, weighted means, quotas) are kept *exact* as :class:`fractions.Fraction`,
so that three targets each scoring ``10 × 1/3`` add up to exactly 10 and a value lying exactly on a
``.xx5`` boundary is never nudged off it by a truncated decimal expansion. Each component score is
rounded half-up to 2 decimal places (:func:`round_half_up`); the composite is computed from the
*rounded* components and rounded the same way.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from typing import TypeVar

CENT = Decimal("0.01")
ZERO = Decimal(0)
ONE = Decimal(1)


def round_half_up(value: Decimal | Fraction | int) -> Decimal:
    """Round to 2 decimal places, half-up (ties away from zero), exactly.

    Decimals are rounded with ``value.quantize(Decimal("0.01"), ROUND_HALF_UP)``. An exact
    ``Fraction`` is first truncated towards zero to 3 decimal places — which cannot move it across
    a ``.xx5`` boundary, since such a boundary is itself a multiple of 0.001 — and then quantized
    the same way, so the result equals rounding the exact value.
    """
    if isinstance(value, Fraction):
        magnitude = abs(value)
        thousandths = Decimal(math.floor(magnitude * 1000)).scaleb(-3)
        rounded = thousandths.quantize(CENT, rounding=ROUND_HALF_UP)
        return -rounded if value < 0 and rounded else rounded
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"round_half_up needs Decimal, Fraction or int, got {type(value).__name__}")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def exact(value: Decimal | int, what: str) -> Fraction:
    """``value`` as an exact fraction; refuses floats, booleans and non-finite decimals, naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{what} must be a Decimal or int, not {type(value).__name__}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"{what} must be a finite number, got {value}")
    return Fraction(value)


def decimal_places(value: Decimal) -> int:
    """How many decimal places ``value`` is written with (``Decimal("1.50")`` → 2, ``Decimal("5")`` → 0)."""
    exponent = value.as_tuple().exponent
    return max(-exponent, 0) if isinstance(exponent, int) else 0


E = TypeVar("E", bound=StrEnum)


def enum_member(enum: type[E], value: E | str, what: str) -> E:
    """The member of ``enum`` named by ``value`` (case and surrounding blanks ignored)."""
    if isinstance(value, enum):
        return value
    try:
        return enum(str(value).strip().upper())
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise ValueError(f"{what} must be one of {allowed}, got {value!r}") from None
