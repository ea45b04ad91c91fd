"""The assessment rules of DESIGN.md §4.1, §4.2 and §4.4 as pure functions over plain data.

Everything here is deterministic and free of I/O and of the ORM: the service layer loads the inputs
(targets, certifications, ballots, inspections, grassroots reviews, adjustment items, settings), turns
them into the frozen dataclasses of these modules, and stores what comes back.

| module | holds |
|---|---|
| ``exact`` | exact arithmetic (``Fraction``) and half-up rounding to 2 places |
| ``enums`` | target kind, measure, direction, grade, source |
| ``settings`` | the per-year settings: one model, one parser, one validator |
| ``department`` | §4.1 completion ratios and the department score |
| ``sources`` | §4.1 voting, inspection and grassroots scores |
| ``adjustments`` | §4.2 adjustment points (加减分), clamped to the cap |
| ``composite`` | §4.2 composite, adjusted composite, qualification: one unit's score |
| ``ranking`` | §4.2 ranking within groups, advanced quota, last place, grades |
| ``notice`` | §4.4 notice end, appeals window, when a revision may become final |

The rules, every decision taken where the design is silent, and a worked example of each (recomputed
from this code by tests/test_rules_doc.py) are in docs/rules.md.
"""

from services.assessment.rules.adjustments import (
    MAX_ITEM_POINTS,
    adjusted_composite,
    adjustment_points,
    points_problem,
)
from services.assessment.rules.composite import (
    Components,
    UnitInput,
    UnitScore,
    composite,
    is_qualified,
    score_unit,
)
from services.assessment.rules.department import (
    DepartmentScore,
    ScoredTarget,
    TargetScore,
    completion_ratio,
    department_score,
)
from services.assessment.rules.enums import Direction, Grade, Measure, Source, TargetKind
from services.assessment.rules.exact import CENT, round_half_up
from services.assessment.rules.notice import appeal_refusal, finalize_refusal, notice_ends_on, on_notice
from services.assessment.rules.ranking import (
    GroupResult,
    RankedUnit,
    RankingResult,
    advanced_quota,
    assess,
    last_place_order_key,
    rank_units,
    ranking_key,
)
from services.assessment.rules.settings import (
    DEFAULTS,
    KEY_RULES,
    MAX_KEY_LENGTH,
    MAX_VALUE_LENGTH,
    Settings,
    SettingsError,
    advanced_ratio_for,
    canonical_key,
    last_place_count_for,
    parse_setting,
    settings_from_pairs,
    validate_settings,
)
from services.assessment.rules.sources import (
    VOTE_VALUES,
    BallotCount,
    ComponentScore,
    GrassrootsCount,
    VotingScore,
    grassroots_score,
    inspection_score,
    voting_score,
)

__all__ = [
    "CENT",
    "DEFAULTS",
    "KEY_RULES",
    "MAX_ITEM_POINTS",
    "MAX_KEY_LENGTH",
    "MAX_VALUE_LENGTH",
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
    "adjusted_composite",
    "adjustment_points",
    "advanced_quota",
    "advanced_ratio_for",
    "appeal_refusal",
    "assess",
    "canonical_key",
    "completion_ratio",
    "composite",
    "department_score",
    "finalize_refusal",
    "grassroots_score",
    "inspection_score",
    "is_qualified",
    "last_place_count_for",
    "last_place_order_key",
    "notice_ends_on",
    "on_notice",
    "parse_setting",
    "points_problem",
    "rank_units",
    "ranking_key",
    "round_half_up",
    "score_unit",
    "settings_from_pairs",
    "validate_settings",
    "voting_score",
]
