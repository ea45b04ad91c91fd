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


def test_a_signing_secret_shorter_than_32_bytes_is_refused(tmp_path: Path) -> None:
    short = {**os.environ, "MBO_SECRET": "s" * 31}
    done = subprocess.run([sys.executable, "-c", READ, str(tmp_path)], capture_output=True, text=True, env=short,
                          timeout=60, check=False)
    assert done.returncode != 0 and "SecretTooShort: MBO_SECRET is 31 bytes long" in done.stderr
    for secret in ("s" * 32, "目标管理系统签名密钥十一"):  # 32 ASCII bytes; 12 CJK characters are 36 bytes
        done = subprocess.run([sys.executable, "-c", READ, str(tmp_path)], capture_output=True, text=True,
                              env={**os.environ, "MBO_SECRET": secret}, timeout=60, check=False)
        assert done.stdout.strip() == secret, done.stderr
    (tmp_path / "secret.key").write_text("edited-by-hand\n")
    unset = {k: v for k, v in os.environ.items() if k != "MBO_SECRET"}
    done = subprocess.run([sys.executable, "-c", READ, str(tmp_path)], capture_output=True, text=True, env=unset,
                          timeout=60, check=False)
    assert done.returncode != 0 and "secret.key is 14 bytes long" in done.stderr


def test_every_process_refuses_a_short_secret_with_a_clear_message(tmp_path: Path) -> None:
    env = {**os.environ, "MBO_SECRET": "password123", "MBO_DATA_DIR": str(tmp_path / "data")}
    up = subprocess.run([sys.executable, "-m", "mbo.cli", "up", "--data-dir", str(tmp_path / "data"), "--port",
                         "1"], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert up.returncode == 1
    assert up.stderr.startswith("mbo up: MBO_SECRET is 11 bytes long; the signing secret must be at least 32 bytes")
    assert not list((tmp_path / "data").glob("*.sqlite3")) and not (tmp_path / "data" / "logs").exists()
    for name in ("targets", "gateway"):
        served = subprocess.run([sys.executable, "-m", "mbo.serve", name, "--port", "1"], capture_output=True,
                                text=True, env=env, timeout=60, check=False)
        assert served.returncode == 2
        assert served.stderr.startswith(f"mbo.serve {name}: MBO_SECRET is 11 bytes long"), served.stderr
