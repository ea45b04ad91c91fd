"""目标责任书 Responsibility letters, level by level: city → unit → department → person; both sides sign."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import DataTable, Header, Label

from tui import keys
from tui.dialogs.form import Field, FormDialog, required_check
from tui.dialogs.prompt import PromptDialog
from tui.documents import save_document
from tui.screens.base import MboScreen
from tui.screens.home import LEVELS
from tui.screens.records import DetailDialog
from tui.widgets.footer import Footer

ORDER = {level: i for i, level in enumerate(LEVELS)}
STATUS = {"DRAFT": "草拟 draft", "SIGNED": "已签订 signed", "SUPERSEDED": "已替代 superseded"}


class LettersScreen(MboScreen):
    BINDINGS = [keys.BACK, keys.RELOAD, keys.UNIT, keys.NEW_LETTER, keys.SIGN_ISSUER, keys.SIGN_RECEIVER,
                keys.OPEN_LETTER, keys.DOCUMENT]
    ROLE_ACTIONS = {"sign": "sign_letter", "new_letter": "create_letter"}

    def __init__(self, unit_code: str | None = None) -> None:
        super().__init__()
        self.unit_code = unit_code
        self.letters: dict[str, dict[str, Any]] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="heading", classes="title")
        yield DataTable(id="letters", cursor_type="row", zebra_stripes=True)
        yield Label("", classes="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("编号 ID", "层级 Level", "单位 Unit", "标题 Title", "签发方 Issuer",
                                              "接收方 Receiver", "上级 Parent", "状态 Status", "签发 Issuer signed",
                                              "签收 Receiver signed", "目标数 Targets")
        if self.unit_code is None and self.api.session.has_role("UNIT_OPERATOR"):
            self.unit_code = self.api.session.unit
        self.action_reload()

    def action_reload(self) -> None:
        self.query_one("#heading", Label).update(
            f"{self.year} 年度目标责任书 Letters · {self.unit_code or '全部单位 all units'} · "
            "逐级签订：上级责任书签订后才能签下级 a child letter is signed after its parent")
        self.load()

    def action_choose_unit(self) -> None:
        def chosen(value: str | None) -> None:
            if value is not None:
                self.unit_code = value.upper() or None
                self.action_reload()

        self.app.push_screen(PromptDialog("单位代码（空=全部） Unit code (empty = all)", self.unit_code or ""), chosen)

    @work(exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        letters = await self.call(self.api.letters, self.year, self.unit_code)
        if letters is None:
            return
        letters.sort(key=lambda x: (ORDER.get(x["level"], 9), x["unitCode"], int(x["id"]) if x["id"].isdigit() else 0))
        self.letters = {x["id"]: x for x in letters}
        table = self.query_one(DataTable)
        table.clear()
        for x in letters:
            table.add_row(x["id"], LEVELS.get(x["level"], x["level"]), x["unitCode"], x["title"], x["issuer"],
                          x["receiver"], x.get("parentId") or "—", STATUS.get(x["status"], x["status"]),
                          x.get("issuerSignedBy") or "—", x.get("receiverSignedBy") or "—", str(len(x["targets"])),
                          key=x["id"])
        signed = sum(1 for x in letters if x["status"] == "SIGNED")
        new = " · n 新建 new" if self.may("create_letter") else ""
        self.status(f"{signed} / {len(letters)} 已签订 signed · enter 查看 view · i 签发 sign as issuer · "
                    f"v 签收 sign as receiver{new}")

    @property
    def current(self) -> dict[str, Any] | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        return self.letters[str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)]

    def action_open(self) -> None:
        """The highlighted letter in full: parties, signatures, parent and its targets."""
        x = self.current
        if x is None:
            return
        lines = [f"[b]层级 Level[/b] {LEVELS.get(x['level'], x['level'])} · [b]单位 Unit[/b] {x['unitCode']}",
                 f"[b]签发方 Issuer[/b] {x['issuer']} · 签发 signed {x.get('issuerSignedBy') or '—'} "
                 f"{(x.get('issuerSignedAt') or '')[:16]}",
                 f"[b]接收方 Receiver[/b] {x['receiver']} · 签收 signed {x.get('receiverSignedBy') or '—'} "
                 f"{(x.get('receiverSignedAt') or '')[:16]}",
                 f"[b]上级责任书 Parent letter[/b] {x.get('parentId') or '—'} · "
                 f"[b]状态 Status[/b] {STATUS.get(x['status'], x['status'])}",
                 f"[b]目标 Targets[/b] {'、'.join(t['code'] for t in x['targets'])}"]
        self.app.push_screen(DetailDialog(f"{x['id']} {x['title']}", lines))

    @on(DataTable.RowSelected)
    def selected(self) -> None:
        self.action_open()

    def action_new_letter(self) -> None:
        """起草 a letter one level down: city → unit (target office), unit → department and department →
        person (the unit), binding agreed targets of the unit."""
        unit = self.unit_code or self.api.session.unit or ""
        office = self.may("propose")
        levels = [(lv, text) for lv, text in LEVELS.items() if office or lv != "CITY_UNIT"]
        parent = self.current
        fields = [
            Field("level", "层级 Level", levels[0][0], choices=levels),
            Field("unitCode", "单位 Unit", unit, check=required_check, disabled=not office),
            Field("issuer", "签发方 Issuer", parent["receiver"] if parent else "", check=required_check),
            Field("receiver", "接收方 Receiver (处室 dept / 工号 staff no)", check=required_check),
            Field("targetCodes", "目标代码 Target codes (comma)", check=required_check),
            Field("parentId", "上级责任书 Parent letter no.", parent["id"] if parent else ""),
            Field("title", "标题 Title"),
        ]

        async def save(v: dict[str, str]) -> dict[str, Any]:
            codes = [c.strip() for c in v["targetCodes"].replace("，", ",").split(",") if c.strip()]
            return await self.api.create_letter(self.year, v["unitCode"].upper(), v["level"], v["issuer"],
                                                v["receiver"], codes, v["parentId"] or None, v["title"] or None)

        def created(done: dict[str, Any] | None) -> None:
            if done:
                self.notify(f"已起草 Drafted letter {done['id']}", timeout=4)
                self.load()

        self.app.push_screen(FormDialog("新建责任书 New responsibility letter", fields, save), created)

    def action_sign(self, side: str) -> None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return
        letter = self.letters[str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)]
        who = "签发方 issuer" if side == "ISSUER" else "接收方 receiver"
        question = (f"以{who}身份签署责任书 {letter['id']}「{letter['title']}」？\nSign letter {letter['id']} as the "
                    f"{side.lower()}? Once both sides sign, the letter and its {len(letter['targets'])} targets are "
                    "frozen (changes need an amendment letter).")

        self.confirm(question, "签署 Sign", lambda: self.sign(letter["id"], side, letter["version"]))

    @work(exclusive=True, exit_on_error=False, group="sign")
    async def sign(self, letter_id: str, side: str, version: int) -> None:
        done = await self.call(self.api.sign_letter, letter_id, side, version)
        if done is not None:
            self.notify(f"已签署 Signed letter {letter_id}: {STATUS.get(done['status'], done['status'])}")
            self.load()

    def action_document(self) -> None:
        """The unit's letters at every level as an official document (DOCX): the unit shown, else the highlighted
        letter's unit."""
        unit = self.unit_code
        table = self.query_one(DataTable)
        if unit is None and table.row_count:
            unit = self.letters[str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)]["unitCode"]
        if unit is None:
            self.fail("请先选择单位 Choose a unit first (u)")
            return
        save_document(self, f"{unit} {self.year} 年度目标责任书 letters", "letterDocument",
                      {"year": self.year, "unitCode": unit})
