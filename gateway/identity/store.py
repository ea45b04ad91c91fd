"""The identity store's account rules: creation, credentials (password, lockout, second factor and its
enrolment, expiry) and stored passwords. `gateway.identity.service` builds the audited actions on these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F, Q

from gateway.identity import totp
from gateway.identity.models import MACHINE, PERSON, PasswordHistory, User, needs_second_factor
from gateway.identity.passwords import expired, hash_password, hashed, policy_problems, reused_async, verified
from gateway.identity.sealing import seal, unseal
from kernel.errors import Unauthenticated
from kernel.roles import check_role_combination, parse_roles

MODELS = ["gateway.identity.models"]
MIGRATIONS = "gateway.identity.migrations"
MAX_FAILURES = 5
LOCK_MINUTES = 15
UNUSABLE_PASSWORD = "!"

__all__ = ["MIGRATIONS", "MODELS", "Checked", "SignInError", "check_credentials", "create_user",
           "needs_second_factor", "prepare_password", "store_password"]


class SignInError(Unauthenticated):
    """A refused sign-in: `code` is the JSON `error` of POST /auth/token, `status` its HTTP status."""

    def __init__(self, message: str, *, code: str = "invalid_credentials", status: int = 401, **extensions: object
                 ) -> None:
        super().__init__(message, **extensions)
        self.code = code
        self.status = status

    @property
    def locked(self) -> bool:
        return self.code == "account_locked"


@dataclass(frozen=True)
class Checked:
    """An account whose credentials were right: the time step of its one-time code (None without a second
    factor) and, when the code confirmed a new enrolment, the sealed secret to keep from now on."""

    user: User
    step: int | None
    enrolled: str | None = None


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
    factor is enrolled at once (the secret is stored sealed); a machine account has no password.
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
    password_hash = await hashed(password) if kind == PERSON else UNUSABLE_PASSWORD
    user = await User.create(
        username=username,
        display_name=display_name,
        kind=kind,
        password_hash=password_hash,
        roles=",".join(names),
        unit=unit,
        otp_secret=seal(secret, username) if secret else None,
        password_changed_at=None if must_change else datetime.now(UTC),
        using_db=connection,
    )
    if kind == PERSON:
        await PasswordHistory.create(username=username, password_hash=password_hash, using_db=connection)
    return user, totp.provisioning_uri(username, secret) if secret else None


def _locked_error(minutes: int) -> SignInError:
    return SignInError(f"the account is locked after {MAX_FAILURES} failed sign-ins; try again in "
                       f"{minutes} minute(s)", code="account_locked", status=423)


def _unlocked(now: datetime) -> Q:
    return Q(locked_until__isnull=True) | Q(locked_until__lte=now)


async def _failed(user: User, now: datetime, message: str, code: str, **extensions: object) -> SignInError:
    """Count one failure atomically (one conditional UPDATE); the failure that reaches 5 locks the account."""
    counted = await User.filter(Q(id=user.id) & _unlocked(now)).update(failed_logins=F("failed_logins") + 1)
    if not counted:
        return _locked_error(LOCK_MINUTES)
    locked = await User.filter(Q(id=user.id) & _unlocked(now), failed_logins__gte=MAX_FAILURES).update(
        failed_logins=0, locked_until=now + timedelta(minutes=LOCK_MINUTES))
    if locked or not await User.filter(Q(id=user.id) & _unlocked(now)).exists():
        # this failure locked the account, or a concurrent one did between the two updates: either way the
        # account is locked now, and the answer says so (a plain "wrong password" would count a fifth time)
        return _locked_error(LOCK_MINUTES)
    return SignInError(message, code=code, **extensions)


async def _refuse_if_locked(user_id: int, now: datetime) -> None:
    locked_until = await User.filter(id=user_id).values_list("locked_until", flat=True)
    until = locked_until[0] if locked_until else None
    if until is not None and until > now:
        raise _locked_error(max(1, int((until - now).total_seconds() // 60) + 1))


async def check_credentials(username: str, password: str, otp: str | None, now: datetime) -> Checked:
    """Lockout, password and second factor; 5 failures in a row lock the account for 15 minutes.

    The lock is checked before the password is verified, and again once the verification's turn has come
    (argon2 runs in a bounded thread pool). A code whose step is not after the last one used is refused
    (RFC 6238 §5.2). An account that needs a second factor and has none is offered one to enrol: a missing
    code answers `otp_enrolment_required` with the `otpauth://` URI, and the first right code confirms it.
    """
    user = await User.get_or_none(username=username) if 0 < len(username) <= 64 else None
    if user is None or not user.active or user.kind != PERSON:
        await verified(_DUMMY_HASH, password)
        raise SignInError("wrong username or password")
    await _refuse_if_locked(user.id, now)
    if not await verified(user.password_hash, password, precheck=lambda: _refuse_if_locked(user.id, now)):
        raise await _failed(user, now, "wrong username or password", "invalid_credentials")
    if user.otp_secret is None and needs_second_factor(user.role_list):
        return await _enrolment(user, otp, now)
    if user.otp_secret is None:
        return Checked(user, None)
    if not otp:
        raise SignInError("enter the one-time code from your authenticator", code="otp_required")
    step = totp.matching_step(unseal(user.otp_secret, user.username), otp, now)
    if step is None:
        raise await _failed(user, now, "the one-time code is wrong", "invalid_otp")
    if user.otp_last_step is not None and step <= user.otp_last_step:
        raise await _failed(user, now, "this one-time code was used already; wait for the next one", "invalid_otp")
    return Checked(user, step)


async def _enrolment(user: User, otp: str | None, now: datetime) -> Checked:
    """The holder enrols a new second factor: the same offered secret until a right code confirms it."""
    if user.otp_pending_secret is None:
        await User.filter(id=user.id, otp_pending_secret=None).update(
            otp_pending_secret=seal(totp.new_secret(), user.username))
        await user.refresh_from_db(fields=["otp_pending_secret"])
    sealed = str(user.otp_pending_secret)
    secret = unseal(sealed, user.username)
    uri = totp.provisioning_uri(user.username, secret)
    if not otp:
        raise SignInError("this account needs a second factor: add the otpauth:// URI to your authenticator app, "
                          "then sign in with its code", code="otp_enrolment_required", otpauth_uri=uri)
    step = totp.matching_step(secret, otp, now)
    if step is None:
        raise await _failed(user, now, "the one-time code is wrong", "invalid_otp", otpauth_uri=uri)
    return Checked(user, step, enrolled=sealed)


async def admit(checked: Checked, now: datetime, connection: BaseDBAsyncClient | None = None) -> None:
    """Let a checked account in: it needs roles; its one-time code is used up from here on, and a newly
    confirmed second factor becomes its own."""
    user = checked.user
    if not user.role_list:
        raise SignInError("no roles have been granted to this account yet", code="no_roles", status=403)
    query = User.filter(id=user.id).using_db(connection)
    if checked.step is not None:
        query = query.filter(Q(otp_last_step__isnull=True) | Q(otp_last_step__lt=checked.step))
    changes: dict[str, object] = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
    if checked.step is not None:
        changes["otp_last_step"] = checked.step
    if checked.enrolled is not None:
        changes.update(otp_secret=checked.enrolled, otp_pending_secret=None)
    if not await query.update(**changes):
        raise SignInError("this one-time code was used already; wait for the next one", code="invalid_otp")


async def forgive_failures(user: User) -> None:
    """Right credentials clear the failure count, even when the sign-in stops at an expired password."""
    await User.filter(id=user.id).update(failed_logins=0)


def check_not_expired(user: User, now: datetime) -> None:
    if user.role_list and expired(user.password_changed_at, now):
        raise SignInError("the password has expired (90 days, or set by an administrator); choose a new one",
                          code="password_expired", status=403)


async def prepare_password(user: User, new_password: str) -> str:
    """The hash of an acceptable new password (ValueError when the policy or the history refuses it)."""
    problems = policy_problems(new_password, user.username)
    if problems:
        raise ValueError("the password needs " + "; ".join(problems))
    earlier = await PasswordHistory.filter(username=user.username).order_by("-id").limit(5) \
        .values_list("password_hash", flat=True)
    if await reused_async(new_password, list(earlier)):
        raise ValueError("the password must not be one of the last 5 passwords of this account")
    return await hashed(new_password)


async def store_password(user: User, password_hash: str, *, now: datetime, by_holder: bool,
                         connection: BaseDBAsyncClient | None = None) -> None:
    """Keep a prepared password; one set by anyone but the holder is temporary (changed at next sign-in)."""
    await User.filter(id=user.id).using_db(connection).update(
        password_hash=password_hash, password_changed_at=now if by_holder else None,
        failed_logins=0, locked_until=None)
    await PasswordHistory.create(username=user.username, password_hash=password_hash, using_db=connection)


_DUMMY_HASH = hash_password("not-a-real-password-0A!")
