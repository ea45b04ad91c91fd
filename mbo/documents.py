"""`mbo export bulletin|letters|filings`: official documents (DOCX) fetched through the gateway and written to a
folder, under the names the services give them."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from mbo.client import Client

DOCUMENT = "filename contentType contentBase64"
QUERIES = {
    "bulletin": ("bulletinDocument", f"query($year: Int!) {{ bulletinDocument(year: $year) {{ {DOCUMENT} }} }}"),
    "letters": ("letterDocument", f"query($year: Int!, $unit: String!) {{ letterDocument(year: $year, "
                                  f"unitCode: $unit) {{ {DOCUMENT} }} }}"),
    "filings": ("filingRecordsDocument",
                f"query($year: Int!) {{ filingRecordsDocument(year: $year) {{ {DOCUMENT} }} }}"),
}
LETTER_UNITS = "query($year: Int!) { letters(year: $year) { unitCode status } }"


class ExportRefused(RuntimeError):
    pass


def _data(client: Client, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    result = client.execute(query, variables)
    if result.errors:
        error = result.errors[0]
        code = (error.get("extensions") or {}).get("code", "")
        raise ExportRefused(f"{code}: {error.get('message')}" if code else str(error.get("message")))
    assert result.data is not None
    return result.data


def save(folder: Path, document: dict[str, Any]) -> Path:
    """Write one document into `folder` under its own file name (never outside the folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / Path(document["filename"]).name
    path.write_bytes(base64.b64decode(document["contentBase64"]))
    return path


def letter_units(client: Client, year: int) -> list[str]:
    """The units whose letters the caller may read and that have a letter in force or waiting (its own unit
    only for a unit operator)."""
    letters = _data(client, LETTER_UNITS, {"year": year})["letters"]
    return sorted({x["unitCode"] for x in letters if x["status"] != "SUPERSEDED"})


def export(client: Client, kind: str, year: int, unit: str | None, out: Path) -> list[Path]:
    """Fetch and write the documents of `kind`: one for the bulletin and the filing records, one per unit for
    the letters (the given unit, or every unit the caller may read)."""
    field, query = QUERIES[kind]
    if kind != "letters":
        return [save(out, _data(client, query, {"year": year})[field])]
    units = [unit] if unit else letter_units(client, year)
    if not units:
        raise ExportRefused(f"NOT_FOUND: no responsibility letter in {year}")
    documents = [_data(client, query, {"year": year, "unit": code})[field] for code in units]
    return [save(out, d) for d in documents]
