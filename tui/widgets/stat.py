"""A labelled figure with an optional progress bar (home screen)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar


class Stat(Horizontal):
    DEFAULT_CSS = """
    Stat { height: 1; margin: 0 1; }
    Stat .stat-label { width: 34; }
    Stat .stat-value { width: 1fr; }
    Stat ProgressBar { width: 1fr; }
    Stat.has-bar .stat-value { width: 12; }
    Stat.no-bar ProgressBar { display: none; }
    """

    def __init__(self, label: str, *, id: str) -> None:
        super().__init__(id=id, classes="no-bar")
        self.label = label

    def compose(self) -> ComposeResult:
        yield Label(self.label, classes="stat-label")
        yield Label("…", classes="stat-value")
        yield ProgressBar(show_eta=False)

    def show(self, text: str, done: float | None = None, total: float | None = None) -> None:
        self.query_one(".stat-value", Label).update(text)
        bar = self.query_one(ProgressBar)
        if total:
            self.remove_class("no-bar")
            self.add_class("has-bar")
            bar.update(total=total, progress=done or 0)
        else:
            self.add_class("no-bar")
            self.remove_class("has-bar")
