"""Gateway settings from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from kernel.settings import SERVICES, data_dir, dsn_for, env_float, env_int, service_url, signing_secret


@dataclass(frozen=True)
class GatewaySettings:
    port: int
    secret: str
    identity_dsn: str
    subgraphs: dict[str, str] = field(default_factory=dict)
    token_ttl: int = 28_800
    session_idle: int = 900
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    max_body_bytes: int = 100_000_000
    subgraph_timeout: float = 10.0
    mutation_timeout: float = 600.0
    compose_wait: float = 60.0

    @classmethod
    def from_env(cls, directory: Path | None = None) -> GatewaySettings:
        port = env_int("MBO_PORT", 8000)
        base = directory or data_dir()
        return cls(
            port=port,
            secret=signing_secret(base),
            identity_dsn=dsn_for("identity", base),
            subgraphs={name: service_url(name, port) for name in SERVICES},
            token_ttl=env_int("MBO_SESSION_MAX", 28_800),
            session_idle=env_int("MBO_SESSION_IDLE", 900),
            max_depth=env_int("MBO_MAX_DEPTH", 12),
            max_aliases=env_int("MBO_MAX_ALIASES", 30),
            max_tokens=env_int("MBO_MAX_TOKENS", 2000),
            max_body_bytes=env_int("MBO_MAX_BODY_BYTES", 100_000_000),
            subgraph_timeout=env_float("MBO_SUBGRAPH_TIMEOUT", 10.0),
            mutation_timeout=env_float("MBO_MUTATION_TIMEOUT", 600.0),
            compose_wait=float(os.environ.get("MBO_COMPOSE_WAIT", "60")),
        )
