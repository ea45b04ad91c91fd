"""Sessions behind the gateway's tokens: idle expiry (15 minutes), absolute expiry, sign-out."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient

from gateway.identity.models import Session

TOUCH_EVERY = timedelta(seconds=20)


class SessionEnded(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


async def open_session(username: str, source: str | None, now: datetime, lifetime: timedelta) -> Session:
    return await Session.create(id=uuid.uuid4().hex, username=username, source=source, created_at=now,
                                last_seen_at=now, expires_at=now + lifetime)


async def end_session(session_id: str, now: datetime, reason: str) -> bool:
    updated = await Session.filter(id=session_id, ended_at=None).update(ended_at=now, end_reason=reason)
    return updated > 0


async def end_sessions(username: str, now: datetime, reason: str,
                       connection: BaseDBAsyncClient | None = None) -> int:
    """End every open session of an account (disabled, grants changed, password reset)."""
    return await Session.filter(username=username, ended_at=None).using_db(connection) \
        .update(ended_at=now, end_reason=reason)


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
