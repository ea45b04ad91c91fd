"""The signing secret: generated once, owner-only, and the same for processes that start together."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

READ = "import sys; from pathlib import Path; from kernel.settings import signing_secret; " \
       "print(signing_secret(Path(sys.argv[1])))"


def test_processes_starting_together_all_get_the_same_whole_secret(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "MBO_SECRET"}
    for round_ in range(5):
        folder = tmp_path / f"round{round_}"
        readers = [subprocess.Popen([sys.executable, "-c", READ, str(folder)], stdout=subprocess.PIPE, text=True,
                                    env=env) for _ in range(8)]
        secrets = {reader.communicate(timeout=60)[0].strip() for reader in readers}
        assert len(secrets) == 1 and len(secrets.pop()) >= 64
        assert (folder / "secret.key").stat().st_mode & 0o777 == 0o600
        assert [p.name for p in folder.iterdir()] == ["secret.key"]
