"""`mbo audit verify`: walk every store's hash-chained audit trail and report any change or deletion.

Besides the chains themselves it checks

- a checkpoint file (the last entry's id and hash per store, written by the previous clean run): the
  checkpointed entry must still be there with the same hash, so deleting the newest entries — which
  a hash chain alone cannot see — is caught;
- archive files written by `mbo audit archive` (`--archive FILE…`): each file's own chain, its SHA-256
  and size as recorded in the `auditArchived` entry, and that it links to the live chain or to the
  next archive.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tortoise import Tortoise

from kernel.audit import GENESIS, Attestation, AuditEntry, ChainWalk, walk_chain
from kernel.db import tortoise_dsn
from kernel.files import DIR_MODE, open_private
from kernel.settings import STORES, dsn_for
from mbo.backup import sha256

CHECKPOINT_FILE = "audit-checkpoint.json"
CHECKPOINT_FORMAT = "mbo-audit-checkpoint/1"
ARCHIVE_NAME = re.compile(r"^(?P<store>[a-z]+)-audit-(?P<cutoff>\d{4}-\d{2}-\d{2})\.jsonl$")


class CheckpointError(RuntimeError):
    pass


@dataclass(frozen=True)
class ChainReport:
    store: str
    ok: bool
    entries: int
    problem: str
    last_id: int | None = None
    last_hash: str | None = None
    first_prev_hash: str | None = None
    attestations: tuple[Attestation, ...] = ()
    checkpoint_archived: tuple[int, str] | None = None
    """The checkpointed (id, hash) when that entry has since been archived: an archive file must show it."""


@dataclass
class ArchiveReport:
    path: Path
    store: str
    walk: ChainWalk
    sha256: str = ""
    problem: str = ""
    note: str = ""
    records: dict[int, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problem

    @property
    def name(self) -> str:
        return self.path.name


@dataclass
class Verification:
    stores: list[ChainReport]
    archives: list[ArchiveReport]
    checkpoint_path: Path | None = None
    checkpoint_written: bool = False

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.stores) and all(a.ok for a in self.archives)


@contextlib.asynccontextmanager
async def audit_database(dsn: str) -> AsyncIterator[None]:
    """The store's `audit_entry` table through the ORM, nothing else (the services' models stay out)."""
    config = {
        "connections": {"default": tortoise_dsn(dsn)},
        "apps": {"audit": {"models": ["kernel.audit"], "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }
    await Tortoise.init(config=config, _enable_global_fallback=True)
    try:
        yield
    finally:
        await Tortoise.close_connections()


def store_exists(dsn: str) -> bool:
    return not dsn.startswith("sqlite://") or Path(dsn.removeprefix("sqlite://")).exists()


async def _check_checkpoint(walk: ChainWalk, mark: dict[str, Any]) -> tuple[str, tuple[int, str] | None]:
    """(problem, archived mark) for the previous run's last entry of this store."""
    if not isinstance(mark, dict):
        return "the checkpoint's record of this store is damaged; restore it from its off-host copy", None
    mark_id, mark_hash = mark.get("id"), mark.get("hash")
    if mark_id is None:
        return "", None
    if not isinstance(mark_id, int) or not isinstance(mark_hash, str):
        return "the checkpoint's record of this store is damaged; restore it from its off-host copy", None
    entry = await AuditEntry.filter(id=mark_id).only("id", "hash").first()
    if entry is not None:
        if entry.hash != mark_hash:
            return f"entry {mark_id} no longer has the hash recorded in the checkpoint (the chain was rewritten)", None
        return "", None
    if any(a.through_id >= mark_id for a in walk.attestations):
        return "", (int(mark_id), str(mark_hash))
    before = await AuditEntry.filter(id__lt=mark_id).order_by("-id").only("id").first()
    after = f"entry {before.id}" if before else "the start of the chain"
    return (f"entries after {after} were deleted: the checkpointed entry {mark_id} "
            f"(hash {str(mark_hash)[:16]}…) is gone"), None


async def verify_store(store: str, dsn: str, mark: dict[str, Any] | None = None) -> ChainReport:
    async with audit_database(dsn):
        walk = await walk_chain()
        problem, archived = walk.problem, None
        if walk.ok and mark is not None:
            problem, archived = await _check_checkpoint(walk, mark)
    return ChainReport(store, not problem, walk.entries, problem, walk.last_id, walk.last_hash,
                       walk.first_prev_hash, tuple(walk.attestations), archived)


def verify_all(data_dir: Path, checkpoint: dict[str, Any] | None = None) -> list[ChainReport]:
    marks = (checkpoint or {}).get("stores", {})
    reports = []
    for store in STORES:
        dsn = dsn_for(store, data_dir)
        if not store_exists(dsn):
            reports.append(ChainReport(store, False, 0, "the database does not exist"))
            continue
        reports.append(asyncio.run(verify_store(store, dsn, marks.get(store))))
    return reports


