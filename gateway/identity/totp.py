"""The second factor: time-based one-time passwords (RFC 6238, 30 s steps, 6 digits) with pyotp."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs, urlparse

import pyotp

ISSUER = "MBO 目标管理"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(username: str, secret: str) -> str:
    """The `otpauth://totp/…` URI an authenticator app enrols from (as text or a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def code_ok(secret: str, code: str, now: datetime) -> bool:
    """True when `code` is the code of the current 30-second step or of one step either side (clock drift)."""
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return False
    return pyotp.TOTP(secret).verify(code, for_time=now, valid_window=1)


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
