"""The enumerations of the exchange format (DESIGN.md §3–§5) that more than one service stores.

A target's kind, measure and direction are owned by the targets service and copied into the
assessment service's snapshot of a year; a unit's grade is decided by the assessment service and
read back by personnel. Each service exposes them with ``strawberry.enum`` under the same name and
description, so the composed supergraph sees one definition.
"""

from __future__ import annotations

from enum import StrEnum


class TargetKind(StrEnum):
    BASE = "BASE"  # 基本目标
    STRETCH = "STRETCH"  # 争取目标
    VETO = "VETO"  # 一票否决


class Measure(StrEnum):
    QUANTITATIVE = "QUANTITATIVE"  # 定量
    QUALITATIVE = "QUALITATIVE"  # 定性


class Direction(StrEnum):
    HIGHER_IS_BETTER = "HIGHER_IS_BETTER"
    LOWER_IS_BETTER = "LOWER_IS_BETTER"


class Grade(StrEnum):
    ADVANCED = "ADVANCED"  # 先进
    QUALIFIED = "QUALIFIED"  # 达标
    UNQUALIFIED = "UNQUALIFIED"  # 未达标
    LAST_PLACE = "LAST_PLACE"  # 末位 (also non-qualified)


GRADE_DESCRIPTION = "等次 — the grade of a unit in a published assessment"
