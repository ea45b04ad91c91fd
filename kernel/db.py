"""One database per service: Tortoise configuration, PostgreSQL database creation, migrations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api import migrate

AUDIT_MODELS = "kernel.audit"


def is_postgres(dsn: str) -> bool:
    return dsn.startswith(("postgres://", "postgresql://", "asyncpg://", "psycopg://"))


def tortoise_dsn(dsn: str) -> str:
    if dsn.startswith("postgresql://"):
        return "postgres://" + dsn.removeprefix("postgresql://")
    return dsn


async def _release_as_is(connection: Any) -> None:
    """What a pooled PostgreSQL connection needs when it goes back to the pool, beyond what asyncpg always does
    (roll back a transaction left open, drop listener callbacks): nothing. asyncpg's default also sends
    `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL` — one more round trip after every
    query outside a transaction — to undo session state: session advisory locks, cursors held open, LISTEN,
    SET. None of the services makes any (the audit chain's lock is `pg_advisory_xact_lock`, which ends with
    its transaction; the session settings are fixed when the connection opens)."""


def _connection(dsn: str) -> str | dict[str, Any]:
    """Tortoise's connection entry: the DSN itself for SQLite; for PostgreSQL the engine and credentials the DSN
    stands for, with `_release_as_is` as the pool's reset, and the DSN kept beside them for `open_database`."""
    if not is_postgres(dsn):
        return tortoise_dsn(dsn)
    config = expand_db_url(tortoise_dsn(dsn))
    config["credentials"]["reset"] = _release_as_is
    return {**config, "dsn": dsn}


def connection_dsn(config: dict[str, Any]) -> str:
    """The DSN a `tortoise_config` was made for."""
    default = config["connections"]["default"]
    return default if isinstance(default, str) else default["dsn"]


def tortoise_config(app_label: str, dsn: str, models: list[str], migrations: str) -> dict[str, Any]:
    return {
        "connections": {"default": _connection(dsn)},
        "apps": {
            app_label: {
                "models": [*models, AUDIT_MODELS],
                "default_connection": "default",
                "migrations": migrations,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


@asynccontextmanager
async def _server(dsn: str) -> AsyncIterator[tuple[Any, str]]:
    """A connection to the PostgreSQL server's `postgres` database and the name of the DSN's database."""
    import asyncpg

    parts = urlsplit(tortoise_dsn(dsn).replace("postgres://", "postgresql://", 1))
    connection = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")))
    try:
        yield connection, parts.path.lstrip("/")
    finally:
        await connection.close()


async def ensure_database(dsn: str) -> None:
    """Create the PostgreSQL database named in the DSN when it does not exist yet."""
    if not is_postgres(dsn):
        return
    async with _server(dsn) as (connection, name):
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await connection.execute(f'CREATE DATABASE "{name}"')


async def drop_database(dsn: str) -> None:
    if not is_postgres(dsn):
        return
    async with _server(dsn) as (connection, name):
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def open_database(config: dict[str, Any]) -> None:
    """Bring the schema up to date with the app's migrations, then initialise the ORM."""
    await ensure_database(connection_dsn(config))
    await migrate(config=config)
    await Tortoise.close_connections()
    await Tortoise.init(config=config, _enable_global_fallback=True)


async def close_database() -> None:
    await Tortoise.close_connections()
