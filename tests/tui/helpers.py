"""Driving the TUI against the real stack: an app for a user, waiting for workers and for a condition."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from textual.css.query import NoMatches
from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import WorkerCancelled

from tests.support.stack import PASSWORD, RunningStack
from tests.tui.bundle import YEAR
from tui.app import MboApp

TODAY = datetime.date(2026, 6, 30)
SIZE = (120, 40)


def make_app(stack: RunningStack, user: str | None = "office", password: str = PASSWORD) -> MboApp:
    """The app working in `user`'s session (signed in once per stack, as `mbo tui` with MBO_TOKEN), or
    showing the sign-in screen when `user` is None (the tests of signing in itself)."""
    if user is None:
        return MboApp(stack.url, year=YEAR, today=TODAY)
    return MboApp(stack.url, year=YEAR, today=TODAY, token=stack.session_token(user, password))


async def settle(pilot: Pilot[None], rounds: int = 3) -> None:
    """Let messages flow and every worker finish, a few times over (workers start workers)."""
    for _ in range(rounds):
        await pilot.pause()
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:
            pass
        await pilot.pause()


async def until(pilot: Pilot[None], condition: Callable[[], object], limit: float = 30.0, *,
                settled: bool = True) -> None:
    """Wait for a condition, then (unless `settled=False`, when a worker is waiting on a screen) for the workers."""
    deadline = time.monotonic() + limit

    def holds() -> bool:
        try:
            return bool(condition())
        except NoMatches:  # the screen is still composing
            return False

    while not holds():
        if time.monotonic() > deadline:
            shown = [str(label.render()) for label in pilot.app.screen.query(".status")]
            raise AssertionError(f"timed out waiting; screen is {type(pilot.app.screen).__name__} {shown}")
        await pilot.pause(0.05)
    if settled:
        await settle(pilot)


async def needs_otp(pilot: Pilot[None]) -> None:
    """Wait until the sign-in screen asks for the one-time code."""
    await until(pilot, lambda: pilot.app.screen.query("#box.needs-otp") and pilot.app.screen.query_one(
        "#otp", Input).has_focus, settled=False)


async def signed_in(pilot: Pilot[None]) -> None:
    await until(pilot, lambda: type(pilot.app.screen).__name__ == "HomeScreen")


def still(pilot: Pilot[None]) -> None:
    """No blinking cursors, no toasts: screenshots must not depend on when they are taken."""
    for node in pilot.app.screen.query(Input):
        node.cursor_blink = False
    pilot.app.clear_notifications()


def text_of(app: MboApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def run_import(stack: RunningStack, bundle: Path, user: str = "office") -> None:
    env = {**os.environ, **stack.client_env(user, PASSWORD)}
    done = subprocess.run([sys.executable, "-m", "mbo.cli", "import", str(bundle)], env=env, text=True,
                          capture_output=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
