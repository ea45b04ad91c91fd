"""Start-up migrations: an existing database is upgraded in place, and restarts lose nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.stack import RunningStack, backend, database_env, drop_databases

UPGRADE = r'''
import asyncio, sys
from tortoise import Tortoise
from tortoise.migrations.api import migrate
from kernel.db import ensure_database, tortoise_config
from services.targets.app import MIGRATIONS, MODELS

async def main(dsn: str) -> None:
    config = tortoise_config("targets", dsn, MODELS, MIGRATIONS)
    await ensure_database(dsn)
    await migrate(config=config, target="targets.0001_initial")
    await Tortoise.close_connections()
    await Tortoise.init(config=config)
    connection = Tortoise.get_connection("default")
    await connection.execute_query(
        "INSERT INTO unit (code, name, kind, \"group\", version, created_at, updated_at) "
        "VALUES ('OLD', '旧单位', 'DISTRICT', '', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
    await Tortoise.close_connections()

asyncio.run(main(sys.argv[1]))
'''


def test_a_database_at_the_first_migration_is_upgraded_without_losing_rows(tmp_path: Path) -> None:
    env, dsns = database_env()
    dsn = env.get("MBO_TARGETS_DSN") or f"sqlite://{tmp_path / 'data' / 'targets.sqlite3'}"
    (tmp_path / "data").mkdir()
    try:
        done = subprocess.run([sys.executable, "-c", UPGRADE, dsn], capture_output=True, text=True,
                              env={**os.environ, **env}, check=False)
        assert done.returncode == 0, done.stderr
        running = RunningStack(tmp_path)
        running.env, running.dsns = env, []
        running.stack.env = env
        running.start()
        try:
            running.add_user("office", "TARGET_OFFICE")
            with running.client("office") as client:
                units = client.execute("{ units { code name version } }")
            assert units.errors == []
            assert units.data == {"units": [{"code": "OLD", "name": "旧单位", "version": 1}]}
        finally:
            running.stack.stop()
    finally:
        drop_databases(dsns)


def test_a_restart_keeps_everything_committed(tmp_path: Path) -> None:
    running = RunningStack(tmp_path).start()
    try:
        running.add_user("office", "TARGET_OFFICE")
        with running.client("office") as client:
            created = client.execute('mutation { createUnit(code: "HY", name: "汉阳区", kind: DISTRICT) { code } }')
            assert created.errors == []
        running.stack.stop()
        running.stack.start()
        with running.client("office") as client:
            assert client.execute("{ units { code name } }").data == {"units": [{"code": "HY", "name": "汉阳区"}]}
    finally:
        running.stop()
    assert backend() in {"sqlite", "postgres"}
