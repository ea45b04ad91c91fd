"""Migration 0004: a personnel database with undated stints is upgraded in place to dated stints, and rows
written before it read as having no one-time award and no adjustment items."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

from tests.support.stack import PG_BASE, backend, drop_databases

UPGRADE = r'''
import asyncio, faulthandler, json, sys
faulthandler.dump_traceback_later(120, exit=True)  # a failed migration must not leave the test waiting
from tortoise import Tortoise
from tortoise.migrations.api import migrate
from kernel.db import ensure_database, tortoise_config
from services.personnel.app import MIGRATIONS, MODELS

PEOPLE = [("A-1", "甲", "A", "科员", False, None), ("B-1", "乙", "B", "局长", True, "ADMIN_HEAD"),
          ("C-1", "丙", "C", "科员", False, None)]
STINTS = [("A-1", "A", "科员", "2026-01-05 02:00:00+00:00", None),
          ("B-1", "A", "副局长", "2026-01-05 02:00:00+00:00", "2026-03-31 17:30:00+00:00"),
          ("B-1", "B", "局长", "2026-03-31 17:30:00+00:00", None)]


async def main(dsn: str) -> None:
    config = tortoise_config("personnel", dsn, MODELS, MIGRATIONS)
    await ensure_database(dsn)
    await migrate(config=config, target="personnel.0002_apply_results")
    await Tortoise.close_connections()
    await Tortoise.init(config=config)
    db = Tortoise.get_connection("default")
    mark = (lambda i: f"${i}") if db.capabilities.dialect == "postgres" else (lambda i: "?")
    for staff_no, name, unit, position, member, role in PEOPLE:
        await db.execute_query(
            "INSERT INTO person (staff_no, name, unit_code, position, leadership_member, main_leader_role, "
            "on_establishment, monthly_salary, bonus_standard, version, created_at, updated_at) VALUES "
            f"({mark(1)}, {mark(2)}, {mark(3)}, {mark(4)}, {mark(5)}, {mark(6)}, TRUE, 8000, 20000, 1, "
            "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)", [staff_no, name, unit, position, member, role])
    from datetime import datetime
    for staff_no, unit, position, joined, left in STINTS:
        values = [staff_no, unit, position, datetime.fromisoformat(joined),
                  datetime.fromisoformat(left) if left else None]
        if db.capabilities.dialect != "postgres":
            values = [v.isoformat(" ") if isinstance(v, datetime) else v for v in values]
        await db.execute_query(
            f"INSERT INTO unit_membership (staff_no, unit_code, position, joined_at, left_at) VALUES "
            f"({mark(1)}, {mark(2)}, {mark(3)}, {mark(4)}, {mark(5)})", values)
    await db.execute_query(
        "INSERT INTO reward_line (year, staff_no, person_name, unit_code, grade, bonus_standard, bonus_paid, "
        "bonus_forfeited, extra_salary, total, rule_code, rule_text, revision, reason, created_at, updated_at) "
        "VALUES (2025, 'B-1', '乙', 'B', 'QUALIFIED', 20000, 20000, 0, 0, 20000, 'QUALIFIED', '达标', 1, '', "
        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
    await db.execute_query(
        "INSERT INTO filing_record (year, staff_no, person_name, unit_code, unit_name, position, team_role, grade, "
        "reward_rule, reward_text, bonus_paid, bonus_forfeited, extra_salary, honours, remarks, status, needs_review, "
        "review_note, revision, reason, version, created_at, updated_at) VALUES (2025, 'B-1', '乙', 'B', '', '局长', "
        "'ADMIN_HEAD', 'ADVANCED', 'ADVANCED_ON_ESTABLISHMENT', '先进', 20000, 0, 8000, '', '', 'DRAFT', FALSE, '', "
        "1, '', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
    await Tortoise.close_connections()
    await migrate(config=config)
    await Tortoise.close_connections()
    await Tortoise.init(config=config)
    from services.personnel.models import UnitMembership
    rows = await UnitMembership.all().order_by("staff_no", "id").values(
        "staff_no", "unit_code", "position", "leadership_member", "main_leader_role", "since", "until")
    from services.personnel.models import FilingRecord, RewardLine
    line = await RewardLine.get(staff_no="B-1")
    form = await FilingRecord.get(staff_no="B-1")
    print(json.dumps({"stints": rows, "award": str(line.one_time_award), "points": str(form.adjustment_points),
                      "items": form.adjustments}, default=str))
    await Tortoise.close_connections()

asyncio.run(main(sys.argv[1]))
'''


def test_existing_stints_get_business_dates(tmp_path: Path) -> None:
    dsn = (f"{PG_BASE}/mbo_test_{uuid.uuid4().hex[:10]}_personnel" if backend() == "postgres"
           else f"sqlite://{tmp_path / 'personnel.sqlite3'}")
    try:
        done = subprocess.run([sys.executable, "-c", UPGRADE, dsn], capture_output=True, text=True,
                              env=dict(os.environ), check=False, timeout=180)
        assert done.returncode == 0, done.stderr[-3000:]
        found = json.loads(done.stdout.strip().splitlines()[-1])
        rows = found["stints"]
    finally:
        drop_databases([dsn] if backend() == "postgres" else [])
    got = [(r["staff_no"], r["unit_code"], r["position"], bool(r["leadership_member"]), r["main_leader_role"],
            r["since"], r["until"]) for r in rows]
    assert got == [
        # never moved: the one stint began before any year in the system and is held
        ("A-1", "A", "科员", False, None, None, None),
        # moved on 2026-04-01 Beijing time (17:30 UTC on 31 March): the old stint ended the day before;
        # the held stint takes the person's team membership and role, the old one did not record them
        ("B-1", "A", "副局长", False, None, None, "2026-03-31"),
        ("B-1", "B", "局长", True, "ADMIN_HEAD", "2026-04-01", None),
        # a person without any stint row gets one from the person record
        ("C-1", "C", "科员", False, None, None, None),
    ]
    # rows written before the change read as "no one-time award, no adjustment items"
    assert (found["award"], found["points"], found["items"]) == ("0.00", "0.00", [])
