"""Scoring and ranking rules of DESIGN.md §4.1 and §4.2, as pure functions over plain data.

Everything here is deterministic and free of I/O and of the ORM: the service layer loads the
snapshot (targets, certifications, ballots, inspections, grassroots reviews, settings), turns it
into the frozen dataclasses below, and stores what comes back.

Arithmetic
----------
* Inputs are ``Decimal`` (or ``int``), never ``float``.
* Intermediate values (completion ratios, target scores, voter-group scores, weighted means) are
  kept *exact* as :class:`fractions.Fraction`, so that e.g. three targets each scoring ``10 × 1/3``
  add up to exactly 10 and a value lying exactly on a ``.xx5`` boundary is never nudged off it by a
  truncated decimal expansion.
* Each of the four component scores is rounded half-up to 2 decimal places
  (``Decimal.quantize(Decimal("0.01"), ROUND_HALF_UP)``, see :func:`round_half_up`); the composite
  is computed from the *rounded* components and rounded the same way; every comparison (pass line,
  ordering, ties) uses these rounded values.

Decisions where §4 is silent:

* Ballots for the same voter group given in several rows are summed before the group score is
  computed (the group score is ``valued sum / ballots`` over all the group's ballots). Grassroots
  rows of one unit are summed likewise; inspection scores are all averaged.
* Voter-group weights are relative: the voting score is ``Σ wᵍ·sᵍ / Σ wᵍ`` over the groups that
  have ballots. With no ``voter_group_weight:<group>`` setting every group weighs 1; once any is
  set, a group that has ballots but no weight is left out and reported as missing
  (``voter_group_weight:<group>``). If no weight remains, the voting source counts as missing.
* Completion ratio edge cases: a ratio is never negative (``r = max(r, 0)``). Higher-is-better with
  ``agreed ≤ 0`` (where ``actual / agreed`` is meaningless) gives ``r = 1`` if ``actual ≥ agreed``
  else 0; lower-is-better with a negative ``actual`` or ``agreed`` gives ``r = 1`` if
  ``actual ≤ agreed`` else 0. ``actual = 0`` for lower-is-better is always ``r = 1`` (§4.1).
* A unit with no top-level target gets department score 0 and the source ``department`` is
  reported missing; "every BASE target met" is then vacuously true (qualification still needs the
  composite to reach the pass line).
* Units whose group is empty/``None`` form the default group.
* If the advanced quota is 0, nobody is advanced; if ``last_place_count`` is 0, nobody is last
  place.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction
from typing import TypeVar

__all__ = [
    "CENT",
    "VOTE_VALUES",
    "BallotCount",
    "ComponentScore",
    "Components",
    "DepartmentScore",
    "Direction",
    "Grade",
    "GrassrootsCount",
    "GroupResult",
    "Measure",
    "RankedUnit",
    "RankingResult",
    "ScoredTarget",
    "Settings",
    "SettingsError",
    "Source",
    "TargetKind",
    "TargetScore",
    "UnitInput",
    "UnitScore",
    "VotingScore",
    "advanced_ratio_for",
    "assess",
    "completion_ratio",
    "composite",
    "department_score",
    "grassroots_score",
    "inspection_score",
    "is_qualified",
    "last_place_count_for",
    "last_place_order_key",
    "rank_units",
    "ranking_key",
    "round_half_up",
    "score_unit",
    "settings_from_pairs",
    "validate_settings",
    "voting_score",
]

CENT = Decimal("0.01")
_ZERO = Decimal(0)
_ONE = Decimal(1)


# --------------------------------------------------------------------------------------------------
# Enums
# --------------------------------------------------------------------------------------------------


class TargetKind(StrEnum):
    BASE = "BASE"  # 基本目标
    STRETCH = "STRETCH"  # 争取目标
    VETO = "VETO"  # 一票否决


class Measure(StrEnum):
    QUANTITATIVE = "QUANTITATIVE"
    QUALITATIVE = "QUALITATIVE"


class Direction(StrEnum):
    HIGHER_IS_BETTER = "HIGHER_IS_BETTER"
    LOWER_IS_BETTER = "LOWER_IS_BETTER"


class Grade(StrEnum):
    ADVANCED = "ADVANCED"  # 先进
    QUALIFIED = "QUALIFIED"  # 达标
    UNQUALIFIED = "UNQUALIFIED"  # 未达标
    LAST_PLACE = "LAST_PLACE"  # 末位 (also non-qualified)


class Source(StrEnum):
    """The four score sources of §4.1; the lower-case value is what ``missing`` lists."""

    DEPARTMENT = "department"
    VOTING = "voting"
    INSPECTION = "inspection"
    GRASSROOTS = "grassroots"


# --------------------------------------------------------------------------------------------------
# Rounding and exact helpers
# --------------------------------------------------------------------------------------------------


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


def _exact(value: Decimal | int, what: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{what} must be a Decimal or int, not {type(value).__name__}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"{what} must be a finite number, got {value}")
    return Fraction(value)


_E = TypeVar("_E", bound=StrEnum)


def _enum(enum: type[_E], value: _E | str, what: str) -> _E:
    if isinstance(value, enum):
        return value
    try:
        return enum(str(value).strip().upper())
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise ValueError(f"{what} must be one of {allowed}, got {value!r}") from None


# --------------------------------------------------------------------------------------------------
# Settings (§4.2, §5 settings.csv)
# --------------------------------------------------------------------------------------------------


class SettingsError(ValueError):
    """A bad or unknown setting; ``key`` names it (as written in settings.csv)."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


