"""A one-line question (year, staff number, file path …)."""

from __future__ import annotations

from collections.abc import Callable

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
    #prompt-error { color: $error; height: auto; }
    """

    def __init__(self, question: str, value: str = "", restrict: str | None = None,
                 check: Callable[[str], str | None] | None = None) -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.restrict = restrict
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt"):
            yield Label(self.question)
            yield Input(self.value, restrict=self.restrict, id="answer")
            yield Label("", id="prompt-error", classes="error")
            yield Label("Enter 确定 OK · Esc 取消 Cancel")

    @on(Input.Changed)
    def recheck(self, event: Input.Changed) -> None:
        if self.check is not None:
            self.query_one("#prompt-error", Label).update(self.check(event.value.strip()) or "")

    @on(Input.Submitted)
    def submit(self, event: Input.Submitted) -> None:
        """The answer, unless the check refuses it: then the reason stays on screen and the dialog open."""
        answer = event.value.strip()
        problem = self.check(answer) if self.check is not None else None
        if problem:
            self.query_one("#prompt-error", Label).update(problem)
            return
        self.dismiss(answer)

    def action_cancel(self) -> None:
        self.dismiss(None)
