"""Run every benchmark script in bench/ and print their tables."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Scripts that time a stack someone already started (their docstring says how), not one of their own.
NEEDS_A_RUNNING_STACK = {"lagging_gateway.py"}

for script in sorted(HERE.glob("*.py")):
    if script.name in {"run_all.py", "common.py"}:
        continue
    if script.name in NEEDS_A_RUNNING_STACK:
        print(f"\n=== {script.name}: left out (it times a running `mbo demo`; see its docstring) ===", flush=True)
        continue
    print(f"\n=== {script.name} ===", flush=True)
    subprocess.run([sys.executable, str(script)], check=True, cwd=HERE.parent)