WEIGHT_KEYS = ("weight_department", "weight_voting", "weight_inspection", "weight_grassroots")
_DECIMAL_KEYS = (*WEIGHT_KEYS, "pass_line", "advanced_ratio", "stretch_cap")
_INT_KEYS = ("last_place_count",)
_GROUP_PREFIXES = ("voter_group_weight", "advanced_ratio", "last_place_count")


@dataclass(frozen=True)
class Settings:
    """Per-year settings with the §4/§5 defaults.

    ``group_advanced_ratio`` / ``group_last_place_count`` hold the ``advanced_ratio:<group>`` and
    ``last_place_count:<group>`` overrides; ``voter_group_weights`` the
    ``voter_group_weight:<group>`` values (empty = equal weights).
    """

    weight_department: Decimal = Decimal("0.60")
    weight_voting: Decimal = Decimal("0.15")
    weight_inspection: Decimal = Decimal("0.15")
    weight_grassroots: Decimal = Decimal("0.10")
    pass_line: Decimal = Decimal("60")
    advanced_ratio: Decimal = Decimal("0.25")
    last_place_count: int = 13
    stretch_cap: Decimal = Decimal("10")
    voter_group_weights: Mapping[str, Decimal] = field(default_factory=dict)
    group_advanced_ratio: Mapping[str, Decimal] = field(default_factory=dict)
    group_last_place_count: Mapping[str, int] = field(default_factory=dict)

    def advanced_ratio_for(self, group: str | None) -> Decimal:
        return advanced_ratio_for(self, group)

    def last_place_count_for(self, group: str | None) -> int:
        return last_place_count_for(self, group)

    def as_pairs(self) -> list[tuple[str, str]]:
        """The settings as ``(key, value)`` pairs (round-trips through :func:`settings_from_pairs`)."""
        pairs = [(key, str(getattr(self, key))) for key in (*_DECIMAL_KEYS, *_INT_KEYS)]
        pairs += [(f"voter_group_weight:{g}", str(w)) for g, w in sorted(self.voter_group_weights.items())]
        pairs += [(f"advanced_ratio:{g}", str(r)) for g, r in sorted(self.group_advanced_ratio.items())]
        pairs += [(f"last_place_count:{g}", str(c)) for g, c in sorted(self.group_last_place_count.items())]
        return pairs


def advanced_ratio_for(settings: Settings, group: str | None) -> Decimal:
    """``advanced_ratio:<group>`` when set, else ``advanced_ratio``.

    Reads attributes only, so any object shaped like :class:`Settings` works.
    """
    overrides = getattr(settings, "group_advanced_ratio", None) or {}
    if group is not None and group in overrides:
        return overrides[group]
    return settings.advanced_ratio


def last_place_count_for(settings: Settings, group: str | None) -> int:
    """``last_place_count:<group>`` when set, else ``last_place_count``."""
    overrides = getattr(settings, "group_last_place_count", None) or {}
    if group is not None and group in overrides:
        return int(overrides[group])
    return int(settings.last_place_count)


def _parse_decimal(key: str, raw: str) -> Decimal:
    text = str(raw).strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise SettingsError(key, f"not a number: {raw!r}") from None
    if not value.is_finite():
        raise SettingsError(key, f"not a finite number: {raw!r}")
    return value


def _parse_count(key: str, raw: str) -> int:
    value = _parse_decimal(key, raw)
    if value != value.to_integral_value():
        raise SettingsError(key, f"must be a whole number, got {raw!r}")
    return int(value)


