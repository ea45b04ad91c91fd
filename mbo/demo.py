"""`mbo demo`: the stack, a generated Wuhan year, demo accounts for each role, then the TUI."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

from mbo.accounts import add_user_sync
from mbo.bundle import import_bundle
from mbo.client import Client
from mbo.generate import generate
from mbo.stack import Stack, StackError

DEMO_PASSWORD = "Demo-2026-wuhan"
DEMO_ACCOUNTS: list[tuple[str, list[str], str | None, str]] = [
    ("office", ["TARGET_OFFICE"], None, "市政府目标办"),
    ("leader", ["LEADER"], None, "市领导"),
    ("jaq", ["UNIT_OPERATOR"], "JAQ", "江岸区目标办"),
    ("assessor", ["ASSESSOR"], "SZ015", "市发改委考核处"),
    ("evaluator", ["EVALUATOR"], None, "测评组"),
    ("supervision", ["SUPERVISION_OFFICE"], None, "市委督查室"),
    ("orgdept", ["ORGANIZATION_DEPT"], None, "市委组织部"),
    ("auditor", ["AUDITOR"], None, "审计员"),
    ("sysadmin", ["SYSADMIN"], None, "系统管理员"),
    ("secadmin", ["SECURITY_ADMIN"], None, "安全管理员"),
]


def create_demo_accounts(data_dir: Path) -> None:
    for name, roles, unit, display in DEMO_ACCOUNTS:
        try:
            add_user_sync(data_dir, name, DEMO_PASSWORD, roles, unit, display)
        except ValueError as exc:
            if "exists already" not in str(exc):
                raise


def print_accounts() -> None:
    print(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
    for name, roles, unit, display in DEMO_ACCOUNTS:
        print(f"  {name:<12} {', '.join(roles):<20} {unit or '':<6} {display}")


def run_demo(data_dir: Path, port: int) -> int:
    stack = Stack(data_dir=data_dir, port=port)
    create_demo_accounts(data_dir)
    print(f"starting the stack in {data_dir} …", flush=True)
    try:
        stack.start()
    except StackError as exc:
        print(f"mbo demo: {exc}", file=sys.stderr)
        return 1
    try:
        bundle = data_dir / "demo-bundle"
        counts = generate(bundle)
        with Client(stack.url) as client:
            client.sign_in("office", DEMO_PASSWORD)
            reports = import_bundle(client, bundle)
        for report in reports:
            if not report.ok:
                print(f"mbo demo: {report.name} refused: {report.message}", file=sys.stderr)
                return 1
        print(f"gateway listening on {stack.url}/graphql")
        print("demo year 2026: " + ", ".join(f"{n} {name.removesuffix('.csv')}" for name, n in counts.items()))
        print_accounts()
        if sys.stdin.isatty() and sys.stdout.isatty():
            from tui.app import run

            run(stack.url, "office", DEMO_PASSWORD)
            return 0
        print("\nno terminal: the stack keeps running until Ctrl-C / SIGTERM", flush=True)
        stopping = False

        def on_signal(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        while not stopping and stack.failed() is None:
            time.sleep(0.2)
        return 0 if stopping else 1
    finally:
        stack.stop()
