"""Password hashing (argon2id) and the password policy (GB/T 22239-2019 level 3, identity)."""

from __future__ import annotations

import asyncio
import os
import weakref
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
MIN_LENGTH = 8
HISTORY = 5
MAX_AGE = timedelta(days=90)
CONCURRENCY = int(os.environ.get("MBO_HASH_CONCURRENCY") or max(1, min(4, os.cpu_count() or 1)))
"""At most this many argon2 computations at once per gateway process; the rest wait their turn."""
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _slot() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    slot = _slots.get(loop)
    if slot is None:
        slot = _slots[loop] = asyncio.Semaphore(CONCURRENCY)
    return slot


async def hashed(password: str) -> str:
    """`hash_password` in a worker thread, a bounded number at a time (the event loop keeps serving)."""
    async with _slot():
        return await asyncio.to_thread(hash_password, password)


async def verified(password_hash: str, password: str,
                   precheck: Callable[[], Awaitable[None]] | None = None) -> bool:
    """`verify_password` in a worker thread, a bounded number at a time; `precheck` runs once a turn has
    come and may raise to skip the work (an account locked while the request waited)."""
    async with _slot():
        if precheck is not None:
            await precheck()
        return await asyncio.to_thread(verify_password, password_hash, password)


async def reused_async(password: str, earlier_hashes: list[str]) -> bool:
    for earlier in earlier_hashes[:HISTORY]:
        if await verified(earlier, password):
            return True
    return False


def policy_problems(password: str, username: str) -> list[str]:
    """What makes a password unacceptable: length, character classes, the username itself."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"at least {MIN_LENGTH} characters")
    classes = sum(
        [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )
    if classes < 3:
        problems.append("at least 3 of: lower-case, upper-case, digits, symbols")
    if username and username.lower() in password.lower():
        problems.append("must not contain the username")
    return problems


def reused(password: str, earlier_hashes: list[str]) -> bool:
    """True when `password` is one of the earlier passwords (newest first; only the last HISTORY count)."""
    return any(verify_password(h, password) for h in earlier_hashes[:HISTORY])


def expired(changed_at: datetime | None, now: datetime) -> bool:
    """A password never chosen by its holder (set by an administrator) or older than 90 days must change."""
    return changed_at is None or now - changed_at > MAX_AGE
