"""Second-factor secrets at rest: sealed with AES-GCM in the identity store, by `mbo user add` and by the
migration that seals rows written before; no secret can be read from the database file or table."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from tortoise import Tortoise
from tortoise.migrations.api import migrate

from gateway.identity import sealing, totp
from gateway.identity.store import MIGRATIONS, MODELS
from kernel.db import close_database, drop_database, ensure_database, open_database, tortoise_config
from tests.support.audit import store_rows
from tests.support.stack import PG_BASE, RunningStack, backend

SECRET = "sealing-test-secret-0123456789abcdefghijkl"


def test_a_sealed_secret_opens_only_for_its_account_and_key() -> None:
    sealing.configure(SECRET)
    plain = totp.new_secret()
    sealed = sealing.seal(plain, "zhang")
    assert sealing.is_sealed(sealed) and plain not in sealed
    assert sealing.unseal(sealed, "zhang") == plain
    with pytest.raises(sealing.SealError):
        sealing.unseal(sealed, "li")  # copied onto another account
    sealing.configure(SECRET + "-rotated")
    with pytest.raises(sealing.SealError):
        sealing.unseal(sealed, "zhang")
    sealing.configure(SECRET)


def test_no_second_factor_secret_is_readable_in_the_identity_store(stack: RunningStack) -> None:
    stack.add_user("office", "TARGET_OFFICE")
    stack.add_user("auditor", "AUDITOR")
    secrets = [totp.secret_of(stack.otp_uris[name]) for name in ("office", "auditor")]
    assert all(len(s) >= 16 for s in secrets)
    dsn = next((d for d in stack.dsns if d.endswith("_identity")), None)
    rows = store_rows(stack.data_dir, dsn, "identity", "SELECT username, otp_secret FROM account")
    stored = " ".join(str(r["otp_secret"]) for r in rows)
    assert all(s not in stored for s in secrets) and stored.count(sealing.PREFIX) == 2
    if dsn is None:
        for path in stack.data_dir.glob("identity.sqlite3*"):  # the file and its WAL
            raw = path.read_bytes()
            assert all(s.encode() not in raw for s in secrets), path.name
    assert stack.otp("office") and stack.session_token("office"), "the holder still signs in"


async def test_the_migration_seals_the_secrets_stored_before(tmp_path: Path) -> None:
    dsn = (f"{PG_BASE}/mbo_test_{uuid.uuid4().hex[:10]}_identity" if backend() == "postgres"
           else f"sqlite://{tmp_path / 'identity.sqlite3'}")
    config = tortoise_config("identity", dsn, MODELS, MIGRATIONS)
    plain = totp.new_secret()
    try:
        await ensure_database(dsn)
        await migrate(config=config, target="identity.0003_otp_last_step")
        await Tortoise.init(config=config)
        await Tortoise.get_connection("default").execute_query(
            "INSERT INTO account (username, display_name, kind, password_hash, roles, active, read_write, "
            "failed_logins, otp_secret, created_at, updated_at) VALUES ('old', '', 'person', '!', 'AUDITOR', "
            f"TRUE, FALSE, 0, '{plain}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
        await Tortoise.close_connections()
        sealing.configure(SECRET)
        await open_database(config)
        rows = await Tortoise.get_connection("default").execute_query_dict("SELECT otp_secret FROM account")
        assert sealing.is_sealed(rows[0]["otp_secret"]) and plain not in rows[0]["otp_secret"]
        assert sealing.unseal(rows[0]["otp_secret"], "old") == plain
    finally:
        await close_database()
        await drop_database(dsn)
