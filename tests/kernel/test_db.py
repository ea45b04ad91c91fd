"""kernel/db.py: the connection Tortoise gets for each kind of DSN; on PostgreSQL a pooled connection goes back
to the pool without asyncpg's session-reset round trip, and still comes back clean of an unfinished
transaction. Real databases: SQLite in a temp dir, PostgreSQL in a fresh database (MBO_TEST_DB=postgres)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from tortoise import Tortoise
from tortoise.transactions import in_transaction

from kernel.db import _release_as_is, close_database, connection_dsn, drop_database, open_database, tortoise_config
from services.targets.app import MIGRATIONS, MODELS
from services.targets.models import Unit
from tests.support.stack import PG_BASE, backend


def test_sqlite_keeps_its_dsn_and_postgres_gets_credentials_with_the_plain_release() -> None:
    sqlite = tortoise_config("targets", "sqlite:///tmp/x.sqlite3", MODELS, MIGRATIONS)
    assert sqlite["connections"]["default"] == "sqlite:///tmp/x.sqlite3"
    assert connection_dsn(sqlite) == "sqlite:///tmp/x.sqlite3"
    dsn = "postgresql://postgres@127.0.0.1:5432/mbo_x?maxsize=7"
    config = tortoise_config("targets", dsn, MODELS, MIGRATIONS)
    entry = config["connections"]["default"]
    assert entry["engine"] == "tortoise.backends.asyncpg"
    assert entry["credentials"]["database"] == "mbo_x" and entry["credentials"]["maxsize"] == "7"
    assert entry["credentials"]["reset"] is _release_as_is
    assert connection_dsn(config) == dsn


@pytest.fixture
async def database(tmp_path) -> AsyncIterator[str]:
    dsn = (f"{PG_BASE}/mbo_test_{uuid.uuid4().hex[:10]}_db" if backend() == "postgres"
           else f"sqlite://{tmp_path / 'db.sqlite3'}")
    await open_database(tortoise_config("targets", dsn, MODELS, MIGRATIONS))
    try:
        yield dsn
    finally:
        await close_database()
        await drop_database(dsn)


async def test_an_unfinished_transaction_never_reaches_the_next_user_of_a_connection(database: str) -> None:
    await Unit.create(code="JAQ", name="江岸区", kind="DISTRICT")
    with pytest.raises(RuntimeError):
        async with in_transaction():
            await Unit.filter(code="JAQ").update(name="改了一半")
            raise RuntimeError("the request failed half-way")
    for _ in range(10):  # every pooled connection in turn: none holds the half-done change or a transaction
        assert (await Unit.get(code="JAQ")).name == "江岸区"
    if backend() == "postgres":
        pool = Tortoise.get_connection("default")._pool
        assert pool._reset is _release_as_is
        async with pool.acquire() as connection:
            assert not connection.is_in_transaction()
