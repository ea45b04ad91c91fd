"""The worked examples of docs/rules.md §3.1–3.3 (whose unit, stints, one-time awards), recomputed from the rules code:
each figure the document states is computed here and looked up in the document."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from services.personnel.rules import (
    Grade,
    MainLeaderRole,
    Move,
    PersonFacts,
    Stint,
    apply_move,
    honours,
    needs_leader_adjustment,
    reward_line,
    stint_on,
    unit_award,
    unit_honours,
    year_end,
)

DOC = (Path(__file__).resolve().parents[2] / "docs" / "rules.md").read_text(encoding="utf-8")
SECTION = DOC.split("### 3.1 Whose unit", 1)[1].split("\n## ", 1)[0]
GRADES = {"JA": Grade.ADVANCED, "JH": Grade.QUALIFIED}
CLERK = PersonFacts("S1", on_establishment=True, monthly_salary=Decimal("8500.00"),
                    bonus_standard=Decimal("20000.00"))


def stated(*texts: str) -> None:
    for text in texts:
        assert text in SECTION, f"docs/rules.md §3 no longer says {text!r}"


def line_2026(history: list[Stint]) -> tuple[str, str]:
    held = stint_on(history, year_end(2026))
    assert held is not None
    line = reward_line(CLERK, GRADES[held.unit_code])
    return line.grade.value, str(line.total)


@pytest.mark.parametrize(("effective", "unit", "grade", "total"), [
    ("2026-06-30", "JA", "ADVANCED", "28500.00"),
    ("2027-01-10", "JH", "QUALIFIED", "20000.00"),
    ("2026-12-31", "JA", "ADVANCED", "28500.00"),
])
def test_whose_unit_example(effective: str, unit: str, grade: str, total: str) -> None:
    history = apply_move([Stint("JH", "科员")], Move(date.fromisoformat(effective), "JA", "科员"))
    assert stint_on(history, year_end(2026)).unit_code == unit
    assert line_2026(history) == (grade, total)
    stated(f"effective {effective}", "JH until 2026-06-29, JA from\n2026-06-30",
           "20000.00 paid + 8500.00 extra\nsalary = 28500.00", "QUALIFIED, 20000.00")


def test_stints_example() -> None:
    assert stint_on([Stint("JA", since=date(2026, 9, 1))], year_end(2026)) is not None
    assert stint_on([Stint("JA", since=date(2027, 2, 1))], year_end(2026)) is None
    left = apply_move([Stint("JA")], Move(date(2026, 11, 16), None))
    assert left == [Stint("JA", until=date(2026, 11, 15))] and stint_on(left, year_end(2026)) is None
    stated("Joined 2026-09-01", "Joined 2027-02-01", "Left effective 2026-11-16: the stint ends 2026-11-15")
    secretary = Stint("ADV", "党组书记", True, MainLeaderRole.PARTY_SECRETARY)
    moved = apply_move([secretary], Move(date(2026, 6, 30), "LST", "党组书记", True, MainLeaderRole.PARTY_SECRETARY))
    held = stint_on(moved, year_end(2026))
    facts = PersonFacts("S2", held.leadership_member, held.main_leader_role, True, Decimal("15000.00"),
                        Decimal("40000.00"))
    grades = {"ADV": Grade.ADVANCED, "LST": Grade.LAST_PLACE}
    line = reward_line(facts, grades[held.unit_code], Decimal("50000"))
    assert needs_leader_adjustment(grades[held.unit_code], facts)
    assert (line.bonus_forfeited, line.bonus_standard, line.one_time_award) == (
        Decimal("40000.00"), Decimal("40000.00"), Decimal("0.00"))
    assert honours(grades[held.unit_code], facts) == []
    stated("effective 2026-06-30 is judged as the\nlast-place unit's", "(40000.00 of 40000.00)")


def test_one_time_awards_example() -> None:
    secretary = PersonFacts("S3", True, MainLeaderRole.PARTY_SECRETARY, True, Decimal("8500.00"),
                            Decimal("20000.00"))
    deputy = PersonFacts("S4", True, None, True, Decimal("8500.00"), Decimal("20000.00"))
    assert unit_award(Grade.ADVANCED, Decimal("200000")) == Decimal("200000.00")
    assert unit_honours(Grade.ADVANCED)[0] == "武汉市年度目标管理先进单位"
    assert reward_line(secretary, Grade.ADVANCED, Decimal("50000")).total == Decimal("78500.00")
    assert reward_line(deputy, Grade.ADVANCED, Decimal("50000")).total == Decimal("28500.00")
    assert unit_award(Grade.ADVANCED, Decimal(0)) is None
    assert reward_line(secretary, Grade.ADVANCED, Decimal(0)).total == Decimal("28500.00")
    stated("`UnitAward` of\n200000.00 titled 武汉市年度目标管理先进单位", "20000.00 + 8500.00 + 50000.00 = 78500.00",
           "main leader): 28500.00", "the secretary's total 28500.00")
