"""The strict scalars and the argument checks as plain functions (kernel.scalars, kernel.validation)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from graphql import parse
from hypothesis import given, settings
from hypothesis import strategies as st

from kernel import scalars
from kernel.scalars import ScalarError, checking_json, parse_date, parse_datetime, parse_decimal, parse_json
from kernel.validation import (
    InputLimits,
    control_character,
    decimal_problem,
    holds_surrogate,
    json_problems,
    may_hold_surrogate,
    text_problem,
    variable_usages,
)


@pytest.mark.parametrize("text", ["2026-13-45", "2026-02-30", "0000-01-01", "2026-1-1", "20260101", "2026-W01-1",
                                  "２０２６-01-01", " 2026-01-01", "2026-01-01T00:00", "", None, 20260101])
def test_a_date_is_a_calendar_day_written_yyyy_mm_dd(text: object) -> None:
    with pytest.raises(ScalarError):
        parse_date(text)


def test_good_dates_and_times() -> None:
    assert parse_date("2024-02-29") == dt.date(2024, 2, 29)
    assert parse_datetime("2026-06-30T08:00:00+08:00") == dt.datetime(2026, 6, 30, 0, 0, tzinfo=dt.UTC)
    assert parse_datetime("2026-06-30T08:00:00Z").tzinfo == dt.UTC
    assert parse_datetime("2026-06-30 08:00").tzinfo is None


@pytest.mark.parametrize("text", ["2026-13-45T00:00:00", "2026-02-30T00:00", "2026-06-30T25:00:00", "2026-06-30",
                                  "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "now", 1.5])
def test_a_datetime_is_iso_8601_and_in_range(text: object) -> None:
    with pytest.raises(ScalarError):
        parse_datetime(text)


@pytest.mark.parametrize("value", ["NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "inf", "1e999999", "1e-999999",
                                   "9" * 40, "12abc", "", "0x10", "1_000", "١٢", True, None, [], float("nan"),
                                   float("inf")])
def test_a_decimal_is_a_finite_plain_number(value: object) -> None:
    with pytest.raises(ScalarError):
        parse_decimal(value)


def test_good_decimals() -> None:
    assert parse_decimal("12.5") == Decimal("12.5")
    assert parse_decimal(" -0.5 ") == Decimal("-0.5")
    assert parse_decimal("1.5e3") == Decimal("1500")
    assert parse_decimal(7) == Decimal(7)
    assert parse_decimal(0.1) == Decimal("0.1")


def test_json_is_finite_and_shallow() -> None:
    assert parse_json({"rows": [1, "a", None]}) == {"rows": [1, "a", None]}
    deep: object = "x"
    for _ in range(20):
        deep = [deep]
    with pytest.raises(ScalarError):
        parse_json(deep)
    with pytest.raises(ScalarError):
        parse_json({"score": float("nan")})


def test_limits_come_from_the_service_models() -> None:
    targets = InputLimits.for_service("targets")
    assert targets.column("unitCode").max_length == 32  # type: ignore[union-attr]
    assert targets.column("code").max_length == 64  # a target code; a unit code (32) is checked by createUnit
    assert targets.column("unitCodes").max_length == 32  # type: ignore[union-attr]
    assert targets.column("note").free_text and not targets.column("title").free_text  # type: ignore[union-attr]
    assert targets.column("overrideReason").free_text  # type: ignore[union-attr]
    points = targets.column("points")
    assert points is not None and (points.kind, points.digits, points.places) == ("decimal", 12, 4)
    personnel = InputLimits.for_service("personnel")
    salary = personnel.column("monthlySalary")
    assert salary is not None and (salary.digits, salary.places) == (12, 2)
    assert personnel.column("id").kind == "integer"  # type: ignore[union-attr]
    assert personnel.column("text").free_text  # type: ignore[union-attr]
    assert InputLimits.for_service("assessment").column("nothingLikeThis") is None


def test_control_characters() -> None:
    assert control_character("江岸区", free_text=False) is None
    assert control_character("a\tb\nc\r\n", free_text=True) is None
    assert control_character("a\tb", free_text=False) == "U+0009"
    assert control_character("a\x00b", free_text=True) == "U+0000"
    assert control_character("a\x85b", free_text=True) == "U+0085"
    assert control_character("a\x7f", free_text=True) == "U+007F"
    assert control_character("a\ud800", free_text=True) == "U+D800"


def test_text_and_decimal_problems() -> None:
    limits = InputLimits.for_service("targets")
    assert text_problem("J" * 33, limits.column("unitCode"), "String") == "is at most 32 characters (33 given)"
    assert text_problem("J" * 256, None, "String") is None
    assert text_problem("J" * 257, None, "String") is not None
    assert text_problem("12", limits.column("id"), "ID") is None
    assert text_problem("99999999999", limits.column("id"), "ID") is not None
    assert text_problem("²", limits.column("id"), "ID") is not None
    salary = InputLimits.for_service("personnel").column("monthlySalary")
    assert decimal_problem(Decimal("1234.50"), salary) is None
    assert decimal_problem(Decimal("1234.567"), salary) == "has more than 2 decimal places"
    assert decimal_problem(Decimal("9999999999.99"), salary) is None
    assert decimal_problem(Decimal("10000000000"), salary) is not None
    assert decimal_problem(Decimal("-5E+3"), None) is None


def test_a_variable_is_named_by_the_argument_it_fills() -> None:
    operation = parse("""mutation($l: [LeaderInput!]!, $d: Date!, $c: String!) {
      scheduleNegotiations(year: 2026, start: $d, leaders: $l, days: 1, sessionsPerDay: 1) { unscheduled }
      createTarget(input: {code: $c}) { code } }""").definitions[0]
    assert variable_usages(operation, {}) == {"d": "start", "l": "leaders", "c": "input.code"}  # type: ignore[arg-type]


def test_json_text_problems_name_row_and_column_in_one_walk() -> None:
    rows = [{"row": 2, "name": "江岸区", "note": "a\tb\nc"}, {"row": 3, "name": "x\x00y", "bad\x01key": "\x02"},
            {"row": 4, "deep": [{"a": "y" * 10_001}]}]
    expected = [("rows[1].name", "contains a control character (U+0000)"),
                ("rows[1]", "has a key that is not a column name (U+0001)"),
                ("rows[2].deep[0].a", "is at most 10000 characters (10001 given)")]
    assert list(json_problems(rows, "rows")) == expected
    with checking_json():
        assert parse_json(rows) is rows
        rows[1]["name"] = "changed after the walk"  # the walk is not made again for the same value
        assert list(json_problems(rows, "rows")) == expected
    assert list(json_problems(rows, "rows")) == expected[1:]
    with checking_json(), pytest.raises(ScalarError):
        parse_json([{"score": float("inf"), "name": "\x00"}])


CELL_TEXT = st.text(alphabet=st.sampled_from(["a", "江", " ", "\t", "\n", "\x00", "\x7f", "\x85", "\ud800", "é"]),
                    max_size=12) | st.sampled_from(["x" * 10_000, "x" * 10_001, "k" * 256, "k" * 257])
CELLS = st.none() | st.integers() | st.booleans() | st.floats() | CELL_TEXT
ROWS = st.lists(st.dictionaries(CELL_TEXT, st.recursive(CELLS, lambda inner: st.lists(inner, max_size=3)
                                                            | st.dictionaries(CELL_TEXT, inner, max_size=3),
                                                            max_leaves=6), max_size=6), max_size=4)


def walked(value: object) -> tuple[str, object]:
    try:
        return "findings", scalars.json_findings(value)
    except ScalarError as exc:
        return "refused", str(exc)


@settings(max_examples=400, deadline=None)
@given(rows=ROWS)
def test_a_row_checked_at_once_gives_what_the_walk_gives(rows: list[dict[str, object]]) -> None:
    """An import row whose keys and texts are searched at once is refused, and its texts noted, exactly as the
    walk of each cell refuses and notes them (in the same order)."""
    at_once = walked(rows)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(scalars, "_clean_row", lambda _value: False)
        assert walked(rows) == at_once


@pytest.mark.parametrize("body", [b'{"query": "{ a }", "variables": {"t": "\\ud800"}}',
                                  b'{"query": "{ a }", "variables": {"t": "\\uDC00"}}',
                                  '{"t": "\ud800"}'.encode("utf-8", "surrogatepass"),
                                  '{"t": "\ud800"}'.encode("utf-16", "surrogatepass")])
def test_a_body_that_may_hold_a_surrogate_is_looked_into(body: bytes) -> None:
    assert may_hold_surrogate(body)
    assert holds_surrogate(json.loads(body))


@pytest.mark.parametrize(("body", "looked_into"), [('{"t": "江岸区 한국 \\u0041"}'.encode(), False),
                                                   ('{"t": "\ud7ff \ue000"}'.encode(), False),  # ED 9F BF: no surrogate
                                                   (b'{"t": "\\\\ud800"}', True), (b'{"t": "\\ud83d\\ude00"}', True)])
def test_a_body_with_no_surrogate(body: bytes, looked_into: bool) -> None:
    assert not holds_surrogate(json.loads(body))
    assert may_hold_surrogate(body) == looked_into  # an escaped backslash or a pair: looked into, no refusal
