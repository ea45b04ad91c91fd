"""The gateway's body reader gives what json.loads gives, and the bytes each variable came as."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.federation.raw_json import loads_keeping_variables

SCALARS = st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30) | st.floats() | st.text()
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner,
                                                                                            max_size=4), max_leaves=20)


def outcome(call: Any) -> tuple[str, Any]:
    try:
        return "value", call()
    except Exception as exc:  # the same exception, message and position
        return type(exc).__name__, str(exc)


def same(a: Any, b: Any) -> bool:
    """Equal as JSON values, NaN included, and of the same Python types."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True) and type(a) is type(b)


@settings(max_examples=300, deadline=None)
@given(variables=st.dictionaries(st.text(), VALUES, max_size=5), extra=st.dictionaries(st.text(), VALUES, max_size=3),
       indent=st.sampled_from([None, 0, 2]), ascii_only=st.booleans())
def test_values_and_texts_are_those_of_json_loads(variables: dict[str, Any], extra: dict[str, Any],
                                                  indent: int | None, ascii_only: bool) -> None:
    body = {**extra, "query": "{ x }", "variables": variables}
    raw = json.dumps(body, indent=indent, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    value, texts = loads_keeping_variables(raw)
    assert same(value, json.loads(raw))
    assert texts is not None and set(texts) == set(variables)
    for name, text in texts.items():
        assert same(json.loads(bytes(text)), variables[name])


@pytest.mark.parametrize("raw", [
    b'{"query": "q", "variables": {"a": 1, "a": [2, 3]}}',  # a repeated name: the last value
    b'{"variables": {"a": 1}, "variables": {"b": 2}}',
    b'{"variables": {"a": 1}, "variables": null}',
    b' \n{ "variables" : { "a" : NaN , "b": -Infinity, "c": 1e400, "d": 123456789012345678901234567890 } } \t',
    b'{"variables": {"s": "\\ud800", "t": "\xed\xa0\x80", "u": "\\u00e9\xc3\xa9"}}',
    b'\xef\xbb\xbf{"variables": {"a": 1}}',
    '{"variables": {"a": "é"}}'.encode("utf-16"),
    b'{"variables": {}}', b"{}", b'{"variables": 5}', b"[1, 2]", b'"text"', b"null", b"",
    b'{"variables": {"a": 1}', b'{"variables": {"a": 1}} x', b'{"variables": {"a" 1}}', b'{"variables": {a: 1}}',
    b'{"variables": {"a": 1,}}', b'{"a": "\x01"}', b'{"a": 1 "b": 2}', b'{"variables": {"a": [1, }}',
    b"\xff\xfe\xfa", b'{"variables": {"a": "\xff"}}', b"{" * 100_000,
])
def test_odd_bodies_give_what_json_loads_gives(raw: bytes) -> None:
    expected = outcome(lambda: json.loads(raw))
    got = outcome(lambda: loads_keeping_variables(raw))
    if expected[0] != "value":
        assert got == expected
        return
    value, texts = got[1]
    assert same(value, expected[1])
    variables = value.get("variables") if isinstance(value, dict) else None
    if isinstance(variables, dict) and json.detect_encoding(raw) == "utf-8":
        assert texts is not None and set(texts) == set(variables)
        for name, text in texts.items():
            assert same(json.loads(bytes(text)), variables[name])
    else:
        assert texts is None
