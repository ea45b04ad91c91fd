"""A one-line question (year, staff number, file path …)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class PromptDialog(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "取消 Cancel", id="cancel")]
    CSS = """
    PromptDialog { align: center middle; }
    #prompt { width: 60; height: auto; border: thick $accent; padding: 1 2; background: $panel; }
    """

    def __init__(self, question: str, value: str = "", restrict: str | None = None) -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.restrict = restrict

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt"):
            yield Label(self.question)
            yield Input(self.value, restrict=self.restrict, id="answer")
            yield Label("Enter 确定 OK · Esc 取消 Cancel")

    @on(Input.Submitted)
    def submit(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
