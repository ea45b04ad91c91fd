"""Save an official document (DOCX): the folder to write it to, with a default folder filled in."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class SaveDocumentDialog(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "取消 Cancel", id="cancel")]
    CSS = """
    SaveDocumentDialog { align: center middle; }
    #save-document { width: 80; height: auto; border: thick $accent; padding: 1 2; background: $panel; }
    """

    def __init__(self, what: str, folder: str) -> None:
        super().__init__()
        self.what = what
        self.folder = folder

    def compose(self) -> ComposeResult:
        with Vertical(id="save-document"):
            yield Label(f"保存公文 Save the document: {self.what}")
            yield Label("保存到文件夹 Folder to save it in")
            yield Input(self.folder, id="folder")
            yield Label("Enter 保存 Save · Esc 取消 Cancel")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def submit(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
