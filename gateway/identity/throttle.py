"""Rate limits on the sign-in endpoints, and a refusal audit that stays cheap under a flood.

`Throttle` counts requests per source address and per account in a sliding window and answers
`TooManyRequests` (429 with `Retry-After`) past the limit. `RefusalAudit` writes one audit entry per
refused request until a source or an account passes `threshold` refusals in the window; from then on the
refusals are counted in memory and written as one summary entry per (action, source, account) every
`flush` (each second, and when the gateway stops), so a flood costs the audit store one insert a second.
The limits hold per gateway process; the lockout counter lives in the identity store and holds for all.
"""

from __future__ import annotations

import time
from collections import Counter, OrderedDict, deque
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from kernel.audit import append
from kernel.auth import Caller
from kernel.context import RequestContext
from kernel.errors import AppError, TooManyRequests
from kernel.request_ids import new_id


@dataclass(frozen=True)
class Rate:
    limit: int
    window: float

    @classmethod
    def parse(cls, text: str) -> Rate:
        """`"10/60"`: 10 requests per 60 seconds."""
        limit, _, window = text.partition("/")
        rate = cls(int(limit), float(window or 60))
        if rate.limit < 1 or rate.window <= 0:
            raise ValueError(f"a rate is REQUESTS/SECONDS, both positive: {text!r}")
        return rate


class Window:
    """Event times per key within the last `seconds`, for at most `max_keys` keys (the oldest go first)."""

    def __init__(self, seconds: float, max_keys: int = 100_000) -> None:
        self.seconds = seconds
        self.max_keys = max_keys
        self.events: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self.events.get(key)
        if times is None:
            times = self.events[key] = deque()
            while len(self.events) > self.max_keys:
                self.events.popitem(last=False)
        while times and times[0] <= now - self.seconds:
            times.popleft()
        return times

    def count(self, key: str, now: float) -> int:
        return len(self._recent(key, now))

    def add(self, key: str, now: float) -> int:
        times = self._recent(key, now)
        times.append(now)
        self.events.move_to_end(key)
        return len(times)

    def retry_after(self, key: str, now: float) -> float:
        times = self._recent(key, now)
        return times[0] + self.seconds - now if times else 0.0


class Throttle:
    def __init__(self, per_source: Rate, per_account: Rate) -> None:
        self.per_source = per_source
        self.per_account = per_account
        self.sources = Window(per_source.window)
        self.accounts = Window(per_account.window)

    def check(self, *, source: str | None, username: str | None, now: float | None = None) -> None:
        """Count one request; TooManyRequests when its source or its account is past the limit."""
        now = time.monotonic() if now is None else now
        checks = []
        if source is not None:
            checks.append((self.sources, self.per_source, f"s:{source}", "from this address"))
        if username:
            checks.append((self.accounts, self.per_account, f"a:{username[:64].lower()}", "for this account"))
        for window, rate, key, whose in checks:  # both counted only when neither refuses
            if window.count(key, now) >= rate.limit:
                wait = int(window.retry_after(key, now)) + 1
                raise TooManyRequests(f"too many sign-in requests {whose}; try again in {wait} s", retry_after=wait)
        for window, _, key, _ in checks:
            window.add(key, now)


@dataclass
class Summary:
    ctx: RequestContext
    first: datetime
    last: datetime
    count: int = 0
    codes: Counter[str] = field(default_factory=Counter)


class RefusalAudit:
    def __init__(self, threshold: int = 10, window: float = 60.0) -> None:
        self.threshold = threshold
        self.sources = Window(window)
        self.accounts = Window(window)
        self.pending: dict[tuple[str, str | None, str | None], Summary] = {}

    async def refused(self, ctx: RequestContext, *, action: str, username: str | None, error: AppError) -> None:
        """Audit one refused request: its own entry, or a count in the next summary during a flood."""
        now = time.monotonic()
        flooding = self.sources.add(f"s:{ctx.source}", now) > self.threshold
        if username and self.accounts.add(f"a:{username.lower()}", now) > self.threshold:
            flooding = True
        detail = f"{error.code}: {error.message}"
        if not flooding:
            await _write(ctx, action=action, username=username, detail=detail, after=None)
            return
        at = datetime.now(UTC)
        key = (action, ctx.source, username)
        summary = self.pending.get(key)
        if summary is None:
            summary = self.pending[key] = Summary(ctx=ctx, first=at, last=at)
        summary.count += 1
        summary.last = at
        summary.codes[error.code] += 1

    async def flush(self) -> int:
        """Write one summary entry per (action, source, account) counted since the last flush."""
        pending, self.pending = self.pending, {}
        for (action, _source, username), summary in pending.items():
            seconds = round((summary.last - summary.first).total_seconds(), 3)
            ctx = replace(summary.ctx, request_id=new_id(), client_request_id=None)
            await _write(ctx, action=action, username=username,
                         detail=f"FLOOD: {summary.count} refusals in {seconds} s, summarised",
                         after={"summary": True, "count": summary.count, "from": summary.first.isoformat(),
                                "to": summary.last.isoformat(), "codes": dict(summary.codes)})
        return len(pending)


async def _write(ctx: RequestContext, *, action: str, username: str | None, detail: str, after: object) -> None:
    actor = ctx.caller or Caller(username=(username or "anonymous")[:64], roles=frozenset())
    async with in_transaction() as connection:
        await append(connection, replace(ctx, caller=actor), action=action, entity="Account",
                     entity_id=username[:64] if username else None, before=None, after=after, success=False,
                     detail=detail)
