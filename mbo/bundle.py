"""Year bundles (DESIGN.md §5): read CSV or XLSX files and load them through the gateway in order."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kernel.settings import env_int
from mbo.client import Client


@dataclass(frozen=True)
class FileSpec:
    name: str
    mutation: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


# Dependency order: units, then the people and targets that name them, then the people's transfers during the
# year (a target names the staff of its unit when it is agreed, at the start of the year: the targets service
# checks them against each person's unit as recorded), then the year's settings and the year-end inputs,
# adjustment items last (the assessment service opens the year's assessment when the first of them arrives).
SPECS: tuple[FileSpec, ...] = (
    FileSpec("units.csv", "importUnits", ("code", "name", "kind"), ("group",)),
    FileSpec(
        "people.csv", "importPeople",
        ("staff_no", "name", "unit_code", "position", "leadership_member", "main_leader_role",
         "on_establishment", "monthly_salary", "bonus_standard"),
        ("since",),
    ),
    FileSpec(
        "targets.csv", "importTargets",
        ("code", "unit_code", "year", "title", "category", "kind", "measure", "direction", "unit_of_measure",
         "baseline", "agreed_value", "points", "benchmark_city", "benchmark_value", "assessing_department",
         "parent_code"),
        ("responsible_department", "responsible_leader", "assignee"),
    ),
    # Moves with effective dates (the service applies each person's in date order).
    FileSpec("transfers.csv", "importTransfers",
             ("staff_no", "unit_code", "position", "leadership_member", "main_leader_role", "effective_date")),
    FileSpec("settings.csv", "importSettings", ("year", "key", "value")),
    FileSpec("certifications.csv", "importCertifications",
             ("target_code", "year", "actual_value", "completion", "note")),
    FileSpec("ballots.csv", "importBallots",
             ("unit_code", "year", "voter_group", "excellent", "good", "fair", "poor")),
    FileSpec("inspections.csv", "importInspections", ("unit_code", "year", "inspector", "score")),
    FileSpec("grassroots.csv", "importGrassroots",
             ("unit_code", "year", "satisfied", "basically_satisfied", "dissatisfied")),
    FileSpec("adjustments.csv", "importAdjustments", ("unit_code", "year", "points", "reason")),
)
KNOWN = {spec.name: spec for spec in SPECS}
MAX_FILE_BYTES = env_int("MBO_MAX_FILE_BYTES", 200_000_000)
MAX_EXPANDED_BYTES = 4 * MAX_FILE_BYTES


@dataclass
class FileReport:
    name: str
    ok: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    message: str = ""
    row_errors: list[dict[str, Any]] = field(default_factory=list)


class BundleError(RuntimeError):
    pass


def read_csv(data: bytes, name: str) -> list[dict[str, str]]:
    text = data.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is None:
        raise BundleError(f"{name}: the file is empty (a header row is required)")
    return [dict(row) for row in reader]


def check_size(path: Path) -> None:
    """Refuse an oversized file before reading it; a workbook also by what it would expand to (zip bombs)."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise BundleError(f"{path.name} is larger than {MAX_FILE_BYTES} bytes; split it or raise MBO_MAX_FILE_BYTES")
    if path.suffix.lower() != ".xlsx":
        return
    try:
        with zipfile.ZipFile(path) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise BundleError(f"{path.name} is not an .xlsx workbook") from None
    if expanded > MAX_EXPANDED_BYTES:
        raise BundleError(f"{path.name} would expand to {expanded} bytes, more than {MAX_EXPANDED_BYTES}")


def read_bundle(path: Path) -> dict[str, list[dict[str, str]]]:
    """File name → rows (header names as keys), from a folder of CSV files or one .xlsx workbook."""
    if path.is_dir():
        files: dict[str, list[dict[str, str]]] = {}
        for csv_path in sorted(path.glob("*.csv")):
            check_size(csv_path)
            files[csv_path.name] = read_csv(csv_path.read_bytes(), csv_path.name)
        return files
    if path.suffix.lower() == ".xlsx":
        check_size(path)
        return read_workbook(path)
    if path.suffix.lower() == ".csv":
        check_size(path)
        return {path.name: read_csv(path.read_bytes(), path.name)}
    raise BundleError(f"{path}: give a folder of CSV files, a .csv file or an .xlsx workbook")


def read_workbook(path: Path) -> dict[str, list[dict[str, str]]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    files: dict[str, list[dict[str, str]]] = {}
    for sheet in book.worksheets:
        name = sheet.title if sheet.title.endswith(".csv") else f"{sheet.title}.csv"
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            continue
        columns = ["" if h is None else str(h).strip() for h in header]
        table = []
        for values in rows:
            if values is None or all(v is None or str(v).strip() == "" for v in values):
                continue
            table.append({col: "" if v is None else _cell_text(v) for col, v in zip(columns, values, strict=False)})
        files[name] = table
    book.close()
    return files


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def header_problems(spec: FileSpec, rows: list[dict[str, str]], header: list[str]) -> list[dict[str, Any]]:
    missing = [c for c in spec.required if c not in header]
    return [{"row": 1, "column": c, "reason": "missing column"} for c in missing]


def to_inputs(spec: FileSpec, rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The file's rows as the import mutations take them: {"row": n, "<column>": "<text>"} (kernel/rows.py)."""
    columns = spec.columns
    inputs = []
    for index, row in enumerate(rows, start=2):
        item: dict[str, Any] = {"row": index}
        for column in columns:
            value = row.get(column)
            item[column] = (value.strip() or None) if isinstance(value, str) else None
        inputs.append(item)
    return inputs


def import_document(spec: FileSpec) -> str:
    """The GraphQL mutation that loads one file: `import…(rows: [JSON!]!)`, rows keyed by column name."""
    return f"mutation Import($rows: [JSON!]!) {{ {spec.mutation}(rows: $rows) {{ file created updated unchanged }} }}"


def load_file(client: Client, spec: FileSpec, rows: list[dict[str, str]]) -> FileReport:
    header = list(rows[0].keys()) if rows else list(spec.columns)
    problems = header_problems(spec, rows, header)
    if problems:
        return FileReport(spec.name, ok=False, message=f"{spec.name}: missing columns", row_errors=problems)
    query = import_document(spec)
    result = client.execute(query, {"rows": to_inputs(spec, rows)})
    if result.errors:
        first = result.errors[0]
        extensions = first.get("extensions") or {}
        return FileReport(spec.name, ok=False, message=first.get("message", "refused"),
                          row_errors=list(extensions.get("rowErrors") or []))
    report = (result.data or {})[spec.mutation]
    return FileReport(spec.name, ok=True, created=report["created"], updated=report["updated"],
                      unchanged=report["unchanged"])


def import_bundle(client: Client, path: Path, progress: Callable[[str], None] = lambda _: None,
                  only: set[str] | None = None) -> list[FileReport]:
    """Load every known file of the bundle (or those named in `only`) in dependency order; stop at the first
    refused file."""
    files = read_bundle(path)
    unknown = sorted(set(files) - set(KNOWN))
    if unknown:
        raise BundleError(f"unknown file(s) in the bundle: {', '.join(unknown)}; "
                          f"this version loads {', '.join(KNOWN)}")
    reports = []
    for spec in SPECS:
        if spec.name not in files or (only is not None and spec.name not in only):
            continue
        progress(spec.name)
        report = load_file(client, spec, files[spec.name])
        reports.append(report)
        if not report.ok:
            break
    return reports
