"""The append-only, hash-chained audit trail every service keeps in its own database."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model
from tortoise.transactions import in_transaction

from kernel.errors import AppError

if TYPE_CHECKING:
    from tortoise.backends.base.client import BaseDBAsyncClient

    from kernel.context import RequestContext

GENESIS = "0" * 64
RETENTION_DAYS = 184
"""Entries stay online at least this long (等保 2.0 level 3: at least six months); `mbo audit archive` enforces it."""
ARCHIVE_ACTION = "auditArchived"
HASHED_KEYS = ("at", "actor", "roles", "unit", "source", "action", "entity", "entity_id", "before", "after",
               "request_id", "success", "detail")
OPTIONAL_HASHED_KEYS = ("client_request_id",)
"""Columns added later: hashed only when set, so every entry written before them keeps its hash."""


class AuditEntry(Model):
    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField()
    actor = fields.CharField(max_length=128)
    roles = fields.CharField(max_length=256)
    unit = fields.CharField(max_length=64, null=True)
    source = fields.CharField(max_length=64, null=True)
    action = fields.CharField(max_length=64)
    entity = fields.CharField(max_length=64)
    entity_id = fields.CharField(max_length=256, null=True)
    before = fields.TextField(null=True)
    after = fields.TextField(null=True)
    request_id = fields.CharField(max_length=64, null=True)
    client_request_id = fields.CharField(max_length=64, null=True)
    success = fields.BooleanField()
    detail = fields.TextField(null=True)
    prev_hash = fields.CharField(max_length=64)
    hash = fields.CharField(max_length=64, unique=True)

    class Meta:
        table = "audit_entry"

    async def save(self, *args: Any, **kwargs: Any) -> None:
        if self._saved_in_db:
            raise AppError("audit entries are append-only")
        await super().save(*args, **kwargs)

    async def delete(self, *args: Any, **kwargs: Any) -> None:
        raise AppError("audit entries are append-only")


def to_json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return str(value)


def entry_hash(prev_hash: str, record: dict[str, Any]) -> str:
    canonical = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def hashed_fields(entry: AuditEntry) -> dict[str, Any]:
    record = {
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor,
        "roles": entry.roles,
        "unit": entry.unit,
        "source": entry.source,
        "action": entry.action,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "before": entry.before,
        "after": entry.after,
        "request_id": entry.request_id,
        "success": entry.success,
        "detail": entry.detail,
    }
    if entry.client_request_id is not None:
        record["client_request_id"] = entry.client_request_id
    return record


def hashed_content(record: dict[str, Any]) -> dict[str, Any]:
    """The hashed part of an entry record (KeyError when a required field is missing)."""
    content = {key: record[key] for key in HASHED_KEYS}
    content.update({key: record[key] for key in OPTIONAL_HASHED_KEYS if record.get(key) is not None})
    return content


@dataclass
class AuditDraft:
    entity_id: str | None = None
    before: Any = None
    after: Any = None
    detail: str | None = None
    extra_entries: list[tuple[str, str, str | None, Any, Any]] = field(default_factory=list)

    def also(self, action: str, entity: str, entity_id: str | None, before: Any, after: Any) -> None:
        """Record one more audited change made by the same request (bulk imports, cascades)."""
        self.extra_entries.append((action, entity, entity_id, before, after))


async def lock_chain(connection: BaseDBAsyncClient) -> None:
    """PostgreSQL: hold the chain's advisory lock until the transaction ends (SQLite's writer lock does it there)."""
    if connection.capabilities.dialect == "postgres":
        await connection.execute_query("SELECT pg_advisory_xact_lock(7243001)")


async def _chain_head(connection: BaseDBAsyncClient) -> str:
    await lock_chain(connection)
    # plain SQL: on every change and refusal, and building it with the ORM cost more than running it
    table = AuditEntry._meta.db_table
    _, rows = await connection.execute_query(f'SELECT "hash" FROM "{table}" ORDER BY "id" DESC LIMIT 1')
    return str(rows[0][0]) if rows else GENESIS


async def append(
    connection: BaseDBAsyncClient,
    ctx: RequestContext,
    *,
    action: str,
    entity: str,
    entity_id: str | None,
    before: Any,
    after: Any,
    success: bool,
    detail: str | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Add one entry at the head of the chain; `at` is for tools that must write a given time (tests)."""
    prev = await _chain_head(connection)
    caller = ctx.caller
    entry = AuditEntry(
        at=at or datetime.now(UTC),
        actor=caller.username if caller else "anonymous",
        roles=caller.primary_role if caller else "",
        unit=caller.unit if caller else None,
        source=ctx.source,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=to_json(before),
        after=to_json(after),
        request_id=ctx.request_id,
        client_request_id=ctx.client_request_id,
        success=success,
        detail=detail,
        prev_hash=prev,
    )
    entry.hash = entry_hash(prev, hashed_fields(entry))
    await entry.save(using_db=connection)
    return entry


