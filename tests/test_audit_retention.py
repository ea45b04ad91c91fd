"""等保 2.0 audit controls: the 184-day retention rule and `mbo audit archive`, checkpoints against tail
deletion, and audited authentication failures at the services — on real stores, through the CLI."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import jwt
import pytest

from kernel.audit import RETENTION_DAYS
from kernel.settings import STORES
from mbo.audit_archive import ArchiveRefused, check_cutoff
from tests.support.audit import store_rows
from tests.support.stack import RunningStack

# Appends entries with a given (old) time through kernel.audit.append, so their hashes cover that time.
SEED = """
import asyncio, sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tortoise.transactions import in_transaction
from kernel.audit import append
from kernel.auth import Caller
from kernel.context import RequestContext
from kernel.settings import ServiceSettings, dsn_for
from mbo.audit_verify import audit_database

async def main(data_dir, store, ages):
    ctx = RequestContext(caller=Caller(username="seed", roles=frozenset({"TARGET_OFFICE"})), request_id="seed",
                         source="127.0.0.1", settings=ServiceSettings(name=store, dsn="", secret=""))
    async with audit_database(dsn_for(store, Path(data_dir))):
        for n, age in enumerate(ages):
            async with in_transaction() as connection:
                await append(connection, ctx, action="createUnit", entity="Unit", entity_id=f"OLD{n}",
                             before=None, after={"n": n, "name": "旧单位"}, success=True,
                             at=datetime.now(UTC) - timedelta(days=age))

