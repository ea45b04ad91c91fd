"""The per-year settings (DESIGN.md §4, §5 settings.csv): one model, one parser, one validator.

Every path that reads or writes a setting goes through here: the settings.csv import and
`setAssessmentSetting` (:func:`parse_setting` per row, :func:`settings_from_pairs` for the year as a
whole), the stored values when a year is computed (:func:`settings_from_pairs`), the GraphQL type
(built from :class:`Settings`) and the tests.

A key is written ``name`` or ``name:<group>``; blanks around the key, around the ``:`` and around the
group are not part of it (``advanced_ratio: A`` is ``advanced_ratio:A``). :func:`canonical_key` gives
the stored spelling.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation, localcontext
from fractions import Fraction
from typing import Literal

from services.assessment.rules.exact import ONE, ZERO, decimal_places

Kind = Literal["number", "count"]
Field = Literal["key", "value"]

MAX_KEY_LENGTH = 96
MAX_VALUE_LENGTH = 64
WEIGHT_KEYS = ("weight_department", "weight_voting", "weight_inspection", "weight_grassroots")
GROUP_PREFIXES = ("voter_group_weight", "advanced_ratio", "last_place_count")
MONEY_LIMIT = Decimal("1000000000")


class SettingsError(ValueError):
    """A bad or unknown setting. ``key`` names it (as written in settings.csv); ``field`` says whether the
    key itself (``"key"``) or its value (``"value"``) is at fault."""

    def __init__(self, key: str, reason: str, *, field: Field = "value") -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason
        self.field = field


@dataclass(frozen=True)
class KeyRule:
    """How one key's value is read and checked: a number or a whole count, its range, its decimal places."""

    kind: Kind
    low: Decimal | None = ZERO
    high: Decimal | None = None
    places: int | None = None
    what: str = ""

    def describe(self) -> str:
        span = f"between {self.low} and {self.high}" if self.high is not None else f"≥ {self.low}"
        noun = "a whole number" if self.kind == "count" else "a number"
        places = f" with at most {self.places} decimal places" if self.places is not None else ""
        return f"{noun} {span}{places}"


_WEIGHT = KeyRule("number", ZERO, ONE, what="a component weight")
_RATIO = KeyRule("number", ZERO, ONE, what="a share of the qualified units")
_COUNT = KeyRule("count", ZERO, None, what="a number of units")
_MONEY = KeyRule("number", ZERO, MONEY_LIMIT, places=2, what="an amount in CNY")

KEY_RULES: dict[str, KeyRule] = {
    "weight_department": _WEIGHT,
    "weight_voting": _WEIGHT,
    "weight_inspection": _WEIGHT,
    "weight_grassroots": _WEIGHT,
    "pass_line": KeyRule("number", ZERO, Decimal(110), what="the composite a qualified unit reaches"),
    "advanced_ratio": _RATIO,
    "last_place_count": _COUNT,
    "stretch_cap": KeyRule("number", ZERO, Decimal(100), what="the most stretch points count"),
    "adjustment_cap": KeyRule("number", ZERO, Decimal(100), places=2, what="the most adjustment points count"),
    "advanced_unit_award": _MONEY,
    "advanced_leader_award": _MONEY,
    "notice_days": KeyRule("count", ZERO, Decimal(365), what="calendar days of public notice"),
    "voter_group_weight": KeyRule("number", ZERO, None, what="a voter group's weight"),
}
PLAIN_KEYS = tuple(k for k in KEY_RULES if k != "voter_group_weight")