def settings_from_pairs(pairs: Iterable[tuple[str, str]], *, base: Settings | None = None) -> Settings:
    """Parse ``(key, value)`` pairs (settings.csv rows) over ``base`` (default: the defaults).

    Raises :class:`SettingsError` (a ``ValueError``) naming the key for an unknown key, a repeated
    key, a value that does not parse, or a value :func:`validate_settings` rejects.
    """
    base = base or Settings()
    changes: dict[str, Decimal | int] = {}
    voter = dict(base.voter_group_weights)
    ratios = dict(base.group_advanced_ratio)
    counts = dict(base.group_last_place_count)
    seen: set[str] = set()
    for raw_key, raw_value in pairs:
        key = str(raw_key).strip()
        if key in seen:
            raise SettingsError(key, "given more than once")
        seen.add(key)
        if key in _DECIMAL_KEYS:
            changes[key] = _parse_decimal(key, raw_value)
        elif key in _INT_KEYS:
            changes[key] = _parse_count(key, raw_value)
        elif ":" in key:
            prefix, _, group = key.partition(":")
            prefix, group = prefix.strip(), group.strip()
            if prefix not in _GROUP_PREFIXES:
                raise SettingsError(key, "unknown setting")
            if not group:
                raise SettingsError(key, "the group name after ':' is empty")
            if prefix == "voter_group_weight":
                voter[group] = _parse_decimal(key, raw_value)
            elif prefix == "advanced_ratio":
                ratios[group] = _parse_decimal(key, raw_value)
            else:
                counts[group] = _parse_count(key, raw_value)
        else:
            raise SettingsError(key, "unknown setting")
    settings = replace(
        base,
        **changes,  # type: ignore[arg-type]
        voter_group_weights=voter,
        group_advanced_ratio=ratios,
        group_last_place_count=counts,
    )
    validate_settings(settings)
    return settings


