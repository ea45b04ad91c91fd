"""Read a service's audit trail straight from its database (SQLite or PostgreSQL)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from kernel.db import tortoise_dsn


def audit_rows(data_dir: Path, dsns: list[str], store: str) -> list[dict[str, object]]:
    query = ("SELECT actor, action, entity, entity_id, source, success, detail, request_id, client_request_id "
             "FROM audit_entry ORDER BY id")
    dsn = next((d for d in dsns if d.endswith(f"_{store}")), None)
    return [r | {"success": bool(r["success"])} for r in store_rows(data_dir, dsn, store, query)]


def store_rows(data_dir: Path, dsn: str | None, store: str, statement: str) -> list[dict[str, object]]:
    """Rows of one SQL statement, straight from a store's database: PostgreSQL at `dsn`, else its SQLite file."""
    if dsn is None:
        with sqlite3.connect(data_dir / f"{store}.sqlite3") as connection:
            connection.row_factory = sqlite3.Row
            return [dict(r) for r in connection.execute(statement)]

    async def fetch() -> list[dict[str, object]]:
        import asyncpg

        connection = await asyncpg.connect(tortoise_dsn(dsn).replace("postgres://", "postgresql://", 1))
        try:
            return [dict(r) for r in await connection.fetch(statement)]
        finally:
            await connection.close()

    return asyncio.run(fetch())
