"""SIGTERM and SIGINT (Ctrl-C) as a request to stop that a foreground loop reads between its steps."""

from __future__ import annotations

import signal


class StopSignals:
    """Installs itself for SIGTERM and SIGINT: from then on each of them sets `stopping` instead of raising."""

    def __init__(self) -> None:
        self.stopping = False
        signal.signal(signal.SIGTERM, self._note)
        signal.signal(signal.SIGINT, self._note)

    def _note(self, signum: int, frame: object) -> None:
        self.stopping = True
