"""`mbo demo` without a terminal: the generated Wuhan year goes through the whole year-end."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from gateway.identity.totp import current_code
from mbo.demo import DEMO_PASSWORD, SECOND_FACTORS
from tests.support.stack import database_env, drop_databases, free_port_block
from tests.tui.helpers import SIZE, text_of, until
from tui.app import MboApp


def test_demo_loads_the_year_and_prints_the_ranking(tmp_path: Path) -> None:
    env, dsns = database_env()
    port = free_port_block()
    process = subprocess.Popen([sys.executable, "-m", "mbo.cli", "demo", "--data-dir", str(tmp_path),
                                "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, text=True, env={**os.environ, **env})
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 240
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("no terminal"):
                break
        output = "".join(lines)
        assert "no terminal" in output, output
        assert f"gateway listening on http://127.0.0.1:{port}/graphql" in output
        assert "110 units, 16029 people, 803 transfers" in output  # 80 joined and 803 moved during the year
        grades = re.search(r"(\d+) advanced 先进, (\d+) qualified 达标, (\d+) not qualified 未达标, (\d+) last place",
                           output)
        assert grades, output
        advanced, qualified, unqualified, last = map(int, grades.groups())
        assert advanced + qualified + unqualified + last == 110
        assert last == 13
        assert advanced == (advanced + qualified) // 4
        for account in ("office", "office2", "jaqleader", "orgdept", "auditor", "sysadmin", "secadmin"):
            assert re.search(rf"^\s+{account}\s", output, re.MULTILINE), account
        factors = dict(line.split(" ", 1) for line in (tmp_path / SECOND_FACTORS).read_text().splitlines())
        assert set(factors) == {"office", "office2", "orgdept", "auditor", "sysadmin", "secadmin"}
        assert "mbo otp" in output
        assert "1760 letters drafted" in output and "40536 progress reports" in output
        assert "1 appeal (JAQ) filed and rejected; final" in output
        url = f"http://127.0.0.1:{port}"
        token = httpx.post(f"{url}/auth/token", json={"username": "leader", "password": DEMO_PASSWORD}).json()
        the_year_looks_like_a_year(url, token["access_token"])
        the_home_screen_agrees_with_the_lagging_list(url, token["refresh_token"], token["access_token"])
        body = {"username": "sysadmin", "password": DEMO_PASSWORD, "otp": current_code(factors["sysadmin"])}
        signed = httpx.post(f"http://127.0.0.1:{port}/auth/token", json=body)
        assert signed.status_code == 200 and signed.json()["roles"] == ["SYSADMIN"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0
    finally:
        if process.poll() is None:
            process.kill()
        drop_databases(dsns)


def ask(url: str, token: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = httpx.post(f"{url}/graphql", json={"query": query, "variables": variables or {}},
                          headers={"Authorization": f"Bearer {token}"}, timeout=120)
    payload = response.json()
    assert not payload.get("errors"), payload["errors"]
    return payload["data"]


YEAR_END = date(2026, 12, 31)
LAGGING = "query($d: Date!) { laggingTargets(year: 2026, asOf: $d) { code status } }"


def the_year_looks_like_a_year(url: str, token: str) -> None:
    """Letters signed at every level with a few units pending, amendments, quarterly progress with 3–8 % of
    the targets behind, transfers, adjustment items, one appeal decided, the results final."""
    letters = ask(url, token, "{ letters(year: 2026) { id level status unitCode amendsId contentHash } }")["letters"]
    by = Counter((x["level"], x["status"]) for x in letters)
    for level in ("CITY_UNIT", "UNIT_DEPARTMENT", "DEPARTMENT_PERSON"):
        assert by[(level, "SIGNED")] > 0.9 * sum(n for (lv, _s), n in by.items() if lv == level), by
    pending = {x["unitCode"] for x in letters if x["level"] == "CITY_UNIT" and x["status"] == "DRAFT"}
    assert 1 <= len(pending) <= 5, pending
    assert any(x["level"] == "DEPARTMENT_PERSON" and x["status"] == "DRAFT" and x["unitCode"] == "JAQ"
               for x in letters), "江岸区 has people still to sign"
    amendments = [x for x in letters if x["amendsId"]]
    assert 2 <= len(amendments) <= 3 and all(x["status"] == "SIGNED" for x in amendments)
    assert by[("CITY_UNIT", "SUPERSEDED")] == len(amendments)
    for letter in [amendments[0], *(x for x in letters if x["status"] == "SIGNED")][:5]:
        check = ask(url, token, "query($id: ID!) { verifyLetter(id: $id) { valid } }", {"id": letter["id"]})
        assert check["verifyLetter"]["valid"], letter
    leaf = ask(url, token, """{ target(year: 2026, code: "JAQ-2026-01-1-1") { progressReports { period } } }""")
    assert [r["period"] for r in leaf["target"]["progressReports"]] == ["2026-03", "2026-06", "2026-09", "2026-12"]
    total = 14638
    for day in ("2026-03-31", "2026-06-30", "2026-09-30", "2026-12-31"):
        behind = ask(url, token, LAGGING, {"d": day})["laggingTargets"]
        assert 0.03 <= len(behind) / total <= 0.08, (day, len(behind))
        assert {x["status"] for x in behind} == {"LAGGING", "AT_RISK"}
    year = ask(url, token, """{ assessment(year: 2026) { status final noticeEndsAt }
      assessmentSettings(year: 2026) { noticeDays } adjustmentItems(year: 2026) { id }
      appeals(year: 2026) { unitCode status decision } }""")
    assert year["assessment"]["final"] and year["assessment"]["noticeEndsAt"]
    assert year["assessmentSettings"]["noticeDays"] == 7
    assert len(year["adjustmentItems"]) == 7
    assert [(a["unitCode"], a["status"]) for a in year["appeals"]] == [("JAQ", "REJECTED")]
    assert year["appeals"][0]["decision"]


def the_home_screen_agrees_with_the_lagging_list(url: str, refresh: str, token: str) -> None:
    behind = Counter(x["status"] for x in ask(url, token, LAGGING, {"d": YEAR_END.isoformat()})["laggingTargets"])
    app = MboApp(url, year=2026, today=YEAR_END, token=refresh)

    async def run() -> tuple[str, str]:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: "滞后" in text_of(app, "#lagging .stat-value"), 120)
            await until(pilot, lambda: "/" in text_of(app, "#letters-CITY_UNIT .stat-value"), 60)
            return text_of(app, "#lagging .stat-value"), text_of(app, "#letters-CITY_UNIT .stat-value")

    lagging, city = asyncio.run(run())
    assert lagging == f"滞后 {behind['LAGGING']} · 风险 {behind['AT_RISK']}（截至 2026-12-31）"
    signed, total = map(int, city.split(" / "))
    assert total == 110 and 105 <= signed < 110
