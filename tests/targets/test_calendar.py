"""The negotiation calendar as a pure function."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.targets.calendar import Leader, schedule, working_days

MONDAY = date(2027, 2, 15)


def test_working_days_skip_weekends() -> None:
    days = working_days(date(2027, 2, 19), 3)  # a Friday
    assert days == [date(2027, 2, 19), date(2027, 2, 22), date(2027, 2, 23)]
    assert working_days(date(2027, 2, 20), 1) == [date(2027, 2, 22)]  # Saturday → Monday


def test_every_unit_once_in_order_of_days_and_slots() -> None:
    plan = schedule(["A", "B", "C"], [Leader("MAYOR")], start=MONDAY, days=2, sessions_per_day=2)
    assert [(s.day, s.slot, s.unit) for s in plan.sessions] == [
        (MONDAY, 1, "A"), (MONDAY, 2, "B"), (date(2027, 2, 16), 1, "C")]
    assert plan.unscheduled == []


def test_a_leader_is_never_in_two_rooms_at_once() -> None:
    leaders = [Leader("MAYOR"), Leader("VICE1", units=frozenset({"A", "B"}))]
    plan = schedule(["A", "B"], leaders, start=MONDAY, days=1, sessions_per_day=2, rooms=3)
    assert [(s.slot, s.unit) for s in plan.sessions] == [(1, "A"), (2, "B")]


def test_different_leaders_share_a_slot_in_different_rooms() -> None:
    leaders = [Leader("V1", units=frozenset({"A"})), Leader("V2", units=frozenset({"B"}))]
    plan = schedule(["A", "B"], leaders, start=MONDAY, days=1, sessions_per_day=1, rooms=2)
    assert sorted((s.slot, s.room, s.unit) for s in plan.sessions) == [(1, 1, "A"), (1, 2, "B")]


def test_unavailable_days_are_avoided_and_constrained_units_go_first() -> None:
    leaders = [Leader("V1", units=frozenset({"A"}), unavailable=frozenset({MONDAY})), Leader("V2",
               units=frozenset({"B"}))]
    plan = schedule(["B", "A"], leaders, start=MONDAY, days=2, sessions_per_day=1)
    assert {s.unit: s.day for s in plan.sessions} == {"A": date(2027, 2, 16), "B": MONDAY}


def test_units_that_do_not_fit_are_reported() -> None:
    plan = schedule(["A", "B", "C"], [Leader("MAYOR")], start=MONDAY, days=1, sessions_per_day=2)
    assert len(plan.sessions) == 2 and plan.unscheduled == ["C"]
    assert len(plan.on(MONDAY)) == 2


def test_bad_periods_are_refused() -> None:
    with pytest.raises(ValueError):
        schedule(["A"], [], start=MONDAY, days=0, sessions_per_day=1)


@settings(max_examples=60, deadline=None)
@given(units=st.lists(st.sampled_from([f"U{i}" for i in range(30)]), unique=True, max_size=30),
       days=st.integers(1, 10), per_day=st.integers(1, 4), rooms=st.integers(1, 3),
       blocked=st.sets(st.integers(0, 13), max_size=5))
def test_no_unit_twice_no_leader_double_booked_no_blocked_day(units: list[str], days: int, per_day: int,
                                                             rooms: int, blocked: set[int]) -> None:
    off = frozenset(date.fromordinal(MONDAY.toordinal() + b) for b in blocked)
    leaders = [Leader("MAYOR", unavailable=off, units=frozenset(units[::2])),
               Leader("VICE", units=frozenset(units[1::2])), Leader("SECRETARY", units=frozenset(units[::3]))]
    plan = schedule(units, leaders, start=MONDAY, days=days, sessions_per_day=per_day, rooms=rooms)
    placed = [s.unit for s in plan.sessions]
    assert len(placed) == len(set(placed)) and sorted(placed + plan.unscheduled) == sorted(units)
    booked = [(s.day, s.slot, ld) for s in plan.sessions for ld in s.leaders]
    assert len(booked) == len(set(booked))
    rooms_used = [(s.day, s.slot, s.room) for s in plan.sessions]
    assert len(rooms_used) == len(set(rooms_used)) and all(1 <= s.room <= rooms for s in plan.sessions)
    assert all(s.day not in off for s in plan.sessions if "MAYOR" in s.leaders)
    assert all(s.day.weekday() < 5 for s in plan.sessions)