@asynccontextmanager
async def audited(ctx: RequestContext, *, action: str, entity: str) -> AsyncIterator[AuditDraft]:
    """Run a change in one transaction with its audit entry; a failure is audited after the rollback."""
    draft = AuditDraft()
    try:
        async with in_transaction() as connection:
            yield draft
            await append(
                connection, ctx, action=action, entity=entity, entity_id=draft.entity_id,
                before=draft.before, after=draft.after, success=True, detail=draft.detail,
            )
            for extra_action, extra_entity, extra_id, before, after in draft.extra_entries:
                await append(
                    connection, ctx, action=extra_action, entity=extra_entity, entity_id=extra_id,
                    before=before, after=after, success=True,
                )
    except Exception as exc:
        exc.audited = True  # type: ignore[attr-defined]
        reason = exc.message if isinstance(exc, AppError) else type(exc).__name__
        code = exc.code if isinstance(exc, AppError) else "INTERNAL"
        async with in_transaction() as connection:
            await append(
                connection, ctx, action=action, entity=entity, entity_id=draft.entity_id,
                before=None, after=None, success=False, detail=f"{code}: {reason}",
            )
        raise


def entry_record(entry: AuditEntry) -> dict[str, Any]:
    """Every column of an entry as plain JSON values, `at` exactly as hashed (the archive file's line)."""
    return {"id": entry.id, **hashed_fields(entry), "prev_hash": entry.prev_hash, "hash": entry.hash}


@dataclass(frozen=True)
class Attestation:
    """What an `auditArchived` entry says about the entries it moved out of the live chain."""

    entry_id: int
    through_id: int
    last_hash: str
    count: int
    file: str
    sha256: str
    first_prev_hash: str | None = None


def _attestation(record: dict[str, Any]) -> Attestation | None:
    try:
        after = json.loads(record["after"] or "")
        return Attestation(
            entry_id=int(record["id"]), through_id=int(after["through_id"]), last_hash=str(after["last_hash"]),
            count=int(after["count"]), file=str(after["file"]), sha256=str(after["sha256"]),
            first_prev_hash=after.get("first_prev_hash"),
        )
    except (TypeError, ValueError, KeyError, AttributeError):
        return None


@dataclass
class ChainWalk:
    """Feed entries in id order (from the database or an archive file); the first problem stops the walk."""

    entries: int = 0
    first_id: int | None = None
    first_prev_hash: str | None = None
    last_id: int | None = None
    last_hash: str | None = None
    problem: str = ""
    attestations: list[Attestation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problem

    def feed(self, record: dict[str, Any]) -> bool:
        if self.problem:
            return False
        entry_id = record.get("id")
        prev_hash = record.get("prev_hash")
        if self.entries == 0:
            self.first_id, self.first_prev_hash = entry_id, prev_hash
        elif prev_hash != self.last_hash:
            self.problem = f"entry {entry_id}: the previous entry was changed or deleted"
            return False
        try:
            content = hashed_content(record)
        except KeyError as missing:
            self.problem = f"entry {entry_id}: the field {missing} is missing"
            return False
        if not isinstance(prev_hash, str) or entry_hash(prev_hash, content) != record.get("hash"):
            self.problem = f"entry {entry_id}: its content was changed"
            return False
        if record["action"] == ARCHIVE_ACTION and record["success"]:
            attestation = _attestation(record)
            if attestation is not None:
                self.attestations.append(attestation)
        self.last_id, self.last_hash = entry_id, record["hash"]
        self.entries += 1
        return True

    def attested(self, last_hash: str) -> Attestation | None:
        return next((a for a in self.attestations if a.last_hash == last_hash), None)

    def check_start(self) -> None:
        """A live chain starts at GENESIS, or where an `auditArchived` entry in it says the archive ended."""
        if self.problem or self.entries == 0 or self.first_prev_hash == GENESIS:
            return
        attestation = self.attested(str(self.first_prev_hash))
        if attestation is None or self.first_id is None or attestation.through_id >= self.first_id:
            self.problem = (f"entry {self.first_id}: the entries before it were deleted or changed "
                            f"(no {ARCHIVE_ACTION} entry attests its previous hash)")


async def walk_chain(connection: BaseDBAsyncClient | None = None) -> ChainWalk:
    """Walk the live chain in id order, checking every link, every hash and where the chain starts."""
    query = AuditEntry.all().order_by("id")
    if connection is not None:
        query = query.using_db(connection)
    walk = ChainWalk()
    async for entry in query:
        if not walk.feed(entry_record(entry)):
            break
    walk.check_start()
    return walk


async def verify_chain(connection: BaseDBAsyncClient | None = None) -> tuple[bool, int, str]:
    """Walk the chain in id order; return (ok, entries checked, first problem)."""
    walk = await walk_chain(connection)
    return walk.ok, walk.entries, walk.problem


async def audit_refusal(ctx: RequestContext, *, action: str, error: AppError) -> None:
    """Audit a mutation refused before it reached `audited` (role or unit checks, bad arguments)."""
    async with in_transaction() as connection:
        await append(
            connection, ctx, action=action, entity=action, entity_id=None, before=None, after=None,
            success=False, detail=f"{error.code}: {error.message}",
        )
