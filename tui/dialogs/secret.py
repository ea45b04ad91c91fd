"""Text shown once and meant to be copied: a second factor's `otpauth://` enrolment URI, a new API key."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static, TextArea


class SecretDialog(ModalScreen[None]):
    """The text sits in a read-only text area: select it with the mouse or shift+arrows, or copy it all with c."""

    BINDINGS = [
        Binding("escape", "close", "关闭 Close", id="close"),
        Binding("c", "copy", "复制 Copy", id="copy"),
    ]
    CSS = """
    SecretDialog { align: center middle; }
    #secret-box { width: 96; height: auto; border: thick $warning; padding: 1 2; background: $panel; }
    #secret-title { text-style: bold; padding-bottom: 1; }
    #secret { height: 5; margin-bottom: 1; }
    #secret-buttons { height: auto; align-horizontal: right; }
    #secret-buttons Button { margin-left: 2; }
    """

    def __init__(self, title: str, text: str, instruction: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text
        self.instruction = instruction

    def compose(self) -> ComposeResult:
        with Vertical(id="secret-box"):
            yield Static(self.title_text, id="secret-title")
            yield TextArea(self.text, id="secret", read_only=True, soft_wrap=True, show_line_numbers=False)
            yield Static(self.instruction, id="instruction")
            with Horizontal(id="secret-buttons"):
                yield Button("复制 Copy (c)", id="copy")
                yield Button("关闭 Close (esc)", id="close", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#secret", TextArea).focus()

    @on(Button.Pressed, "#copy")
    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.text)
        self.notify("已复制到剪贴板 Copied to the clipboard", timeout=3)

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)
