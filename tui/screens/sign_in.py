"""Sign in (登录): username, password, the one-time code when the server asks for it, the enrolment of a new
second factor (登记动态口令: the server shows its otpauth:// URI and the first code confirms it), the lockout
message, and the forced change of an expired or temporary password (新密码) before the session starts."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Static

from tui.api import ApiError
from tui.widgets.footer import Footer

ENROL_NOTE = ("登记动态口令：在手机身份验证器（如 FreeOTP、Microsoft / Google Authenticator）中添加下面的文本（或其中 "
              "secret= 后的密钥），再输入它显示的 6 位口令。\nEnrol your second factor: add this text (or the value "
              "after secret=) to an authenticator app, then enter the 6-digit code it shows.")


class SignInScreen(Screen[bool]):
    """First screen, and pushed again (with `resume=True`) when the session expires mid-work."""

    CSS = """
    SignInScreen { align: center middle; }
    #box { width: 64; height: auto; border: round $accent; padding: 1 2; }
    #title { text-style: bold; padding-bottom: 1; }
    #error { color: $error; height: auto; width: 100%; }
    .otp, .change, .enrol { display: none; }
    #box.needs-otp .otp { display: block; }
    #box.enrolling .enrol { display: block; }
    #enrol { color: $warning; height: auto; width: 100%; padding-bottom: 1; }
    #box.must-change .change { display: block; }
    """
    AUTO_FOCUS = "#username"

    def __init__(self, *, resume: bool = False, username: str = "", password: str | None = None,
                 otp: str | None = None, needs_otp: bool = False, token: str | None = None) -> None:
        super().__init__()
        self.otp = otp
        self.token = token
        self.resume = resume
        self.username = username
        self.password = password
        self.needs_otp = needs_otp

    def compose(self) -> ComposeResult:
        with Vertical(id="box", classes="needs-otp" if self.needs_otp else ""):
            yield Static("武汉市目标管理系统 · Target management", id="title")
            if self.resume:
                yield Static("会话已过期，请重新登录后继续。Your session ended; sign in again to continue.")
            yield Label("用户名 Username")
            yield Input(self.username, id="username")
            yield Label("密码 Password")
            yield Input(id="password", password=True)
            yield Static("", id="enrol", classes="enrol", markup=False)
            yield Label("动态口令 One-time code", classes="otp")
            yield Input(id="otp", classes="otp", max_length=8, restrict=r"[0-9]*")
            yield Label("新密码 New password", classes="change")
            yield Input(id="new-password", classes="change", password=True,
                        placeholder="≥8 位，大小写字母、数字、符号至少 3 类 · 3 of a-z A-Z 0-9 !@#")
            yield Label("确认新密码 Confirm", classes="change")
            yield Input(id="confirm-password", classes="change", password=True)
            yield Label("", id="error")
            yield Button("登录 Sign in", id="sign-in", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        if self.username:
            self.query_one("#password", Input).focus()
        if self.token:
            self.adopt(self.token)
        elif self.username and self.password:
            self.sign_in(self.username, self.password, self.otp)

    def value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value

    def error(self, message: str) -> None:
        self.query_one("#error", Label).update(message)

    @on(Button.Pressed, "#sign-in")
    @on(Input.Submitted)
    def submit(self) -> None:
        box = self.query_one("#box")
        username = self.value("username").strip()
        password = self.value("password")
        otp = self.value("otp").strip() or None
        if not username or not password:
            self.error("请输入用户名和密码 Enter username and password")
            return
        if box.has_class("needs-otp") and not otp:
            self.query_one("#otp", Input).focus()
            return
        if not box.has_class("must-change"):
            self.sign_in(username, password, otp)
            return
        new, confirm = self.value("new-password"), self.value("confirm-password")
        if not new:
            self.query_one("#new-password", Input).focus()
        elif not confirm:
            self.query_one("#confirm-password", Input).focus()
        elif new != confirm:
            self.error("两次输入的新密码不一致。The two new passwords differ.")
            self.query_one("#confirm-password", Input).value = ""
            self.query_one("#confirm-password", Input).focus()
        elif new == password:
            self.error("新密码不能与原密码相同。Choose a password different from the old one.")
        else:
            self.sign_in(username, password, otp, new)

    @work(exclusive=True, exit_on_error=False, group="sign-in")
    async def sign_in(self, username: str, password: str, otp: str | None = None, new: str | None = None) -> None:
        self.error("登录中 Signing in…")
        api = self.app.api  # type: ignore[attr-defined]
        try:
            if new is None:
                await api.sign_in(username, password, otp)
            else:
                await api.change_password(username, password, otp, new)
        except ApiError as exc:
            self.refused(exc)
            return
        if self.resume:
            self.dismiss(True)
        else:
            self.app.signed_in()  # type: ignore[attr-defined]

    @work(exclusive=True, exit_on_error=False, group="sign-in")
    async def adopt(self, token: str) -> None:
        self.error("登录中 Signing in…")
        try:
            await self.app.api.adopt(token)  # type: ignore[attr-defined]
        except ApiError as exc:
            self.error(exc.message)
            return
        self.app.signed_in()  # type: ignore[attr-defined]

    def refused(self, exc: ApiError) -> None:
        self.error(exc.message)
        box = self.query_one("#box")
        uri = next((str(d["otpauthUri"]) for d in exc.details if "otpauthUri" in d), None)
        if uri:
            box.add_class("enrolling")
            self.query_one("#enrol", Static).update(f"{ENROL_NOTE}\n{uri}")
        if exc.code in ("otp_required", "invalid_otp", "otp_enrolment_required"):
            box.add_class("needs-otp")
            self.query_one("#otp", Input).value = ""
            self.query_one("#otp", Input).focus()
        elif exc.code == "password_expired":
            box.add_class("must-change")
            self.query_one("#sign-in", Button).label = "修改密码并登录 Change password and sign in"
            self.query_one("#new-password", Input).focus()
        elif exc.code == "password_policy":
            for name in ("new-password", "confirm-password"):
                self.query_one(f"#{name}", Input).value = ""
            self.query_one("#new-password", Input).focus()
        else:
            self.query_one("#password", Input).value = ""
            self.query_one("#password", Input).focus()
