"""Start the real stack (three services + gateway as processes) for a test module, on SQLite or PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
import sys
import uuid
from pathlib import Path

from gateway.identity.totp import current_code
from kernel.auth import issue_token, service_token
from kernel.db import drop_database
from kernel.settings import STORES
from mbo.client import Client
from mbo.stack import Stack

PASSWORD = "Mbo-test-2026!"
PG_BASE = os.environ.get("MBO_TEST_PG", "postgres://postgres@127.0.0.1:5432")


def backend() -> str:
    return os.environ.get("MBO_TEST_DB", "sqlite")


def free_port_block(size: int = 4) -> int:
    """A base port with `size` consecutive free ports on loopback."""
    for _ in range(200):
        base = random.randint(20000, 60000)
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


class RunningStack:
    def __init__(self, tmp: Path) -> None:
        self.data_dir = tmp / "data"
        env, self.dsns = database_env()
        self.env = env
        self.stack = Stack(data_dir=self.data_dir, port=free_port_block(), env=env)
        self.otp_uris: dict[str, str] = {}

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
        """The current one-time code of an account with a second factor (as its authenticator app shows)."""
        uri = self.otp_uris.get(name)
        return current_code(uri) if uri else None

    def sign_in_body(self, name: str, password: str = PASSWORD) -> dict[str, str]:
        body = {"username": name, "password": password}
        code = self.otp(name)
        if code:
            body["otp"] = code
        return body

    def client_env(self, name: str, password: str = PASSWORD) -> dict[str, str]:
        """The environment a client command (`mbo import`, `mbo tui`) signs in with, MBO_OTP included."""
        env = {"MBO_USER": name, "MBO_PASSWORD": password, "MBO_URL": self.url}
        code = self.otp(name)
        if code:
            env["MBO_OTP"] = code
        return env

    def client(self, name: str, password: str = PASSWORD) -> Client:
        client = Client(self.url)
        client.sign_in(name, password, self.otp(name))
        return client

    def token(self, username: str, roles: list[str], unit: str | None = None, ttl: int = 300) -> str:
        return issue_token(self.secret, username=username, roles=roles, unit=unit, ttl_seconds=ttl)

    def service_token(self) -> str:
        return service_token(self.secret, "tests")
