"""Every identity action, keyword-only, each one transaction with its audit entry (`kernel.audit.audited`).

Administration: SYSADMIN creates accounts, resets passwords, disables and unlocks, issues keys; SECURITY_ADMIN
changes grants and decides dual-control requests (gateway.identity.dual_control). Sessions: sign-in,
change of one's own password, refresh, sign-out. The web layer (gateway.endpoints) checks roles and rate
limits and audits refused sign-ins through `throttle.RefusalAudit`; everything refused in here after an
administration action started is audited by `audited` itself.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from gateway.identity import dual_control
from gateway.identity.apikeys import issue_key
from gateway.identity.models import (
    APPROVED,
    EXPIRED,
    MACHINE,
    PENDING,
    PERSON,
    REFUSED,
    AccountRequest,
    ApiKey,
    User,
)
from gateway.identity.sessions import (
    SessionEnded,
    end_session,
    end_sessions,
    issue_refresh_token,
    open_session,
    spend_refresh_token,
)
from gateway.identity.store import (
    Checked,
    SignInError,
    admit,
    check_credentials,
    check_not_expired,
    checked_roles,
    create_user,
    forgive_failures,
    needs_second_factor,
    prepare_password,
    store_password,
)
from gateway.settings import GatewaySettings
from kernel.audit import append, audited
from kernel.auth import Caller, issue_token
from kernel.context import RequestContext
from kernel.errors import BadInput, Conflict, Forbidden, NotFound, Unauthenticated

SYSTEM = Caller(username="system:gateway", roles=frozenset())


@dataclass(frozen=True)
class Tokens:
    """What a sign-in or a refresh answers: a short access token and the refresh token that renews it."""

    username: str
    roles: list[str]
    unit: str | None
    access_token: str
    refresh_token: str
    expires_in: int
    session_expires_in: int
    idle_timeout: int

    def as_json(self) -> dict[str, Any]:
        return {"access_token": self.access_token, "token_type": "bearer", "expires_in": self.expires_in,
                "refresh_token": self.refresh_token, "session_expires_in": self.session_expires_in,
                "idle_timeout": self.idle_timeout, "roles": self.roles, "unit": self.unit}


@dataclass(frozen=True)
class Outcome:
    """An administration step: done at once, or waiting for a SECURITY_ADMIN's approval."""

    result: dict[str, Any]
    pending: bool = False


async def _account(username: str) -> User:
    user = await User.filter(username=username).first() if 0 < len(username) <= 64 else None
    if user is None:
        raise NotFound(f"no account {username}")
    return user


class PasswordRefused(BadInput):
    """The holder's new password is refused by the policy or the history (`/auth/password`)."""

    code = "password_policy"


async def _prepared(user: User, password: str, field: str, refusal: type[BadInput] = BadInput) -> str:
    try:
        return await prepare_password(user, password)
    except ValueError as exc:
        raise refusal(str(exc), field=field) from None


def _actor(ctx: RequestContext) -> str:
    return ctx.caller.username if ctx.caller else ""


def _as_holder(ctx: RequestContext, user: User) -> RequestContext:
    return replace(ctx, caller=Caller(username=user.username, roles=frozenset(user.role_list), unit=user.unit))


# ---- accounts ------------------------------------------------------------------------------------------------

async def list_accounts() -> list[dict[str, Any]]:
    """Every account as administrators see it."""
    return [u.public() for u in await User.all().order_by("username")]


async def create_account(ctx: RequestContext, *, username: str, password: str, display_name: str, kind: str
                         ) -> dict[str, Any]:
    """A new account without roles (SECURITY_ADMIN grants them); a person's password is temporary."""
    async with audited(ctx, action="createAccount", entity="Account") as draft:
        draft.entity_id = username[:64]
        try:
            user, _ = await create_user(username, password, [], None, display_name, kind=kind, must_change=True,
                                        allow_no_roles=True)
        except ValueError as exc:
            raise BadInput(str(exc)) from None
        draft.after = user.public()
    return user.public()