asyncio.run(main(sys.argv[1], sys.argv[2], [int(a) for a in sys.argv[3:]]))
"""
OLD, OLDER = 250, 400


def mbo(stack: RunningStack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mbo.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **stack.env}, timeout=120, check=False)


def verify(stack: RunningStack, *args: str) -> subprocess.CompletedProcess[str]:
    return mbo(stack, "audit", "verify", "--data-dir", str(stack.data_dir), *args)


def line_of(done: subprocess.CompletedProcess[str], name: str) -> str:
    return next(line for line in done.stdout.splitlines() if line.startswith(name))


def query(stack: RunningStack, store: str, statement: str) -> list[dict[str, object]]:
    return store_rows(stack.data_dir, stack.env.get(f"MBO_{store.upper()}_DSN"), store, statement)


def cutoff(days_ago: int) -> str:
    return (datetime.now(UTC).date() - timedelta(days=days_ago)).isoformat()


def test_the_retention_rule_is_184_days() -> None:
    today = date(2026, 7, 1)
    assert RETENTION_DAYS == 184
    check_cutoff(today - timedelta(days=184), today)
    with pytest.raises(ArchiveRefused, match="184 days"):
        check_cutoff(today - timedelta(days=183), today)


@pytest.fixture(scope="module")
def seeded(stack: RunningStack) -> RunningStack:
    """Every store: three entries 400 days old, two 250 days old, then today's (sign-in, mutation) — except
    personnel, which has only the three oldest, so its whole chain gets archived."""
    for store in STORES:
        ages = [OLDER] * 3 + ([] if store == "personnel" else [OLD] * 2)
        done = subprocess.run([sys.executable, "-c", SEED, str(stack.data_dir), store, *map(str, ages)],
                              capture_output=True, text=True, env={**os.environ, **stack.env}, timeout=60,
                              check=False)
        assert done.returncode == 0, done.stderr
    stack.add_user("office", "TARGET_OFFICE")
    with stack.client("office") as client:
        assert client.execute('mutation { createUnit(code: "JA", name: "江岸区", kind: DISTRICT) { code } }'
                              ).errors == []
    return stack


def test_archive_is_refused_inside_the_retention_period(seeded: RunningStack, tmp_path: Path) -> None:
    done = mbo(seeded, "audit", "archive", "--before", cutoff(183), "--out", str(tmp_path / "archive"),
               "--data-dir", str(seeded.data_dir))
    assert done.returncode == 2
    assert "184 days" in done.stderr and "refused" in done.stderr
    assert not (tmp_path / "archive").exists() or not any((tmp_path / "archive").iterdir())


def test_unauthenticated_requests_to_a_service_are_audited(seeded: RunningStack) -> None:
    forged = jwt.encode({"sub": "mallory", "roles": ["SYSADMIN"], "iss": "mbo-gateway", "aud": "mbo"},
                        "not-the-secret-but-long-enough-0000000", algorithm="HS256")
    base = seeded.service_url("targets")
    none = httpx.post(f"{base}/graphql", json={"query": "{ units { code } }"}, headers={"X-Request-ID": "r401-none"})
    bad = httpx.post(f"{base}/graphql", json={"query": "{ units { code } }"},
                     headers={"X-Request-ID": "r401-forged", "Authorization": f"Bearer {forged}"})
    assert none.status_code == bad.status_code == 401
    # A client's X-Request-ID is kept as its own labelled field; the request id is the service's own.
    rows = {r["client_request_id"]: r for r in query(
        seeded, "targets", "SELECT actor, roles, source, action, entity, entity_id, request_id, client_request_id, "
                           "success, detail FROM audit_entry WHERE action = 'authenticate' ORDER BY id")}
    assert rows["r401-none"]["actor"] == "anonymous"
    assert rows["r401-forged"]["actor"] == "unverified:mallory" and rows["r401-forged"]["roles"] == ""
    for row in (rows["r401-none"], rows["r401-forged"]):
        assert not row["success"] and row["entity"] == "Request" and row["entity_id"] == "/graphql"
        assert row["source"] == "127.0.0.1"
        assert str(row["detail"]).startswith("UNAUTHENTICATED: ")
        assert row["request_id"] and not str(row["request_id"]).startswith("r401")
    assert "no bearer token" in str(rows["r401-none"]["detail"])
    assert "not valid" in str(rows["r401-forged"]["detail"])


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("archives")


def test_archive_moves_old_entries_out_and_both_sides_verify(seeded: RunningStack, archives: Path) -> None:
    out = archives
    first, second = cutoff(300), cutoff(200)
    done = mbo(seeded, "audit", "archive", "--before", first, "--out", str(out), "--data-dir", str(seeded.data_dir))
    assert done.returncode == 0, done.stdout + done.stderr
    done = mbo(seeded, "audit", "archive", "--before", second, "--out", str(out), "--data-dir", str(seeded.data_dir))
    assert done.returncode == 0, done.stdout + done.stderr
    files = sorted(out.iterdir())
    assert [f.name for f in files] == sorted(f"{s}-audit-{c}.jsonl" for s in STORES for c in (first, second)
                                             if (s, c) != ("personnel", second))
    assert {f.stat().st_mode & 0o777 for f in files} == {0o600}  # archives hold the whole trail: owner only

    # personnel: everything was old, so only the auditArchived entry is left, and it chains from the archive.
    whole = [json.loads(line) for line in (out / f"personnel-audit-{first}.jsonl").read_text("utf-8").splitlines()]
    live = query(seeded, "personnel", "SELECT action, prev_hash FROM audit_entry ORDER BY id")
    assert len(whole) == 3 and live == [{"action": "auditArchived", "prev_hash": whole[-1]["hash"]}]

    for store in ("targets", "assessment", "identity"):
        older = [json.loads(line) for line in (out / f"{store}-audit-{first}.jsonl").read_text("utf-8").splitlines()]
        newer = [json.loads(line) for line in (out / f"{store}-audit-{second}.jsonl").read_text("utf-8").splitlines()]
        assert len(older) == 3 and len(newer) == 2
        assert older[0]["prev_hash"] == "0" * 64 and newer[0]["prev_hash"] == older[-1]["hash"]
        assert set(older[0]) >= {"id", "at", "actor", "roles", "unit", "source", "action", "entity", "entity_id",
                                 "before", "after", "request_id", "success", "detail", "prev_hash", "hash"}
        assert older[0]["after"] == '{"n": 0, "name": "旧单位"}'
        live = query(seeded, store, "SELECT id, actor, after, prev_hash FROM audit_entry ORDER BY id")
        assert live[0]["prev_hash"] == newer[-1]["hash"] and live[0]["actor"] != "seed"
        archived = [r for r in live if r["actor"] == "mbo audit archive"]
        assert len(archived) == 2
        attestation = json.loads(str(archived[-1]["after"]))
        assert attestation["last_hash"] == newer[-1]["hash"] and attestation["count"] == 2
        assert attestation["through_id"] == newer[-1]["id"] and attestation["file"] == f"{store}-audit-{second}.jsonl"
    done = verify(seeded)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (seeded.data_dir / "audit-checkpoint.json").stat().st_mode & 0o777 == 0o600
    done = verify(seeded, "--archive", *map(str, files))
    assert done.returncode == 0, done.stdout + done.stderr
    assert all(" ok " in line_of(done, f.name) for f in files)


def test_a_changed_archive_line_is_broken(seeded: RunningStack, archives: Path, tmp_path: Path) -> None:
    source = archives / f"assessment-audit-{cutoff(300)}.jsonl"
    lines = source.read_text("utf-8").splitlines(keepends=True)
    record = json.loads(lines[1])
    record["actor"] = "someone-else"
    tampered = tmp_path / source.name
    tampered.write_text(lines[0] + json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n" + lines[2], "utf-8")
    done = verify(seeded, "--archive", str(tampered))
    assert done.returncode == 1
    assert "BROKEN" in line_of(done, tampered.name) and "changed" in line_of(done, tampered.name)

    dropped = tmp_path / "cut" / source.name
    dropped.parent.mkdir()
    dropped.write_text("".join(lines[:2]), "utf-8")
    done = verify(seeded, "--archive", str(dropped))
    assert done.returncode == 1 and "BROKEN" in line_of(done, dropped.name)


def test_deleting_the_newest_entries_is_caught_by_the_checkpoint(seeded: RunningStack) -> None:
    checkpoint = seeded.data_dir / "audit-checkpoint.json"
    assert verify(seeded).returncode == 0
    marked = json.loads(checkpoint.read_text())["stores"]["personnel"]
    last = query(seeded, "personnel", "SELECT id, hash FROM audit_entry ORDER BY id DESC LIMIT 1")[0]
    assert (marked["id"], marked["hash"]) == (last["id"], last["hash"])

    # New entries after the checkpoint are fine, and the checkpoint moves on.
    for _ in range(2):
        response = httpx.post(f"{seeded.service_url('personnel')}/graphql", json={"query": "{ __typename }"})
        assert response.status_code == 401
    assert verify(seeded).returncode == 0
    marked = json.loads(checkpoint.read_text())["stores"]["personnel"]
    assert marked["id"] > last["id"]

    # The two newest entries go: what is left is still a perfect chain, only the checkpoint shows the loss.
    before = checkpoint.read_text()
    query(seeded, "personnel", f"DELETE FROM audit_entry WHERE id > {last['id']}")
    done = verify(seeded)
    assert done.returncode == 1
    line = line_of(done, "personnel")
    assert "BROKEN" in line and f"entries after entry {last['id']} were deleted" in line
    assert f"checkpointed entry {marked['id']}" in line
    assert checkpoint.read_text() == before, "a failed run must not advance the checkpoint"

    # A different checkpoint file (e.g. the off-host copy) is honoured with --checkpoint.
    elsewhere = seeded.data_dir.parent / "offhost-checkpoint.json"
    elsewhere.write_text(before)
    assert verify(seeded, "--checkpoint", str(elsewhere)).returncode == 1


def test_deleting_the_auditarchived_entry_is_broken(seeded: RunningStack) -> None:
    query(seeded, "targets", "DELETE FROM audit_entry WHERE action = 'auditArchived'")
    done = verify(seeded)
    assert done.returncode == 1
    assert "BROKEN" in line_of(done, "targets")


def test_a_failing_audit_write_still_answers_401(monkeypatch: pytest.MonkeyPatch,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    import kernel.app
    from kernel.settings import ServiceSettings

    async def broken_append(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database is gone")

    async def endpoint(scope: object, receive: object, send: object) -> None:
        raise AssertionError("an unauthenticated request must not get through")

    monkeypatch.setattr(kernel.app, "append", broken_append)
    settings = ServiceSettings(name="targets", dsn="", secret="s" * 40)
    guarded = kernel.app.RequireToken(endpoint, settings.secret, settings)

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=guarded)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            return await client.post("/graphql", json={"query": "{ units { code } }"})

    response = asyncio.run(call())
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert any("could not write the audit entry" in r.getMessage() for r in caplog.records)
