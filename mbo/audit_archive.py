"""`mbo audit archive`: move audit entries older than a cut-off (at least 184 days back) into JSON Lines files.

For each store the entries before the cut-off — the unbroken run from the start of the live chain up to
the first entry at or after the cut-off — are written to `<out>/<store>-audit-<cut-off>.jsonl` (every
column, one JSON object per line, UTF-8) and fsynced; then one transaction deletes them and appends an
`auditArchived` entry recording the last archived id and hash, the number of entries, the file name and
its SHA-256. `verify_chain` accepts the shortened chain only because of that entry.
"""

from __future__ import annotations

import asyncio
import getpass
import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from kernel.audit import ARCHIVE_ACTION, RETENTION_DAYS, AuditEntry, append, entry_record, lock_chain, walk_chain
from kernel.auth import Caller
from kernel.context import RequestContext
from kernel.files import DIR_MODE, open_private
from kernel.settings import STORES, ServiceSettings, dsn_for
from mbo.audit_verify import audit_database, fsync_directory, store_exists

ACTOR = "mbo audit archive"
PAGE = 5000


class ArchiveRefused(RuntimeError):
    pass


@dataclass(frozen=True)
class StoreArchive:
    store: str
    ok: bool
    count: int
    file: Path | None = None
    through_id: int | None = None
    problem: str = ""


def operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def earliest_allowed(today: date | None = None) -> date:
    """The latest cut-off the retention rule allows: entries younger than RETENTION_DAYS stay online."""
    return (today or datetime.now(UTC).date()) - timedelta(days=RETENTION_DAYS)


def check_cutoff(cutoff: date, today: date | None = None) -> None:
    today = today or datetime.now(UTC).date()
    if (today - cutoff).days < RETENTION_DAYS:
        raise ArchiveRefused(
            f"the cut-off {cutoff.isoformat()} is {(today - cutoff).days} days before today; audit entries must "
            f"stay online for at least {RETENTION_DAYS} days (等保 2.0), so the cut-off may be "
            f"{earliest_allowed(today).isoformat()} or earlier")


async def _archive_store(store: str, dsn: str, out: Path, cutoff: date) -> StoreArchive:
    async with audit_database(dsn):
        walk = await walk_chain()
        if not walk.ok:
            problem = f"the chain does not verify ({walk.problem}); nothing archived"
            return StoreArchive(store, False, 0, problem=problem)
        start = datetime.combine(cutoff, time.min, UTC)
        first_kept = await AuditEntry.filter(at__gte=start).order_by("id").only("id").first()
        query = AuditEntry.filter(at__lt=start)
        if first_kept is not None:
            query = query.filter(id__lt=first_kept.id)
        first = await query.order_by("id").first()
        if first is None:
            return StoreArchive(store, True, 0)
        path = out / f"{store}-audit-{cutoff.isoformat()}.jsonl"
        if path.exists():
            return StoreArchive(store, False, 0, problem=f"{path} already exists; nothing archived")
        count, last, digest = await _write_archive(path, query)
        attestation = {
            "through_id": last.id,
            "last_hash": last.hash,
            "count": count,
            "file": path.name,
            "sha256": digest,
            "first_id": first.id,
            "first_prev_hash": first.prev_hash,
            "cutoff": cutoff.isoformat(),
        }
        caller = Caller(username=ACTOR, roles=frozenset())
        context = RequestContext(caller=caller, request_id=uuid.uuid4().hex, source=None,
                                 settings=ServiceSettings(name=store, dsn="", secret=""))
        try:
            async with in_transaction() as connection:
                # The chain lock first (append takes it again), then make sure the archived run is still
                # exactly what was written: same count, same last entry, nothing else removed meanwhile.
                await lock_chain(connection)
                row = (await connection.execute_query_dict(
                    f"SELECT COUNT(*) AS n, MAX(id) AS m FROM audit_entry WHERE id <= {int(last.id)}"))[0]
                still = await AuditEntry.filter(id=last.id).using_db(connection).only("id", "hash").first()
                if int(row["n"]) != count or still is None or still.hash != last.hash:
                    raise ArchiveRefused("the entries changed while they were being archived")
                # Append before deleting: the entry must chain from the real head, which is the last
                # archived entry itself when the whole chain is old.
                await append(
                    connection, context, action=ARCHIVE_ACTION, entity="AuditEntry",
                    entity_id=f"{first.id}-{last.id}", before=None, after=attestation, success=True,
                    detail=(f"archived {count} entries before {cutoff.isoformat()} (ids {first.id}–"
                            f"{last.id}, last hash {last.hash}) to {path.name}, SHA-256 {attestation['sha256']}; "
                            f"run by {operator()}"),
                )
                await connection.execute_query(f"DELETE FROM audit_entry WHERE id <= {int(last.id)}")
        except Exception as exc:
            path.unlink(missing_ok=True)
            reason = str(exc) if isinstance(exc, ArchiveRefused) else f"{type(exc).__name__}: {exc}"
            return StoreArchive(store, False, 0, problem=f"{reason}; nothing archived")
    return StoreArchive(store, True, count, path, last.id)


async def _write_archive(path: Path, query: QuerySet[AuditEntry]) -> tuple[int, AuditEntry, str]:
    """Stream the entries to a draft file page by page, fsync it, rename it into place; (count, last, SHA-256)."""
    digest = hashlib.sha256()
    draft = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    count, last, after = 0, None, 0
    try:
        with open_private(draft, "wb") as handle:
            while True:
                page = await query.filter(id__gt=after).order_by("id").limit(PAGE)
                if not page:
                    break
                for entry in page:
                    line = (json.dumps(entry_record(entry), ensure_ascii=False, sort_keys=True) + "\n").encode()
                    handle.write(line)
                    digest.update(line)
                count += len(page)
                last = page[-1]
                after = last.id
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(draft, path)
    finally:
        draft.unlink(missing_ok=True)
    fsync_directory(path.parent)
    assert last is not None
    return count, last, digest.hexdigest()


def archive_all(data_dir: Path, out: Path, cutoff: date, today: date | None = None) -> list[StoreArchive]:
    check_cutoff(cutoff, today)
    out.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if not os.access(out, os.W_OK):
        raise ArchiveRefused(f"{out} is not writable")
    results = []
    for store in STORES:
        dsn = dsn_for(store, data_dir)
        if not store_exists(dsn):
            results.append(StoreArchive(store, False, 0, problem="the database does not exist"))
            continue
        results.append(asyncio.run(_archive_store(store, dsn, out, cutoff)))
    return results
