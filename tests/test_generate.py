"""The demo-year generator: deterministic, the Wuhan units, cascades to people, a realistic spread."""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

from mbo import demo_year
from mbo.generate import HEADERS, build, generate
from mbo.wuhan import DISTRICTS
from services.personnel.rules import MainLeaderRole, Move, Stint, apply_move, stint_on, year_end
from services.targets import rules
from services.targets.models import Direction


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.csv"))}


def test_same_seed_same_bundle_and_another_seed_differs(tmp_path: Path) -> None:
    generate(tmp_path / "a", seed=7)
    generate(tmp_path / "b", seed=7)
    generate(tmp_path / "c", seed=8)
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert digest(tmp_path / "a")["people.csv"] != digest(tmp_path / "c")["people.csv"]


def test_files_carry_the_exchange_format_headers(tmp_path: Path) -> None:
    counts = generate(tmp_path)
    assert set(counts) == set(HEADERS)
    for name, header in HEADERS.items():
        with (tmp_path / name).open(encoding="utf-8") as handle:
            assert next(csv.reader(handle)) == header


def test_city_has_the_13_districts_and_97_municipal_units() -> None:
    bundle = build()
    kinds = Counter(u.kind for u in bundle.units)
    assert kinds == {"district": 13, "municipal": 97}
    assert {u.name for u in bundle.units if u.kind == "district"} == {name for _, name in DISTRICTS}
    assert 15_000 <= len(bundle.people) <= 17_000


def test_every_unit_has_a_leadership_team_and_base_points_total_100() -> None:
    bundle = build()
    roles = Counter((p[2], p[5]) for p in bundle.people if p[5])
    for unit in bundle.units:
        assert roles[(unit.code, "party_secretary")] == 1
        assert roles[(unit.code, "admin_head")] == 1
    points: Counter[str] = Counter()
    for row in bundle.targets:
        if row[5] == "base" and not row[15]:
            points[row[1]] += int(row[11])
    assert set(points.values()) == {100}


def test_cascades_reach_people_and_only_top_level_targets_are_certified() -> None:
    bundle = build()
    by_code = {row[0]: row for row in bundle.targets}
    children = Counter(row[15] for row in bundle.targets if row[15])
    departments = [row for row in bundle.targets if row[15] and not by_code[row[15]][15]]
    assert departments and all(children[row[0]] == 3 for row in departments)
    leaves = [row for row in bundle.targets if row[0] not in children]
    assert leaves and all(row[18] for row in leaves), "every leaf is assigned to a person"
    certified = {row[0] for row in bundle.certifications}
    assert certified == {row[0] for row in bundle.targets if not row[15]}
    stretch = [row for row in bundle.targets if row[5] == "stretch" and not row[15]]
    assert stretch and all(row[12] and row[13] for row in stretch), "stretch targets name a peer city"


def test_province_scale_has_1100_units() -> None:
    bundle = build(scale="province", people_per_unit=10)
    assert len(bundle.units) == 1100
    assert len({u.code for u in bundle.units}) == 1100


def test_about_5_percent_of_the_staff_move_during_the_year_and_every_move_is_valid() -> None:
    bundle = build()
    people = {p[0]: p for p in bundle.people}
    assert 0.045 <= len(bundle.transfers) / len(people) <= 0.055
    assert len({t[0] for t in bundle.transfers}) == len(bundle.transfers), "one move per person"
    days = [date.fromisoformat(t[5]) for t in bundle.transfers]
    assert {d.year for d in days} == {2026} and len({d.month for d in days}) == 12, "spread over the year"
    leavers = [t for t in bundle.transfers if not t[1]]
    secretaries = [t for t in bundle.transfers if t[4] == "party_secretary"]
    assert leavers and len(secretaries) == 6
    moved_to = Counter(t[1] for t in bundle.transfers if t[1])
    assert len(moved_to) > 50
    for t in bundle.transfers:
        person = people[t[0]]
        role = MainLeaderRole.PARTY_SECRETARY if t[4] else None
        history = apply_move([Stint(person[2], person[3], person[4] == "yes")],
                             Move(date.fromisoformat(t[5]), t[1] or None, t[2], t[3] == "yes", role))
        held = stint_on(history, year_end(2026))
        assert (held.unit_code if held else None) == (t[1] or None)
    joiners = [p for p in bundle.people if p[9]]
    assert joiners and all(date.fromisoformat(p[9]).year == 2026 and p[4] == "no" for p in joiners)
    assert len(people) == len(bundle.people), "joiners get staff numbers of their own"