@dataclass(frozen=True)
class Settings:
    """Per-year settings with the §4/§5 defaults.

    ``group_advanced_ratio`` / ``group_last_place_count`` hold the ``advanced_ratio:<group>`` and
    ``last_place_count:<group>`` overrides; ``voter_group_weights`` the ``voter_group_weight:<group>``
    values (a group without one weighs 1).
    """

    weight_department: Decimal = Decimal("0.60")
    weight_voting: Decimal = Decimal("0.15")
    weight_inspection: Decimal = Decimal("0.15")
    weight_grassroots: Decimal = Decimal("0.10")
    pass_line: Decimal = Decimal("60")
    advanced_ratio: Decimal = Decimal("0.25")
    last_place_count: int = 13
    stretch_cap: Decimal = Decimal("10")
    adjustment_cap: Decimal = Decimal("5")
    advanced_unit_award: Decimal = Decimal("0")
    advanced_leader_award: Decimal = Decimal("0")
    notice_days: int = 0
    voter_group_weights: Mapping[str, Decimal] = field(default_factory=dict)
    group_advanced_ratio: Mapping[str, Decimal] = field(default_factory=dict)
    group_last_place_count: Mapping[str, int] = field(default_factory=dict)

    def advanced_ratio_for(self, group: str | None) -> Decimal:
        return advanced_ratio_for(self, group)

    def last_place_count_for(self, group: str | None) -> int:
        return last_place_count_for(self, group)

    def as_pairs(self) -> list[tuple[str, str]]:
        """The settings as ``(key, value)`` pairs (round-trips through :func:`settings_from_pairs`)."""
        pairs = [(key, str(getattr(self, key))) for key in PLAIN_KEYS]
        pairs += [(f"voter_group_weight:{g}", str(w)) for g, w in sorted(self.voter_group_weights.items())]
        pairs += [(f"advanced_ratio:{g}", str(r)) for g, r in sorted(self.group_advanced_ratio.items())]
        pairs += [(f"last_place_count:{g}", str(c)) for g, c in sorted(self.group_last_place_count.items())]
        return pairs


DEFAULTS = Settings()


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


# --------------------------------------------------------------------------------------------------
# Parsing one key and value
# --------------------------------------------------------------------------------------------------


def canonical_key(raw: str) -> str:
    """The stored spelling of a key: blanks around it, around ``:`` and around the group removed."""
    key = str(raw).strip()
    if ":" not in key:
        return key
    prefix, _, group = key.partition(":")
    return f"{prefix.strip()}:{group.strip()}"


def _known_keys() -> str:
    return ", ".join([*PLAIN_KEYS, *(f"{p}:<group>" for p in GROUP_PREFIXES)])


def rule_for(key: str) -> KeyRule:
    """The rule of a canonical key; :class:`SettingsError` (about the key) when there is none."""
    if len(key) > MAX_KEY_LENGTH:
        raise SettingsError(key[:MAX_KEY_LENGTH] + "…", f"a key is at most {MAX_KEY_LENGTH} characters", field="key")
    prefix, colon, group = key.partition(":")
    if not colon:
        if prefix == "voter_group_weight":
            raise SettingsError(key, "needs a group: voter_group_weight:<group>", field="key")
        if prefix not in KEY_RULES:
            raise SettingsError(key, f"unknown setting; the keys are {_known_keys()}", field="key")
        return KEY_RULES[prefix]
    if prefix not in GROUP_PREFIXES:
        if prefix in KEY_RULES:
            raise SettingsError(key, "only voter_group_weight, advanced_ratio and last_place_count take :<group>",
                                field="key")
        raise SettingsError(key, f"unknown setting; the keys are {_known_keys()}", field="key")
    if not group:
        raise SettingsError(key, "the group name after ':' is empty", field="key")
    return KEY_RULES[prefix]


def _number(key: str, raw: object) -> Decimal:
    text = str(raw).strip()
    if len(text) > MAX_VALUE_LENGTH:
        raise SettingsError(key, f"the value is longer than {MAX_VALUE_LENGTH} characters")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise SettingsError(key, f"not a number: {raw!r}") from None
    if not value.is_finite():
        raise SettingsError(key, f"not a finite number: {raw!r}")
    return value


