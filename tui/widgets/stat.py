"""A labelled figure with an optional progress bar (home screen)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar


class Stat(Horizontal):
    """The bar is made the first time a figure with a total is shown: half the home screen's figures never
    have one, and a bar is four widgets (and an animation while it has no total) that the screen would
    otherwise build, style and lay out before its first figure could show."""

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
        self.bar: ProgressBar | None = None

    def compose(self) -> ComposeResult:
        yield Label(self.label, classes="stat-label")
        yield Label("…", classes="stat-value")

    def show(self, text: str, done: float | None = None, total: float | None = None) -> None:
        self.query_one(".stat-value", Label).update(text)
        if total:
            if self.bar is None:
                self.bar = ProgressBar(total=total, show_eta=False)
                self.mount(self.bar)
            self.remove_class("no-bar")
            self.add_class("has-bar")
            self.bar.update(total=total, progress=done or 0)
        else:
            self.add_class("no-bar")
            self.remove_class("has-bar")