async def _person(username: str) -> User:
    user = await _account(username)
    if user.kind != PERSON:
        raise BadInput("machine accounts have no password or second factor; they use API keys")
    return user


async def reset_password(ctx: RequestContext, *, username: str, password: str, second_factor: bool = False,
                         reason: str = "") -> Outcome:
    """A temporary password (and, with `second_factor`, a new enrolment at next sign-in): at once for an
    ordinary account, as a dual-control request for a protected one or whenever the second factor goes."""
    user = await _person(username)
    dual_control.check_requester(_actor(ctx), user.username)
    password_hash = await _prepared(user, password, "password")
    if dual_control.needs_approval(dual_control.RESET_PASSWORD, user.role_list, second_factor=second_factor):
        return await _request(ctx, action=dual_control.RESET_PASSWORD, user=user, password_hash=password_hash,
                              second_factor=second_factor, reason=reason)
    now = datetime.now(UTC)
    async with audited(ctx, action=dual_control.RESET_PASSWORD, entity="Account") as draft:
        draft.entity_id = user.username
        await _apply(dual_control.RESET_PASSWORD, user, now, password_hash=password_hash, second_factor=False)
        draft.after = {"temporary": True}
    return Outcome({"username": user.username, "mustChange": True})


async def reset_second_factor(ctx: RequestContext, *, username: str, reason: str = "") -> Outcome:
    """Always a dual-control request; once approved the holder enrols a new factor at their next sign-in."""
    user = await _person(username)
    dual_control.check_requester(_actor(ctx), user.username)
    return await _request(ctx, action=dual_control.RESET_SECOND_FACTOR, user=user, second_factor=True, reason=reason)


async def set_active(ctx: RequestContext, *, username: str, active: bool, reason: str = "") -> Outcome:
    """Enable at once; disable at once, or as a dual-control request for a protected account."""
    user = await _account(username)
    if not active:
        dual_control.check_requester(_actor(ctx), user.username)
        if dual_control.needs_approval(dual_control.DISABLE, user.role_list):
            return await _request(ctx, action=dual_control.DISABLE, user=user, reason=reason)
    action = "enableAccount" if active else dual_control.DISABLE
    async with audited(ctx, action=action, entity="Account") as draft:
        draft.entity_id, draft.before, draft.after = user.username, {"active": user.active}, {"active": active}
        if active:
            await User.filter(id=user.id).update(active=True)
        else:
            await _apply(dual_control.DISABLE, user, datetime.now(UTC))
    return Outcome({"username": user.username, "active": active})


async def unlock(ctx: RequestContext, *, username: str, reason: str = "") -> Outcome:
    """Clear a lockout at once, or as a dual-control request for a protected account."""
    user = await _account(username)
    dual_control.check_requester(_actor(ctx), user.username)
    if dual_control.needs_approval(dual_control.UNLOCK, user.role_list):
        return await _request(ctx, action=dual_control.UNLOCK, user=user, reason=reason)
    async with audited(ctx, action=dual_control.UNLOCK, entity="Account") as draft:
        draft.entity_id, draft.before, draft.after = user.username, {"lockedUntil": user.locked_until}, \
            {"lockedUntil": None}
        await _apply(dual_control.UNLOCK, user, datetime.now(UTC))
    return Outcome({"username": user.username, "locked": False})


async def set_grants(ctx: RequestContext, *, username: str, roles: list[str], unit: str | None, read_write: bool
                     ) -> dict[str, Any]:
    """Roles, unit and read-write of an account (never one's own); every session of it ends."""
    async with audited(ctx, action="setGrants", entity="Account") as draft:
        draft.entity_id = username[:64]
        user = await _account(username)
        if user.username == _actor(ctx):
            raise Forbidden("nobody changes their own grants")
        try:
            names = checked_roles(roles, unit)
        except ValueError as exc:
            raise BadInput(str(exc), field="roles") from None
        if user.kind == PERSON and read_write:
            raise BadInput("readWrite applies to machine accounts; a person's roles decide", field="readWrite")
        draft.before = {"roles": user.role_list, "unit": user.unit, "readWrite": user.read_write}
        draft.after = {"roles": names, "unit": unit, "readWrite": read_write}
        await User.filter(id=user.id).update(roles=",".join(names), unit=unit, read_write=read_write)
        await end_sessions(user.username, datetime.now(UTC), "grants changed")
    needs = user.kind == PERSON and needs_second_factor(names) and user.otp_secret is None
    return {"username": user.username, **draft.after, "secondFactorNeeded": needs}


