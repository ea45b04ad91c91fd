"""`mbo demo` without a terminal: the generated Wuhan year goes through the whole year-end."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from gateway.identity.totp import current_code
from mbo.demo import DEMO_PASSWORD, SECOND_FACTORS
from tests.support.stack import database_env, drop_databases, free_port_block


def test_demo_loads_the_year_and_prints_the_ranking(tmp_path: Path) -> None:
    env, dsns = database_env()
    port = free_port_block()
    process = subprocess.Popen([sys.executable, "-m", "mbo.cli", "demo", "--data-dir", str(tmp_path),
                                "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, text=True, env={**os.environ, **env})
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 240
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("no terminal"):
                break
        output = "".join(lines)
        assert "no terminal" in output, output
        assert f"gateway listening on http://127.0.0.1:{port}/graphql" in output
        assert "110 units, 16029 people, 803 transfers" in output  # 80 joined and 803 moved during the year
        grades = re.search(r"(\d+) advanced 先进, (\d+) qualified 达标, (\d+) not qualified 未达标, (\d+) last place",
                           output)
        assert grades, output
        advanced, qualified, unqualified, last = map(int, grades.groups())
        assert advanced + qualified + unqualified + last == 110
        assert last == 13
        assert advanced == (advanced + qualified) // 4
        for account in ("office", "office2", "jaqleader", "orgdept", "auditor", "sysadmin", "secadmin"):
            assert re.search(rf"^\s+{account}\s", output, re.MULTILINE), account
        factors = dict(line.split(" ", 1) for line in (tmp_path / SECOND_FACTORS).read_text().splitlines())
        assert set(factors) == {"office", "office2", "orgdept", "auditor", "sysadmin", "secadmin"}
        assert "mbo otp" in output
        body = {"username": "sysadmin", "password": DEMO_PASSWORD, "otp": current_code(factors["sysadmin"])}
        signed = httpx.post(f"http://127.0.0.1:{port}/auth/token", json=body)
        assert signed.status_code == 200 and signed.json()["roles"] == ["SYSADMIN"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0
    finally:
        if process.poll() is None:
            process.kill()
        drop_databases(dsns)
