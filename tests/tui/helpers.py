"""Driving the TUI against the real stack: an app for a user, waiting for workers and for a condition."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

from textual.css.query import NoMatches
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input
from textual.worker import WorkerCancelled

from tests.support.stack import PASSWORD, RunningStack
from tests.tui.bundle import YEAR
from tui.app import MboApp
from tui.screens.sign_in import SignInScreen

TODAY = datetime.date(2026, 6, 30)
SIZE = (120, 40)
S = TypeVar("S", bound=Screen)  # type: ignore[type-arg]


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


async def enter_credentials(pilot: Pilot[None], user: str, password: str = PASSWORD) -> SignInScreen:
    """On the sign-in screen (an app made for no user): the user's name and password typed and sent."""
    screen = pilot.app.screen
    assert isinstance(screen, SignInScreen)
    screen.query_one("#username", Input).value = user
    screen.query_one("#password", Input).value = password
    await pilot.press("enter")
    return screen


async def signed_in(pilot: Pilot[None]) -> None:
    await until(pilot, lambda: type(pilot.app.screen).__name__ == "HomeScreen")


@asynccontextmanager
async def session(stack: RunningStack, user: str | None = "office") -> AsyncIterator[tuple[MboApp, Pilot[None]]]:
    """The app in `user`'s session, run headless at SIZE, once its home screen is up; with `user` None, the app
    on its sign-in screen."""
    app = make_app(stack, user)
    async with app.run_test(size=SIZE) as pilot:
        if user is not None:
            await signed_in(pilot)
        yield app, pilot


async def opened(pilot: Pilot[None], where: str | Screen, kind: type[S],  # type: ignore[type-arg]
                 ready: Callable[[S], object] = lambda screen: True, limit: float = 30.0) -> S:
    """Open a menu destination (by name) or push a screen, wait until a `kind` screen is up and `ready`, and
    return it."""
    app = pilot.app
    if isinstance(where, str):
        app.open(where)  # type: ignore[attr-defined]
    else:
        app.push_screen(where)
    await until(pilot, lambda: isinstance(app.screen, kind) and ready(app.screen), limit)
    return app.screen  # type: ignore[return-value]


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
