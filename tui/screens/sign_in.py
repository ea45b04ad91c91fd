"""Sign in (登录): username, password, the one-time code when the server asks for it, the lockout message."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static

from tui.api import ApiError


class SignInScreen(Screen[bool]):
    """First screen, and pushed again (with `resume=True`) when the session expires mid-work."""

    CSS = """
    SignInScreen { align: center middle; }
    #box { width: 64; height: auto; border: round $accent; padding: 1 2; }
    #title { text-style: bold; padding-bottom: 1; }
    #error { color: $error; height: auto; }
    .otp { display: none; }
    #box.needs-otp .otp { display: block; }
    """
    AUTO_FOCUS = "#username"

    def __init__(self, *, resume: bool = False, username: str = "", password: str | None = None,
                 otp: str | None = None) -> None:
        super().__init__()
        self.otp = otp
        self.resume = resume
        self.username = username
        self.password = password

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static("武汉市目标管理系统 · Target management", id="title")
            if self.resume:
                yield Static("会话已过期，请重新登录后继续。Your session ended; sign in again to continue.")
            yield Label("用户名 Username")
            yield Input(self.username, id="username")
            yield Label("密码 Password")
            yield Input(id="password", password=True)
            yield Label("动态口令 One-time code", classes="otp")
            yield Input(id="otp", classes="otp", max_length=8, restrict=r"[0-9]*")
            yield Label("", id="error")
            yield Button("登录 Sign in", id="sign-in", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        if self.username:
            self.query_one("#password", Input).focus()
        if self.username and self.password:
            self.sign_in(self.username, self.password, self.otp)

    @on(Button.Pressed, "#sign-in")
    @on(Input.Submitted)
    def submit(self) -> None:
        username = self.query_one("#username", Input).value.strip()
        password = self.query_one("#password", Input).value
        otp = self.query_one("#otp", Input).value.strip() or None
        if not username or not password:
            self.query_one("#error", Label).update("请输入用户名和密码 Enter username and password")
            return
        self.sign_in(username, password, otp)

    @work(exclusive=True, exit_on_error=False, group="sign-in")
    async def sign_in(self, username: str, password: str, otp: str | None = None) -> None:
        self.query_one("#error", Label).update("登录中 Signing in…")
        try:
            await self.app.api.sign_in(username, password, otp)  # type: ignore[attr-defined]
        except ApiError as exc:
            self.query_one("#error", Label).update(exc.message)
            if exc.code in ("otp_required", "invalid_otp"):
                self.query_one("#box").add_class("needs-otp")
                self.query_one("#otp", Input).focus()
            else:
                self.query_one("#password", Input).value = ""
            return
        if self.resume:
            self.dismiss(True)
        else:
            self.app.signed_in()  # type: ignore[attr-defined]
