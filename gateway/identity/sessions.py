"""Sessions behind the gateway's tokens: idle expiry (15 minutes), absolute expiry, sign-out, and the
session's refresh tokens (`mbor_…`, stored as SHA-256, each spent by its one use)."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
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
    RECENT.forget_session(session_id)
    updated = await Session.filter(id=session_id, ended_at=None).using_db(connection) \
        .update(ended_at=now, end_reason=reason)
    return updated > 0


async def end_sessions(username: str, now: datetime, reason: str,
                       connection: BaseDBAsyncClient | None = None, *, keep: str | None = None) -> int:
    """End every open session of an account (disabled, grants changed, password changed), but `keep`.

    Their refresh tokens die with them: a refresh needs an open session."""
    RECENT.forget_account(username)
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


@dataclass(frozen=True, slots=True)
class _Checked:
    username: str
    expires_at: datetime
    last_seen_at: datetime
    checked: float  # time.monotonic() of the read


class RecentSessions:
    """Sessions this process found open in the identity store within the last `seconds`, so a burst of requests
    of one session reads the store once, not once per request.

    A session is taken from here only while its touch (last_seen_at) is not due and its absolute limit is not
    reached, so idle and absolute expiry behave as without it. Ending a session or an account's sessions in
    this process (sign-out, disable, password change or reset, grants changed, refresh token reused) forgets
    it at once and keeps it out for `seconds` — also a check that read the store just before the end was
    committed cannot put it back. An end written by another process (another gateway worker, the `mbo` CLI)
    reaches this one within `seconds`. `seconds` = 0 reads the store on every request."""

    LIMIT = 10_000

    def __init__(self) -> None:
        self.seconds = 0.0
        self._open: dict[str, _Checked] = {}
        self._ended_sessions: dict[str, float] = {}
        self._ended_accounts: dict[str, float] = {}
        self.reading: dict[str, asyncio.Future[None]] = {}  # reads of the store in flight, by session id

    def configure(self, seconds: float) -> None:
        self.seconds = max(0.0, seconds)
        self._open.clear()

    def get(self, session_id: str, now: datetime, idle: timedelta) -> bool:
        """True when the session was found open less than `seconds` ago and nothing is due for it now."""
        entry = self._open.get(session_id)
        if entry is None:
            return False
        if (time.monotonic() - entry.checked >= self.seconds or now >= entry.expires_at
                or now - entry.last_seen_at >= min(TOUCH_EVERY, idle / 3)):
            del self._open[session_id]
            return False
        return True

    def put(self, session: Session, last_seen_at: datetime, read_at: float) -> None:
        """Remember an open session read from the store at `read_at` (monotonic), unless it or its account
        was ended in this process since `seconds` before that read."""
        if self.seconds <= 0:
            return
        since = read_at - self.seconds
        if self._ended_sessions.get(session.id, -1.0) >= since or \
                self._ended_accounts.get(session.username, -1.0) >= since:
            return
        if len(self._open) >= self.LIMIT:
            self._open.clear()
        self._open[session.id] = _Checked(session.username, session.expires_at, last_seen_at, read_at)

    def forget_session(self, session_id: str) -> None:
        self._open.pop(session_id, None)
        self.reading.clear()  # a request from now on must not join a read that began before the end
        self._ended_sessions[session_id] = time.monotonic()
        self._prune(self._ended_sessions)

    def forget_account(self, username: str) -> None:
        for session_id in [k for k, v in self._open.items() if v.username == username]:
            del self._open[session_id]
        self.reading.clear()
        self._ended_accounts[username] = time.monotonic()
        self._prune(self._ended_accounts)

    def _prune(self, ended: dict[str, float]) -> None:
        if len(ended) > self.LIMIT:
            horizon = time.monotonic() - max(self.seconds, 1.0) * 2
            for key in [k for k, at in ended.items() if at < horizon]:
                del ended[key]


RECENT = RecentSessions()


async def check_session_recent(session_id: str, now: datetime, idle: timedelta) -> None:
    """`check_session` for a request: answered from `RECENT` when this process found the session open less
    than `RECENT.seconds` ago (and no touch is due); else read (and touched) in the store and remembered.
    Requests of one session that miss together share one read of the store."""
    if RECENT.get(session_id, now, idle):
        return
    pending = RECENT.reading.get(session_id)
    if pending is None:
        pending = asyncio.ensure_future(_read_and_remember(session_id, now, idle))
        RECENT.reading[session_id] = pending
        pending.add_done_callback(lambda done: RECENT.reading.pop(session_id, None)
                                  if RECENT.reading.get(session_id) is done else None)
    await asyncio.shield(pending)


async def _read_and_remember(session_id: str, now: datetime, idle: timedelta) -> None:
    read_at = time.monotonic()
    session = await check_session(session_id, now, idle)
    touched = now if now - session.last_seen_at >= min(TOUCH_EVERY, idle / 3) else session.last_seen_at
    RECENT.put(session, touched, read_at)
