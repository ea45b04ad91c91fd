"""Settings shared by every process, read from the environment."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SERVICES = ("targets", "assessment", "personnel")
STORES = (*SERVICES, "identity")
DEFAULT_PORT = 8000
SERVICE_PORT_OFFSETS = {"targets": 1, "assessment": 2, "personnel": 3}
MIN_SECRET_BYTES = 32


class SecretTooShort(ValueError):
    """The signing secret is too short to resist a brute-force search for it."""


def data_dir() -> Path:
    return Path(os.environ.get("MBO_DATA_DIR", "./var")).resolve()


def dsn_for(store: str, directory: Path | None = None) -> str:
    """The database DSN of one store: `MBO_<STORE>_DSN`, else a SQLite file in the data dir."""
    configured = os.environ.get(f"MBO_{store.upper()}_DSN")
    if configured:
        return configured
    base = directory or data_dir()
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    return f"sqlite://{base / (store + '.sqlite3')}"


def checked_secret(secret: str, origin: str) -> str:
    """`secret`, when it is long enough to sign tokens with (HS256 wants at least 256 bits)."""
    size = len(secret.encode())
    if size < MIN_SECRET_BYTES:
        raise SecretTooShort(
            f"{origin} is {size} bytes long; the signing secret must be at least {MIN_SECRET_BYTES} bytes. "
            "Set MBO_SECRET to a long random string (e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`), or leave MBO_SECRET unset and "
            "one is generated into the data dir")
    return secret


def signing_secret(directory: Path | None = None) -> str:
    """The JWT signing secret: `MBO_SECRET`, else one generated once into the data dir (mode 0600); either
    way at least MIN_SECRET_BYTES long (SecretTooShort otherwise)."""
    configured = os.environ.get("MBO_SECRET")
    if configured:
        return checked_secret(configured, "MBO_SECRET")
    base = directory or data_dir()
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = base / "secret.key"
    if not path.exists():
        # Several processes may start at once: write the whole secret to a private file first and
        # link it into place atomically, so nobody ever reads a half-written (or empty) secret.
        fd, draft = tempfile.mkstemp(prefix=".secret-", dir=base)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
            os.chmod(draft, 0o600)
            with contextlib.suppress(FileExistsError):
                os.link(draft, path)
        finally:
            os.unlink(draft)
    return checked_secret(path.read_text().strip(), str(path))


def service_url(service: str, gateway_port: int = DEFAULT_PORT) -> str:
    configured = os.environ.get(f"MBO_{service.upper()}_URL")
    if configured:
        return configured
    port = gateway_port + SERVICE_PORT_OFFSETS[service]
    return f"http://127.0.0.1:{port}/graphql"


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


@dataclass(frozen=True)
class ServiceSettings:
    name: str
    dsn: str
    secret: str
    city: str = "武汉市"
    gateway_port: int = DEFAULT_PORT
    upstream_timeout: float = 10.0
    upstream_retries: int = 3
    peers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, name: str) -> ServiceSettings:
        port = env_int("MBO_PORT", DEFAULT_PORT)
        return cls(
            name=name,
            dsn=dsn_for(name),
            secret=signing_secret(),
            city=os.environ.get("MBO_CITY", "武汉市"),
            gateway_port=port,
            upstream_timeout=env_float("MBO_UPSTREAM_TIMEOUT", 10.0),
            upstream_retries=env_int("MBO_UPSTREAM_RETRIES", 3),
            peers={other: service_url(other, port) for other in SERVICES if other != name},
        )