def read_archive(path: Path) -> ArchiveReport:
    """Walk one archive file's own chain."""
    match = ARCHIVE_NAME.match(path.name)
    report = ArchiveReport(path, match["store"] if match else "?", ChainWalk())
    if match is None or report.store not in STORES:
        report.problem = "not an archive file name (<store>-audit-<YYYY-MM-DD>.jsonl)"
        return report
    try:
        report.sha256 = sha256(path)
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                try:
                    record = json.loads(line)
                except ValueError:
                    report.problem = f"line {number} is not JSON"
                    return report
                if not isinstance(record, dict):
                    report.problem = f"line {number} is not an audit entry"
                    return report
                if not report.walk.feed(record):
                    report.problem = f"line {number}, {report.walk.problem}"
                    return report
                report.records[record["id"]] = record["hash"]
    except (OSError, UnicodeDecodeError) as exc:
        report.problem = f"cannot be read: {exc}"
        return report
    if report.walk.entries == 0:
        report.problem = "holds no entries"
    return report


def check_archives(archives: list[ArchiveReport], stores: list[ChainReport]) -> None:
    """Each archive must be attested by an `auditArchived` entry and link to the live chain or a later archive."""
    live = {r.store: r for r in stores}
    for report in archives:
        if not report.ok:
            continue
        others = [a for a in archives if a is not report and a.store == report.store and a.ok]
        store = live.get(report.store)
        attestations = [*(store.attestations if store else ()), *(t for a in others for t in a.walk.attestations)]
        last_hash = report.walk.last_hash
        linked = (store is not None and store.first_prev_hash == last_hash) or any(
            a.walk.first_prev_hash == last_hash for a in others)
        attestation = next((t for t in attestations if t.last_hash == last_hash), None)
        if attestation is None:
            report.problem = (f"its last entry {report.walk.last_id} is not attested by an auditArchived entry "
                              "of the live chain or of the other archives given")
        elif attestation.sha256 != report.sha256 or attestation.count != report.walk.entries:
            report.problem = (f"it differs from the file archived by entry {attestation.entry_id} "
                              f"(SHA-256 or number of entries changed)")
        elif not linked:
            report.problem = ("it does not link to the live chain nor to another archive given: "
                              "pass the archives written after it too")
        elif report.walk.first_prev_hash != GENESIS and not any(
                a.walk.last_hash == report.walk.first_prev_hash for a in others):
            report.note = "continues an earlier archive that was not given"


def check_archived_checkpoints(stores: list[ChainReport], archives: list[ArchiveReport]) -> list[ChainReport]:
    checked = []
    for report in stores:
        if report.ok and report.checkpoint_archived is not None:
            mark_id, mark_hash = report.checkpoint_archived
            holders = [a for a in archives if a.store == report.store and a.ok and mark_id in a.records]
            if not holders:
                report = ChainReport(**{**report.__dict__, "ok": False, "problem": (
                    f"the checkpointed entry {mark_id} has been archived: pass the archive holding it with --archive")})
            elif holders[0].records[mark_id] != mark_hash:
                report = ChainReport(**{**report.__dict__, "ok": False, "problem": (
                    f"entry {mark_id} in {holders[0].name} does not have the hash recorded in the checkpoint")})
        checked.append(report)
    return checked


def read_checkpoint(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        checkpoint = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"the checkpoint {path} cannot be read ({exc}); restore it from its off-host copy") \
            from None
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != CHECKPOINT_FORMAT \
            or not isinstance(checkpoint.get("stores"), dict):
        raise CheckpointError(f"{path} is not an audit checkpoint; restore it from its off-host copy")
    return checkpoint


def write_atomically(path: Path, data: bytes) -> None:
    """Write, fsync, rename into place, fsync the directory: the file is whole or not there, and 0600."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    draft = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open_private(draft, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(draft, path)
    fsync_directory(path.parent)


def fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_checkpoint(path: Path, stores: list[ChainReport]) -> None:
    checkpoint = {
        "format": CHECKPOINT_FORMAT,
        "written": datetime.now(UTC).isoformat(timespec="seconds"),
        "stores": {r.store: {"id": r.last_id, "hash": r.last_hash, "count": r.entries} for r in stores},
    }
    write_atomically(path, (json.dumps(checkpoint, indent=2, sort_keys=True) + "\n").encode())


def verify(data_dir: Path, checkpoint_path: Path | None, archive_files: Iterable[Path] = ()) -> Verification:
    """The whole of `mbo audit verify`; advances the checkpoint only when everything verifies."""
    checkpoint = read_checkpoint(checkpoint_path) if checkpoint_path is not None else None
    stores = verify_all(data_dir, checkpoint)
    archives = [read_archive(path) for path in archive_files]
    check_archives(archives, stores)
    stores = check_archived_checkpoints(stores, archives)
    outcome = Verification(stores, archives, checkpoint_path)
    if outcome.ok and checkpoint_path is not None:
        write_checkpoint(checkpoint_path, stores)
        outcome.checkpoint_written = True
    return outcome