def _check_decimal(key: str, value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise SettingsError(key, f"must be a Decimal, not {type(value).__name__}")
    value = Decimal(value)
    if not value.is_finite():
        raise SettingsError(key, "must be a finite number")
    return value


def _check_count(key: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SettingsError(key, f"must be a whole number, not {value!r}")
    if value < 0:
        raise SettingsError(key, f"must be ≥ 0, got {value}")


def _check_ratio(key: str, value: object) -> None:
    ratio = _check_decimal(key, value)
    if not _ZERO <= ratio <= _ONE:
        raise SettingsError(key, f"must be between 0 and 1, got {ratio}")


def validate_settings(settings: Settings) -> None:
    """Raise :class:`SettingsError` naming the first offending key, else return ``None``.

    Rules: each component weight in [0, 1] and the four summing to exactly 1; ``pass_line`` in
    [0, 110]; ratios in [0, 1]; counts whole numbers ≥ 0; ``stretch_cap`` in [0, 100]; voter-group
    weights ≥ 0.
    """
    total = _ZERO
    for key in WEIGHT_KEYS:
        weight = _check_decimal(key, getattr(settings, key))
        if not _ZERO <= weight <= _ONE:
            raise SettingsError(key, f"must be between 0 and 1, got {weight}")
        total += weight
    if total != _ONE:
        raise SettingsError(", ".join(WEIGHT_KEYS), f"the four weights must sum to exactly 1, got {total}")
    pass_line = _check_decimal("pass_line", settings.pass_line)
    if not _ZERO <= pass_line <= Decimal(110):
        raise SettingsError("pass_line", f"must be between 0 and 110, got {pass_line}")
    _check_ratio("advanced_ratio", settings.advanced_ratio)
    _check_count("last_place_count", settings.last_place_count)
    cap = _check_decimal("stretch_cap", settings.stretch_cap)
    if not _ZERO <= cap <= Decimal(100):
        raise SettingsError("stretch_cap", f"must be between 0 and 100, got {cap}")
    for group, weight in settings.voter_group_weights.items():
        key = f"voter_group_weight:{group}"
        if not str(group).strip():
            raise SettingsError(key, "the group name is empty")
        if _check_decimal(key, weight) < 0:
            raise SettingsError(key, f"must be ≥ 0, got {weight}")
    for group, ratio in settings.group_advanced_ratio.items():
        _check_ratio(f"advanced_ratio:{group}", ratio)
    for group, count in settings.group_last_place_count.items():
        _check_count(f"last_place_count:{group}", count)


# --------------------------------------------------------------------------------------------------
# §4.1 Department score
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoredTarget:
    """One agreed target with its certification (``None`` = not certified).

    Quantitative targets use ``actual_value``; qualitative targets use ``completion`` (0–1).
    ``parent_code`` is set for decomposed child targets, which are never scored.
    """

    code: str
    kind: TargetKind
    points: Decimal = _ZERO
    measure: Measure = Measure.QUANTITATIVE
    direction: Direction = Direction.HIGHER_IS_BETTER
    agreed_value: Decimal | None = None
    actual_value: Decimal | None = None
    completion: Decimal | None = None
    parent_code: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", _enum(TargetKind, self.kind, "kind"))
        object.__setattr__(self, "measure", _enum(Measure, self.measure, "measure"))
        object.__setattr__(self, "direction", _enum(Direction, self.direction, "direction"))
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
        completion = _exact(target.completion, f"completion of {target.code}")
        if not 0 <= completion <= 1:
            raise ValueError(f"completion of {target.code} must be between 0 and 1, got {target.completion}")
        return completion
    if target.agreed_value is None:
        raise ValueError(f"quantitative target {target.code} has no agreed value")
    assert target.actual_value is not None
    agreed = _exact(target.agreed_value, f"agreed value of {target.code}")
    actual = _exact(target.actual_value, f"actual value of {target.code}")
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
    cap = _exact(stretch_cap, "stretch_cap")
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
        points = _exact(target.points, f"points of {target.code}")
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


# --------------------------------------------------------------------------------------------------
# §4.1 Voting, inspection, grassroots
# --------------------------------------------------------------------------------------------------

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
    unweighted_groups: tuple[str, ...] = ()  # have ballots, but weights are set and theirs is not


def voting_score(ballots: Iterable[BallotCount], weights: Mapping[str, Decimal] | None = None) -> VotingScore:
    """Voting score (投票测评) of one unit.

    Rows of the same voter group are summed first. Group score = valued sum / ballots (exact);
    the voting score is the weighted mean of the group scores over groups that have ballots,
    rounded half-up at the end only. ``weights`` empty/``None`` means equal weights.
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
    unweighted: list[str] = []
    for group in sorted(merged):
        valued, total = merged[group]
        if total == 0:
            left_out.append(group)
            continue
        group_scores[group] = Fraction(valued, total)
        if not configured:
            used[group] = _ONE
        elif group in configured:
            used[group] = configured[group]
        else:
            unweighted.append(group)
    exact_weights = {g: _exact(w, f"voter_group_weight:{g}") for g, w in used.items()}
    weight_sum = sum(exact_weights.values(), Fraction(0))
    missing = weight_sum == 0
    mean = Fraction(0)
    if not missing:
        mean = sum((w * group_scores[g] for g, w in exact_weights.items()), Fraction(0)) / weight_sum
    return VotingScore(round_half_up(mean), missing, group_scores, used, tuple(left_out), tuple(unweighted))


@dataclass(frozen=True)
class ComponentScore:
    score: Decimal
    missing: bool


def inspection_score(scores: Iterable[Decimal]) -> ComponentScore:
    """Inspection score (年终检查): mean of the entered scores, rounded half-up; none → 0, missing."""
    values = [_exact(s, "inspection score") for s in scores]
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


# --------------------------------------------------------------------------------------------------
# §4.2 Composite and qualification
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Components:
    """The four rounded component scores."""

    department: Decimal
    voting: Decimal
    inspection: Decimal
    grassroots: Decimal


def composite(components: Components, settings: Settings) -> Decimal:
    """Weighted sum of the (already rounded) components, rounded half-up to 2 places."""
    pairs = (
        (settings.weight_department, components.department, "department"),
        (settings.weight_voting, components.voting, "voting"),
        (settings.weight_inspection, components.inspection, "inspection"),
        (settings.weight_grassroots, components.grassroots, "grassroots"),
    )
    total = sum((_exact(w, f"weight_{name}") * _exact(c, name) for w, c, name in pairs), Fraction(0))
    return round_half_up(total)


def is_qualified(*, base_met: bool, veto_failed: bool, composite_score: Decimal, pass_line: Decimal) -> bool:
    """达标: every BASE target met, no VETO target unmet, composite ≥ pass line."""
    return base_met and not veto_failed and composite_score >= pass_line


@dataclass(frozen=True)
class UnitInput:
    """Everything one unit is scored on. ``group`` empty/``None`` = the default group."""

    unit_code: str
    group: str | None = None
    targets: Sequence[ScoredTarget] = ()
    ballots: Sequence[BallotCount] = ()
    inspections: Sequence[Decimal] = ()
    grassroots: Sequence[GrassrootsCount] = ()


@dataclass(frozen=True)
class UnitScore:
    """One unit's scores (all rounded to 2 places) and qualification."""

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
    unweighted_voter_groups: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.group == "":
            object.__setattr__(self, "group", None)

    @property
    def components(self) -> Components:
        return Components(self.department, self.voting, self.inspection, self.grassroots)

    @property
    def missing(self) -> tuple[str, ...]:
        """What the target office must chase: ``target:<code>``, source names, voter-group weights."""
        return (
            *(f"target:{code}" for code in self.missing_targets),
            *(source.value for source in self.missing_sources),
            *(f"voter_group_weight:{group}" for group in self.unweighted_voter_groups),
        )


def score_unit(unit: UnitInput, settings: Settings) -> UnitScore:
    """Compute the four components, the composite and qualification of one unit."""
    dept = department_score(unit.targets, settings.stretch_cap)
    vote = voting_score(unit.ballots, settings.voter_group_weights)
    insp = inspection_score(unit.inspections)
    sat = sum(g.satisfied for g in unit.grassroots)
    basic = sum(g.basically_satisfied for g in unit.grassroots)
    dis = sum(g.dissatisfied for g in unit.grassroots)
    grass = grassroots_score(sat, basic, dis)
    components = Components(dept.score, vote.score, insp.score, grass.score)
    total = composite(components, settings)
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
        unweighted_voter_groups=vote.unweighted_groups,
    )


# --------------------------------------------------------------------------------------------------
# §4.2 Ranking and grades
# --------------------------------------------------------------------------------------------------

RankKey = tuple[Decimal, Decimal, Decimal, Decimal, Decimal]


def ranking_key(score: UnitScore) -> RankKey:
    """Ordering key, compared descending for "best first": composite, department, grassroots,
    voting, inspection."""
    return (score.composite, score.department, score.grassroots, score.voting, score.inspection)


def last_place_order_key(score: UnitScore) -> tuple[RankKey, str]:
    """Ascending order for last place (lowest first); unit code only breaks ties for display."""
    return (ranking_key(score), score.unit_code)


def _best_first(score: UnitScore) -> tuple[bool, tuple[Decimal, ...], str]:
    return (not score.qualified, tuple(-v for v in ranking_key(score)), score.unit_code)


def _group_order(group: str | None) -> tuple[int, str]:
    return (0, "") if group is None else (1, group)


@dataclass(frozen=True)
class RankedUnit:
    score: UnitScore
    rank: int
    grade: Grade

    @property
    def unit_code(self) -> str:
        return self.score.unit_code

    @property
    def group(self) -> str | None:
        return self.score.group


@dataclass(frozen=True)
class GroupResult:
    """Per-group quotas and boundary reports. Unit tuples are in rank order, then unit code."""

    group: str | None
    unit_count: int
    qualified_count: int
    advanced_ratio: Decimal
    advanced_quota: int  # floor(advanced_ratio × qualified_count)
    advanced_units: tuple[str, ...]
    advanced_overflow: int  # advanced beyond the quota because of a tie at the boundary
    advanced_overflow_units: tuple[str, ...]  # the tied units past position `quota` (unit-code order)
    advanced_boundary_units: tuple[str, ...]  # every unit sharing the boundary key, when overflowing
    last_place_count: int
    last_place_units: tuple[str, ...]  # lowest first
    last_place_shortfall: int  # last_place_count − non-qualified units, when positive
    last_place_overflow: int  # beyond the count because of a tie at the boundary
    last_place_overflow_units: tuple[str, ...]
    last_place_boundary_units: tuple[str, ...]


@dataclass(frozen=True)
class RankingResult:
    units: tuple[RankedUnit, ...]  # by group (default group first), rank, unit code
    groups: tuple[GroupResult, ...]  # default group first, then by name

    @property
    def advanced_overflow(self) -> int:
        return sum(g.advanced_overflow for g in self.groups)

    @property
    def last_place_shortfall(self) -> int:
        return sum(g.last_place_shortfall for g in self.groups)

    @property
    def last_place_overflow(self) -> int:
        return sum(g.last_place_overflow for g in self.groups)

    def unit(self, unit_code: str) -> RankedUnit:
        for ranked in self.units:
            if ranked.unit_code == unit_code:
                return ranked
        raise KeyError(unit_code)

    def group(self, group: str | None) -> GroupResult:
        for result in self.groups:
            if result.group == (group or None):
                return result
        raise KeyError(group)

    def grades(self) -> dict[str, Grade]:
        return {ranked.unit_code: ranked.grade for ranked in self.units}


def _floor_quota(ratio: Decimal, count: int) -> int:
    return int((ratio * count).to_integral_value(rounding=ROUND_FLOOR))


def _rank_group(
    group: str | None, members: list[UnitScore], settings: Settings
) -> tuple[list[RankedUnit], GroupResult]:
    ordered = sorted(members, key=_best_first)
    ranks: dict[str, int] = {}
    previous: tuple[bool, RankKey] | None = None
    rank = 0
    for position, score in enumerate(ordered, start=1):
        identity = (score.qualified, ranking_key(score))
        if identity != previous:
            rank = position
            previous = identity
        ranks[score.unit_code] = rank

    # Advanced: the first floor(ratio × qualified) qualified units, plus ties with the last of them.
    qualified = [s for s in ordered if s.qualified]
    ratio = advanced_ratio_for(settings, group)
    quota = _floor_quota(ratio, len(qualified))
    advanced: list[UnitScore] = []
    adv_boundary: list[str] = []
    if quota > 0:
        boundary = ranking_key(qualified[quota - 1])
        advanced = [s for s in qualified if ranking_key(s) >= boundary]
        if len(advanced) > quota:
            adv_boundary = [s.unit_code for s in advanced if ranking_key(s) == boundary]

    # Last place: the `count` non-qualified units with the lowest keys, ties at the boundary included.
    lowest_first = sorted((s for s in ordered if not s.qualified), key=last_place_order_key)
    count = last_place_count_for(settings, group)
    shortfall = 0
    last: list[UnitScore] = []
    last_boundary: list[str] = []
    if count > 0:
        if len(lowest_first) <= count:
            last = lowest_first
            shortfall = count - len(lowest_first)
        else:
            boundary = ranking_key(lowest_first[count - 1])
            last = [s for s in lowest_first if ranking_key(s) <= boundary]
            if len(last) > count:
                last_boundary = [s.unit_code for s in last if ranking_key(s) == boundary]

    advanced_codes = {s.unit_code for s in advanced}
    last_codes = {s.unit_code for s in last}
    ranked: list[RankedUnit] = []
    for score in ordered:
        if score.unit_code in advanced_codes:
            grade = Grade.ADVANCED
        elif score.qualified:
            grade = Grade.QUALIFIED
        elif score.unit_code in last_codes:
            grade = Grade.LAST_PLACE
        else:
            grade = Grade.UNQUALIFIED
        ranked.append(RankedUnit(score, ranks[score.unit_code], grade))

    result = GroupResult(
        group=group,
        unit_count=len(members),
        qualified_count=len(qualified),
        advanced_ratio=ratio,
        advanced_quota=quota,
        advanced_units=tuple(s.unit_code for s in advanced),
        advanced_overflow=max(len(advanced) - quota, 0),
        advanced_overflow_units=tuple(s.unit_code for s in advanced[quota:]),
        advanced_boundary_units=tuple(adv_boundary),
        last_place_count=count,
        last_place_units=tuple(s.unit_code for s in last),
        last_place_shortfall=shortfall,
        last_place_overflow=max(len(last) - count, 0),
        last_place_overflow_units=tuple(s.unit_code for s in last[count:]),
        last_place_boundary_units=tuple(last_boundary),
    )
    return ranked, result


def rank_units(scores: Iterable[UnitScore], settings: Settings) -> RankingResult:
    """Rank units within their assessment groups and grade them (§4.2).

    The result does not depend on the order of ``scores``. Unit codes must be unique.
    """
    by_group: dict[str | None, list[UnitScore]] = {}
    seen: set[str] = set()
    for score in scores:
        if score.unit_code in seen:
            raise ValueError(f"unit {score.unit_code} is given more than once")
        seen.add(score.unit_code)
        by_group.setdefault(score.group or None, []).append(score)
    units: list[RankedUnit] = []
    groups: list[GroupResult] = []
    for group in sorted(by_group, key=_group_order):
        ranked, result = _rank_group(group, by_group[group], settings)
        units.extend(ranked)
        groups.append(result)
    return RankingResult(tuple(units), tuple(groups))


def assess(units: Iterable[UnitInput], settings: Settings) -> RankingResult:
    """Score every unit and rank them: §4.1 and §4.2 in one call."""
    return rank_units((score_unit(unit, settings) for unit in units), settings)
