"""Start and stop the three services and the gateway as separate processes on loopback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from kernel.files import open_private, private_dir, tighten
from kernel.settings import SERVICE_PORT_OFFSETS, SERVICES, SecretTooShort, checked_secret, signing_secret

START_TIMEOUT = 90.0


class StackError(RuntimeError):
    pass


@dataclass
class Stack:
    data_dir: Path
    port: int = 8000
    env: dict[str, str] = field(default_factory=dict)
    log_dir: Path | None = None
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def ports(self) -> dict[str, int]:
        return {**{name: self.port + SERVICE_PORT_OFFSETS[name] for name in SERVICES}, "gateway": self.port}

    @property
    def url(self) -> str:
        scheme = "https" if self._env().get("MBO_TLS_CERT") else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def health_url(self, name: str) -> str:
        base = self.url if name == "gateway" else f"http://127.0.0.1:{self.ports()[name]}"
        return f"{base}/healthz"

    def _env(self) -> dict[str, str]:
        env = {**os.environ, **self.env}
        env["MBO_DATA_DIR"] = str(self.data_dir)
        env["MBO_PORT"] = str(self.port)
        for name, port in self.ports().items():
            if name != "gateway":
                env.setdefault(f"MBO_{name.upper()}_URL", f"http://127.0.0.1:{port}/graphql")
        env.setdefault("PYTHONUNBUFFERED", "1")
        env["MBO_PARENT_PID"] = str(os.getpid())
        return env

    def _spawn(self, name: str, port: int) -> subprocess.Popen[bytes]:
        logs = private_dir(self.log_dir or self.data_dir / "logs")
        with open_private(logs / f"{name}.log") as out:
            return subprocess.Popen(
                [sys.executable, "-m", "mbo.serve", name, "--port", str(port)],
                env=self._env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start all four and wait until each answers /healthz; stop everything on any failure."""
        tighten(self.data_dir)  # a data dir made before the modes were tightened: 0700, its files 0600
        configured = self._env().get("MBO_SECRET")
        try:
            if configured:
                checked_secret(configured, "MBO_SECRET")
            else:
                signing_secret(self.data_dir)
        except SecretTooShort as exc:
            raise StackError(str(exc)) from None
        ports = self.ports()
        try:
            for name in SERVICES:
                self.processes[name] = self._spawn(name, ports[name])
            self._wait_healthy(list(SERVICES), timeout)
            self.processes["gateway"] = self._spawn("gateway", ports["gateway"])
            self._wait_healthy(["gateway"], timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_healthy(self, names: list[str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        pending = set(names)
        with httpx.Client(timeout=2.0, verify=False) as client:  # our own processes on loopback
            while pending:
                for name in sorted(pending):
                    process = self.processes[name]
                    if process.poll() is not None:
                        raise StackError(f"{name} exited with code {process.returncode} while starting; "
                                         f"see {self.log_file(name)}")
                    try:
                        if client.get(self.health_url(name)).status_code == 200:
                            pending.discard(name)
                    except httpx.HTTPError:
                        pass
                if pending and time.monotonic() > deadline:
                    raise StackError(f"{', '.join(sorted(pending))} did not become healthy in {timeout:.0f} s")
                if pending:
                    time.sleep(0.1)

    def restart(self, name: str, env: dict[str, str] | None = None, timeout: float = START_TIMEOUT) -> None:
        """Stop one process and start it again (with `env` laid over the stack's environment from now on),
        waiting until it answers /healthz: a configuration change without stopping the others."""
        self.env.update(env or {})
        process = self.processes.pop(name)
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes[name] = self._spawn(name, self.ports()[name])
        self._wait_healthy([name], timeout)

    def log_file(self, name: str) -> Path:
        return (self.log_dir or self.data_dir / "logs") / f"{name}.log"

    def failed(self) -> str | None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                return name
        return None

    def stop(self, grace: float = 10.0) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in self.processes.values():
            remaining = max(0.1, deadline - time.monotonic())
            try:
                process.wait(remaining)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