# ---- API keys ------------------------------------------------------------------------------------------------

async def list_keys(*, username: str) -> list[dict[str, Any]]:
    user = await _account(username)
    return [k.public() for k in await ApiKey.filter(username=user.username).order_by("created_at")]


async def create_key(ctx: RequestContext, *, username: str, label: str) -> dict[str, Any]:
    """A new API key of a machine account, shown this once."""
    async with audited(ctx, action="issueApiKey", entity="ApiKey") as draft:
        draft.entity_id = username[:64]
        user = await _account(username)
        if user.kind != MACHINE:
            raise BadInput("API keys are for machine accounts; people sign in with a password")
        key, plain = await issue_key(user, label, _actor(ctx))
        draft.entity_id, draft.after = key.id, {"username": user.username, "label": key.label}
    return {"key": key.public(), "apiKey": plain, "note": "shown once: store it in the other system's secret store"}


async def revoke_key(ctx: RequestContext, *, key_id: str) -> dict[str, Any]:
    async with audited(ctx, action="revokeApiKey", entity="ApiKey") as draft:
        draft.entity_id = key_id[:16]
        key = await ApiKey.filter(id=key_id).first() if len(key_id) <= 16 else None
        if key is None:
            raise NotFound(f"no API key {key_id}")
        draft.before, draft.after = {"revoked": key.revoked_at is not None}, {"revoked": True}
        if key.revoked_at is None:
            await ApiKey.filter(id=key.id).update(revoked_at=datetime.now(UTC), revoked_by=_actor(ctx))
    return {"id": key.id, "revoked": True}


# ---- dual control (双人复核) ---------------------------------------------------------------------------------

async def _request(ctx: RequestContext, *, action: str, user: User, password_hash: str | None = None,
                   second_factor: bool = False, reason: str = "") -> Outcome:
    now = datetime.now(UTC)
    async with audited(ctx, action="requestAccountChange", entity="AccountRequest") as draft:
        request = await AccountRequest.create(
            id=secrets.token_hex(6), action=action, username=user.username, password_hash=password_hash,
            reset_second_factor=second_factor, reason=reason[:256], status=PENDING, requested_by=_actor(ctx),
            requested_at=now, expires_at=now + dual_control.LIFETIME)
        draft.entity_id, draft.after = request.id, request.public()
    return Outcome({"request": request.public(),
                    "next": "a SECURITY_ADMIN approves or refuses it within 24 hours"}, pending=True)


async def list_requests(*, status: str | None = None) -> list[dict[str, Any]]:
    """Dual-control requests, newest first (expired ones marked so first)."""
    await expire_requests()
    query = AccountRequest.all().order_by("-requested_at")
    if status:
        query = query.filter(status=status)
    return [r.public() for r in await query.limit(500)]


async def expire_requests(now: datetime | None = None) -> int:
    """Mark pending requests past their 24 hours expired, each with its audit entry."""
    now = now or datetime.now(UTC)
    expired = 0
    for request in await AccountRequest.filter(status=PENDING, expires_at__lte=now):
        async with in_transaction() as connection:
            if await AccountRequest.filter(id=request.id, status=PENDING).using_db(connection).update(
                    status=EXPIRED, decided_at=now, password_hash=None):
                context = RequestContext(caller=SYSTEM, request_id=secrets.token_hex(16), source=None)
                await append(connection, context, action="expireRequest", entity="AccountRequest",
                             entity_id=request.id, before={"status": PENDING}, after={"status": EXPIRED},
                             success=True, detail=f"{request.action} of {request.username} by {request.requested_by}")
                expired += 1
    return expired


