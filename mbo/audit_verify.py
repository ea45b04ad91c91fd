"""`mbo audit verify`: walk every store's hash-chained audit trail and report any change or deletion."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from tortoise import Tortoise

from kernel.audit import verify_chain
from kernel.db import tortoise_dsn
from kernel.settings import STORES, dsn_for


@dataclass(frozen=True)
class ChainReport:
    store: str
    ok: bool
    entries: int
    problem: str


async def verify_store(store: str, dsn: str) -> ChainReport:
    config = {
        "connections": {"default": tortoise_dsn(dsn)},
        "apps": {"audit": {"models": ["kernel.audit"], "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }
    await Tortoise.init(config=config, _enable_global_fallback=True)
    try:
        ok, entries, problem = await verify_chain()
    finally:
        await Tortoise.close_connections()
    return ChainReport(store, ok, entries, problem)


def verify_all(data_dir: Path) -> list[ChainReport]:
    reports = []
    for store in STORES:
        dsn = dsn_for(store, data_dir)
        if dsn.startswith("sqlite://") and not Path(dsn.removeprefix("sqlite://")).exists():
            reports.append(ChainReport(store, False, 0, "the database does not exist"))
            continue
        reports.append(asyncio.run(verify_store(store, dsn)))
    return reports
