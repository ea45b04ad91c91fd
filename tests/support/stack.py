"""Start the real stack (three services + gateway as processes) for a test module, on SQLite or PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from gateway.identity.totp import code_at_step
from kernel.auth import issue_token, service_token
from kernel.db import drop_database
from kernel.settings import STORES
from mbo.client import Client
from mbo.stack import Stack

PASSWORD = "Mbo-test-2026!"
RELAXED_RATES = {"MBO_AUTH_RATE_SOURCE": "100000/60", "MBO_AUTH_RATE_ACCOUNT": "100000/60",
                 "MBO_AUDIT_FLOOD_THRESHOLD": "100000"}
"""Every test comes from 127.0.0.1: stacks lift the sign-in rate limits and the flood summary unless a test
module keeps the defaults (tests/gateway/endpoints/test_auth.py drops these to test them)."""
REFRESH_AFTER = 60.0
"""A shared session's access token (300 s) is renewed once it is this old, so whoever gets it has 240 s."""
PG_BASE = os.environ.get("MBO_TEST_PG", "postgres://postgres@127.0.0.1:5432")


def backend() -> str:
    return os.environ.get("MBO_TEST_DB", "sqlite")


def ephemeral_start() -> int:
    """Where the kernel's ports for outgoing connections begin: a port picked below it cannot be taken by
    a database or HTTP client's connection between our check and the service binding it."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port_block(size: int = 4) -> int:
    """A base port with `size` consecutive free ports on loopback."""
    high = ephemeral_start() - size - 1
    high = high if high > 11000 else 60000
    for _ in range(200):
        base = random.randint(10000, high)
        sockets = []
        try:
            for offset in range(size):
                s = socket.socket()
                s.bind(("127.0.0.1", base + offset))
                sockets.append(s)
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no free block of ports")


def database_env() -> tuple[dict[str, str], list[str]]:
    if backend() != "postgres":
        return {}, []
    tag = uuid.uuid4().hex[:10]
    dsns = {store: f"{PG_BASE}/mbo_test_{tag}_{store}" for store in STORES}
    return {f"MBO_{store.upper()}_DSN": dsn for store, dsn in dsns.items()}, list(dsns.values())


def drop_databases(dsns: list[str]) -> None:
    for dsn in dsns:
        asyncio.run(drop_database(dsn))


@contextmanager
def running_stack(tmp: Path, **env: str) -> Iterator[RunningStack]:
    """A stack started with these settings added (`MBO_…="value"`) for the block, stopped (its databases
    dropped) after it."""
    running = RunningStack(tmp)
    running.stack.env.update(env)
    running.start()
    try:
        yield running
    finally:
        running.stop()


class RunningStack:
    def __init__(self, tmp: Path) -> None:
        self.data_dir = tmp / "data"
        env, self.dsns = database_env()
        self.env = {**env, **RELAXED_RATES}
        self.stack = Stack(data_dir=self.data_dir, port=free_port_block(), env=self.env)
        self.otp_uris: dict[str, str] = {}
        self._otp_steps: dict[str, int] = {}
        self._sessions: dict[str, dict[str, str]] = {}
        self._renewed: dict[str, float] = {}

    def start(self) -> RunningStack:
        self.stack.start()
        return self

    def stop(self) -> None:
        self.stack.stop()
        drop_databases(self.dsns)

    @property
    def url(self) -> str:
        return self.stack.url

    def service_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.stack.ports()[name]}"

    @property
    def secret(self) -> str:
        return (self.data_dir / "secret.key").read_text().strip()

    def add_user(self, name: str, *roles: str, unit: str | None = None, password: str = PASSWORD) -> None:
        command = [sys.executable, "-m", "mbo.cli", "user", "add", name, "--data-dir", str(self.data_dir)]
        for role in roles:
            command += ["--role", role]
        if unit:
            command += ["--unit", unit]
        env = {**os.environ, **self.env}
        done = subprocess.run(command, input=f"{password}\n{password}\n", text=True, capture_output=True,
                              env=env, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"mbo user add failed: {done.stderr}")
        for line in done.stdout.splitlines():
            if line.startswith("otpauth://"):
                self.otp_uris[name] = line.strip()

    def otp(self, name: str) -> str | None:
        """A one-time code for the account's next sign-in, as its authenticator app would show it.

        The gateway accepts each code once (RFC 6238 §5.2) and one step of drift, so this hands out the
        current step's code, then the next step's, then waits for the next 30-second step.
        """
        uri = self.otp_uris.get(name)
        if not uri:
            return None
        while True:
            current = int(time.time()) // 30
            step = max(current, self._otp_steps.get(name, current - 1) + 1)
            if step <= current + 1:
                self._otp_steps[name] = step
                return code_at_step(uri, step)
            time.sleep(30 - time.time() % 30 + 0.05)

    def sign_in_body(self, name: str, password: str = PASSWORD) -> dict[str, str]:
        body = {"username": name, "password": password}
        code = self.otp(name)
        if code:
            body["otp"] = code
        return body

    def session_token(self, name: str, password: str = PASSWORD) -> str:
        """An access token of the account's session, made once per stack and shared (as a person keeps one
        session open all day); renewed with the session's refresh token once it is REFRESH_AFTER old, so a
        module running longer than an access token lives keeps working. Tests of sign-in use `sign_in_body`."""
        held = self._sessions.get(name)
        if held is None:
            response = httpx.post(f"{self.url}/auth/token", json=self.sign_in_body(name, password), timeout=60)
        elif time.monotonic() - self._renewed[name] > REFRESH_AFTER:
            response = httpx.post(f"{self.url}/auth/refresh", json={"refresh_token": held["refresh_token"]},
                                  timeout=60)
        else:
            return held["access_token"]
        if response.status_code != 200:
            raise RuntimeError(f"sign-in of {name} refused: {response.text}")
        self._sessions[name] = response.json()
        self._renewed[name] = time.monotonic()
        return self._sessions[name]["access_token"]

    def client_env(self, name: str, password: str = PASSWORD) -> dict[str, str]:
        """The environment a client command (`mbo import`, `mbo tui`) works in: an access token of the
        account's shared session, good for at least 240 s (a command that runs longer signs in itself)."""
        return {"MBO_URL": self.url, "MBO_TOKEN": self.session_token(name, password)}

    def client(self, name: str, password: str = PASSWORD) -> Client:
        return Client(self.url, token=self.session_token(name, password))

    def token(self, username: str, roles: list[str], unit: str | None = None, ttl: int = 300) -> str:
        return issue_token(self.secret, username=username, roles=roles, unit=unit, ttl_seconds=ttl)

    def service_token(self) -> str:
        return service_token(self.secret, "tests")
