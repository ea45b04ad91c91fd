"""Department score (专项目标考核, DESIGN.md §4.1): completion ratios and a unit's target points."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from services.assessment.rules.enums import Direction, Measure, TargetKind
from services.assessment.rules.exact import ZERO, enum_member, exact, round_half_up


@dataclass(frozen=True)
class ScoredTarget:
    """One agreed target with its certification (``None`` = not certified).

    Quantitative targets use ``actual_value``; qualitative targets use ``completion`` (0–1).
    ``parent_code`` is set for decomposed child targets, which are never scored.
    """

    code: str
    kind: TargetKind
    points: Decimal = ZERO
    measure: Measure = Measure.QUANTITATIVE
    direction: Direction = Direction.HIGHER_IS_BETTER
    agreed_value: Decimal | None = None
    actual_value: Decimal | None = None
    completion: Decimal | None = None
    parent_code: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", enum_member(TargetKind, self.kind, "kind"))
        object.__setattr__(self, "measure", enum_member(Measure, self.measure, "measure"))
        object.__setattr__(self, "direction", enum_member(Direction, self.direction, "direction"))
        if self.parent_code == "":
            object.__setattr__(self, "parent_code", None)

    @property
    def top_level(self) -> bool:
        return self.parent_code is None

    @property
    def certified(self) -> bool:
        if self.measure is Measure.QUALITATIVE:
            return self.completion is not None
        return self.actual_value is not None


def completion_ratio(target: ScoredTarget) -> Fraction:
    """The exact completion ratio ``r`` of §4.1 (an uncertified target gives ``r = 0``).

    * quantitative, higher-is-better: ``actual / agreed``;
    * quantitative, lower-is-better: ``agreed / actual``, and ``r = 1`` when ``actual = 0``;
    * qualitative: the certified completion, which must lie in [0, 1].

    See the module docstring for zero/negative denominators; ``r`` is never negative.
    """
    if not target.certified:
        return Fraction(0)
    if target.measure is Measure.QUALITATIVE:
        assert target.completion is not None
        completion = exact(target.completion, f"completion of {target.code}")
        if not 0 <= completion <= 1:
            raise ValueError(f"completion of {target.code} must be between 0 and 1, got {target.completion}")
        return completion
    if target.agreed_value is None:
        raise ValueError(f"quantitative target {target.code} has no agreed value")
    assert target.actual_value is not None
    agreed = exact(target.agreed_value, f"agreed value of {target.code}")
    actual = exact(target.actual_value, f"actual value of {target.code}")
    if target.direction is Direction.HIGHER_IS_BETTER:
        if agreed <= 0:
            return Fraction(1 if actual >= agreed else 0)
        ratio = actual / agreed
    else:
        if actual == 0:
            return Fraction(1)
        if actual < 0 or agreed < 0:
            return Fraction(1 if actual <= agreed else 0)
        ratio = agreed / actual
    return max(ratio, Fraction(0))


@dataclass(frozen=True)
class TargetScore:
    """How one top-level target was scored (``ratio`` and ``earned`` are exact)."""

    code: str
    kind: TargetKind
    certified: bool
    ratio: Fraction
    met: bool
    earned: Fraction


@dataclass(frozen=True)
class DepartmentScore:
    """Department score (专项目标考核) of one unit.

    ``score`` = BASE points earned + min(STRETCH points earned, stretch cap), rounded half-up.
    """

    score: Decimal
    base_met: bool
    veto_failed: bool
    missing_targets: tuple[str, ...]
    targets: tuple[TargetScore, ...] = ()
    base_earned: Fraction = Fraction(0)
    stretch_earned: Fraction = Fraction(0)
    stretch_bonus: Fraction = Fraction(0)
    ignored_children: tuple[str, ...] = ()

    @property
    def missing(self) -> bool:
        """True when the unit has no top-level target at all (the source is missing)."""
        return not self.targets


def department_score(targets: Iterable[ScoredTarget], stretch_cap: Decimal = Decimal("10")) -> DepartmentScore:
    """Score a unit's targets (§4.1). Child targets (with a ``parent_code``) are ignored."""
    cap = exact(stretch_cap, "stretch_cap")
    scored: list[TargetScore] = []
    children: list[str] = []
    missing: list[str] = []
    base = Fraction(0)
    stretch = Fraction(0)
    base_met = True
    veto_failed = False
    for target in targets:
        if not target.top_level:
            children.append(target.code)
            continue
        ratio = completion_ratio(target)
        met = target.certified and ratio >= 1
        if not target.certified:
            missing.append(target.code)
        points = exact(target.points, f"points of {target.code}")
        if target.kind is TargetKind.BASE:
            earned = points * min(ratio, Fraction(1))
            base += earned
            base_met = base_met and met
        elif target.kind is TargetKind.STRETCH:
            earned = points if met else Fraction(0)
            stretch += earned
        else:
            earned = Fraction(0)
            veto_failed = veto_failed or not met
        scored.append(TargetScore(target.code, target.kind, target.certified, ratio, met, earned))
    bonus = min(stretch, cap)
    return DepartmentScore(
        score=round_half_up(base + bonus),
        base_met=base_met,
        veto_failed=veto_failed,
        missing_targets=tuple(missing),
        targets=tuple(scored),
        base_earned=base,
        stretch_earned=stretch,
        stretch_bonus=bonus,
        ignored_children=tuple(children),
    )
