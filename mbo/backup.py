"""`mbo backup` / `mbo restore` for the embedded SQLite stores (online and consistent)."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from kernel.settings import STORES

MANIFEST = "manifest.json"


class BackupError(RuntimeError):
    pass


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup(data_dir: Path, out: Path) -> dict[str, object]:
    """Copy every store with SQLite's online backup API (consistent while the services write)."""
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out} is not empty")
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    for store in STORES:
        source = data_dir / f"{store}.sqlite3"
        if not source.exists():
            raise BackupError(f"{source} does not exist (is {data_dir} a data dir on SQLite?)")
        target = out / source.name
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        files[source.name] = sha256(target)
    secret = data_dir / "secret.key"
    if secret.exists():
        shutil.copy2(secret, out / secret.name)
        (out / secret.name).chmod(0o600)
        files[secret.name] = sha256(out / secret.name)
    manifest = {"created_at": datetime.now(UTC).isoformat(), "source": str(data_dir), "files": files}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return manifest


def restore(backup_dir: Path, data_dir: Path) -> dict[str, object]:
    """Copy a checked backup into an empty data dir (stop the stack that uses `data_dir` first)."""
    manifest_path = backup_dir / MANIFEST
    if not manifest_path.exists():
        raise BackupError(f"{backup_dir} has no {MANIFEST}; not a backup made by mbo backup")
    manifest = json.loads(manifest_path.read_text())
    for name, digest in manifest["files"].items():
        if sha256(backup_dir / name) != digest:
            raise BackupError(f"{name} does not match its checksum in the manifest; the backup is damaged")
    if any((data_dir / f"{store}.sqlite3").exists() for store in STORES):
        raise BackupError(f"{data_dir} already holds stores; restore into an empty data dir")
    data_dir.mkdir(parents=True, exist_ok=True)
    for name in manifest["files"]:
        shutil.copy2(backup_dir / name, data_dir / name)
    if (data_dir / "secret.key").exists():
        (data_dir / "secret.key").chmod(0o600)
    return manifest
