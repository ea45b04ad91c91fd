"""Oversized import files are refused before they are read: CSV by size, XLSX also by expanded size."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from mbo import bundle
from mbo.bundle import BundleError, read_bundle


def test_an_oversized_csv_is_refused_in_a_folder_and_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundle, "MAX_FILE_BYTES", 1000)
    (tmp_path / "units.csv").write_text("code,name,kind\n" + "SZ001,单位,MUNICIPAL\n" * 100, encoding="utf-8")
    with pytest.raises(BundleError, match=r"units\.csv is larger than 1000 bytes"):
        read_bundle(tmp_path)
    with pytest.raises(BundleError, match="larger than"):
        read_bundle(tmp_path / "units.csv")
    monkeypatch.setattr(bundle, "MAX_FILE_BYTES", 1_000_000)
    assert len(read_bundle(tmp_path)["units.csv"]) == 100


def test_a_workbook_that_would_expand_too_far_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = tmp_path / "bundle.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 20_000_000)
    assert bomb.stat().st_size < 100_000
    monkeypatch.setattr(bundle, "MAX_EXPANDED_BYTES", 10_000_000)
    with pytest.raises(BundleError, match="would expand to 20000000 bytes"):
        read_bundle(bomb)


def test_a_file_named_xlsx_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "bundle.xlsx"
    fake.write_text("=cmd|' /C calc'!A0", encoding="utf-8")
    with pytest.raises(BundleError, match=r"not an \.xlsx workbook"):
        read_bundle(fake)
