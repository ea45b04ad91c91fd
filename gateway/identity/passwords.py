"""Password hashing (argon2id) and the password policy (GB/T 22239-2019 level 3, identity)."""

from __future__ import annotations

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
MIN_LENGTH = 8
HISTORY = 5
MAX_AGE = timedelta(days=90)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
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
