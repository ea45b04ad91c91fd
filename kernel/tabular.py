"""Row-level validation of bulk imports (DESIGN.md §5): collect every bad row, then refuse all."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from kernel.errors import BadInput

YES = {"yes", "y", "true", "1", "是"}
NO = {"no", "n", "false", "0", "否"}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "reason": self.reason}


@dataclass
class RowErrors:
    file: str
    errors: list[RowError] = field(default_factory=list)

    def add(self, row: int, column: str, reason: str) -> None:
        self.errors.append(RowError(row, column, reason))

    def first_time(self, seen: dict[Any, int], key: Any, row: int, column: str, again: str) -> bool:
        """True for the first row of a file naming `key`; a later one is a bad row (`again`, then the first row)."""
        if key in seen:
            self.add(row, column, f"{again} on row {seen[key]}")
            return False
        seen[key] = row
        return True

    def raise_if_any(self) -> None:
        if not self.errors:
            return
        rows = sorted({e.row for e in self.errors})
        raise BadInput(
            f"{self.file}: {len(rows)} bad row(s), nothing was written",
            field="rows",
            file=self.file,
            rowErrors=[e.as_dict() for e in sorted(self.errors, key=lambda e: (e.row, e.column))],
        )

    def text(self, row: int, column: str, value: str | None, *, required: bool = True, max_length: int = 200
             ) -> str | None:
        cleaned = (value or "").strip()
        if not cleaned:
            if required:
                self.add(row, column, "is required")
            return None
        if len(cleaned) > max_length:
            self.add(row, column, f"is longer than {max_length} characters")
            return None
        return cleaned

    def choice(self, row: int, column: str, value: str | None, allowed: dict[str, str], *, required: bool = True
               ) -> str | None:
        cleaned = (value or "").strip().lower()
        if not cleaned:
            if required:
                self.add(row, column, f"is required (one of {', '.join(allowed)})")
            return None
        if cleaned not in allowed:
            self.add(row, column, f"{value!r} is not one of {', '.join(allowed)}")
            return None
        return allowed[cleaned]

    def flag(self, row: int, column: str, value: str | None) -> bool | None:
        cleaned = (value or "").strip().lower()
        if cleaned in YES:
            return True
        if cleaned in NO:
            return False
        self.add(row, column, f"{value!r} is not yes or no")
        return None

    def decimal(self, row: int, column: str, value: str | None, *, required: bool = True,
                minimum: Decimal | None = None, maximum: Decimal | None = None) -> Decimal | None:
        cleaned = (value or "").strip()
        if not cleaned:
            if required:
                self.add(row, column, "is required")
            return None
        try:
            number = Decimal(cleaned)
        except InvalidOperation:
            self.add(row, column, f"{value!r} is not a number")
            return None
        if not number.is_finite():
            self.add(row, column, f"{value!r} is not a number")
            return None
        return number if self._within(row, column, number, minimum, maximum) else None

    def integer(self, row: int, column: str, value: str | None, *, required: bool = True,
                minimum: int | None = None, maximum: int | None = None) -> int | None:
        number = self.decimal(row, column, value, required=required)
        if number is None:
            return None
        if number != number.to_integral_value():
            self.add(row, column, f"{value!r} is not a whole number")
            return None
        whole = int(number)
        return whole if self._within(row, column, whole, minimum, maximum) else None

    def _within(self, row: int, column: str, number: Decimal | int, minimum: Decimal | int | None,
                maximum: Decimal | int | None) -> bool:
        """Whether the number lies within the bounds given; an error of the row's column where it does not."""
        if minimum is not None and number < minimum:
            self.add(row, column, f"{number} is below {minimum}")
            return False
        if maximum is not None and number > maximum:
            self.add(row, column, f"{number} is above {maximum}")
            return False
        return True
