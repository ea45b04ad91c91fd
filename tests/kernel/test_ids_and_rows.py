"""kernel.ids.record_id and kernel.graphql.type_from_row: the two helpers every schema uses for rows."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import strawberry

from kernel.graphql import type_from_row
from kernel.ids import MAX_ID, record_id


@pytest.mark.parametrize(("given", "expected"), [("42", 42), (7, 7), ("1", 1), (str(MAX_ID), MAX_ID)])
def test_a_whole_number_in_range_is_a_row_id(given: object, expected: int) -> None:
    assert record_id(given) == expected


@pytest.mark.parametrize("given", ["0", "-3", "4.0", "", "abc", "１２", str(MAX_ID + 1), "9" * 40, None])
def test_anything_else_is_no_row_id(given: object) -> None:
    assert record_id(given) is None


@strawberry.type
class Entry:
    year: int
    unit_code: strawberry.ID
    score: str
    note: str | None = None
    secret: strawberry.Private[str] = ""

    @strawberry.field
    def label(self) -> str:
        return f"{self.unit_code}:{self.score}"


def test_fields_come_from_attributes_of_the_same_name_and_given_ones_win() -> None:
    row = SimpleNamespace(year=2026, unit_code="JA", score="91.5", note="ok", label="not a field", other=1)
    entry = type_from_row(Entry, row, score="92.0", secret="kept")
    assert (entry.year, entry.unit_code, entry.score, entry.note, entry.secret) == (2026, "JA", "92.0", "ok", "kept")
    assert entry.label() == "JA:92.0"  # a resolver is not copied from the row


def test_a_field_the_row_lacks_keeps_its_default() -> None:
    entry = type_from_row(Entry, SimpleNamespace(year=2026, unit_code="JA", score="1"))
    assert entry.note is None and entry.secret == ""


def test_a_required_field_the_row_lacks_is_an_error() -> None:
    with pytest.raises(TypeError):
        type_from_row(Entry, SimpleNamespace(year=2026, unit_code="JA"))


def test_a_given_name_that_is_no_field_is_an_error() -> None:
    with pytest.raises(TypeError, match="no field scroe"):
        type_from_row(Entry, SimpleNamespace(year=2026, unit_code="JA", score="1"), scroe="2")


@strawberry.type
class Wrapped:
    name: str
    row: strawberry.Private[object]


def test_a_field_named_row_can_be_given() -> None:
    source = SimpleNamespace(name="张三")
    wrapped = type_from_row(Wrapped, source, row=source)
    assert wrapped.row is source and wrapped.name == "张三"
