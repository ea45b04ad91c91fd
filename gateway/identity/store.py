"""The identity store: accounts, sign-in with lockout, account creation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from gateway.identity.models import User
from gateway.identity.passwords import hash_password, policy_problems, verify_password
from kernel.roles import check_role_combination, parse_roles

MODELS = ["gateway.identity.models"]
MIGRATIONS = "gateway.identity.migrations"
MAX_FAILURES = 5
LOCK_MINUTES = 15


class SignInError(Exception):
    def __init__(self, message: str, *, locked: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.locked = locked


@dataclass(frozen=True)
class SignedIn:
    username: str
    roles: list[str]
    unit: str | None


async def create_user(username: str, password: str, roles: list[str], unit: str | None,
                      display_name: str = "") -> User:
    """Create an account; raise ValueError with a readable reason when anything is off."""
    username = username.strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise ValueError("a username is 1–64 characters without spaces")
    parsed = parse_roles(roles)
    check_role_combination(parsed, unit)
    problems = policy_problems(password, username)
    if problems:
        raise ValueError("the password needs " + "; ".join(problems))
    if await User.filter(username=username).exists():
        raise ValueError(f"the account {username} exists already")
    return await User.create(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        roles=",".join(r.value for r in parsed),
        unit=unit,
        password_changed_at=datetime.now(UTC),
    )


async def sign_in(username: str, password: str, now: datetime | None = None) -> SignedIn:
    """Check a password; 5 failures in a row lock the account for 15 minutes."""
    now = now or datetime.now(UTC)
    user = await User.get_or_none(username=username)
    if user is None or not user.active:
        verify_password(_DUMMY_HASH, password)
        raise SignInError("wrong username or password")
    if user.locked_until and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise SignInError(
            f"the account is locked after {MAX_FAILURES} failed sign-ins; try again in {minutes} minute(s)",
            locked=True,
        )
    if not verify_password(user.password_hash, password):
        failures = user.failed_logins + 1
        locked_until = now + timedelta(minutes=LOCK_MINUTES) if failures >= MAX_FAILURES else None
        await User.filter(id=user.id).update(
            failed_logins=0 if locked_until else failures, locked_until=locked_until
        )
        if locked_until:
            raise SignInError(
                f"the account is locked after {MAX_FAILURES} failed sign-ins; try again in "
                f"{LOCK_MINUTES} minutes",
                locked=True,
            )
        raise SignInError("wrong username or password")
    await User.filter(id=user.id).update(failed_logins=0, locked_until=None, last_login_at=now)
    return SignedIn(username=user.username, roles=user.role_list, unit=user.unit)


_DUMMY_HASH = hash_password("not-a-real-password-0A!")
