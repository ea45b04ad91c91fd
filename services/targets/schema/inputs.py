"""The targets subgraph's input types, and how they become the domain modules' arguments."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

import strawberry

from kernel.ids import record_id
from services.targets import calendar, catalog, letter_batches, letters, progress, repository, units
from services.targets.schema.types import LetterLevel, LetterSide, fields_of

UNIT_COLUMNS = ("code", "name", "kind", "group")
ROWS_HELP = "rows of the file: one JSON object per row, {\"row\": n, \"<column>\": \"<text>\", …} (DESIGN §5)"
TARGET = repository.TargetValues  # the source of the target inputs' fields and their types


@strawberry.input
@fields_of(TARGET, "year", "code", "unit_code", "title", "kind", "measure", "direction", "points",
           optional=("category", "unit_of_measure", "baseline", "benchmark_city", "benchmark_value",
                     "assessing_department", "responsible_leader", "responsible_department", "assignee", "additive"))
class NewTargetInput:
    """A new top-level target: its fields are those of the stored target."""


@strawberry.input(description="Fields to change; those left out stay as they are")
@fields_of(TARGET, optional=("title", "category", "kind", "measure", "direction", "unit_of_measure", "baseline",
                             "agreed_value", "points", "benchmark_city", "benchmark_value", "assessing_department",
                             "responsible_leader", "responsible_department", "assignee", "additive"))
class TargetChangeInput:
    """The fields of a target a change may give."""


@strawberry.input(description="A change to one target bound by the letter being amended")
@fields_of(TARGET, "code", optional=("title", "agreed_value", "points", "baseline", "benchmark_city",
                                     "benchmark_value", "assessing_department", "responsible_leader",
                                     "responsible_department", "assignee"))
class TargetAmendmentInput:
    """The fields of a bound target an amendment letter may change."""


CHILD_FIELDS = tuple(f.name for f in dataclasses.fields(catalog.ChildSpec))


@strawberry.input
@fields_of(catalog.ChildSpec, *CHILD_FIELDS[:2], optional=CHILD_FIELDS[2:])
class ChildTargetInput:
    """One child of a decomposition, as `catalog.ChildSpec`."""


@strawberry.input(description="A leader who negotiates; no units = every session")
class LeaderInput:
    staff_no: str
    unavailable: list[datetime.date] = strawberry.field(default_factory=list)
    units: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class NewLetterInput:
    year: int
    unit_code: str
    level: LetterLevel
    issuer: str
    receiver: str
    target_codes: list[str]
    title: str | None = None
    parent_id: strawberry.ID | None = None


@strawberry.input(description="One signature of a batch: the letter, the side signed, the version seen")
class LetterSignatureInput:
    id: strawberry.ID
    side: LetterSide
    version: int


ENTRY_FIELDS = tuple(f.name for f in dataclasses.fields(progress.Entry))


@strawberry.input(description="One progress report of a batch")
@fields_of(progress.Entry, *ENTRY_FIELDS[:4], optional=ENTRY_FIELDS[4:])
class ProgressReportInput:
    """One report of a batch, as `progress.Entry`."""


# ---- inputs → the domain modules' arguments ------------------------------------------------------


def _values(data: object, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(data, name) for name in names}


def unit_rows(parsed: list[Any]) -> list[units.UnitRow]:
    return [units.UnitRow(row=r.row, code=r.code, name=r.name, kind=r.kind, group=r.group) for r in parsed]


def target_spec(data: NewTargetInput | TargetChangeInput) -> catalog.TargetSpec:
    values = {name: getattr(data, name) for name in catalog.TargetSpec.__dataclass_fields__ if hasattr(data, name)}
    for name in ("kind", "measure", "direction"):
        if values.get(name) is not None:
            values[name] = values[name].value
    return catalog.TargetSpec(**values)


def child_specs(children: list[ChildTargetInput]) -> list[catalog.ChildSpec]:
    return [catalog.ChildSpec(**_values(c, CHILD_FIELDS) | {"code": c.code.strip()}) for c in children]


def leader_specs(given: list[LeaderInput]) -> list[calendar.Leader]:
    return [calendar.Leader(staff_no=ld.staff_no, unavailable=frozenset(ld.unavailable), units=frozenset(ld.units))
            for ld in given]


def letter_spec(data: NewLetterInput) -> letters.LetterSpec:
    return letters.LetterSpec(
        year=data.year, unit_code=data.unit_code, level=data.level.value, issuer=data.issuer,
        receiver=data.receiver, target_codes=data.target_codes, title=data.title or "",
        parent_id=record_id(data.parent_id) if data.parent_id else None,
    )


def signature_specs(given: list[LetterSignatureInput]) -> list[letter_batches.Signature]:
    return [letter_batches.Signature(record_id(s.id) or 0, s.side.value, s.version) for s in given]


def amendment_changes(changes: list[TargetAmendmentInput]) -> list[tuple[str, dict[str, object]]]:
    """(code, the changed fields under their camelCase names) per change, as `letters.amend_letter` takes them."""
    return [(c.code, {camel: value for camel, name in letters.AMENDABLE.items()
                      if (value := getattr(c, name)) is not None}) for c in changes]


def progress_entries(reports: list[ProgressReportInput]) -> list[progress.Entry]:
    return [progress.Entry(**_values(r, ENTRY_FIELDS)) for r in reports]
