"""Voting (投票测评), inspection (年终检查) and grassroots (基层评议) scores (DESIGN.md §4.1)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from services.assessment.rules.exact import ONE, exact, round_half_up

VOTE_VALUES: Mapping[str, int] = {"excellent": 100, "good": 80, "fair": 60, "poor": 0}  # 优秀/良好/一般/差


def _check_counts(owner: object, names: Sequence[str]) -> None:
    for name in names:
        value = getattr(owner, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a whole number ≥ 0, got {value!r}")


@dataclass(frozen=True)
class BallotCount:
    """Ballots of one voter group: counts of 优秀 / 良好 / 一般 / 差."""

    voter_group: str
    excellent: int = 0
    good: int = 0
    fair: int = 0
    poor: int = 0

    def __post_init__(self) -> None:
        _check_counts(self, tuple(VOTE_VALUES))

    @property
    def total(self) -> int:
        return self.excellent + self.good + self.fair + self.poor

    @property
    def valued_sum(self) -> int:
        return sum(getattr(self, name) * value for name, value in VOTE_VALUES.items())


@dataclass(frozen=True)
class VotingScore:
    score: Decimal
    missing: bool
    group_scores: Mapping[str, Fraction] = field(default_factory=dict)  # exact, groups with ballots
    weights: Mapping[str, Decimal] = field(default_factory=dict)  # weight used per counted group
    left_out_groups: tuple[str, ...] = ()  # named in the ballots but with no ballots


def voting_score(ballots: Iterable[BallotCount], weights: Mapping[str, Decimal] | None = None) -> VotingScore:
    """Voting score (投票测评) of one unit.

    Rows of the same voter group are summed first. Group score = valued sum / ballots (exact). The
    voting score is the mean of the group scores over the groups that have ballots, weighted by
    ``weights[group]`` — a group without a weight weighs 1, so with no weights all groups count
    equally — and rounded half-up at the end only. When the weights of the groups that have ballots
    add up to 0, the voting source counts as missing.
    """
    merged: dict[str, list[int]] = {}
    for row in ballots:
        counts = merged.setdefault(row.voter_group, [0, 0])
        counts[0] += row.valued_sum
        counts[1] += row.total
    configured = dict(weights or {})
    group_scores: dict[str, Fraction] = {}
    used: dict[str, Decimal] = {}
    left_out: list[str] = []
    for group in sorted(merged):
        valued, total = merged[group]
        if total == 0:
            left_out.append(group)
            continue
        group_scores[group] = Fraction(valued, total)
        used[group] = configured.get(group, ONE)
    exact_weights = {g: exact(w, f"voter_group_weight:{g}") for g, w in used.items()}
    weight_sum = sum(exact_weights.values(), Fraction(0))
    missing = weight_sum == 0
    mean = Fraction(0)
    if not missing:
        mean = sum((w * group_scores[g] for g, w in exact_weights.items()), Fraction(0)) / weight_sum
    return VotingScore(round_half_up(mean), missing, group_scores, used, tuple(left_out))


@dataclass(frozen=True)
class ComponentScore:
    score: Decimal
    missing: bool


def inspection_score(scores: Iterable[Decimal]) -> ComponentScore:
    """Inspection score (年终检查): mean of the entered scores, rounded half-up; none → 0, missing."""
    values = [exact(s, "inspection score") for s in scores]
    if not values:
        return ComponentScore(round_half_up(0), True)
    return ComponentScore(round_half_up(sum(values, Fraction(0)) / len(values)), False)


@dataclass(frozen=True)
class GrassrootsCount:
    """Grassroots review (基层评议) responses: 满意 / 基本满意 / 不满意."""

    satisfied: int = 0
    basically_satisfied: int = 0
    dissatisfied: int = 0

    def __post_init__(self) -> None:
        _check_counts(self, ("satisfied", "basically_satisfied", "dissatisfied"))


def grassroots_score(satisfied: int, basically_satisfied: int, dissatisfied: int) -> ComponentScore:
    """(100 × 满意 + 60 × 基本满意 + 0 × 不满意) / responses, rounded; no responses → 0, missing."""
    count = GrassrootsCount(satisfied, basically_satisfied, dissatisfied)
    responses = count.satisfied + count.basically_satisfied + count.dissatisfied
    if responses == 0:
        return ComponentScore(round_half_up(0), True)
    valued = 100 * count.satisfied + 60 * count.basically_satisfied
    return ComponentScore(round_half_up(Fraction(valued, responses)), False)
