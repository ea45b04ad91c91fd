"""The stack for the targets tests: the real services behind the real gateway."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.support.bundles import UNITS, people_for, write_csv
from tests.support.stack import PASSWORD, RunningStack

OFFICE = ("office", ["TARGET_OFFICE"], None)
LEADER = ("mayor", ["LEADER"], None)
JA_OP = ("jaop", ["UNIT_OPERATOR"], "JA")
JA_OP2 = ("jaop2", ["UNIT_OPERATOR"], "JA")
JH_OP = ("jhop", ["UNIT_OPERATOR"], "JH")
ASSESSOR = ("assessor", ["ASSESSOR"], None)
EVALUATOR = ("evaluator", ["EVALUATOR"], None)
AUDITOR = ("auditor", ["AUDITOR"], None)

TARGET_HEADER = ["code", "unit_code", "year", "title", "category", "kind", "measure", "direction",
                 "unit_of_measure", "baseline", "agreed_value", "points", "benchmark_city", "benchmark_value",
                 "assessing_department", "parent_code", "responsible_department", "responsible_leader", "assignee"]


def start(tmp: Path) -> RunningStack:
    """The whole stack: three services and the gateway on loopback ports."""
    return RunningStack(tmp).start()


@dataclass
class Api:
    stack: RunningStack

    def url(self) -> str:
        return f"{self.stack.url}/graphql"

    def call(self, query: str, variables: dict[str, Any] | None = None,
             who: tuple[str, list[str], str | None] = OFFICE) -> dict[str, Any]:
        user, roles, unit = who
        token = self.stack.token(user, roles, unit)
        response = httpx.post(self.url(), json={"query": query, "variables": variables or {}},
                              headers={"Authorization": f"Bearer {token}"}, timeout=120)
        return response.json()

    def ok(self, query: str, variables: dict[str, Any] | None = None,
           who: tuple[str, list[str], str | None] = OFFICE) -> dict[str, Any]:
        body = self.call(query, variables, who)
        assert not body.get("errors"), body.get("errors")
        return body["data"]

    def refused(self, query: str, variables: dict[str, Any] | None = None,
                who: tuple[str, list[str], str | None] = OFFICE) -> dict[str, Any]:
        body = self.call(query, variables, who)
        assert body.get("errors"), body
        return body["errors"][0]

    def load(self, folder: Path) -> list[Any]:
        """Import a bundle with `mbo import` through the gateway: [exit code, stdout, stderr]."""
        env = {**os.environ, **self.stack.client_env("office", PASSWORD)}
        done = subprocess.run([sys.executable, "-m", "mbo.cli", "import", str(folder)], env=env, text=True,
                              capture_output=True, timeout=300, check=False)
        return [done.returncode, done.stdout, done.stderr]


def target_row(code: str, unit: str, *, kind: str = "base", points: str = "50", value: str = "100",
               baseline: str = "90", parent: str = "", measure: str = "quantitative", direction: str = "higher",
               leader: str = "", assignee: str = "", department: str = "", year: str = "2026") -> list[str]:
    return [code, unit, year, f"目标 {code}", "economy", kind, measure, direction, "亿元", baseline, value,
            points if not parent else "", "", "", "市统计局", parent, department, leader, assignee]


def write_units_and_people(folder: Path) -> Path:
    write_csv(folder / "units.csv", ["code", "name", "kind", "group"], [list(u) for u in UNITS])
    write_csv(folder / "people.csv",
              ["staff_no", "name", "unit_code", "position", "leadership_member", "main_leader_role",
               "on_establishment", "monthly_salary", "bonus_standard"], people_for(UNITS, 3))
    return folder


def write_targets(folder: Path, rows: list[list[str]]) -> Path:
    return write_csv(folder / "targets.csv", TARGET_HEADER, rows)


def loaded_ok(api: Api, reports: list[Any]) -> None:
    assert reports[0] == 0, reports[2]


def execute_sql(stack: RunningStack, store: str, sql: str, *params: object) -> None:
    """Change a service's database behind its back (tamper tests): sqlite3 or asyncpg directly."""
    import asyncio
    import sqlite3

    from kernel.db import tortoise_dsn

    dsn = next((d for d in stack.dsns if d.endswith(f"_{store}")), None)
    if dsn is None:
        with sqlite3.connect(stack.data_dir / f"{store}.sqlite3") as connection:
            connection.execute(sql.replace("$1", "?").replace("$2", "?").replace("$3", "?"), params)
        return

    async def run() -> None:
        import asyncpg

        connection = await asyncpg.connect(tortoise_dsn(dsn).replace("postgres://", "postgresql://", 1))
        try:
            await connection.execute(sql, *params)
        finally:
            await connection.close()

    asyncio.run(run())
