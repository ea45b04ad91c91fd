"""Strict parsing of the custom scalars (Date, DateTime, Decimal, JSON), for the services and the gateway.

Strawberry's own parsers accept what Python accepts (`Decimal("NaN")`, `"1e999999"`, `date.fromisoformat`
of week dates) and wrap a failure in an error the services would report as INTERNAL. These parsers take
only what the API documents and refuse anything else with a message that says what was expected; the
refusal becomes `BAD_USER_INPUT` naming the argument (kernel.validation). The definitions keep the names,
descriptions and URLs of Strawberry's, so the printed SDL does not change.

- Date: `YYYY-MM-DD`, a real calendar day (years 0001–9999).
- DateTime: ISO 8601, `YYYY-MM-DDTHH:MM[:SS[.ffffff]]`, optionally `Z` or `±HH:MM`; an offset is
  converted to UTC, a time without one is taken as given.
- Decimal: a plain decimal number (`12`, `-0.5`, `1.5e3`) as a string, or a JSON number; never NaN or
  infinity, at most 34 significant digits and an exponent within ±40. How many digits a particular
  argument may have is the validation step's business (the column it is stored in).
- JSON: any JSON value nested at most 16 levels deep, numbers finite.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Context, Decimal, InvalidOperation
from typing import Any

from graphql import GraphQLError, GraphQLScalarType, GraphQLSchema
from strawberry.scalars import JSON
from strawberry.schema.types.base_scalars import DateDefinition, DateTimeDefinition, DecimalDefinition
from strawberry.schema.types.scalar import DEFAULT_SCALAR_REGISTRY
from strawberry.types.scalar import ScalarDefinition

DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?", re.ASCII)
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,4})?", re.ASCII)
EXACT = Context(prec=100)
MAX_NUMBER_CHARS = 64
MAX_SIGNIFICANT_DIGITS = 34
MAX_EXPONENT = 40
MAX_JSON_DEPTH = 16
MAX_TEXT = 10_000
"""Free text (a TEXT column, a JSON cell) is at most this many characters."""
DEFAULT_TEXT = 256
"""An argument stored in no known column (a JSON key among them): one line of at most this many characters."""
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
NOT_FREE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

JsonPath = tuple[str | int, ...]
JsonFinding = tuple[JsonPath, str, bool]
"""Where in a JSON value (keys and indexes), the text, and whether it is a key: text kernel.validation refuses."""


class ScalarError(GraphQLError):
    """A value the scalar does not accept (graphql-core reports it at the variable or literal)."""


def parse_date(value: object) -> dt.date:
    if not isinstance(value, str) or not DATE.fullmatch(value):
        raise ScalarError("not a date; a date is written YYYY-MM-DD, e.g. 2026-06-30")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise ScalarError(f"not a calendar date: {error} (YYYY-MM-DD)") from None


def parse_datetime(value: object) -> dt.datetime:
    if not isinstance(value, str) or not DATETIME.fullmatch(value):
        raise ScalarError("not a date and time; write it as ISO 8601, e.g. 2026-06-30T08:00:00+08:00")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as error:
        raise ScalarError(f"not a calendar date and time: {error}") from None
    if parsed.tzinfo is None:
        return parsed
    try:
        return parsed.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise ScalarError("the date and time is out of range") from None


def parse_decimal(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ScalarError("not a decimal number; send it as a string such as \"12.5\"")
    if isinstance(value, float) and not math.isfinite(value):
        raise ScalarError("not a finite number (NaN and infinity are not amounts)")
    text = value.strip() if isinstance(value, str) else repr(value) if isinstance(value, float) else str(value)
    if len(text) > MAX_NUMBER_CHARS or not NUMBER.fullmatch(text):
        raise ScalarError("not a decimal number such as 12, -0.5 or 1.5e3 (NaN and infinity are not amounts)")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ScalarError("not a decimal number") from None
    exponent = number.adjusted() if number else 0
    if len(number.normalize(EXACT).as_tuple().digits) > MAX_SIGNIFICANT_DIGITS or abs(exponent) > MAX_EXPONENT:
        raise ScalarError("the number is out of range")
    return number


def parse_json(value: object) -> Any:
    """The value as given, once it is known to be nested at most MAX_JSON_DEPTH levels with finite numbers.

    The same walk notes every text the input check will refuse (`json_findings`), so that inside `checking_json`
    each cell of an import is looked at once, however often the value is coerced."""
    scanned = _SCANNED.get()
    if scanned is None:  # the gateway: only the scalar's rules
        _scan(value, 0, (), None)
    else:
        json_findings(value)
    return value


_SCANNED: ContextVar[dict[int, tuple[object, list[JsonFinding]]] | None] = ContextVar("json_scanned", default=None)


@contextmanager
def checking_json() -> Iterator[None]:
    """Within: a JSON value (the same object) coerced again, or checked for text, is not walked again."""
    scanned: dict[int, tuple[object, list[JsonFinding]]] = {}
    token = _SCANNED.set(scanned)
    try:
        yield
    finally:
        scanned.clear()  # the values walked (an import's rows) are not kept past the request, whatever holds the dict
        try:
            _SCANNED.reset(token)
        except ValueError:  # left in another context than entered: forget the values there
            _SCANNED.set(None)


def json_findings(value: object) -> list[JsonFinding]:
    """The texts in `value` that are not free text of at most MAX_TEXT characters, and the keys that are not one
    line of at most DEFAULT_TEXT characters (a bad key's value is not looked into for text), in document order.
    Raises ScalarError for the first value nested too deeply or not a finite number."""
    scanned = _SCANNED.get()
    if scanned is not None:
        seen = scanned.get(id(value))
        if seen is not None and seen[0] is value:
            return seen[1]
    findings: list[JsonFinding] = []
    _scan(value, 0, (), findings)
    if scanned is not None:
        scanned[id(value)] = (value, findings)
    return findings


def _scan(value: object, depth: int, where: JsonPath, findings: list[JsonFinding] | None) -> None:
    """One walk for both: the scalar's own rules (raise) and the texts to refuse (appended to `findings`)."""
    if depth > MAX_JSON_DEPTH:
        raise ScalarError(f"the JSON value is nested more than {MAX_JSON_DEPTH} levels deep")
    if isinstance(value, str):
        if findings is not None and (len(value) > MAX_TEXT or NOT_FREE_TEXT.search(value)):
            findings.append((where, value, False))
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ScalarError("not a finite number (NaN and infinity are not JSON)")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _scan(item, depth + 1, (*where, index), findings)
    elif isinstance(value, dict):
        inner = depth + 1
        if findings is not None and inner <= MAX_JSON_DEPTH and _clean_row(value):
            return
        for key, item in value.items():
            text = findings
            if findings is not None and (len(key) > DEFAULT_TEXT or CONTROL.search(key)):
                findings.append((where, key, True))
                text = None
            if type(item) is str and inner <= MAX_JSON_DEPTH:  # the common cell, checked here without a call
                if text is not None and (len(item) > MAX_TEXT or NOT_FREE_TEXT.search(item)):
                    text.append(((*where, key), item, False))
            elif inner > MAX_JSON_DEPTH or (item is not None and type(item) is not int):
                _scan(item, inner, (*where, key), text)


def _clean_row(value: dict[str, object]) -> bool:
    """True when an object holds only texts, whole numbers and nulls and none of its keys or texts is one the
    walk below would note: an import row, checked with one search of all its keys and one of all its texts
    (the patterns are single characters, so a joined text matches exactly when one of its parts does).
    False sends the object through the walk, which notes what it finds in document order."""
    texts = []
    for item in value.values():
        if item.__class__ is str:
            texts.append(item)
        elif item is not None and item.__class__ is not int:
            return False
    try:
        keys = "".join(value)
    except TypeError:  # a key that is not text: the walk raises what it raises for it
        return False
    if CONTROL.search(keys) or (len(keys) > DEFAULT_TEXT and max(map(len, value)) > DEFAULT_TEXT):
        return False
    joined = "".join(texts)
    return not (NOT_FREE_TEXT.search(joined) or (len(joined) > MAX_TEXT and max(map(len, texts)) > MAX_TEXT))


def _strict(base: ScalarDefinition, parse: Any) -> ScalarDefinition:
    return ScalarDefinition(name=base.name, description=base.description, specified_by_url=base.specified_by_url,
                            serialize=base.serialize, parse_value=parse, parse_literal=None, origin=base.origin)


PARSERS = {"Date": parse_date, "DateTime": parse_datetime, "Decimal": parse_decimal, "JSON": parse_json}

# Strawberry's `scalar_overrides`: the same scalars, parsed strictly.
SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {
    dt.date: _strict(DateDefinition, parse_date),
    dt.datetime: _strict(DateTimeDefinition, parse_datetime),
    Decimal: _strict(DecimalDefinition, parse_decimal),
    JSON: _strict(DEFAULT_SCALAR_REGISTRY[JSON], parse_json),
}


def harden(schema: GraphQLSchema) -> None:
    """Give a schema built from SDL (the gateway's supergraph) the same strict parsers.

    Only parsing changes: the gateway still forwards the variables as the client sent them and passes the
    subgraphs' values through unchanged.
    """
    for name, parse in PARSERS.items():
        scalar = schema.type_map.get(name)
        if isinstance(scalar, GraphQLScalarType):
            scalar.parse_value = parse  # type: ignore[method-assign]
            scalar.coerce_input_value = parse  # graphql-core 3.3 coerces variables and literals with this
