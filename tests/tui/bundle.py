"""A small, fixed year bundle for the TUI tests and bench: units, people, a target tree per unit, settings and
the four year-end sources, with values that spread the units over every grade."""

from __future__ import annotations

from pathlib import Path

from mbo.bundle import SPECS
from tests.support.bundles import UNITS, people_for, write_csv

YEAR = 2026
COLUMNS = {spec.name: list(spec.columns) for spec in SPECS}


def targets_for(code: str, index: int, year: int = YEAR, extra_children: int = 0) -> list[list[str]]:
    lead, member = f"{code}-001", f"{code}-003"

    def row(t: str, title: str, kind: str, measure: str, direction: str, uom: str, baseline: str, agreed: str,
            points: str, parent: str = "", city: str = "", bench: str = "", assignee: str = "") -> list[str]:
        return [f"{code}-{t}", code, str(year), title, "economy", kind, measure, direction, uom, baseline, agreed,
                points, city, bench, "市统计局", parent, "综合处", lead, assignee]

    rows = [
        row("T01", "地区生产总值", "base", "quantitative", "higher", "亿元", "100", "110", "40"),
        row("T01-1", "工业增加值", "base", "quantitative", "higher", "亿元", "", "60", "", f"{code}-T01"),
        row("T01-2", "服务业增加值", "base", "quantitative", "higher", "亿元", "", "40", "", f"{code}-T01",
            assignee=member),
        row("T01-1-1", "制造业项目", "base", "quantitative", "higher", "亿元", "", "30", "", f"{code}-T01-1",
            assignee=member),
        row("T01-1-2", "技改投资", "base", "quantitative", "higher", "亿元", "", "30", "", f"{code}-T01-1",
            assignee=member),
        row("T02", "单位能耗下降", "base", "quantitative", "lower", "吨标煤", "10", "9", "30"),
        row("T03", "营商环境改革", "base", "qualitative", "higher", "", "", "", "30"),
        row("T04", "招商引资争取目标", "stretch", "quantitative", "higher", "亿元", "50", "50", "5",
            city="杭州市", bench="65"),
    ]
    for n in range(extra_children):
        rows.append(row(f"T02-{n + 1:03d}", f"节能任务{n + 1}", "base", "quantitative", "lower", "吨标煤", "",
                        "1", "", f"{code}-T02", assignee=member))
    return rows


def certifications_for(code: str, index: int, year: int = YEAR) -> list[list[str]]:
    gdp = str(120 - 6 * index)  # JA 120 … CZJ 96 (below 110: not met)
    return [[f"{code}-T01", str(year), gdp, "", ""], [f"{code}-T02", str(year), "9", "", ""],
            [f"{code}-T03", str(year), "", "1" if index < 4 else "0.8", ""],
            [f"{code}-T04", str(year), "70" if index < 2 else "40", "", ""]]


def write_year_bundle(folder: Path, units: list[tuple[str, str, str, str]] = UNITS, *, year: int = YEAR,
                      inputs: bool = True, extra_children: int = 0) -> Path:
    write_csv(folder / "units.csv", ["code", "name", "kind", "group"], [list(u) for u in units])
    write_csv(folder / "people.csv", COLUMNS["people.csv"], people_for(units, 3))
    write_csv(folder / "targets.csv", COLUMNS["targets.csv"],
              [r for i, u in enumerate(units) for r in targets_for(u[0], i, year, extra_children)])
    write_csv(folder / "settings.csv", ["year", "key", "value"],
              [[str(year), "advanced_ratio", "0.5"], [str(year), "last_place_count", "1"]])
    if inputs:
        write_year_end(folder, units, year=year)
    return folder


def write_year_end(folder: Path, units: list[tuple[str, str, str, str]] = UNITS, *, year: int = YEAR) -> Path:
    codes = [u[0] for u in units]
    write_csv(folder / "certifications.csv", COLUMNS["certifications.csv"],
              [r for i, c in enumerate(codes) for r in certifications_for(c, i, year)])
    write_csv(folder / "ballots.csv", COLUMNS["ballots.csv"],
              [[c, str(year), group, str(30 - 2 * i), "10", "5", str(i)] for i, c in enumerate(codes)
               for group in ("市民代表", "人大代表")])
    write_csv(folder / "inspections.csv", COLUMNS["inspections.csv"],
              [[c, str(year), who, str(95 - 3 * i)] for i, c in enumerate(codes) for who in ("检查组甲", "检查组乙")])
    write_csv(folder / "grassroots.csv", COLUMNS["grassroots.csv"],
              [[c, str(year), str(80 - 5 * i), "15", str(5 + 5 * i)] for i, c in enumerate(codes)])
    return folder