def test_transfers_are_deterministic_at_city_and_province_scale(tmp_path: Path) -> None:
    generate(tmp_path / "a", seed=7)
    generate(tmp_path / "b", seed=7)
    assert digest(tmp_path / "a")["transfers.csv"] == digest(tmp_path / "b")["transfers.csv"]
    province = build(scale="province", people_per_unit=20)
    assert 0.04 <= len(province.transfers) / len(province.people) <= 0.06
    assert len([t for t in province.transfers if t[4]]) == 60


def test_the_demo_year_has_letters_at_every_level_with_a_few_units_pending() -> None:
    bundle = build()
    plan = demo_year.plan(bundle, 2026)
    levels = Counter(x.level for x in plan.letters)
    assert levels["CITY_UNIT"] == 110 and levels["UNIT_DEPARTMENT"] == 330
    assert 330 < levels["DEPARTMENT_PERSON"] <= 110 * 12, "a department's targets go to its own few people"
    bound = Counter(code for x in plan.letters for code in x.codes)
    assert set(bound) == {row[0] for row in bundle.targets} and set(bound.values()) == {1}, \
        "every target is bound by exactly one letter"
    assert 1 <= len(plan.pending) <= 5 and "JAQ" not in plan.pending
    assert plan.partly is not None and plan.partly[1] == "JAQ"
    assert 2 <= len(plan.amendments) <= 3
    agreed = {row[0]: Decimal(row[10]) for row in bundle.targets if row[10]}
    assert all(Decimal(value) < agreed[code] for _unit, code, value in plan.amendments)
    assert demo_year.plan(bundle, 2026) == plan, "deterministic"


def test_progress_is_reported_every_quarter_and_3_to_8_percent_of_the_targets_are_behind() -> None:
    """The statuses the targets service computes (the same pure rules: completion, roll-up, status) at each
    quarter's end, over every target of the city."""
    bundle = build()
    plan = demo_year.plan(bundle, 2026)
    reports = [r for unit in plan.progress.values() for r in unit]
    leaves = {row[0] for row in bundle.targets} - {row[15] for row in bundle.targets if row[15]}
    assert Counter(r["period"] for r in reports) == {p: len(leaves) for p in ("2026-03", "2026-06", "2026-09",
                                                                               "2026-12")}
    rows = {row[0]: row for row in bundle.targets}
    forest = rules.build_forest((row[0], row[15] or None, row) for row in bundle.targets)
    points = {code: Decimal(row[11]) if row[11] else None for code, row in rows.items()}
    for period, day in (("2026-03", date(2026, 3, 31)), ("2026-06", date(2026, 6, 30)),
                        ("2026-09", date(2026, 9, 30)), ("2026-12", date(2026, 12, 31))):
        actual = {r["code"]: Decimal(r["actualToDate"]) for r in reports if r["period"] == period}
        own = {code: rules.completion(
            rows[code][6] == "quantitative",
            Direction.HIGHER_IS_BETTER if rows[code][7] == "higher" else Direction.LOWER_IS_BETTER,
            Decimal(rows[code][10]) if rows[code][10] else None, value) for code, value in actual.items()}
        rolled = rules.roll_up(forest, own, points)
        elapsed = rules.elapsed_fraction(2026, day)
        statuses = Counter(rules.progress_status(value, elapsed) for value in rolled.values())
        behind = (len(rolled) - statuses[rules.ProgressStatus.ON_TRACK]) / len(rolled)
        assert 0.03 <= behind <= 0.08, (period, behind)
        assert statuses[rules.ProgressStatus.AT_RISK] > 0 and statuses[rules.ProgressStatus.LAGGING] > 0


def test_the_demo_year_plans_at_province_scale_too() -> None:
    bundle = build(scale="province", people_per_unit=10)
    plan = demo_year.plan(bundle, 2026)
    assert Counter(x.level for x in plan.letters)["CITY_UNIT"] == 1100
