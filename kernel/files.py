"""Data at rest belongs to the account that runs the system: folders 0700, files 0600.

The data dir holds every salary, the identity store, the signing secret, logs with request details, and the
audit checkpoints; backups and audit archives hold the same. Every entry point sets the process umask to
0o077 (`private_umask`), so whatever it creates — SQLite stores and their -wal/-shm files, logs, backups,
archives, checkpoints — is its owner's only; `tighten` brings a data dir made before that into line.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

PRIVATE_UMASK = 0o077
DIR_MODE = 0o700
FILE_MODE = 0o600


def private_umask() -> None:
    """Everything this process (and the processes it starts) creates is readable by its owner only."""
    os.umask(PRIVATE_UMASK)


def private_dir(path: Path) -> Path:
    """`path` as a folder only its owner can enter (created if missing)."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if stat.S_IMODE(path.stat().st_mode) != DIR_MODE:
        path.chmod(DIR_MODE)
    return path


def tighten(directory: Path) -> None:
    """Folders under `directory` (itself included) 0700, files 0600; symbolic links are neither followed nor
    changed."""
    private_dir(directory)
    for root, folders, files in os.walk(directory):
        for name in folders:
            folder = Path(root, name)
            if not folder.is_symlink():
                folder.chmod(DIR_MODE)
        for name in files:
            path = Path(root, name)
            mode = path.lstat().st_mode
            if stat.S_ISREG(mode) and stat.S_IMODE(mode) != FILE_MODE:
                path.chmod(FILE_MODE)


def open_private(path: Path, mode: str = "ab") -> BinaryIO:
    """Open `path` for writing (appending by default) as a 0600 file, whatever the umask."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode.startswith("a") else os.O_TRUNC)
    descriptor = os.open(path, flags, FILE_MODE)
    os.fchmod(descriptor, FILE_MODE)
    return os.fdopen(descriptor, mode)
