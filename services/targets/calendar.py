"""The negotiation calendar (磋商日程): face-to-face sessions for every unit over a period. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass(frozen=True)
class Leader:
    """A city leader who negotiates; `units` empty means every session (the secretary, the mayor)."""

    staff_no: str
    unavailable: frozenset[date] = frozenset()
    units: frozenset[str] = frozenset()

    def attends(self, unit: str) -> bool:
        return not self.units or unit in self.units


@dataclass(frozen=True)
class Session:
    day: date
    slot: int
    room: int
    unit: str
    leaders: tuple[str, ...]


@dataclass
class Schedule:
    sessions: list[Session] = field(default_factory=list)
    unscheduled: list[str] = field(default_factory=list)

    def on(self, day: date) -> list[Session]:
        return [s for s in self.sessions if s.day == day]


def working_days(start: date, count: int) -> list[date]:
    """`count` working days (Monday to Friday) from `start` on, `start` included when it is one."""
    days: list[date] = []
    current = start
    while len(days) < count:
        if current.weekday() < 5:
            days.append(current)
        current += timedelta(days=1)
    return days


def schedule(units: Sequence[str], leaders: Iterable[Leader], *, start: date, days: int,
             sessions_per_day: int, rooms: int = 1) -> Schedule:
    """Place each unit once, in the earliest (day, slot, room) where all of its leaders are available
    that day and free in that slot. Units whose leaders have the fewest free days go first; ties by code.
    A unit that fits nowhere is listed in `unscheduled`."""
    if days < 1 or sessions_per_day < 1 or rooms < 1:
        raise ValueError("days, sessions per day and rooms must each be at least 1")
    calendar = working_days(start, days)
    staff = list(leaders)
    needed = {unit: [ld for ld in staff if ld.attends(unit)] for unit in dict.fromkeys(units)}

    def free_days(unit: str) -> int:
        return sum(1 for d in calendar if all(d not in ld.unavailable for ld in needed[unit]))

    order = sorted(needed, key=lambda u: (free_days(u), u))
    busy: set[tuple[date, int, str]] = set()
    taken: set[tuple[date, int, int]] = set()
    result = Schedule()
    for unit in order:
        placed = _place(unit, needed[unit], calendar, sessions_per_day, rooms, busy, taken)
        if placed is None:
            result.unscheduled.append(unit)
            continue
        for ld in needed[unit]:
            busy.add((placed.day, placed.slot, ld.staff_no))
        taken.add((placed.day, placed.slot, placed.room))
        result.sessions.append(placed)
    result.sessions.sort(key=lambda s: (s.day, s.slot, s.room))
    return result


def _place(unit: str, needed: list[Leader], calendar: list[date], slots: int, rooms: int,
           busy: set[tuple[date, int, str]], taken: set[tuple[date, int, int]]) -> Session | None:
    for day in calendar:
        if any(day in ld.unavailable for ld in needed):
            continue
        for slot in range(1, slots + 1):
            if any((day, slot, ld.staff_no) in busy for ld in needed):
                continue
            for room in range(1, rooms + 1):
                if (day, slot, room) not in taken:
                    return Session(day, slot, room, unit, tuple(sorted(ld.staff_no for ld in needed)))
    return None
