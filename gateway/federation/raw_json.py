"""A request body parsed once, keeping the bytes each variable came as, so that a fetch that sends variables on
unchanged forwards those bytes instead of encoding the decoded values again (`json.dumps` of a city's
targets.csv, ~9 MB, took as long as parsing it).

The values are exactly what `json.loads` gives for the same bytes — the same C scanner reads every member —
and a body this reader does not take as a plain object (anything unusual, malformed or not) is handed to
`json.loads` itself, so every refusal and every value stays the same.
"""

from __future__ import annotations

import json
from json.decoder import WHITESPACE, scanstring
from typing import Any

_scan = json.JSONDecoder().scan_once
_skip = WHITESPACE.match
Span = tuple[int, int]


class _NotPlain(Exception):
    """The body is not one this reader takes: `json.loads` decides."""


def _object(text: str, index: int, keep: str | None
            ) -> tuple[dict[str, Any], dict[str, Span], dict[str, Span] | None, int]:
    """The object starting at `text[index]` (a "{"): its value, where each member's value is in `text`, where
    the members of its member `keep` are (None unless that is an object), and the index after the object.
    A repeated name keeps its last value, as `json.loads` does."""
    value: dict[str, Any] = {}
    spans: dict[str, Span] = {}
    kept: dict[str, Span] | None = None
    index = _skip(text, index + 1).end()
    if text.startswith("}", index):
        return value, spans, kept, index + 1
    while True:
        if not text.startswith('"', index):
            raise _NotPlain
        key, index = scanstring(text, index + 1, True)
        index = _skip(text, index).end()
        if not text.startswith(":", index):
            raise _NotPlain
        start = _skip(text, index + 1).end()
        if key == keep:
            kept = None
            if text.startswith("{", start):
                value[key], kept, _, index = _object(text, start, None)
            else:
                value[key], index = _scan(text, start)
        else:
            value[key], index = _scan(text, start)
        spans[key] = (start, index)
        index = _skip(text, index).end()
        if text.startswith(",", index):
            index = _skip(text, index + 1).end()
        elif text.startswith("}", index):
            return value, spans, kept, index + 1
        else:
            raise _NotPlain


def loads_keeping_variables(raw: bytes) -> tuple[Any, dict[str, memoryview] | None]:
    """`json.loads(raw)`, and the bytes of each member of the body's "variables" object, as views of `raw`
    (None when the body is not a UTF-8 object with a "variables" object). Raises what `json.loads` raises."""
    try:
        encoding = json.detect_encoding(raw)
        text = raw.decode(encoding, "surrogatepass")
        index = _skip(text, 0).end()
        if not text.startswith("{", index):
            raise _NotPlain
        value, _, kept, index = _object(text, index, "variables")
        if _skip(text, index).end() != len(text):
            raise _NotPlain
    except (_NotPlain, StopIteration, ValueError, RecursionError):
        return json.loads(raw), None
    if kept is None or encoding != "utf-8":
        return value, None
    view = memoryview(raw)
    return value, {name: view[_byte(text, raw, start):_byte(text, raw, end)] for name, (start, end) in kept.items()}


def _byte(text: str, raw: bytes, index: int) -> int:
    """Where the character `text[index]` starts in `raw` (`text` decoded from UTF-8), from whichever end is
    nearer: a body's variables span nearly all of it, with a short text before and after them."""
    if index <= len(text) // 2:
        return len(text[:index].encode("utf-8", "surrogatepass"))
    return len(raw) - len(text[index:].encode("utf-8", "surrogatepass"))
