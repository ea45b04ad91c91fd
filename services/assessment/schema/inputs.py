"""What the assessment subgraph's arguments are made of: the import files' rows and columns, and the choices."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

SETTING_COLUMNS = ("year", "key", "value")
ADJUSTMENT_COLUMNS = ("unit_code", "year", "points", "reason")
CERTIFICATION_COLUMNS = ("target_code", "year", "actual_value", "completion", "note")
BALLOT_COLUMNS = ("unit_code", "year", "voter_group", "excellent", "good", "fair", "poor")
INSPECTION_COLUMNS = ("unit_code", "year", "inspector", "score")
GRASSROOTS_COLUMNS = ("unit_code", "year", "satisfied", "basically_satisfied", "dissatisfied")
ROWS_HELP = "rows of the file: one JSON object per row, {\"row\": n, \"<column>\": \"<text>\", …} (DESIGN §5)"
Rows = Annotated[list[JSON], strawberry.argument(description=ROWS_HELP)]


@strawberry.enum(description="The target office's decision on an appeal")
class AppealDecision(Enum):
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"


def text(value: object | None) -> str | None:
    """An argument as the text a one-row file would hold (None stays absent)."""
    return None if value is None else str(value)