async def decide_request(ctx: RequestContext, *, request_id: str, approve: bool) -> dict[str, Any]:
    """A SECURITY_ADMIN approves (the change takes effect, in the same transaction) or refuses a request."""
    await expire_requests()
    action = "approveRequest" if approve else "refuseRequest"
    now = datetime.now(UTC)
    async with audited(ctx, action=action, entity="AccountRequest") as draft:
        draft.entity_id = request_id[:16]
        request = await AccountRequest.filter(id=request_id).first() if len(request_id) <= 16 else None
        if request is None:
            raise NotFound(f"no request {request_id}")
        if request.status != PENDING:
            raise Conflict(f"the request is {request.status} already")
        dual_control.check_approver(_actor(ctx), requested_by=request.requested_by, username=request.username)
        if not await AccountRequest.filter(id=request.id, status=PENDING).update(
                status=APPROVED if approve else REFUSED, decided_by=_actor(ctx), decided_at=now):
            raise Conflict("the request was decided meanwhile")
        draft.before = {"status": PENDING}
        draft.after = {"status": APPROVED if approve else REFUSED, "action": request.action,
                       "username": request.username, "requestedBy": request.requested_by}
        if approve:
            user = await _account(request.username)
            await _apply(request.action, user, now, password_hash=request.password_hash,
                         second_factor=request.reset_second_factor)
            draft.also(request.action, "Account", user.username, None,
                       {"request": request.id, "requestedBy": request.requested_by,
                        "secondFactorReset": request.reset_second_factor})
        await AccountRequest.filter(id=request.id).update(password_hash=None)
    request.status, request.decided_by, request.decided_at = (APPROVED if approve else REFUSED), _actor(ctx), now
    return {"request": request.public()}


async def _apply(action: str, user: User, now: datetime, *, password_hash: str | None = None,
                 second_factor: bool = False) -> None:
    """Make an account change (inside the caller's transaction); every session of the account ends."""
    if action == dual_control.RESET_PASSWORD:
        if password_hash is None:
            raise Conflict("the request carries no password")
        await store_password(user, password_hash, now=now, by_holder=False)
    if action == dual_control.RESET_SECOND_FACTOR or second_factor:
        await User.filter(id=user.id).update(otp_secret=None, otp_pending_secret=None, otp_last_step=None)
    if action == dual_control.DISABLE:
        await User.filter(id=user.id).update(active=False)
    if action == dual_control.UNLOCK:
        await User.filter(id=user.id).update(failed_logins=0, locked_until=None)
    else:
        await end_sessions(user.username, now, {dual_control.RESET_PASSWORD: "password reset",
                                                dual_control.RESET_SECOND_FACTOR: "second factor reset",
                                                dual_control.DISABLE: "account disabled"}[action])


async def break_glass_reset(ctx: RequestContext, *, username: str, password: str, second_factor: bool) -> None:
    """`mbo user reset` on the host: a temporary password (and a second factor to enrol again) at once."""
    user = await _person(username)
    password_hash = await _prepared(user, password, "password")
    async with audited(ctx, action="breakGlassReset", entity="Account") as draft:
        draft.entity_id, draft.after = user.username, {"temporary": True, "secondFactorReset": second_factor,
                                                       "unlocked": True}
        await _apply(dual_control.RESET_PASSWORD, user, datetime.now(UTC), password_hash=password_hash,
                     second_factor=second_factor)
        await User.filter(id=user.id).update(failed_logins=0, locked_until=None)


# ---- sessions ------------------------------------------------------------------------------------------------

