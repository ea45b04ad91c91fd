"""JWT tokens and the verified caller."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt

from kernel.errors import Unauthenticated
from kernel.roles import SERVICE_ROLE

ALGORITHM = "HS256"
ISSUER = "mbo-gateway"
AUDIENCE = "mbo"


@dataclass(frozen=True)
class Caller:
    username: str
    roles: frozenset[str]
    unit: str | None = None
    token: str = ""
    claims: dict = field(default_factory=dict, compare=False)

    @property
    def is_service(self) -> bool:
        return SERVICE_ROLE in self.roles

    def has(self, *roles: str) -> bool:
        return self.is_service or bool(self.roles.intersection(roles))

    @property
    def primary_role(self) -> str:
        return ",".join(sorted(self.roles))


def issue_token(
    secret: str,
    *,
    username: str,
    roles: list[str],
    unit: str | None,
    ttl_seconds: int,
    session_id: str | None = None,
    kind: str = "user",
) -> str:
    now = int(time.time())
    claims = {
        "sub": username,
        "roles": sorted(roles),
        "unit": unit,
        "iat": now,
        "exp": now + ttl_seconds,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "jti": uuid.uuid4().hex,
        "typ": kind,
    }
    if session_id:
        claims["sid"] = session_id
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def service_token(secret: str, service: str, ttl_seconds: int = 300) -> str:
    return issue_token(
        secret,
        username=f"service:{service}",
        roles=[SERVICE_ROLE],
        unit=None,
        ttl_seconds=ttl_seconds,
        kind="service",
    )


VERIFIED_CACHE_SIZE = 4096
_verified: dict[tuple[str, str], dict[str, Any]] = {}
"""Claims of tokens whose signature, audience and issuer were verified, by (secret, token): a token is
sent with every request of its session, and HS256 verification (key preparation included) is most of
what authenticating a request costs. Expiry is checked again on every use; the cache is emptied when full."""


def verify_token(secret: str, token: str) -> Caller:
    claims = _verified.get((secret, token))
    if claims is not None:
        if claims["exp"] <= time.time():
            raise Unauthenticated("the token has expired; sign in again")
        return _caller(token, claims)
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("the token has expired; sign in again") from None
    except jwt.PyJWTError:
        raise Unauthenticated("the token is not valid") from None
    roles = claims.get("roles") or []
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise Unauthenticated("the token is not valid")
    if not isinstance(claims["exp"], int | float):
        raise Unauthenticated("the token is not valid")
    if len(_verified) >= VERIFIED_CACHE_SIZE:
        _verified.clear()
    _verified[(secret, token)] = claims
    return _caller(token, claims)


def _caller(token: str, claims: dict[str, Any]) -> Caller:
    return Caller(
        username=str(claims["sub"]),
        roles=frozenset(claims.get("roles") or []),
        unit=claims.get("unit"),
        token=token,
        claims=dict(claims),
    )


def bearer(authorization: str | None) -> str:
    if not authorization:
        raise Unauthenticated("sign in first: no bearer token was sent")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
    return token.strip()
