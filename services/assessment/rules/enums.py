"""The enumerations the rules speak in (DESIGN.md §3, §4)."""

from __future__ import annotations

from enum import StrEnum

from kernel.vocabulary import Direction, Grade, Measure, TargetKind

__all__ = ["Direction", "Grade", "Measure", "Source", "TargetKind"]


class Source(StrEnum):
    """The four score sources of §4.1; the lower-case value is what ``missing`` lists."""

    DEPARTMENT = "department"
    VOTING = "voting"
    INSPECTION = "inspection"
    GRASSROOTS = "grassroots"
