"""Public notice and appeals (公示与申诉, DESIGN.md §4.4) as pure rules: dates are passed in, never read."""

from __future__ import annotations

from datetime import date

import pytest

from services.assessment.rules import appeal_refusal, finalize_refusal, notice_ends_on, on_notice

PUBLISHED = date(2027, 1, 5)


def test_the_day_of_publication_is_the_first_notice_day() -> None:
    assert notice_ends_on(PUBLISHED, 7) == date(2027, 1, 11)  # 5, 6, …, 11: seven days
    assert notice_ends_on(PUBLISHED, 1) == PUBLISHED
    assert notice_ends_on(date(2028, 2, 25), 7) == date(2028, 3, 2)  # across 29 February
    assert notice_ends_on(PUBLISHED, 0) is None  # no notice: final at publication
    with pytest.raises(ValueError):
        notice_ends_on(PUBLISHED, -1)


def test_on_notice_includes_its_last_day() -> None:
    ends = date(2027, 1, 11)
    assert on_notice(ends, date(2027, 1, 11)) and on_notice(ends, PUBLISHED)
    assert not on_notice(ends, date(2027, 1, 12))
    assert not on_notice(None, PUBLISHED)


def test_appeals_are_taken_only_during_the_notice() -> None:
    ends = date(2027, 1, 11)
    assert appeal_refusal(final=False, ends_on=ends, today=date(2027, 1, 11)) is None
    assert "appeals are closed" in (appeal_refusal(final=False, ends_on=ends, today=date(2027, 1, 12)) or "")
    assert "final" in (appeal_refusal(final=True, ends_on=None, today=PUBLISHED) or "")


def test_finalize_waits_for_the_notice_then_for_every_appeal() -> None:
    ends = date(2027, 1, 11)
    running = finalize_refusal(final=False, ends_on=ends, today=date(2027, 1, 11))
    assert running and "until 2027-01-11" in running
    undecided = finalize_refusal(final=False, ends_on=ends, today=date(2027, 1, 12), undecided=["#3 (D4)"])
    assert undecided and "#3 (D4)" in undecided and "not yet decided" in undecided
    accepted = finalize_refusal(final=False, ends_on=ends, today=date(2027, 1, 12), accepted=["#3 (D4)"])
    assert accepted and "open a correction" in accepted
    assert finalize_refusal(final=False, ends_on=ends, today=date(2027, 1, 12)) is None
    assert "already final" in (finalize_refusal(final=True, ends_on=ends, today=date(2027, 1, 12)) or "")
