"""导入年度数据包 Import a year bundle (a folder of CSV files or one XLSX workbook), file by file in
dependency order, each all or nothing; a progress bar per file and every refused row in a table."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Header, Input, Label, ProgressBar

from mbo.bundle import KNOWN, SPECS, BundleError, read_bundle
from tui import keys
from tui.screens.base import MboScreen
from tui.widgets.footer import Footer

STATES = {"waiting": "等待 waiting", "loading": "导入中 loading…", "ok": "完成 done", "refused": "拒绝 refused",
          "skipped": "未导入 not loaded"}


class FileProgress(Horizontal):
    DEFAULT_CSS = """
    FileProgress { height: 1; }
    FileProgress .name { width: 22; }
    FileProgress ProgressBar { width: 36; }
    FileProgress .state { width: 1fr; padding-left: 1; }
    """

    def __init__(self, name: str, rows: int) -> None:
        super().__init__(id="file-" + name.replace(".", "-"))
        self.file_name = name
        self.rows = rows

    def compose(self) -> ComposeResult:
        yield Label(self.file_name, classes="name")
        yield ProgressBar(total=1, show_eta=False)
        yield Label(f"{self.rows} 行 rows · {STATES['waiting']}", classes="state")

    def set_state(self, state: str, detail: str = "") -> None:
        bar = self.query_one(ProgressBar)
        if state == "loading":
            bar.update(total=None)
        elif state in ("ok", "refused"):
            bar.update(total=1, progress=1)
        self.query_one(".state", Label).update(f"{self.rows} 行 rows · {STATES[state]} {detail}")


class ImportScreen(MboScreen):
    BINDINGS = [keys.BACK, keys.IMPORT]
    ROLE_ACTIONS = {"load": "import"}
    CSS = MboScreen.CSS + """
    #path-row { height: auto; }
    #path { width: 1fr; }
    #files { height: auto; border: round $accent; padding: 0 1; }
    #errors { height: 1fr; border: round $error; }
    """

    def __init__(self, path: str = "") -> None:
        super().__init__()
        self.path = path

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="path-row"):
            yield Input(self.path, placeholder="数据包路径 Bundle: a folder of CSV files or a .xlsx workbook",
                        id="path")
        yield Vertical(id="files")
        yield Label("", classes="status")
        yield DataTable(id="errors", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#files").border_title = "文件 Files (" + ", ".join(s.name for s in SPECS) + ")"
        self.query_one("#errors").border_title = "错误行 Refused rows"
        self.query_one("#errors", DataTable).add_columns("文件 File", "行 Row", "列 Column", "原因 Reason")
        self.query_one("#path", Input).focus()
        self.status("输入路径后按 enter 或 ctrl+o 导入 Enter a path, then enter or ctrl+o")

    @on(Input.Submitted, "#path")
    def action_load(self) -> None:
        path = self.query_one("#path", Input).value.strip()
        if not path:
            self.fail("请输入数据包路径 Enter the bundle's path")
            return
        self.run_import(Path(path).expanduser())

    @work(exclusive=True, exit_on_error=False)
    async def run_import(self, path: Path) -> None:
        errors = self.query_one("#errors", DataTable)
        errors.clear()
        files_box = self.query_one("#files", Vertical)
        await files_box.remove_children()
        try:
            files = await asyncio.to_thread(read_bundle, path)
        except (BundleError, OSError, ValueError) as exc:
            self.fail(f"无法读取数据包 Cannot read the bundle: {exc}")
            return
        unknown = sorted(set(files) - set(KNOWN))
        if unknown:
            self.fail(f"未知文件 Unknown file(s): {', '.join(unknown)}; known: {', '.join(KNOWN)}")
            return
        widgets = {spec.name: FileProgress(spec.name, len(files[spec.name])) for spec in SPECS if spec.name in files}
        await files_box.mount_all(widgets.values())
        if not widgets:
            self.fail("数据包中没有可导入的文件 No known file in the bundle")
            return
        self.status("导入中 Importing…")

        def progress(name: str, state: str) -> None:
            if state == "loading":
                widgets[name].set_state("loading")

        reports = await self.call(self.api.import_bundle, files, progress)
        if reports is None:
            return
        refused = 0
        for report in reports:
            if report.ok:
                widgets[report.name].set_state("ok", f"· 新增 created {report.created} · 更新 updated "
                                                     f"{report.updated} · 未变 unchanged {report.unchanged}")
                continue
            refused += 1
            widgets[report.name].set_state("refused", f"· {report.message.splitlines()[-1]}")
            for e in report.row_errors:
                errors.add_row(report.name, str(e.get("row", "")), str(e.get("column", "")), str(e.get("reason", "")))
        done = {r.name for r in reports}
        for name, widget in widgets.items():
            if name not in done:
                widget.set_state("skipped")
        if refused:
            self.fail(f"导入被拒绝，未写入任何数据（该文件）。The file was refused and nothing of it was written: "
                      f"{errors.row_count} 个错误行 bad rows listed below.")
        else:
            self.status(f"导入完成 Imported {len(reports)} 个文件 files.")
            self.notify("导入完成 Import complete", timeout=4)
