"""Composite, adjustment points and qualification (DESIGN.md §4.2): one unit's scores from its inputs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from services.assessment.rules.adjustments import adjusted_composite, adjustment_points
from services.assessment.rules.department import ScoredTarget, department_score
from services.assessment.rules.enums import Source
from services.assessment.rules.exact import ZERO, exact, round_half_up
from services.assessment.rules.settings import Settings
from services.assessment.rules.sources import (
    BallotCount,
    GrassrootsCount,
    grassroots_score,
    inspection_score,
    voting_score,
)


@dataclass(frozen=True)
class Components:
    """The four rounded component scores."""

    department: Decimal
    voting: Decimal
    inspection: Decimal
    grassroots: Decimal


def composite(components: Components, settings: Settings) -> Decimal:
    """Weighted sum of the (already rounded) components, rounded half-up to 2 places (before adjustment)."""
    pairs = (
        (settings.weight_department, components.department, "department"),
        (settings.weight_voting, components.voting, "voting"),
        (settings.weight_inspection, components.inspection, "inspection"),
        (settings.weight_grassroots, components.grassroots, "grassroots"),
    )
    total = sum((exact(w, f"weight_{name}") * exact(c, name) for w, c, name in pairs), Fraction(0))
    return round_half_up(total)


def is_qualified(*, base_met: bool, veto_failed: bool, composite_score: Decimal, pass_line: Decimal) -> bool:
    """达标: every BASE target met, no VETO target unmet, composite ≥ pass line."""
    return base_met and not veto_failed and composite_score >= pass_line


@dataclass(frozen=True)
class UnitInput:
    """Everything one unit is scored on. ``group`` empty/``None`` = the default group; ``adjustments`` are
    the points of the unit's approved adjustment items (加减分)."""

    unit_code: str
    group: str | None = None
    targets: Sequence[ScoredTarget] = ()
    ballots: Sequence[BallotCount] = ()
    inspections: Sequence[Decimal] = ()
    grassroots: Sequence[GrassrootsCount] = ()
    adjustments: Sequence[Decimal] = ()


@dataclass(frozen=True)
class UnitScore:
    """One unit's scores (all rounded to 2 places) and qualification.

    ``composite`` is the *adjusted* composite (§4.2): the weighted sum of the components, rounded, plus
    ``adjustment_points`` (the clamped sum of the unit's items). Qualification and ranking use it.
    """

    unit_code: str
    department: Decimal
    voting: Decimal
    inspection: Decimal
    grassroots: Decimal
    composite: Decimal
    qualified: bool
    group: str | None = None
    base_met: bool = True
    veto_failed: bool = False
    missing_sources: tuple[Source, ...] = ()
    missing_targets: tuple[str, ...] = ()
    adjustment_points: Decimal = ZERO

    def __post_init__(self) -> None:
        if self.group == "":
            object.__setattr__(self, "group", None)

    @property
    def components(self) -> Components:
        return Components(self.department, self.voting, self.inspection, self.grassroots)

    @property
    def unadjusted_composite(self) -> Decimal:
        """The weighted composite before the adjustment points."""
        return self.composite - self.adjustment_points

    @property
    def missing(self) -> tuple[str, ...]:
        """What the target office must chase: ``target:<code>`` and the names of missing sources."""
        return (
            *(f"target:{code}" for code in self.missing_targets),
            *(source.value for source in self.missing_sources),
        )


def score_unit(unit: UnitInput, settings: Settings) -> UnitScore:
    """Compute the four components, the (adjusted) composite and qualification of one unit."""
    dept = department_score(unit.targets, settings.stretch_cap)
    vote = voting_score(unit.ballots, settings.voter_group_weights)
    insp = inspection_score(unit.inspections)
    sat = sum(g.satisfied for g in unit.grassroots)
    basic = sum(g.basically_satisfied for g in unit.grassroots)
    dis = sum(g.dissatisfied for g in unit.grassroots)
    grass = grassroots_score(sat, basic, dis)
    components = Components(dept.score, vote.score, insp.score, grass.score)
    points = adjustment_points(unit.adjustments, settings.adjustment_cap)
    total = adjusted_composite(composite(components, settings), points)
    missing = [
        source
        for source, absent in (
            (Source.DEPARTMENT, dept.missing),
            (Source.VOTING, vote.missing),
            (Source.INSPECTION, insp.missing),
            (Source.GRASSROOTS, grass.missing),
        )
        if absent
    ]
    return UnitScore(
        unit_code=unit.unit_code,
        group=unit.group or None,
        department=dept.score,
        voting=vote.score,
        inspection=insp.score,
        grassroots=grass.score,
        composite=total,
        qualified=is_qualified(
            base_met=dept.base_met,
            veto_failed=dept.veto_failed,
            composite_score=total,
            pass_line=settings.pass_line,
        ),
        base_met=dept.base_met,
        veto_failed=dept.veto_failed,
        missing_sources=tuple(missing),
        missing_targets=dept.missing_targets,
        adjustment_points=points,
    )
