"""The command palette (Ctrl+P): every screen the role may open, and the current screen's own actions."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.roles import destinations


class MboCommands(Provider):
    def _commands(self) -> list[tuple[str, str, object]]:
        app = self.app
        api = getattr(app, "api", None)
        if api is None or not api.session.token:
            return []
        found: list[tuple[str, str, object]] = []
        for d in destinations(api.session.roles):
            found.append((f"打开 Open: {d.label}", d.help, partial(app.open, d.action)))  # type: ignore[attr-defined]
        found.append(("主页 Home", "Back to the home screen", app.action_home))  # type: ignore[attr-defined]
        found.append(("年度 Choose the year", "Change the assessment year", app.action_choose_year))  # type: ignore[attr-defined]
        found.append(("帮助 Help", "Keys of this screen", app.action_help))  # type: ignore[attr-defined]
        screen = self.screen
        own = getattr(screen, "commands", None)
        if own is not None:
            for label, key, action in own():
                found.append((f"{label}", f"key {key}", partial(screen.run_action, action)))
        return found

    async def discover(self) -> Hits:
        for label, help_text, callback in self._commands():
            yield DiscoveryHit(label, callback, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, help_text, callback in self._commands():
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), callback, help=help_text)  # type: ignore[arg-type]
