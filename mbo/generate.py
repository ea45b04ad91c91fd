"""A deterministic Wuhan demo year written as a year bundle (DESIGN.md §5)."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from mbo.wuhan import DISTRICTS, MUNICIPAL_NAMES

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = ("建国 秀英 志强 丽娟 海涛 文静 晓明 红梅 国庆 春华 卫东 玉兰 德胜 桂芳 永刚 淑珍 振华 雪梅 光明 爱华 "
         "立新 凤英 俊杰 慧敏 子涵 思远 嘉怡 浩然 欣怡 宇轩").split()
STAFF_POSITIONS = ["处长", "副处长", "科长", "副科长", "主任科员", "科员", "办事员"]


@dataclass(frozen=True)
class DemoUnit:
    code: str
    name: str
    kind: str
    group: str


def demo_units() -> list[DemoUnit]:
    units = [DemoUnit(code, name, "district", "区") for code, name in DISTRICTS]
    units += [DemoUnit(f"SZ{i:03d}", name, "municipal", "市直") for i, name in enumerate(MUNICIPAL_NAMES, 1)]
    return units


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def demo_people(units: list[DemoUnit], rng: random.Random, staff_per_unit: int) -> list[list[str]]:
    rows: list[list[str]] = []
    for unit in units:
        district = unit.kind == "district"
        leaders = [("区委书记" if district else "党组书记", "party_secretary"),
                   ("区长" if district else "局长（主任）", "admin_head")]
        leaders += [("副区长" if district else "副局长", "")] * 3
        number = 0
        for position, role in leaders:
            number += 1
            salary = Decimal(rng.randrange(14000, 19000, 50))
            rows.append([f"{unit.code}-{number:04d}", person_name(rng), unit.code, position, "yes", role, "yes",
                         f"{salary}.00", f"{Decimal(rng.randrange(36000, 48000, 100))}.00"])
        for _ in range(max(0, staff_per_unit - len(leaders))):
            number += 1
            established = rng.random() < 0.85
            salary = Decimal(rng.randrange(5200, 12500, 10))
            bonus = Decimal(rng.randrange(12000, 30000, 10)) + Decimal(rng.choice(["0", "0.5", "0.25"]))
            rows.append([f"{unit.code}-{number:04d}", person_name(rng), unit.code, rng.choice(STAFF_POSITIONS),
                         "no", "", "yes" if established else "no", f"{salary}.00", f"{bonus:.2f}"])
    return rows


def write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def generate(out: Path, *, year: int = 2026, seed: int = 2026, staff_per_unit: int = 20) -> dict[str, int]:
    """Write units.csv, people.csv and settings.csv; return row counts per file."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    units = demo_units()
    write(out / "units.csv", ["code", "name", "kind", "group"],
          [[u.code, u.name, u.kind, u.group] for u in units])
    people = demo_people(units, rng, staff_per_unit)
    write(out / "people.csv", ["staff_no", "name", "unit_code", "position", "leadership_member",
                               "main_leader_role", "on_establishment", "monthly_salary", "bonus_standard"], people)
    settings = [[str(year), "weight_department", "0.60"], [str(year), "weight_voting", "0.15"],
                [str(year), "weight_inspection", "0.15"], [str(year), "weight_grassroots", "0.10"],
                [str(year), "pass_line", "60"], [str(year), "advanced_ratio", "0.25"],
                [str(year), "last_place_count", "13"], [str(year), "stretch_cap", "10"],
                [str(year), "last_place_count:区", "2"], [str(year), "last_place_count:市直", "11"]]
    write(out / "settings.csv", ["year", "key", "value"], settings)
    return {"units.csv": len(units), "people.csv": len(people), "settings.csv": len(settings)}
