"""Today's date in the city's time zone: the business date public notices are counted in.

`MBO_TODAY=YYYY-MM-DD` pins it for a process — a training copy or the replay of a past year (DESIGN.md §5)
runs at the dates the year ran, and the tests move time by restarting a service with another date instead
of waiting for days to pass. Unset (production), it is the local date in Asia/Shanghai.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

CITY_TIME = ZoneInfo("Asia/Shanghai")


def today() -> date:
    """The business date; a malformed `MBO_TODAY` raises ValueError naming it."""
    pinned = os.environ.get("MBO_TODAY", "").strip()
    if not pinned:
        return datetime.now(CITY_TIME).date()
    try:
        return date.fromisoformat(pinned)
    except ValueError:
        raise ValueError(f"MBO_TODAY must be a date written YYYY-MM-DD, got {pinned!r}") from None
