"""Sessions behind the gateway's tokens: idle expiry (15 minutes), absolute expiry, sign-out, and the
session's refresh tokens (`mbor_…`, stored as SHA-256, each spent by its one use)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Subquery

from gateway.identity.models import RefreshToken, Session

TOUCH_EVERY = timedelta(seconds=20)
REFRESH_PREFIX = "mbor_"


class SessionEnded(Exception):
    def __init__(self, message: str, *, reused: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.reused = reused


async def open_session(username: str, source: str | None, now: datetime, lifetime: timedelta,
                       connection: BaseDBAsyncClient | None = None) -> Session:
    """A new session; the refresh tokens of sessions past their limit are cleared on the way."""
    expired = Subquery(Session.filter(expires_at__lt=now).using_db(connection).values("id"))
    await RefreshToken.filter(session_id__in=expired).using_db(connection).delete()
    return await Session.create(id=uuid.uuid4().hex, username=username, source=source, created_at=now,
                                last_seen_at=now, expires_at=now + lifetime, using_db=connection)


def looks_like_refresh_token(credential: str) -> bool:
    return credential.startswith(REFRESH_PREFIX)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_refresh_token(session_id: str, now: datetime, connection: BaseDBAsyncClient | None = None) -> str:
    """A new refresh token of the session, returned once; only its SHA-256 is kept."""
    token = REFRESH_PREFIX + secrets.token_urlsafe(32)
    await RefreshToken.create(id=_digest(token), session_id=session_id, issued_at=now, using_db=connection)
    return token


async def refresh_session(token: str, now: datetime) -> Session | None:
    """The session a refresh token names (None when it names none), whatever its state."""
    if not looks_like_refresh_token(token) or len(token) > 128:
        return None
    row = await RefreshToken.get_or_none(id=_digest(token))
    return await Session.get_or_none(id=row.session_id) if row else None


async def spend_refresh_token(token: str, now: datetime, idle: timedelta) -> Session:
    """Spend a refresh token of an open session and return the session (touched).

    SessionEnded when the token is unknown or its session has ended; a token spent before (a copy in
    someone else's hands, or the holder's own used twice) ends the session at once, `reused=True`.
    """
    row = await RefreshToken.get_or_none(id=_digest(token)) if looks_like_refresh_token(token) else None
    if row is None:
        raise SessionEnded("the refresh token is not valid; sign in again")
    if row.spent_at is not None:
        await end_session(row.session_id, now, "refresh token reused")
        raise SessionEnded("this refresh token was used before: the session is ended; sign in again", reused=True)
    session = await check_session(row.session_id, now, idle)
    if not await RefreshToken.filter(id=row.id, spent_at=None).update(spent_at=now):
        await end_session(row.session_id, now, "refresh token reused")
        raise SessionEnded("this refresh token was used twice at once: the session is ended; sign in again",
                           reused=True)
    return session


async def end_session(session_id: str, now: datetime, reason: str,
                      connection: BaseDBAsyncClient | None = None) -> bool:
    updated = await Session.filter(id=session_id, ended_at=None).using_db(connection) \
        .update(ended_at=now, end_reason=reason)
    return updated > 0


async def end_sessions(username: str, now: datetime, reason: str,
                       connection: BaseDBAsyncClient | None = None, *, keep: str | None = None) -> int:
    """End every open session of an account (disabled, grants changed, password changed), but `keep`.

    Their refresh tokens die with them: a refresh needs an open session."""
    query = Session.filter(username=username, ended_at=None).using_db(connection)
    if keep is not None:
        query = query.exclude(id=keep)
    return await query.update(ended_at=now, end_reason=reason)


async def check_session(session_id: str, now: datetime, idle: timedelta) -> Session:
    """The open session, touched; SessionEnded when it has ended, idled out or passed its absolute limit."""
    session = await Session.get_or_none(id=session_id)
    if session is None:
        raise SessionEnded("the session is not known; sign in again")
    if session.ended_at is not None:
        raise SessionEnded(f"the session has ended ({session.end_reason}); sign in again")
    if now >= session.expires_at:
        await end_session(session_id, now, "absolute limit reached")
        raise SessionEnded("the session reached its time limit; sign in again")
    if now - session.last_seen_at > idle:
        await end_session(session_id, now, "idle")
        minutes = int(idle.total_seconds() // 60)
        raise SessionEnded(f"the session ended after {minutes or idle.total_seconds()} "
                           f"{'minutes' if minutes else 'seconds'} without activity; sign in again")
    if now - session.last_seen_at >= min(TOUCH_EVERY, idle / 3):
        await Session.filter(id=session_id).update(last_seen_at=now)
    return session
