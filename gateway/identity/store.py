"""The identity store: accounts, sign-in (password, lockout, second factor, expiry), password changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from gateway.identity import totp
from gateway.identity.models import MACHINE, PERSON, PasswordHistory, User
from gateway.identity.passwords import expired, hash_password, policy_problems, reused, verify_password
from kernel.roles import SECOND_FACTOR_ROLES, check_role_combination, parse_roles

MODELS = ["gateway.identity.models"]
MIGRATIONS = "gateway.identity.migrations"
MAX_FAILURES = 5
LOCK_MINUTES = 15
UNUSABLE_PASSWORD = "!"


class SignInError(Exception):
    """A refused sign-in: `code` is the JSON `error` of POST /auth/token, `status` its HTTP status."""

    def __init__(self, message: str, *, code: str = "invalid_credentials", status: int = 401) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status

    @property
    def locked(self) -> bool:
        return self.code == "account_locked"


@dataclass(frozen=True)
class SignedIn:
    username: str
    roles: list[str]
    unit: str | None


def needs_second_factor(roles: list[str]) -> bool:
    return bool(set(roles) & {r.value for r in SECOND_FACTOR_ROLES})


def check_username(username: str) -> str:
    username = username.strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise ValueError("a username is 1–64 characters without spaces")
    return username


def checked_roles(roles: list[str], unit: str | None, *, allow_none: bool = False) -> list[str]:
    """Role names after the 三员分立 and unit checks; ValueError with a readable reason."""
    parsed = parse_roles(roles)
    if parsed or not allow_none:
        check_role_combination(parsed, unit)
    return [r.value for r in parsed]


async def create_user(username: str, password: str, roles: list[str], unit: str | None,
                      display_name: str = "", *, kind: str = PERSON, must_change: bool = False,
                      allow_no_roles: bool = False, connection: BaseDBAsyncClient | None = None,
                      ) -> tuple[User, str | None]:
    """Create an account; return it and the `otpauth://` URI when it was given a second factor.

    Raise ValueError with a readable reason when anything is off. A person whose roles need a second
    factor is enrolled at once; a machine account has no password (it uses API keys).
    """
    username = check_username(username)
    names = checked_roles(roles, unit, allow_none=allow_no_roles)
    if kind not in (PERSON, MACHINE):
        raise ValueError("an account is a person or a machine")
    if kind == PERSON:
        problems = policy_problems(password, username)
        if problems:
            raise ValueError("the password needs " + "; ".join(problems))
    if await User.filter(username=username).using_db(connection).exists():
        raise ValueError(f"the account {username} exists already")
    secret = totp.new_secret() if kind == PERSON and needs_second_factor(names) else None
    password_hash = hash_password(password) if kind == PERSON else UNUSABLE_PASSWORD
    user = await User.create(
        username=username,
        display_name=display_name,
        kind=kind,
        password_hash=password_hash,
        roles=",".join(names),
        unit=unit,
        otp_secret=secret,
        password_changed_at=None if must_change else datetime.now(UTC),
        using_db=connection,
    )
    if kind == PERSON:
        await PasswordHistory.create(username=username, password_hash=password_hash, using_db=connection)
    return user, totp.provisioning_uri(username, secret) if secret else None


async def _failed(user: User, now: datetime, message: str, code: str) -> SignInError:
    failures = user.failed_logins + 1
    locked_until = now + timedelta(minutes=LOCK_MINUTES) if failures >= MAX_FAILURES else None
    await User.filter(id=user.id).update(failed_logins=0 if locked_until else failures, locked_until=locked_until)
    if locked_until:
        return SignInError(f"the account is locked after {MAX_FAILURES} failed sign-ins; try again in "
                           f"{LOCK_MINUTES} minutes", code="account_locked", status=423)
    return SignInError(message, code=code)


async def check_credentials(username: str, password: str, otp: str | None, now: datetime
                            ) -> tuple[User, int | None]:
    """Password, lockout and second factor; 5 failures in a row lock the account for 15 minutes.

    Returns the account and the time step of its one-time code (None without a second factor). A code
    whose step is not after the last one used is refused (RFC 6238 §5.2: no second use of a code).
    """
    user = await User.get_or_none(username=username) if 0 < len(username) <= 64 else None
    if user is None or not user.active or user.kind != PERSON:
        verify_password(_DUMMY_HASH, password)
        raise SignInError("wrong username or password")
    if user.locked_until and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise SignInError(f"the account is locked after {MAX_FAILURES} failed sign-ins; try again in "
                          f"{minutes} minute(s)", code="account_locked", status=423)
    if not verify_password(user.password_hash, password):
        raise await _failed(user, now, "wrong username or password", "invalid_credentials")
    if user.otp_secret is None and needs_second_factor(user.role_list):
        raise SignInError("this account needs a second factor and has none yet; ask the system "
                          "administrator to enrol one", code="otp_not_enrolled", status=403)
    if user.otp_secret is None:
        return user, None
    if not otp:
        raise SignInError("enter the one-time code from your authenticator", code="otp_required")
    step = totp.matching_step(user.otp_secret, otp, now)
    if step is None:
        raise await _failed(user, now, "the one-time code is wrong", "invalid_otp")
    if user.otp_last_step is not None and step <= user.otp_last_step:
        raise await _failed(user, now, "this one-time code was used already; wait for the next one", "invalid_otp")
    return user, step


async def _admit(user: User, step: int | None, now: datetime) -> SignedIn:
    """Let a checked account in: it needs roles, and its one-time code is used up from here on."""
    if not user.role_list:
        raise SignInError("no roles have been granted to this account yet", code="no_roles", status=403)
    query = User.filter(id=user.id)
    if step is not None:
        query = query.filter(Q(otp_last_step__isnull=True) | Q(otp_last_step__lt=step))
    admitted = await query.update(failed_logins=0, locked_until=None, last_login_at=now,
                                  **({"otp_last_step": step} if step is not None else {}))
    if not admitted:
        raise SignInError("this one-time code was used already; wait for the next one", code="invalid_otp")
    return SignedIn(username=user.username, roles=user.role_list, unit=user.unit)


async def sign_in(username: str, password: str, otp: str | None = None, now: datetime | None = None) -> SignedIn:
    """Check everything a sign-in needs; refuse an expired password (it must be changed first)."""
    now = now or datetime.now(UTC)
    user, step = await check_credentials(username, password, otp, now)
    await User.filter(id=user.id).update(failed_logins=0, locked_until=None)
    if user.role_list and expired(user.password_changed_at, now):
        raise SignInError("the password has expired (90 days, or set by an administrator); choose a new one",
                          code="password_expired", status=403)
    return await _admit(user, step, now)


async def change_password(username: str, password: str, otp: str | None, new_password: str,
                          now: datetime | None = None) -> SignedIn:
    """The holder changes their own password: policy, not one of the last 5, then signed in."""
    now = now or datetime.now(UTC)
    user, step = await check_credentials(username, password, otp, now)
    await set_password(user, new_password, now=now, by_holder=True)
    return await _admit(user, step, now)


async def set_password(user: User, new_password: str, *, now: datetime, by_holder: bool,
                       connection: BaseDBAsyncClient | None = None) -> None:
    """Store a new password (ValueError when the policy refuses it); an administrator's is temporary."""
    problems = policy_problems(new_password, user.username)
    if problems:
        raise ValueError("the password needs " + "; ".join(problems))
    earlier = await PasswordHistory.filter(username=user.username).using_db(connection) \
        .order_by("-id").limit(5).values_list("password_hash", flat=True)
    if reused(new_password, list(earlier)):
        raise ValueError("the password must not be one of the last 5 passwords of this account")
    password_hash = hash_password(new_password)
    await User.filter(id=user.id).using_db(connection).update(
        password_hash=password_hash, password_changed_at=now if by_holder else None,
        failed_logins=0, locked_until=None)
    await PasswordHistory.create(username=user.username, password_hash=password_hash, using_db=connection)


_DUMMY_HASH = hash_password("not-a-real-password-0A!")
