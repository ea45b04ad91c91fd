"""API keys of machine accounts: `mbok_<id>_<secret>`, shown once, stored as SHA-256, revocable."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient

from gateway.identity.models import MACHINE, ApiKey, User

PREFIX = "mbok_"
TOUCH_EVERY = timedelta(minutes=1)


def looks_like_key(credential: str) -> bool:
    return credential.startswith(PREFIX)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def issue_key(user: User, label: str, created_by: str,
                    connection: BaseDBAsyncClient | None = None) -> tuple[ApiKey, str]:
    """A new key for a machine account; the plain key is returned once and never stored."""
    if user.kind != MACHINE:
        raise ValueError("API keys are for machine accounts; people sign in with a password")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = await ApiKey.create(id=key_id, username=user.username, secret_hash=_digest(secret), label=label[:128],
                              created_by=created_by, using_db=connection)
    return key, f"{PREFIX}{key_id}_{secret}"


async def authenticate_key(credential: str, now: datetime) -> User | None:
    """The active machine account a key belongs to, or None for an unknown, revoked or malformed key."""
    key_id, _, secret = credential.removeprefix(PREFIX).partition("_")
    if not key_id or len(key_id) > 16 or not secret:
        return None
    key = await ApiKey.get_or_none(id=key_id)
    if key is None or key.revoked_at is not None or not hmac.compare_digest(key.secret_hash, _digest(secret)):
        return None
    user = await User.get_or_none(username=key.username)
    if user is None or not user.active or user.kind != MACHINE:
        return None
    if key.last_used_at is None or now - key.last_used_at >= TOUCH_EVERY:
        await ApiKey.filter(id=key_id).update(last_used_at=now)
    return user
