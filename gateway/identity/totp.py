"""The second factor: time-based one-time passwords (RFC 6238, 30 s steps, 6 digits) with pyotp."""

from __future__ import annotations

import hmac
from datetime import datetime
from urllib.parse import parse_qs, urlparse

import pyotp

ISSUER = "MBO 目标管理"
STEP_SECONDS = 30


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(username: str, secret: str) -> str:
    """The `otpauth://totp/…` URI an authenticator app enrols from (as text or a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def step_of(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The 30-second step whose code `code` is: the current step or one either side (clock drift)."""
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    generator = pyotp.TOTP(secret)
    current = step_of(now)
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(generator.at(step * STEP_SECONDS), code):
            return step
    return None


def code_ok(secret: str, code: str, now: datetime) -> bool:
    return matching_step(secret, code, now) is not None


def secret_of(uri_or_secret: str) -> str:
    """The base32 secret inside an `otpauth://` URI (or the secret itself)."""
    text = uri_or_secret.strip()
    if text.startswith("otpauth://"):
        secrets = parse_qs(urlparse(text).query).get("secret") or [""]
        text = secrets[0]
    return text


def current_code(uri_or_secret: str, now: datetime | None = None) -> str:
    """The code an authenticator shows now: `mbo otp` and the tests use it as a soft token."""
    totp = pyotp.TOTP(secret_of(uri_or_secret))
    return totp.at(now) if now else totp.now()


def code_at_step(uri_or_secret: str, step: int) -> str:
    """The code of one 30-second step (a client that signs in twice within a step uses the next one)."""
    return pyotp.TOTP(secret_of(uri_or_secret)).at(step * STEP_SECONDS)
