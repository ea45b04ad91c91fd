"""`mbo backup` while the stack runs, `mbo restore` into a fresh data dir: data and audit chain intact."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
    assert (restored_dir / "data" / "secret.key").stat().st_mode & 0o777 == 0o600
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