def check_value(key: str, value: object) -> None:
    """Raise :class:`SettingsError` unless ``value`` is of the right type and range for ``key``."""
    rule = rule_for(key)
    if rule.kind == "count":
        if isinstance(value, bool) or not isinstance(value, int):
            raise SettingsError(key, f"must be a whole number, not {value!r}")
        number = Decimal(value)
    else:
        if isinstance(value, bool) or not isinstance(value, Decimal | int):
            raise SettingsError(key, f"must be a Decimal, not {type(value).__name__}")
        number = Decimal(value)
        if not number.is_finite():
            raise SettingsError(key, "must be a finite number")
    if (rule.low is not None and number < rule.low) or (rule.high is not None and number > rule.high):
        raise SettingsError(key, f"must be {rule.describe()}, got {number}")
    if rule.places is not None and decimal_places(number) > rule.places:
        raise SettingsError(key, f"must be {rule.describe()}, got {number}")


def parse_setting(raw_key: str, raw_value: object) -> tuple[str, Decimal | int]:
    """One settings.csv row: the canonical key and its typed value, checked on their own.

    Raises :class:`SettingsError` for an unknown or malformed key (``field == "key"``) and for a value
    that does not parse or is out of range (``field == "value"``).
    """
    key = canonical_key(raw_key)
    rule = rule_for(key)
    number = _number(key, raw_value)
    value: Decimal | int = number
    if rule.kind == "count":
        if number != number.to_integral_value():
            raise SettingsError(key, f"must be a whole number, got {raw_value!r}")
        value = int(number)
    check_value(key, value)
    return key, value


# --------------------------------------------------------------------------------------------------
# A year's settings as a whole
# --------------------------------------------------------------------------------------------------


def settings_from_pairs(pairs: Iterable[tuple[str, object]], *, base: Settings | None = None) -> Settings:
    """Parse ``(key, value)`` pairs (settings.csv rows, or a year's stored values) over ``base`` (default:
    the defaults) and validate the result.

    Raises :class:`SettingsError` naming the key for an unknown key, a key given twice (in any spelling),
    a value that does not parse, or settings :func:`validate_settings` rejects.
    """
    base = base or DEFAULTS
    changes: dict[str, Decimal | int] = {}
    groups: dict[str, dict[str, Decimal | int]] = {
        "voter_group_weight": dict(base.voter_group_weights),
        "advanced_ratio": dict(base.group_advanced_ratio),
        "last_place_count": dict(base.group_last_place_count),
    }
    seen: set[str] = set()
    for raw_key, raw_value in pairs:
        key, value = parse_setting(raw_key, raw_value)
        if key in seen:
            raise SettingsError(key, "given more than once", field="key")
        seen.add(key)
        prefix, colon, group = key.partition(":")
        if colon:
            groups[prefix][group] = value
        else:
            changes[key] = value
    settings = replace(
        base,
        **changes,  # type: ignore[arg-type]
        voter_group_weights=groups["voter_group_weight"],
        group_advanced_ratio=groups["advanced_ratio"],
        group_last_place_count=groups["last_place_count"],
    )
    validate_settings(settings)
    return settings


def validate_settings(settings: Settings) -> None:
    """Raise :class:`SettingsError` naming the first offending key, else return ``None``.

    Each key in its range (see ``KEY_RULES``) and the four component weights summing to exactly 1,
    added as exact fractions (a sum rounded to 28 digits could pass 1.00000000000000000000000000001).
    """
    for key in PLAIN_KEYS:
        check_value(key, getattr(settings, key))
    total = sum((Fraction(getattr(settings, key)) for key in WEIGHT_KEYS), Fraction(0))
    if total != 1:
        with localcontext() as context:
            context.prec = 400  # show the exact sum, not one rounded to 28 digits
            shown = sum((Decimal(getattr(settings, key)) for key in WEIGHT_KEYS), ZERO)
        raise SettingsError(", ".join(WEIGHT_KEYS), f"the four weights must sum to exactly 1, got {shown}")
    for prefix, values in (("voter_group_weight", settings.voter_group_weights),
                           ("advanced_ratio", settings.group_advanced_ratio),
                           ("last_place_count", settings.group_last_place_count)):
        for group, value in values.items():
            key = f"{prefix}:{group}"
            if not str(group).strip() or str(group) != str(group).strip():
                raise SettingsError(key, "the group name is empty or has blanks around it", field="key")
            check_value(key, value)
