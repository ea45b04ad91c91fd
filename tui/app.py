"""The operator client (`mbo tui`): talks only to the gateway."""

from __future__ import annotations

from textual.app import App

from tui.api import Api
from tui.screens.sign_in import SignInScreen
from tui.screens.units import UnitsScreen


class MboApp(App[None]):
    TITLE = "目标管理 Target management"

    def __init__(self, url: str, username: str | None = None, password: str | None = None) -> None:
        super().__init__()
        self.api = Api(url)
        self._auto = (username, password) if username and password else None

    def on_mount(self) -> None:
        self.push_screen(SignInScreen())
        if self._auto:
            self.auto_sign_in()

    def auto_sign_in(self) -> None:
        username, password = self._auto  # type: ignore[misc]
        screen = self.screen
        if isinstance(screen, SignInScreen):
            screen.sign_in(username, password)

    def signed_in(self) -> None:
        session = self.api.session
        self.sub_title = f"{session.username} · {', '.join(session.roles)}"
        self.switch_screen(UnitsScreen())

    async def on_unmount(self) -> None:
        await self.api.close()


def run(url: str, username: str | None = None, password: str | None = None) -> int:
    MboApp(url, username, password).run()
    return 0
