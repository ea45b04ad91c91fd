"""Gateway settings from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from gateway.federation.limits import DEFAULT_MAX_DEPTH
from gateway.identity.throttle import Rate
from kernel.settings import SERVICES, data_dir, dsn_for, env_float, env_int, service_url, signing_secret

MAX_ACCESS_TTL = 300
"""Access tokens live at most this long (DESIGN.md §8): how late a revocation can reach a service port."""


@dataclass(frozen=True)
class GatewaySettings:
    port: int
    secret: str
    identity_dsn: str
    subgraphs: dict[str, str] = field(default_factory=dict)
    session_max: int = 28_800
    session_idle: int = 900
    session_recheck: float = 2.0
    access_ttl: int = MAX_ACCESS_TTL
    rate_per_source: Rate = field(default_factory=lambda: Rate(60, 60))
    rate_per_account: Rate = field(default_factory=lambda: Rate(10, 60))
    audit_flood_threshold: int = 10
    max_depth: int = DEFAULT_MAX_DEPTH
    max_aliases: int = 30
    max_tokens: int = 2000
    max_body_bytes: int = 100_000_000
    max_json_bytes: int = 65_536
    subgraph_timeout: float = 10.0
    mutation_timeout: float = 600.0
    subgraph_concurrency: int = 16
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
            session_max=env_int("MBO_SESSION_MAX", 28_800),
            session_idle=env_int("MBO_SESSION_IDLE", 900),
            session_recheck=max(0.0, min(env_float("MBO_SESSION_RECHECK", 2.0), 10.0)),
            access_ttl=max(1, min(env_int("MBO_ACCESS_TTL", MAX_ACCESS_TTL), MAX_ACCESS_TTL)),
            rate_per_source=Rate.parse(os.environ.get("MBO_AUTH_RATE_SOURCE") or "60/60"),
            rate_per_account=Rate.parse(os.environ.get("MBO_AUTH_RATE_ACCOUNT") or "10/60"),
            audit_flood_threshold=env_int("MBO_AUDIT_FLOOD_THRESHOLD", 10),
            max_depth=env_int("MBO_MAX_DEPTH", DEFAULT_MAX_DEPTH),
            max_aliases=env_int("MBO_MAX_ALIASES", 30),
            max_tokens=env_int("MBO_MAX_TOKENS", 2000),
            max_body_bytes=env_int("MBO_MAX_BODY_BYTES", 100_000_000),
            max_json_bytes=env_int("MBO_MAX_JSON_BYTES", 65_536),
            subgraph_timeout=env_float("MBO_SUBGRAPH_TIMEOUT", 10.0),
            mutation_timeout=env_float("MBO_MUTATION_TIMEOUT", 600.0),
            subgraph_concurrency=max(0, env_int("MBO_SUBGRAPH_CONCURRENCY", 16)),
            compose_wait=float(os.environ.get("MBO_COMPOSE_WAIT", "60")),
        )
