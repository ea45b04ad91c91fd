"""The key bar at the foot of every screen: Textual's footer, without restyling each key as it mounts.

Textual's `FooterKey` starts compact and is then bound to its footer's (not compact) setting: as each key
mounts, its class changes twice, and each change restyles the key and everything under it. With a screen's
dozen keys that was the largest single cost of drawing a screen (about a tenth of the start-up to the home
screen). Here every key gets its final setting before it mounts (its footer's; the command palette's key,
which is not bound to the footer, stays compact), so nothing changes when it does.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey


class Footer(TextualFooter):
    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                if widget.has_class("-command-palette"):  # not bound to the footer: stays compact
                    widget.add_class("-compact", update=False)
                else:
                    widget.set_reactive(FooterKey.compact, self.compact)
            yield widget
