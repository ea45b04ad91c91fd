"""Official documents (DOCX) at city scale: the filing records of every cadre of the city (one form per page) and
all responsibility letters of the unit with the most targets (city → unit, one unit → department letter per
department, one department → person letter per assignee).

The data is the generated Wuhan year (mbo.generate: 110 units, 16,029 people, 14,638 targets) held in memory, so
the figure is the time to lay out and write the DOCX (what the services add to a read they already do); every
leadership member gets a form, an upper bound on a real year (only advanced and non-qualified units' teams do).

Run: .venv/bin/python bench/documents.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

from common import machine, table
from docx import Document as open_docx

from mbo.generate import generate
from services.personnel import filing_document
from services.personnel.models import FilingStatus
from services.targets import letter_document
from services.targets.models import LetterLevel, LetterStatus, Measure

GRADES = ["ADVANCED", "QUALIFIED", "UNQUALIFIED", "LAST_PLACE"]
NOW = datetime(2026, 12, 31, 2, tzinfo=UTC)


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def forms(people: list[dict[str, str]], unit_names: dict[str, str]) -> list[SimpleNamespace]:
    cadres = [p for p in people if p["leadership_member"] == "yes"]
    return [SimpleNamespace(
        year=2026, staff_no=p["staff_no"], person_name=p["name"], unit_code=p["unit_code"],
        unit_name=unit_names[p["unit_code"]], position=p["position"], team_role="MEMBER",
        grade=GRADES[i % 4], composite_score=Decimal("88.25"), rank=i % 20 + 1,
        reward_text="先进单位领导班子成员：全额发放",
        bonus_paid=Decimal("42540.00"), bonus_forfeited=Decimal("0.00"), extra_salary=Decimal("15210.00"),
        honours="武汉市年度目标管理先进个人" if i % 4 == 0 else "", adjustment_points=Decimal("1.00"),
        adjustments=[{"points": "1", "category": "国家级表彰", "reason": "获评全国文明城区"}],
        remarks="经审核，同意备案",
        review_note="", status=FilingStatus.ARCHIVED, reviewed_by="supervision", reviewed_role="SUPERVISION_OFFICE",
        reviewed_at=NOW, transferred_by="supervision", transferred_at=NOW, archived_by="orgdept", archived_at=NOW,
    ) for i, p in enumerate(cadres)]


def target(row: dict[str, str]) -> SimpleNamespace:
    return SimpleNamespace(
        code=row["code"], title=row["title"], points=Decimal(row["points"] or "0"),
        agreed_value=Decimal(row["agreed_value"]) if row["agreed_value"] else None,
        unit_of_measure=row["unit_of_measure"], measure=Measure(row["measure"].upper()),
        responsible_leader=row["responsible_leader"] or None, responsible_department=row["responsible_department"])


def letter(number: int, level: LetterLevel, issuer: str, receiver: str, parent: int | None) -> SimpleNamespace:
    return SimpleNamespace(
        id=number, year=2026, level=level, title="", issuer=issuer, receiver=receiver, parent_id=parent,
        amends_id=None, reason="", status=LetterStatus.SIGNED, issuer_signed_by="office", issuer_signed_at=NOW,
        receiver_signed_by="unitop", receiver_signed_at=NOW, content_hash="0" * 64)


def letters_of(unit: SimpleNamespace, rows: list[dict[str, str]]) -> tuple[list, list]:
    """The unit's cascade as letters: city → unit (top-level targets), unit → each department, department → each
    assignee (the targets assigned to them)."""
    top = [target(r) for r in rows if not r["parent_code"]]
    letters, bound = [letter(1, LetterLevel.CITY_UNIT, "武汉市人民政府", unit.name, None)], [top]
    by_department: dict[str, list] = defaultdict(list)
    by_assignee: dict[str, list] = defaultdict(list)
    for r in rows:
        if r["parent_code"]:
            by_department[r["responsible_department"] or "综合处"].append(target(r))
        if r["assignee"]:
            by_assignee[r["assignee"]].append(target(r))
    for department, targets in sorted(by_department.items()):
        letters.append(letter(len(letters) + 1, LetterLevel.UNIT_DEPARTMENT, unit.name, department, 1))
        bound.append(targets)
    for staff_no, targets in sorted(by_assignee.items()):
        letters.append(letter(len(letters) + 1, LetterLevel.DEPARTMENT_PERSON, "业务一处", staff_no, 2))
        bound.append(targets)
    return letters, bound


def timed(make: Callable[[], bytes], repeat: int) -> tuple[float, bytes]:
    samples, content = [], b""
    for _ in range(repeat):
        start = time.perf_counter()
        content = make()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), content


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        generate(out, files=("units.csv", "people.csv", "targets.csv"))
        units = {u["code"]: u["name"] for u in rows_of(out / "units.csv")}
        people = rows_of(out / "people.csv")
        targets = rows_of(out / "targets.csv")
    names = {p["staff_no"]: p["name"] for p in people}
    by_unit: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in targets:
        by_unit[r["unit_code"]].append(r)
    biggest = max(by_unit, key=lambda code: len(by_unit[code]))
    unit = SimpleNamespace(code=biggest, name=units[biggest])
    letters, bound = letters_of(unit, by_unit[biggest])
    filings = forms(people, units)

    rows = []
    seconds, content = timed(lambda: filing_document.render(filings, True), args.repeat)
    pages = len(open_docx(io.BytesIO(content)).tables)
    rows.append(["备案表 filing records, whole city", f"{len(filings)} forms", pages, f"{seconds:.2f}",
                 f"{len(content) / 1024:.0f}", f"{1000 * seconds / len(filings):.1f}"])
    seconds, content = timed(lambda: letter_document.render(2026, unit, letters, bound, names), args.repeat)
    pages = len(letters)
    rows.append([f"责任书 letters of {biggest} ({len(by_unit[biggest])} targets)", f"{len(letters)} letters", pages,
                 f"{seconds:.2f}", f"{len(content) / 1024:.0f}", f"{1000 * seconds / len(letters):.1f}"])
    print(table(f"DOCX generation at city scale, median of {args.repeat} · {machine()}",
                ["document", "items", "pages", "seconds", "KiB", "ms per item"], rows))


if __name__ == "__main__":
    main()
