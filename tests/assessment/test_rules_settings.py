"""The one settings model and parser (services/assessment/rules/settings.py), by hand.

settings.csv, `setAssessmentSetting`, the stored values a computation reads and these tests all go through
`parse_setting` / `settings_from_pairs`; the service tests check that the import and the API agree with it.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal, getcontext

import pytest

from services.assessment.rules import (
    DEFAULTS,
    Settings,
    SettingsError,
    canonical_key,
    parse_setting,
    settings_from_pairs,
    validate_settings,
)

D = Decimal


def test_a_key_with_blanks_is_the_same_key() -> None:
    assert canonical_key("advanced_ratio: A") == canonical_key(" advanced_ratio :A ") == "advanced_ratio:A"
    assert parse_setting("advanced_ratio: A", "0.5") == ("advanced_ratio:A", D("0.5"))
    spaced = settings_from_pairs([("advanced_ratio: A", "0.5")])
    plain = settings_from_pairs([("advanced_ratio:A", "0.5")])
    assert spaced == plain
    assert spaced.advanced_ratio_for("A") == D("0.5")  # the group is "A", not " A"
    with pytest.raises(SettingsError, match="given more than once") as excinfo:
        settings_from_pairs([("advanced_ratio: A", "0.5"), ("advanced_ratio:A", "0.4")])
    assert (excinfo.value.key, excinfo.value.field) == ("advanced_ratio:A", "key")


def test_new_keys_and_their_defaults() -> None:
    assert (DEFAULTS.adjustment_cap, DEFAULTS.advanced_unit_award, DEFAULTS.advanced_leader_award,
            DEFAULTS.notice_days) == (D(5), D(0), D(0), 0)
    s = settings_from_pairs([("adjustment_cap", "3.5"), ("advanced_unit_award", "50000"),
                             ("advanced_leader_award", "8000.50"), ("notice_days", "7")])
    assert (s.adjustment_cap, s.advanced_unit_award, s.advanced_leader_award, s.notice_days) == (
        D("3.5"), D(50000), D("8000.50"), 7)
    assert isinstance(s.notice_days, int)
    assert settings_from_pairs(s.as_pairs()) == s


@pytest.mark.parametrize(("key", "value", "field"), [
    ("advanced_unit_award", "100.001", "value"),  # money: at most 2 decimal places
    ("advanced_leader_award", "-1", "value"),
    ("advanced_unit_award", "abc", "value"),
    ("notice_days", "1.5", "value"),  # a whole number of calendar days
    ("notice_days", "-1", "value"),
    ("notice_days", "366", "value"),
    ("adjustment_cap", "5.001", "value"),
    ("adjustment_cap", "-1", "value"),
    ("notice_days:A", "3", "key"),  # only three keys take a group
    ("voter_group_weight", "1", "key"),
    ("voter_group_weight: ", "1", "key"),
    ("colour", "1", "key"),
    ("pass_line", "1" * 65, "value"),
])
def test_bad_values_and_keys_name_the_key_and_the_field(key: str, value: str, field: str) -> None:
    with pytest.raises(SettingsError) as excinfo:
        parse_setting(key, value)
    assert excinfo.value.field == field
    assert excinfo.value.key.startswith(canonical_key(key).split(":")[0])


def test_weights_must_sum_to_exactly_1_not_to_1_at_28_digits() -> None:
    # 0.60000000000000000000000000001 + 0.15 + 0.15 + 0.1 is 1.00000000000000000000000000001 — not 1. A 28-digit
    # Decimal sum rounds it to 1, which is what the old validator compared.
    department = "0.60000000000000000000000000001"
    assert getcontext().prec == 28
    assert D(department) + D("0.15") + D("0.15") + D("0.1") == 1
    with pytest.raises(SettingsError, match=r"sum to exactly 1, got 1\.00000000000000000000000000001$"):
        settings_from_pairs([("weight_department", department)])
    with pytest.raises(SettingsError, match="sum to exactly 1"):
        validate_settings(Settings(weight_department=D(department)))
    settings_from_pairs([("weight_department", "0.6"), ("weight_grassroots", "0.10")])


def test_a_28_digit_decimal_product_floors_to_the_wrong_quota() -> None:
    # What rules.advanced_quota avoids (tested there): 0.99999999999999999999999999999 × 1 rounds to 1.
    ratio = D("0.99999999999999999999999999999")
    assert int((ratio * 1).to_integral_value(rounding=ROUND_FLOOR)) == 1
    assert parse_setting("advanced_ratio", str(ratio)) == ("advanced_ratio", ratio)  # the parser keeps every digit
