"""Sign in (登录)."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static

from tui.api import ApiError


class SignInScreen(Screen[None]):
    CSS = """
    SignInScreen { align: center middle; }
    #box { width: 60; height: auto; border: round $accent; padding: 1 2; }
    #error { color: $error; height: auto; }
    """

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static("武汉市目标管理系统 · Target management", id="title")
            yield Label("用户名 Username")
            yield Input(id="username")
            yield Label("密码 Password")
            yield Input(id="password", password=True)
            yield Label("", id="error")
            yield Button("登录 Sign in", id="sign-in", variant="primary")
        yield Footer()

    @on(Button.Pressed, "#sign-in")
    @on(Input.Submitted)
    def submit(self) -> None:
        username = self.query_one("#username", Input).value.strip()
        password = self.query_one("#password", Input).value
        if not username or not password:
            self.query_one("#error", Label).update("请输入用户名和密码 Enter username and password")
            return
        self.sign_in(username, password)

    @work(exclusive=True, exit_on_error=False)
    async def sign_in(self, username: str, password: str) -> None:
        try:
            await self.app.api.sign_in(username, password)  # type: ignore[attr-defined]
        except ApiError as exc:
            self.query_one("#error", Label).update(exc.message)
            return
        self.app.signed_in()  # type: ignore[attr-defined]
