"""`?` — the keys of the screen you came from, the keys that work everywhere, and how to remap them."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from tui import keys

EVERYWHERE = [
    ("ctrl+p", "命令面板 Command palette: every action you may perform"),
    ("?", "帮助 This help"),
    ("escape", "返回 Back to the previous screen"),
    ("f2", "主页 Home"),
    ("ctrl+y", "年度 Choose the assessment year"),
    ("tab / shift+tab", "下一项 Next / previous field"),
    ("ctrl+q", "退出 Quit"),
]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "关闭 Close", id="close-help")]
    CSS = """
    HelpScreen { align: center middle; }
    #help { width: 90; height: 80%; border: thick $accent; background: $panel; padding: 1 2; }
    """

    def __init__(self, behind: Screen[object]) -> None:
        super().__init__()
        self.behind = behind

    def compose(self) -> ComposeResult:
        table = Table(title=f"按键 Keys — {type(self.behind).__name__}", expand=True, show_lines=False)
        table.add_column("键 Key", style="bold cyan", no_wrap=True)
        table.add_column("作用 Action")
        for binding in getattr(self.behind, "BINDINGS", []):
            if not isinstance(binding, Binding):
                continue
            name = binding.action.split("(", 1)[0]
            check = getattr(self.behind, "check_action", None)
            if check is not None and check(name, ()) is False:
                continue
            table.add_row(binding.key.replace("question_mark", "?").replace("slash", "/"), binding.description)
        table.add_section()
        for key, text in EVERYWHERE:
            table.add_row(key, text)
        with VerticalScroll(id="help"):
            yield Static(table)
            yield Static("\n重新映射按键 Remap keys: MBO_KEYMAP=\"reload=f5,help=f1\" (binding ids: "
                         + ", ".join(b.id or "" for b in [*keys.APP, keys.RELOAD, keys.SEARCH, keys.EDIT,
                                                           keys.SAVE, keys.EXPORT]) + ", …)")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
