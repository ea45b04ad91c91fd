"""What every screen shares: the API, the year, role checks, plain-language errors and re-authentication."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeGuard, TypeVar

from textual import work
from textual.screen import Screen
from textual.widgets import Label

from tui.api import Api, ApiError
from tui.dialogs.confirm import ConfirmDialog
from tui.export import write_xlsx
from tui.roles import may

if TYPE_CHECKING:
    from tui.app import MboApp

T = TypeVar("T")
Sheets = dict[str, tuple[list[str], list[list[Any]]]]
"""An XLSX file's sheets: name → (column titles, rows)."""


async def in_chunks(items: list[T], size: int, add: Callable[[list[T]], None]) -> None:
    """Hand `items` to `add` a chunk per turn of the event loop: a table measures every new cell before it
    paints, so thousands of rows at once would hold the screen."""
    for start in range(0, len(items), size):
        await asyncio.sleep(0)
        add(items[start:start + size])


class MboScreen(Screen[None]):
    """A screen of the operator client. `ROLE_ACTIONS` maps a screen action to the permission it needs."""

    ROLE_ACTIONS: dict[str, str] = {}
    CSS = """
    .status { height: auto; min-height: 1; color: $text-muted; padding: 0 1; }
    .status.error { color: $error; }
    .title { text-style: bold; padding: 0 1; }
    """

    @property
    def mbo(self) -> MboApp:
        return self.app  # type: ignore[return-value]

    @property
    def api(self) -> Api:
        return self.mbo.api

    @property
    def year(self) -> int:
        return self.mbo.year

    @property
    def roles(self) -> list[str]:
        return self.api.session.roles

    def may(self, action: str) -> bool:
        return may(self.roles, action)

    def taken_warnings(self) -> str:
        """The API's warnings since the last call (" · " before each), for the end of a status line; cleared."""
        text = "".join(f" · {w}" for w in self.api.warnings)
        self.api.warnings = []
        return text

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        needed = self.ROLE_ACTIONS.get(action)
        if needed is not None and not self.may(needed):
            return False
        return True

    def commands(self) -> list[tuple[str, str, str]]:
        """(label, help, action) of this screen's own commands the caller may run, for the palette."""
        found = []
        for binding in self.BINDINGS:
            if not hasattr(binding, "action") or binding.action.startswith("app."):  # type: ignore[union-attr]
                continue
            name = binding.action.split("(", 1)[0]  # type: ignore[union-attr]
            if self.check_action(name, ()) is False:
                continue
            found.append((binding.description, f"{binding.key}", binding.action))  # type: ignore[union-attr]
        return found

    async def call(self, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T | None:
        """Run an API call from a worker; on an expired session sign in again and retry once; on any other
        refusal show it in plain language and return None."""
        for attempt in range(2):
            try:
                return await fn(*args, **kwargs)
            except ApiError as exc:
                if exc.code == "UNAUTHENTICATED" and attempt == 0 and await self.mbo.reauthenticate():
                    continue
                self.fail(exc)
                return None
        return None

    last_error: ApiError | None = None
    """The latest refusal shown (a screen may react to its code)."""

    def fail(self, exc: ApiError | str) -> None:
        self.last_error = exc if isinstance(exc, ApiError) else None
        message = exc.message if isinstance(exc, ApiError) else exc
        self.status(message, error=True)
        self.notify(message, severity="error", timeout=8)

    def in_status(self, row: dict[str, Any] | None, status: str, refusal: str) -> TypeGuard[dict[str, Any]]:
        """Whether there is a row and it is in `status`; where not, the refusal is shown."""
        if row is not None and row["status"] == status:
            return True
        self.fail(refusal)
        return False

    def status(self, message: str, *, error: bool = False) -> None:
        for label in self.query(".status").results(Label):
            label.update(message)
            label.set_class(error, "error")
            return

    def confirm(self, question: str, yes: str, run: Callable[[], object]) -> None:
        """Ask the question (the yes button labelled `yes`); `run` only on yes."""
        self.app.push_screen(ConfirmDialog(question, yes), lambda ok: run() if ok else None)

    # ---- export (a screen with the export key says what in `export_sheets`) --------------------------------

    def export_sheets(self) -> tuple[str, Sheets] | None:
        """The file name and the sheets the export key writes; None where there is nothing to export."""
        return None

    def action_export(self) -> None:
        self.export()

    @work(exclusive=True, exit_on_error=False, group="export")
    async def export(self) -> None:
        found = self.export_sheets()
        if found is None:
            self.fail("没有可导出的数据 Nothing to export")
            return
        path = await asyncio.to_thread(write_xlsx, *found)
        self.status(f"已导出 Exported to {path}")
        self.notify(f"已导出 Saved {path}", timeout=8)
