"""The audit trail: sign-ins and account creation are audited; `mbo audit verify` detects tampering."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys

import httpx
import pytest

from kernel.db import tortoise_dsn
from tests.support.audit import audit_rows
from tests.support.stack import RunningStack


def verify(stack: RunningStack) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mbo.cli", "audit", "verify", "--data-dir", str(stack.data_dir)],
                          capture_output=True, text=True, env={**os.environ, **stack.env}, timeout=120, check=False)


def execute(stack: RunningStack, store: str, statement: str) -> None:
    dsn = next((d for d in stack.dsns if d.endswith(f"_{store}")), None)
    if dsn is None:
        with sqlite3.connect(stack.data_dir / f"{store}.sqlite3") as connection:
            connection.execute(statement)
        return

    async def run() -> None:
        import asyncpg

        connection = await asyncpg.connect(tortoise_dsn(dsn).replace("postgres://", "postgresql://", 1))
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run())


@pytest.fixture(scope="module")
def audited(stack: RunningStack) -> RunningStack:
    stack.add_user("office", "TARGET_OFFICE")
    httpx.post(f"{stack.url}/auth/token", json={"username": "office", "password": "wrong"})
    with stack.client("office") as client:
        for code, name in [("JA", "江岸区"), ("JH", "江汉区")]:
            assert client.execute(
                f'mutation {{ createUnit(code: "{code}", name: "{name}", kind: DISTRICT) {{ code }} }}').errors == []
        assert client.execute('mutation { importSettings(rows: [{row: 2, year: "2026", key: "pass_line", '
                              'value: "65"}]) { created } }').errors == []
    return stack


def test_sign_ins_and_account_creation_are_audited(audited: RunningStack) -> None:
    rows = audit_rows(audited.data_dir, audited.dsns, "identity")
    actions = [(r["action"], r["entity_id"], r["success"]) for r in rows]
    assert ("createUser", "office", True) in actions
    assert ("signIn", "office", False) in actions
    assert ("signIn", "office", True) in actions
    failed = next(r for r in rows if r["action"] == "signIn" and not r["success"])
    assert str(failed["detail"]).startswith("invalid_credentials")


def test_verify_passes_on_an_untouched_trail(audited: RunningStack) -> None:
    done = verify(audited)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "targets" in done.stdout and "BROKEN" not in done.stdout


def test_verify_detects_a_changed_entry(audited: RunningStack) -> None:
    execute(audited, "targets", "UPDATE audit_entry SET actor = 'someone-else' WHERE id = 2")
    done = verify(audited)
    assert done.returncode == 1
    line = next(line for line in done.stdout.splitlines() if line.startswith("targets"))
    assert "BROKEN" in line and "entry 2" in line


def test_verify_detects_a_deleted_entry(audited: RunningStack) -> None:
    execute(audited, "assessment", "DELETE FROM audit_entry WHERE id = 1")
    done = verify(audited)
    assert done.returncode == 1
    line = next(line for line in done.stdout.splitlines() if line.startswith("assessment"))
    assert "BROKEN" in line
