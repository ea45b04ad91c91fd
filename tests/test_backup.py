"""`mbo backup` while the stack runs, `mbo restore` into a fresh data dir: data and audit chain intact."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kernel.settings import STORES
from tests.support.stack import RunningStack

SQLITE_ONLY = {k: v for k, v in os.environ.items() if not (k.startswith("MBO_") and k.endswith("_DSN"))}


def mbo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mbo.cli", *args], capture_output=True, text=True,
                          env=SQLITE_ONLY, timeout=120, check=False)


def test_backup_while_running_and_restore_into_fresh_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MBO_TEST_DB", "sqlite")
    running = RunningStack(tmp_path / "live").start()
    try:
        running.add_user("office", "TARGET_OFFICE")
        with running.client("office") as client:
            assert client.execute('mutation { createUnit(code: "HY", name: "汉阳区", kind: DISTRICT) { code } }'
                                  ).errors == []
            done = mbo("backup", "--data-dir", str(running.data_dir), "--out", str(tmp_path / "backup"))
            assert done.returncode == 0, done.stderr
            backed_up = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "backup").iterdir()}
            assert backed_up == dict.fromkeys([*(f"{s}.sqlite3" for s in STORES), "secret.key", "manifest.json"],
                                              0o600)
            assert (tmp_path / "backup").stat().st_mode & 0o777 == 0o700
            assert client.execute('mutation { createUnit(code: "WC", name: "武昌区", kind: DISTRICT) { code } }'
                                  ).errors == []
    finally:
        running.stop()
    refused = mbo("restore", str(tmp_path / "backup"), "--data-dir", str(running.data_dir))
    assert refused.returncode == 2 and "empty data dir" in refused.stderr

    restored_dir = tmp_path / "restored"
    done = mbo("restore", str(tmp_path / "backup"), "--data-dir", str(restored_dir / "data"))
    assert done.returncode == 0, done.stderr
    assert "audit chains verified" in done.stdout
    assert (restored_dir / "data").stat().st_mode & 0o777 == 0o700
    assert {p.name: p.stat().st_mode & 0o777 for p in (restored_dir / "data").iterdir()} == dict.fromkeys(
        [*(f"{s}.sqlite3" for s in STORES), "secret.key"], 0o600)
    restored = RunningStack(restored_dir).start()
    restored.otp_uris = running.otp_uris  # the account and its second factor come back with the backup
    restored._otp_steps = running._otp_steps  # and so does the last code it used
    try:
        with restored.client("office") as client:
            assert client.execute("{ units { code name } }").data == {"units": [{"code": "HY", "name": "汉阳区"}]}
    finally:
        restored.stop()
    assert mbo("audit", "verify", "--data-dir", str(restored_dir / "data")).returncode == 0


def test_restore_refuses_a_damaged_backup(tmp_path: Path) -> None:
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "targets.sqlite3").write_bytes(b"not a database")
    (tmp_path / "backup" / "manifest.json").write_text('{"files": {"targets.sqlite3": "0000"}}')
    done = mbo("restore", str(tmp_path / "backup"), "--data-dir", str(tmp_path / "data"))
    assert done.returncode == 2
    assert "damaged" in done.stderr


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def forged_backup(folder: Path, extra: dict[str, Path]) -> Path:
    """A backup whose four stores and secret are fine, and whose manifest also names `extra` (name → a file
    that really is there, with its true checksum): only the names can make it refused."""
    folder.mkdir(parents=True)
    files = {}
    for name in [*(f"{s}.sqlite3" for s in STORES), "secret.key"]:
        (folder / name).write_bytes(f"content of {name}".encode())
        files[name] = digest(folder / name)
    files.update({name: digest(path) for name, path in extra.items()})
    (folder / "manifest.json").write_text(json.dumps({"files": files}))
    return folder


def assert_refused_with_nothing_written(tmp_path: Path, backup: Path, reason: str) -> None:
    target = tmp_path / "restore" / "data"
    done = mbo("restore", str(backup), "--data-dir", str(target))
    assert done.returncode == 2, done.stdout + done.stderr
    assert reason in done.stderr
    assert not (tmp_path / "restore").exists() or [p.name for p in (tmp_path / "restore").iterdir()] == []


def test_restore_refuses_a_manifest_that_climbs_out_of_the_data_dir(tmp_path: Path) -> None:
    payload = tmp_path / "payload"
    payload.write_text("#!/bin/sh\necho owned\n")
    backup = forged_backup(tmp_path / "backup", {"../payload": payload, "../../restore/payload": payload})
    (tmp_path / "restore").mkdir()
    assert_refused_with_nothing_written(tmp_path, backup, "the manifest names '../payload'")
    assert not (tmp_path / "restore" / "payload").exists()


def test_restore_refuses_a_manifest_with_an_absolute_path(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "authorized_keys"
    outside.parent.mkdir()
    outside.write_text("ssh-ed25519 AAAA attacker\n")
    backup = forged_backup(tmp_path / "backup", {str(outside): outside})
    assert_refused_with_nothing_written(tmp_path, backup, f"the manifest names {str(outside)!r}")
    assert outside.read_text() == "ssh-ed25519 AAAA attacker\n"


def test_restore_refuses_unknown_names(tmp_path: Path) -> None:
    script = tmp_path / "run.sh"
    script.write_text("echo owned\n")
    for name in ("run.sh", "targets.sqlite3-wal", "logs", ".bashrc"):
        backup = forged_backup(tmp_path / f"backup-{name}", {})
        (backup / name).write_bytes(script.read_bytes())
        manifest = json.loads((backup / "manifest.json").read_text())
        manifest["files"][name] = digest(script)
        (backup / "manifest.json").write_text(json.dumps(manifest))
        assert_refused_with_nothing_written(tmp_path, backup, f"the manifest names {name!r}")


def test_restore_refuses_a_store_that_is_a_link(tmp_path: Path) -> None:
    backup = forged_backup(tmp_path / "backup", {})
    secret = tmp_path / "host-secret"
    secret.write_bytes((backup / "secret.key").read_bytes())
    (backup / "secret.key").unlink()
    (backup / "secret.key").symlink_to(secret)
    assert_refused_with_nothing_written(tmp_path, backup, "secret.key in the backup is a link")


def test_restore_refuses_a_manifest_that_lacks_a_store(tmp_path: Path) -> None:
    backup = forged_backup(tmp_path / "backup", {})
    manifest = json.loads((backup / "manifest.json").read_text())
    del manifest["files"]["identity.sqlite3"]
    (backup / "manifest.json").write_text(json.dumps(manifest))
    assert_refused_with_nothing_written(tmp_path, backup, "the backup lacks identity.sqlite3")
