"""Small year bundles written by the tests themselves."""

from __future__ import annotations

import csv
from pathlib import Path

UNITS = [
    ("JA", "江岸区", "district", "区"),
    ("JH", "江汉区", "district", "区"),
    ("QK", "硚口区", "district", "区"),
    ("FGW", "市发展和改革委员会", "municipal", "市直"),
    ("CZJ", "市财政局", "municipal", "市直"),
]


def people_for(units: list[tuple[str, str, str, str]], per_unit: int = 3) -> list[list[str]]:
    surnames = "王李张刘陈杨赵黄周吴"
    given = ["建国", "秀英", "志强", "丽娟", "海涛", "文静"]
    rows = []
    for u_index, (code, *_rest) in enumerate(units):
        for i in range(per_unit):
            role = "party_secretary" if i == 0 else "admin_head" if i == 1 else ""
            rows.append([
                f"{code}-{i + 1:03d}",
                surnames[(u_index + i) % len(surnames)] + given[(u_index * 3 + i) % len(given)],
                code,
                "党组书记" if i == 0 else "局长" if i == 1 else "科员",
                "yes" if i < 2 else "no",
                role,
                "yes" if i != 2 else "no",
                f"{8000 + 500 * i}.00",
                f"{30000 + 1000 * i}.50",
            ])
    return rows


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_skeleton_bundle(folder: Path, units: list[tuple[str, str, str, str]] = UNITS,
                          per_unit: int = 3) -> Path:
    write_csv(folder / "units.csv", ["code", "name", "kind", "group"], [list(u) for u in units])
    write_csv(
        folder / "people.csv",
        ["staff_no", "name", "unit_code", "position", "leadership_member", "main_leader_role",
         "on_establishment", "monthly_salary", "bonus_standard"],
        people_for(units, per_unit),
    )
    write_csv(folder / "settings.csv", ["year", "key", "value"],
              [["2026", "pass_line", "65"], ["2026", "voter_group_weight:市民代表", "2"],
               ["2026", "advanced_ratio:区", "0.3"]])
    return folder
