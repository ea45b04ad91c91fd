"""Public notice and appeals (公示与申诉, DESIGN.md §4.4): when a published revision becomes final.

Dates are calendar days in the city's time zone; ``today`` is always passed in, so the rules can be
checked for any day without a clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta


def notice_ends_on(published_on: date, notice_days: int) -> date | None:
    """The last day of the public notice of a revision published on ``published_on``.

    The day of publication is the first of the ``notice_days`` calendar days, so a 7-day notice
    published on 1 March runs to 7 March inclusive. ``None`` when ``notice_days`` is 0 (no notice: the
    revision is final when published).
    """
    if isinstance(notice_days, bool) or not isinstance(notice_days, int) or notice_days < 0:
        raise ValueError(f"notice_days must be a whole number ≥ 0, got {notice_days!r}")
    if notice_days == 0:
        return None
    return published_on + timedelta(days=notice_days - 1)


def on_notice(ends_on: date | None, today: date) -> bool:
    """Whether the notice is still running on ``today`` (its last day included)."""
    return ends_on is not None and today <= ends_on


def appeal_refusal(*, final: bool, ends_on: date | None, today: date) -> str | None:
    """Why a unit may not appeal against the revision today, or ``None`` when it may."""
    if final:
        return "the results are final; appeals are taken only while they are on public notice"
    if not on_notice(ends_on, today):
        return f"the public notice ended on {ends_on.isoformat() if ends_on else '—'}; appeals are closed"
    return None


def finalize_refusal(*, final: bool, ends_on: date | None, today: date, undecided: Sequence[str] = (),
                     accepted: Sequence[str] = ()) -> str | None:
    """Why the revision may not be made final today, or ``None`` when it may.

    It may once its notice has ended, no appeal on it is undecided and no appeal on it was accepted (an
    accepted appeal is answered by a corrected revision, which is then noticed afresh).
    """
    if final:
        return "the revision is already final"
    if on_notice(ends_on, today):
        assert ends_on is not None
        return f"the revision is on public notice until {ends_on.isoformat()}; it can be made final after that day"
    if undecided:
        return f"appeals not yet decided: {', '.join(undecided)}"
    if accepted:
        return (f"appeals accepted: {', '.join(accepted)}; open a correction and publish a new revision "
                "instead")
    return None
