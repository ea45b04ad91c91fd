"""Official documents (DOCX) saved from the screen that shows their data: ask for a folder (the export folder by
default), fetch the document through the gateway, write it under the name the service gives it."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.dialogs.save_document import SaveDocumentDialog
from tui.export import export_dir

if TYPE_CHECKING:
    from tui.screens.base import MboScreen

ARGUMENT_TYPES = {"year": "Int!", "unitCode": "String!"}


def document_query(field: str, arguments: dict[str, Any]) -> str:
    declared = ", ".join(f"${name}: {ARGUMENT_TYPES[name]}" for name in arguments)
    passed = ", ".join(f"{name}: ${name}" for name in arguments)
    return f"query({declared}) {{ {field}({passed}) {{ filename contentBase64 }} }}"


def write_document(folder: Path, document: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / Path(document["filename"]).name
    path.write_bytes(base64.b64decode(document["contentBase64"]))
    return path


def save_document(screen: MboScreen, what: str, field: str, arguments: dict[str, Any]) -> None:
    """Ask for the folder, then save the document in a worker; the path written is shown on the screen."""

    def chosen(folder: str | None) -> None:
        if folder:
            screen.run_worker(_save(screen, field, arguments, Path(folder).expanduser()), group="document",
                              exclusive=True, exit_on_error=False)

    screen.app.push_screen(SaveDocumentDialog(what, str(export_dir())), chosen)


async def _save(screen: MboScreen, field: str, arguments: dict[str, Any], folder: Path) -> None:
    screen.status("生成公文中 Generating the document…")
    data = await screen.call(screen.api.query, document_query(field, arguments), arguments)
    if data is None:
        return
    try:
        path = await asyncio.to_thread(write_document, folder, data[field])
    except OSError as exc:
        screen.fail(f"无法保存 Cannot save to {folder}: {exc.strerror or exc}")
        return
    screen.status(f"已保存 Saved {path}")
    screen.notify(f"已保存 Saved {path}", timeout=8)
