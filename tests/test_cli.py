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


def test_up_starts_four_processes_and_stops_them_on_sigterm(tmp_path: Path) -> None:
    port = free_port_block()
    env, dsns = database_env()
    process = subprocess.Popen([*MBO, "up", "--data-dir", str(tmp_path), "--port", str(port)],
                               env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        for offset in range(4):
            wait_for(f"http://127.0.0.1:{port + offset}/healthz")
        if not dsns:
            for store in ("targets", "assessment", "personnel", "identity"):
                assert (tmp_path / f"{store}.sqlite3").exists(), store
        secret = tmp_path / "secret.key"
        assert secret.stat().st_mode & 0o777 == 0o600
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
