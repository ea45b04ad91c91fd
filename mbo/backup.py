"""`mbo backup` / `mbo restore` for the embedded SQLite stores (online and consistent)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import stat
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from kernel.files import DIR_MODE, FILE_MODE, open_private, private_dir
from kernel.settings import STORES

MANIFEST = "manifest.json"
SECRET = "secret.key"
STORE_FILES = tuple(f"{store}.sqlite3" for store in STORES)
KNOWN_FILES = frozenset({*STORE_FILES, SECRET})
SIDE_FILES = ("-wal", "-shm", "-journal")


class BackupError(RuntimeError):
    pass


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup(data_dir: Path, out: Path) -> dict[str, object]:
    """Copy every store with SQLite's online backup API (consistent while the services write); the copy is
    readable by its owner only, like the data dir."""
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out} is not empty")
    out.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    files: dict[str, str] = {}
    for store in STORES:
        source = data_dir / f"{store}.sqlite3"
        if not source.exists():
            raise BackupError(f"{source} does not exist (is {data_dir} a data dir on SQLite?)")
        target = out / source.name
        target.touch(mode=FILE_MODE)
        target.chmod(FILE_MODE)
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        files[source.name] = sha256(target)
    secret = data_dir / SECRET
    if secret.exists():
        with secret.open("rb") as src, open_private(out / SECRET, "wb") as dst:
            shutil.copyfileobj(src, dst)
        files[SECRET] = sha256(out / SECRET)
    manifest = {"created_at": datetime.now(UTC).isoformat(), "source": str(data_dir), "files": files}
    with open_private(out / MANIFEST, "wb") as handle:
        handle.write(json.dumps(manifest, indent=2, ensure_ascii=False).encode())
    return manifest


def _manifest_files(backup_dir: Path) -> dict[str, str]:
    """The files a backup's manifest names, when every one is a store file `mbo backup` writes, present in the
    backup as a regular file (not a link) and matching its checksum."""
    manifest_path = backup_dir / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{backup_dir} has no {MANIFEST}; not a backup made by mbo backup")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise BackupError(f"{manifest_path} is not JSON; not a backup made by mbo backup") from None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict) or not all(isinstance(d, str) for d in files.values()):
        raise BackupError(f"{manifest_path} has no list of files with checksums; not a backup made by mbo backup")
    for name in files:
        if name not in KNOWN_FILES:
            raise BackupError(f"the manifest names {name!r}, which is not one of the files mbo backup writes "
                              f"({', '.join(sorted(KNOWN_FILES))}); refused, nothing restored")
    for name in files:
        try:
            mode = (backup_dir / name).lstat().st_mode
        except FileNotFoundError:
            raise BackupError(f"{name} is named in the manifest but missing from the backup; nothing restored") \
                from None
        if not stat.S_ISREG(mode):
            raise BackupError(f"{name} in the backup is a link or not a regular file; refused, nothing restored")
    for name, digest in files.items():
        if sha256(backup_dir / name) != digest:
            raise BackupError(f"{name} does not match its checksum in the manifest; the backup is damaged")
    missing = [name for name in STORE_FILES if name not in files]
    if missing:
        raise BackupError(f"the backup lacks {', '.join(missing)}; a backup made by mbo backup holds every store")
    return files


def _copy_private(source: Path, target: Path) -> None:
    """Copy to a new 0600 file beside `target`, then rename it into place (a link at `target` is replaced,
    never followed)."""
    descriptor, draft = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with source.open("rb") as src, os.fdopen(descriptor, "wb") as dst:
            shutil.copyfileobj(src, dst)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(draft, target)
    except BaseException:
        Path(draft).unlink(missing_ok=True)
        raise


def restore(backup_dir: Path, data_dir: Path) -> dict[str, str]:
    """Copy a checked backup into an empty data dir (stop the stack that uses `data_dir` first). Only the
    files `mbo backup` writes are accepted; anything else in the manifest refuses the whole restore before a
    byte is written."""
    files = _manifest_files(backup_dir)
    present = [f"{name}{side}" for name in STORE_FILES for side in ("", *SIDE_FILES)
               if (data_dir / f"{name}{side}").exists() or (data_dir / f"{name}{side}").is_symlink()]
    if present:
        raise BackupError(f"{data_dir} already holds stores ({', '.join(present)}); restore into an empty data dir")
    private_dir(data_dir)
    for name in files:
        _copy_private(backup_dir / name, data_dir / name)
    return files
