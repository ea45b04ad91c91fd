"""The `mbo` command line: up (four processes, health, clean stop, failure exit), user add."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.stack import PASSWORD, database_env, drop_databases, free_port_block

MBO = [sys.executable, "-m", "mbo.cli"]


def user_add(data_dir: Path, *args: str, password: str = PASSWORD, again: str | None = None,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MBO, "user", "add", *args, "--data-dir", str(data_dir)],
                          input=f"{password}\n{again if again is not None else password}\n", text=True,
                          capture_output=True, env={**os.environ, **(env or {})}, timeout=60, check=False)


def wait_for(url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} never became healthy")


def modes(folder: Path) -> dict[str, int]:
    """Every folder and file under `folder` (itself as "."), relative path → permission bits."""
    found = {".": folder.stat().st_mode & 0o777}
    for path in folder.rglob("*"):
        found[str(path.relative_to(folder))] = path.lstat().st_mode & 0o777
    return found


def test_up_starts_four_processes_and_stops_them_on_sigterm(tmp_path: Path) -> None:
    """… and keeps the data dir private: an existing 0755 dir and a 0644 log left by an older version are
    tightened; the stores, their -wal/-shm files, the logs and the secret are 0600 (os.umask is 0o022 here)."""
    port = free_port_block()
    env, dsns = database_env()
    data_dir = tmp_path / "data"
    (data_dir / "logs").mkdir(parents=True, mode=0o755)
    data_dir.chmod(0o755)
    (data_dir / "logs" / "gateway.log").write_text("an older run\n")
    (data_dir / "logs" / "gateway.log").chmod(0o644)
    user = user_add(data_dir, "office", "--role", "TARGET_OFFICE", env=env)  # the identity store, before up
    assert user.returncode == 0, user.stderr
    process = subprocess.Popen([*MBO, "up", "--data-dir", str(data_dir), "--port", str(port)],
                               env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        for offset in range(4):
            wait_for(f"http://127.0.0.1:{port + offset}/healthz")
        # a write to every store (an audited refusal each), so that each has its -wal and -shm files open
        refused = httpx.post(f"http://127.0.0.1:{port}/auth/token", json={"username": "office", "password": "x"})
        assert refused.status_code == 401
        for offset in (1, 2, 3):
            assert httpx.post(f"http://127.0.0.1:{port + offset}/graphql", json={"query": "{ __typename }"}
                              ).status_code == 401
        found = modes(data_dir)
        expected = {"secret.key", "logs/gateway.log", "logs/targets.log", "logs/assessment.log",
                    "logs/personnel.log"}
        if not dsns:
            for store in ("targets", "assessment", "personnel", "identity"):
                assert (data_dir / f"{store}.sqlite3").exists(), store
                expected |= {f"{store}.sqlite3", f"{store}.sqlite3-wal", f"{store}.sqlite3-shm"}
        assert expected <= set(found), sorted(expected - set(found))
        assert {name: mode for name, mode in found.items() if name in (".", "logs")} == {".": 0o700, "logs": 0o700}
        assert {name: mode for name, mode in found.items() if name not in (".", "logs")} == dict.fromkeys(
            set(found) - {".", "logs"}, 0o600)
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
        for offset in range(4):
            with pytest.raises(httpx.HTTPError):
                httpx.get(f"http://127.0.0.1:{port + offset}/healthz", timeout=1)
    finally:
        if process.poll() is None:
            process.kill()
        drop_databases(dsns)


def test_up_exits_non_zero_when_a_part_cannot_start(tmp_path: Path) -> None:
    port = free_port_block()
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", port + 2))
    blocker.listen()
    try:
        done = subprocess.run([*MBO, "up", "--data-dir", str(tmp_path), "--port", str(port)],
                              capture_output=True, text=True, timeout=120, check=False)
    finally:
        blocker.close()
    assert done.returncode != 0
    assert "assessment" in done.stderr
    for offset in (0, 1, 3):
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port + offset}/healthz", timeout=1)


def test_user_add_creates_an_account(tmp_path: Path) -> None:
    env, dsns = database_env()
    try:
        done = user_add(tmp_path, "zhang", "--role", "UNIT_OPERATOR", "--unit", "JA", env=env)
        assert done.returncode == 0, done.stderr
        assert "created zhang" in done.stdout
        again = user_add(tmp_path, "zhang", "--role", "LEADER", env=env)
        assert again.returncode == 2
        assert "exists already" in again.stderr
    finally:
        drop_databases(dsns)


@pytest.mark.parametrize(
    ("args", "password", "again", "message"),
    [
        (["--role", "SYSADMIN", "--role", "AUDITOR"], PASSWORD, None, "三员分立"),
        (["--role", "SECURITY_ADMIN", "--role", "TARGET_OFFICE"], PASSWORD, None, "business role"),
        (["--role", "UNIT_OPERATOR"], PASSWORD, None, "--unit"),
        (["--role", "MAYOR"], PASSWORD, None, "unknown role"),
        (["--role", "LEADER"], "short1A", None, "at least 8"),
        (["--role", "LEADER"], "alllowercase", None, "3 of"),
        (["--role", "LEADER"], "Wang-2026-wang", None, "username"),
        (["--role", "LEADER"], PASSWORD, "Different-2026!", "differ"),
    ],
)
def test_user_add_refuses_bad_accounts(tmp_path: Path, args: list[str], password: str, again: str | None,
                                       message: str) -> None:
    done = user_add(tmp_path, "wang", *args, password=password, again=again)
    assert done.returncode != 0
    assert message in done.stderr


def test_plan_prints_the_query_plan_and_refuses_a_bad_query() -> None:
    done = subprocess.run([*MBO, "plan", "{ units { code staff { name } } }"], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:3] == ["QueryPlan {", "  Sequence {", '    Fetch(service: "targets") {']
    assert '    Flatten(path: "units.@") {' in lines and '      Fetch(service: "personnel") {' in lines
    refused = subprocess.run([*MBO, "plan", "{ units { salary } }"], capture_output=True, text=True, timeout=120,
                             check=False)
    assert refused.returncode == 2 and refused.stdout == ""
    assert "Cannot query field 'salary' on type 'Unit'" in refused.stderr
