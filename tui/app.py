"""The operator client (`mbo tui`): keyboard-first, talks only to the gateway."""

from __future__ import annotations

import asyncio
import datetime
import os
from collections.abc import Callable

from textual.app import App
from textual.screen import Screen

from tui import keys, labels
from tui.api import Api, ApiError
from tui.commands import MboCommands
from tui.roles import may, reads_business_data
from tui.screens.sign_in import SignInScreen

FIRST_YEAR = 2000
"""The earliest assessment year the client offers; the latest is next year (targets are set in advance)."""


def _screens() -> dict[str, Callable[[], Screen[None]]]:
    from tui.screens.accounts import AccountsScreen
    from tui.screens.adjustment_items import AdjustmentItemsScreen
    from tui.screens.adjustments import AdjustmentsScreen
    from tui.screens.appeals import AppealsScreen
    from tui.screens.cadre_file import CadreFileScreen
    from tui.screens.charts import ChartsScreen
    from tui.screens.entry import EntryScreen
    from tui.screens.filings import FilingsScreen
    from tui.screens.identity_audit import IdentityAuditScreen
    from tui.screens.import_bundle import ImportScreen
    from tui.screens.lagging import LaggingScreen
    from tui.screens.letters import LettersScreen
    from tui.screens.ranking import RankingScreen
    from tui.screens.rewards import RewardsScreen
    from tui.screens.stretch import StretchScreen
    from tui.screens.units import UnitsScreen

    return {
        "units": UnitsScreen, "letters": LettersScreen, "lagging": LaggingScreen, "stretch": StretchScreen,
        "entry_certifications": lambda: EntryScreen("certifications"),
        "entry_ballots": lambda: EntryScreen("ballots"),
        "entry_inspections": lambda: EntryScreen("inspections"),
        "entry_grassroots": lambda: EntryScreen("grassroots"),
        "import": ImportScreen, "ranking": RankingScreen, "bulletin": lambda: RankingScreen(bulletin=True),
        "rewards": RewardsScreen, "filings": FilingsScreen, "adjustments": AdjustmentsScreen,
        "cadre_file": CadreFileScreen, "accounts": AccountsScreen, "identity_audit": IdentityAuditScreen,
        "adjustment_items": AdjustmentItemsScreen, "appeals": AppealsScreen, "charts": ChartsScreen,
    }


class MboApp(App[None]):
    TITLE = "目标管理 Target management"
    BINDINGS = keys.APP
    COMMANDS = App.COMMANDS | {MboCommands}
    CSS = "Screen { background: $surface; }"

    def __init__(self, url: str, username: str | None = None, password: str | None = None, *,
                 year: int | None = None, today: datetime.date | None = None, otp: str | None = None,
                 token: str | None = None) -> None:
        super().__init__()
        self._token = token
        self.api = Api(url)
        self._auto = (username, password) if username and password else None
        self._otp = otp
        self.year = year or 0
        self.today = today or datetime.date.today()
        self._year_fixed = year is not None
        self._reauth: asyncio.Lock | None = None

    def on_mount(self) -> None:
        keymap = keys.keymap_from_env()
        if keymap:
            self.set_keymap(keymap)
        username, password = self._auto or ("", None)
        self.push_screen(SignInScreen(username=username or "", password=password, otp=self._otp, token=self._token))

    def signed_in(self) -> None:
        """Called by the sign-in screen; the home screen is prepared by an app worker (the screen's own worker
        would be cancelled when its screen is replaced)."""
        self.run_worker(self._enter(), name="enter", group="enter", exclusive=True, exit_on_error=False)

    async def _enter(self) -> None:
        session = self.api.session
        self.sub_title = f"{session.username} · {labels.roles(session.roles)}" + (
            f" · {session.unit}" if session.unit else "")
        # the units (the home screen's first figure) asked for at once, beside the schema, not after it
        units = asyncio.ensure_future(self.api.units()) if reads_business_data(session.roles) else None
        try:
            await self.api.load_schema()
            if not self._year_fixed and reads_business_data(session.roles):
                years = await self.api.years()
                self.year = max((y["year"] for y in years), default=self.today.year)
        except ApiError as exc:
            self.notify(exc.message, severity="error")
        self.year = self.year or self.today.year
        from tui.screens.home import HomeScreen

        await self.switch_screen(HomeScreen(units=units))

    async def reauthenticate(self) -> bool:
        """Ask for the password again (from a worker); True when the session is back."""
        if self._reauth is None:
            self._reauth = asyncio.Lock()
        token = self.api.session.token
        async with self._reauth:
            if self.api.session.token != token:  # another worker already signed in again
                return True
            return bool(await self.push_screen_wait(SignInScreen(
                resume=True, username=self.api.session.username, needs_otp=self.api.session.second_factor)))

    def may(self, action: str) -> bool:
        return may(self.api.session.roles, action)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("home", "choose_year") and not self.api.session.token:
            return False  # nothing to go to before signing in
        return True

    def open(self, action: str) -> None:
        if not self.may(action):
            self.notify("无此操作权限。Your role may not do this.", severity="error")
            return
        self.push_screen(_screens()[action]())

    def action_open(self, action: str) -> None:
        self.open(action)

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_home(self) -> None:
        from tui.screens.home import HomeScreen

        while len(self.screen_stack) > 2 and not isinstance(self.screen, HomeScreen):
            self.pop_screen()

    def action_back(self) -> None:
        if len(self.screen_stack) > 2:
            self.pop_screen()

    def action_choose_year(self) -> None:
        from tui.dialogs.prompt import PromptDialog

        def chosen(value: str | None) -> None:
            if value:
                self.year = int(value)
                self.notify(f"年度 Year {self.year}")
                reload = getattr(self.screen, "action_reload", None)
                if reload:
                    reload()

        self.push_screen(PromptDialog(f"考核年度 Assessment year ({FIRST_YEAR}–{self.today.year + 1})", str(self.year),
                                      check=self.year_problem), chosen)

    def year_problem(self, text: str) -> str | None:
        """Why a typed year cannot be chosen (None: it can)."""
        if not text.isdigit() or len(text) != 4:
            return "请输入四位数字年份 Enter a year of four digits, e.g. 2026"
        last = self.today.year + 1
        if not FIRST_YEAR <= int(text) <= last:
            return f"年度须在 {FIRST_YEAR}–{last} 之间 The year must be between {FIRST_YEAR} and {last}"
        return None

    async def on_unmount(self) -> None:
        await self.api.sign_out()
        await self.api.close()


def run(url: str, username: str | None = None, password: str | None = None, otp: str | None = None,
        token: str | None = None, today: datetime.date | None = None) -> int:
    """`mbo tui` / `mbo demo`: work in the session of `token` (or MBO_TOKEN), else sign in with the given
    account, else MBO_USER / MBO_PASSWORD (and MBO_OTP) from the environment, else ask on the sign-in screen."""
    token = token or os.environ.get("MBO_TOKEN") or None
    username = username or os.environ.get("MBO_USER") or None
    password = password or os.environ.get("MBO_PASSWORD") or None
    MboApp(url, username, password, otp=otp or os.environ.get("MBO_OTP") or None, token=token, today=today).run()
    return 0
