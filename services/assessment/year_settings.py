"""The per-year assessment settings (DESIGN.md §4, §5 settings.csv): keys, defaults, validation."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from services.assessment import rules

DEFAULTS: dict[str, Decimal] = {
    "weight_department": Decimal("0.60"),
    "weight_voting": Decimal("0.15"),
    "weight_inspection": Decimal("0.15"),
    "weight_grassroots": Decimal("0.10"),
    "pass_line": Decimal("60"),
    "advanced_ratio": Decimal("0.25"),
    "last_place_count": Decimal("13"),
    "stretch_cap": Decimal("10"),
}
WEIGHTS = ("weight_department", "weight_voting", "weight_inspection", "weight_grassroots")
GROUP_KEYS = ("voter_group_weight", "advanced_ratio", "last_place_count")
MAX_KEY = 96


@dataclass(frozen=True)
class YearSettings:
    weight_department: Decimal
    weight_voting: Decimal
    weight_inspection: Decimal
    weight_grassroots: Decimal
    pass_line: Decimal
    advanced_ratio: Decimal
    last_place_count: int
    stretch_cap: Decimal
    voter_group_weights: dict[str, Decimal] = field(default_factory=dict)
    group_advanced_ratio: dict[str, Decimal] = field(default_factory=dict)
    group_last_place_count: dict[str, int] = field(default_factory=dict)


def parse_value(key: str, raw: str) -> Decimal:
    """Check one key and its value on their own; raise ValueError saying what is wrong."""
    base, _, group = key.partition(":")
    if base not in DEFAULTS and base != "voter_group_weight":
        allowed = ", ".join([*DEFAULTS, "voter_group_weight:<group>"])
        raise ValueError(f"unknown key {key!r}; keys are {allowed}")
    if ":" in key and (base not in GROUP_KEYS or not group.strip()):
        raise ValueError(f"{key!r}: only voter_group_weight, advanced_ratio and last_place_count take :<group>")
    if base == "voter_group_weight" and not group.strip():
        raise ValueError("voter_group_weight needs a group: voter_group_weight:<group>")
    if len(key) > MAX_KEY:
        raise ValueError(f"the key is longer than {MAX_KEY} characters")
    try:
        value = Decimal(raw.strip())
    except (InvalidOperation, AttributeError):
        raise ValueError(f"{raw!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{raw!r} is not a number")
    if base.startswith("weight_") and not Decimal(0) <= value <= Decimal(1):
        raise ValueError(f"{key} must be between 0 and 1")
    if base == "advanced_ratio" and not Decimal(0) <= value <= Decimal(1):
        raise ValueError(f"{key} must be between 0 and 1")
    if base == "last_place_count" and (value < 0 or value != value.to_integral_value()):
        raise ValueError(f"{key} must be a whole number ≥ 0")
    if base == "pass_line" and not Decimal(0) <= value <= Decimal(110):
        raise ValueError("pass_line must be between 0 and 110")
    if base == "stretch_cap" and not Decimal(0) <= value <= Decimal(100):
        raise ValueError("stretch_cap must be between 0 and 100")
    if base == "voter_group_weight" and value < 0:
        raise ValueError(f"{key} must not be negative")
    return value


def build(values: dict[str, Decimal]) -> YearSettings:
    """Combine stored values with the defaults; raise ValueError when the year is inconsistent."""
    merged = {**DEFAULTS, **{k: v for k, v in values.items() if k in DEFAULTS}}
    total = sum((merged[w] for w in WEIGHTS), Decimal(0))
    if total != Decimal(1):
        raise ValueError(f"the four weights must sum to 1 (they sum to {total})")
    groups = {k.partition(":")[2]: v for k, v in values.items() if k.startswith("voter_group_weight:")}
    if groups and sum(groups.values(), Decimal(0)) == 0:
        raise ValueError("the voter-group weights must not all be 0")
    return YearSettings(
        weight_department=merged["weight_department"],
        weight_voting=merged["weight_voting"],
        weight_inspection=merged["weight_inspection"],
        weight_grassroots=merged["weight_grassroots"],
        pass_line=merged["pass_line"],
        advanced_ratio=merged["advanced_ratio"],
        last_place_count=int(merged["last_place_count"]),
        stretch_cap=merged["stretch_cap"],
        voter_group_weights=groups,
        group_advanced_ratio={k.partition(":")[2]: v for k, v in values.items()
                              if k.startswith("advanced_ratio:")},
        group_last_place_count={k.partition(":")[2]: int(v) for k, v in values.items()
                                if k.startswith("last_place_count:")},
    )


def to_rules(settings: YearSettings) -> rules.Settings:
    """The year's settings as the pure rules take them (validated by the rules too)."""
    converted = rules.Settings(
        weight_department=settings.weight_department,
        weight_voting=settings.weight_voting,
        weight_inspection=settings.weight_inspection,
        weight_grassroots=settings.weight_grassroots,
        pass_line=settings.pass_line,
        advanced_ratio=settings.advanced_ratio,
        last_place_count=settings.last_place_count,
        stretch_cap=settings.stretch_cap,
        voter_group_weights=dict(settings.voter_group_weights),
        group_advanced_ratio=dict(settings.group_advanced_ratio),
        group_last_place_count=dict(settings.group_last_place_count),
    )
    rules.validate_settings(converted)
    return converted
