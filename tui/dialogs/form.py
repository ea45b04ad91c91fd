"""A modal form: one input per field, the validation message next to the field, server refusals placed on
the field they concern, and a reload button when someone else saved first (CONFLICT)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from tui.api import ApiError

Check = Callable[[str], str | None]


def decimal_check(low: Decimal | None = None, high: Decimal | None = None, required: bool = False) -> Check:
    def check(text: str) -> str | None:
        if not text:
            return "必填 Required" if required else None
        try:
            value = Decimal(text)
        except InvalidOperation:
            return "请输入数字 Enter a number"
        if not value.is_finite():
            return "请输入数字 Enter a number"
        if low is not None and value < low:
            return f"不能小于 Must be at least {low}"
        if high is not None and value > high:
            return f"不能大于 Must be at most {high}"
        return None
    return check


def required_check(text: str) -> str | None:
    return None if text.strip() else "必填 Required"


def date_check(not_before: date | None = None, required: bool = True) -> Check:
    """A calendar day written YYYY-MM-DD, on or after `not_before` when given."""
    def check(text: str) -> str | None:
        if not text:
            return "必填 Required (YYYY-MM-DD)" if required else None
        try:
            if len(text) != 10:
                raise ValueError(text)
            day = date.fromisoformat(text)
        except ValueError:
            return "请按 YYYY-MM-DD 输入有效日期 Enter a real date as YYYY-MM-DD"
        if not_before is not None and day < not_before:
            return f"不能早于 Not before {not_before.isoformat()}"
        return None
    return check


@dataclass
class Field:
    name: str
    label: str
    value: str = ""
    check: Check | None = None
    disabled: bool = False
    choices: list[tuple[str, str]] | None = None
    placeholder: str = ""
    password: bool = False


class FormDialog(ModalScreen[Any]):
    """`save(values)` runs in a worker; its result dismisses the dialog. `reload()` refills after a CONFLICT."""

    BINDINGS = [
        Binding("escape", "cancel", "取消 Cancel", id="cancel"),
        Binding("ctrl+s", "save", "保存 Save", id="save", priority=True),
    ]
    CSS = """
    FormDialog { align: center middle; }
    #form { width: 96; height: auto; max-height: 90%; border: thick $accent; background: $panel; padding: 0 1; }
    #form-title { text-style: bold; padding: 0 1 1 1; }
    .row { height: auto; }
    .row > Label.field-label { width: 30; padding: 1 1 0 0; }
    .row > Input, .row > Select { width: 36; }
    .row > Label.field-error { width: 1fr; color: $error; padding: 1 0 0 1; }
    #form-error { color: $error; height: auto; padding: 0 1; }
    #form-buttons { height: auto; align-horizontal: right; }
    #form-buttons Button { margin-left: 1; }
    #reload { display: none; }
    #form.conflict #reload { display: block; }
    """

    def __init__(self, title: str, fields: list[Field], save: Callable[[dict[str, str]], Awaitable[Any]],
                 reload: Callable[[], Awaitable[dict[str, str]]] | None = None) -> None:
        super().__init__()
        self.form_title = title
        self.fields = fields
        self.saver = save
        self.reloader = reload
        self.initial = {f.name: f.value for f in fields}

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="form"):
            yield Static(self.form_title, id="form-title")
            for f in self.fields:
                with Horizontal(classes="row"):
                    yield Label(f.label, classes="field-label")
                    if f.choices is not None:
                        yield Select([(label, value) for value, label in f.choices], value=f.value or Select.NULL,
                                     id=f"f-{f.name}", disabled=f.disabled, allow_blank=not f.value)
                    else:
                        yield Input(f.value, id=f"f-{f.name}", disabled=f.disabled, placeholder=f.placeholder,
                                    password=f.password)
                    yield Label("", id=f"e-{f.name}", classes="field-error")
            yield Label("", id="form-error")
            with Horizontal(id="form-buttons"):
                yield Button("重新加载 Reload", id="reload", variant="warning")
                yield Button("取消 Cancel", id="cancel")
                yield Button("保存 Save (ctrl+s)", id="save", variant="primary")

    def on_mount(self) -> None:
        """The first field that can be filled in has the focus, so typing starts there."""
        first = next((f for f in self.fields if not f.disabled), None)
        if first is not None:
            self.query_one(f"#f-{first.name}").focus()

    def values(self) -> dict[str, str]:
        found = {}
        for f in self.fields:
            widget = self.query_one(f"#f-{f.name}")
            if isinstance(widget, Select):
                found[f.name] = "" if widget.value is Select.NULL else str(widget.value)
            else:
                found[f.name] = widget.value.strip()  # type: ignore[attr-defined]
        return found

    def changed(self) -> dict[str, str]:
        return {k: v for k, v in self.values().items() if v != self.initial.get(k, "")}

    def validate_all(self) -> bool:
        ok = True
        values = self.values()
        for f in self.fields:
            message = f.check(values[f.name]) if f.check and not f.disabled else None
            self.query_one(f"#e-{f.name}", Label).update(message or "")
            ok = ok and message is None
        return ok

    @on(Input.Changed)
    def recheck(self, event: Input.Changed) -> None:
        name = (event.input.id or "")[2:]
        f = next((f for f in self.fields if f.name == name), None)
        if f is not None and f.check:
            self.query_one(f"#e-{name}", Label).update(f.check(event.value.strip()) or "")

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        if self.validate_all():
            self.run_save(self.values())
        else:
            self.query_one("#form-error", Label).update("请更正标红的字段 Correct the fields marked in red")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#reload")
    def reload_pressed(self) -> None:
        self.run_reload()

    @work(exclusive=True, exit_on_error=False, group="form")
    async def run_save(self, values: dict[str, str]) -> None:
        self.query_one("#form-error", Label).update("保存中 Saving…")
        for attempt in range(2):
            try:
                result = await self.saver(values)
            except ApiError as exc:
                if exc.code == "UNAUTHENTICATED" and attempt == 0 and await self.app.reauthenticate():  # type: ignore[attr-defined]
                    continue
                self.refused(exc)
                return
            self.dismiss(result)
            return

    def refused(self, exc: ApiError) -> None:
        self.query_one("#form-error", Label).update(exc.message)
        if exc.code == "CONFLICT" and self.reloader is not None:
            self.query_one("#form").add_class("conflict")
        if exc.field:
            name = next((f.name for f in self.fields if f.name.lower() == exc.field.lower().split(".")[-1]), None)
            if name:
                self.query_one(f"#e-{name}", Label).update(exc.message.splitlines()[-1])
                self.query_one(f"#f-{name}").focus()

    @work(exclusive=True, exit_on_error=False, group="form")
    async def run_reload(self) -> None:
        assert self.reloader is not None
        try:
            fresh = await self.reloader()
        except ApiError as exc:
            self.query_one("#form-error", Label).update(exc.message)
            return
        self.initial = dict(fresh)
        for f in self.fields:
            widget = self.query_one(f"#f-{f.name}")
            if isinstance(widget, Input) and f.name in fresh:
                widget.value = fresh[f.name]
        self.query_one("#form").remove_class("conflict")
        self.query_one("#form-error", Label).update(
            "已重新加载最新数据，请重新修改后保存。Reloaded the latest version; make your change again and save.")
