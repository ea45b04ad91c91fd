"""The enumerations the rules speak in (DESIGN.md §3, §4)."""

from __future__ import annotations

from enum import StrEnum


class TargetKind(StrEnum):
    BASE = "BASE"  # 基本目标
    STRETCH = "STRETCH"  # 争取目标
    VETO = "VETO"  # 一票否决


class Measure(StrEnum):
    QUANTITATIVE = "QUANTITATIVE"
    QUALITATIVE = "QUALITATIVE"


class Direction(StrEnum):
    HIGHER_IS_BETTER = "HIGHER_IS_BETTER"
    LOWER_IS_BETTER = "LOWER_IS_BETTER"


class Grade(StrEnum):
    ADVANCED = "ADVANCED"  # 先进
    QUALIFIED = "QUALIFIED"  # 达标
    UNQUALIFIED = "UNQUALIFIED"  # 未达标
    LAST_PLACE = "LAST_PLACE"  # 末位 (also non-qualified)


class Source(StrEnum):
    """The four score sources of §4.1; the lower-case value is what ``missing`` lists."""

    DEPARTMENT = "department"
    VOTING = "voting"
    INSPECTION = "inspection"
    GRASSROOTS = "grassroots"