async def _open(ctx: RequestContext, checked: Checked, now: datetime, settings: GatewaySettings, *,
                action: str, new_password_hash: str | None = None) -> Tokens:
    """Admit the account and open its session, in one transaction with the audit entry; a new password of
    the holder's is stored in the same transaction, and then the new session is the only one left open."""
    user = checked.user
    if not user.role_list:
        raise SignInError("no roles have been granted to this account yet", code="no_roles", status=403)
    async with audited(_as_holder(ctx, user), action=action, entity="Account") as draft:
        draft.entity_id = user.username
        if new_password_hash is not None:
            await store_password(user, new_password_hash, now=now, by_holder=True)
        await admit(checked, now)
        session = await open_session(user.username, ctx.source, now, timedelta(seconds=settings.session_max))
        if new_password_hash is not None:
            await end_sessions(user.username, now, "password changed", keep=session.id)
        refresh = await issue_refresh_token(session.id, now)
        draft.after = {"session": session.id, **({"secondFactorEnrolled": True} if checked.enrolled else {})}
    return _tokens(user.username, user.role_list, user.unit, session.id, refresh, session.expires_at, now, settings)


def _tokens(username: str, roles: list[str], unit: str | None, session_id: str, refresh: str,
            expires_at: datetime, now: datetime, settings: GatewaySettings) -> Tokens:
    remaining = max(1, int((expires_at - now).total_seconds()))
    lifetime = min(settings.access_ttl, remaining)
    access = issue_token(settings.secret, username=username, roles=roles, unit=unit, ttl_seconds=lifetime,
                         session_id=session_id)
    return Tokens(username=username, roles=roles, unit=unit, access_token=access, refresh_token=refresh,
                  expires_in=lifetime, session_expires_in=remaining, idle_timeout=settings.session_idle)


async def sign_in(ctx: RequestContext, *, username: str, password: str, otp: str | None,
                  settings: GatewaySettings) -> Tokens:
    """Check everything a sign-in needs and open a session; an expired password must be changed first."""
    now = datetime.now(UTC)
    checked = await check_credentials(username, password, otp, now)
    await forgive_failures(checked.user)
    check_not_expired(checked.user, now)
    return await _open(ctx, checked, now, settings, action="signIn")


async def change_password(ctx: RequestContext, *, username: str, password: str, otp: str | None,
                          new_password: str, settings: GatewaySettings) -> Tokens:
    """The holder's own change (also the forced one): the new session is the only one left open."""
    now = datetime.now(UTC)
    checked = await check_credentials(username, password, otp, now)
    password_hash = await _prepared(checked.user, new_password, "new_password", PasswordRefused)
    return await _open(ctx, checked, now, settings, action="changePassword", new_password_hash=password_hash)


async def refresh(ctx: RequestContext, *, refresh_token: str, settings: GatewaySettings) -> Tokens:
    """A new access token and refresh token for an open session; the presented refresh token is spent.

    The account is read again, so the new access token carries its current roles and unit."""
    now = datetime.now(UTC)
    try:
        session = await spend_refresh_token(refresh_token, now, timedelta(seconds=settings.session_idle))
    except SessionEnded as exc:
        raise Unauthenticated(exc.message, reason="refresh_token_reused" if exc.reused else "session_ended") \
            from None
    user = await User.get_or_none(username=session.username)
    if user is None or not user.active:
        await end_session(session.id, now, "account disabled")
        raise Unauthenticated("the account is disabled; sign in again")
    async with audited(_as_holder(ctx, user), action="refreshSession", entity="Account") as draft:
        draft.entity_id, draft.after = user.username, {"session": session.id}
        new_refresh = await issue_refresh_token(session.id, now)
    return _tokens(user.username, user.role_list, user.unit, session.id, new_refresh, session.expires_at, now,
                   settings)


async def sign_out(ctx: RequestContext, *, session_id: str | None) -> bool:
    """End the caller's session (its refresh token with it)."""
    async with audited(ctx, action="signOut", entity="Account") as draft:
        draft.entity_id = _actor(ctx)
        ended = bool(session_id) and await end_session(str(session_id), datetime.now(UTC), "signed out")
        draft.after = {"session": session_id, "ended": ended}
    return ended
