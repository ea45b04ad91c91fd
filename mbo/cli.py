"""The `mbo` command line (DESIGN.md §8)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from mbo.client import default_url


def cmd_up(args: argparse.Namespace) -> int:
    from mbo.stack import Stack, StackError

    stack = Stack(data_dir=Path(args.data_dir).resolve(), port=args.port)
    stopping = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        stack.start()
    except StackError as exc:
        print(f"mbo up: {exc}", file=sys.stderr)
        return 1
    print(f"gateway  {stack.url}/graphql  (data in {stack.data_dir})", flush=True)
    for name, port in stack.ports().items():
        if name != "gateway":
            print(f"{name:<9}http://127.0.0.1:{port}/graphql", flush=True)
    try:
        while not stopping:
            failed = stack.failed()
            if failed:
                print(f"mbo up: {failed} stopped unexpectedly; see {stack.log_file(failed)}", file=sys.stderr)
                return 1
            time.sleep(0.2)
    finally:
        stack.stop()
    print("stopped", flush=True)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from mbo.demo import run_demo

    return run_demo(Path(args.data_dir).resolve(), args.port)


def cmd_tui(args: argparse.Namespace) -> int:
    from tui.app import run

    return run(args.url)


def cmd_user_add(args: argparse.Namespace) -> int:
    from mbo.accounts import add_user_sync, read_new_password

    data_dir = Path(args.data_dir).resolve()
    try:
        password = read_new_password()
        add_user_sync(data_dir, args.name, password, args.role, args.unit, args.display_name or "")
    except ValueError as exc:
        print(f"mbo user add: {exc}", file=sys.stderr)
        return 2
    print(f"created {args.name} ({', '.join(args.role)}{', unit ' + args.unit if args.unit else ''})")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from mbo.bundle import BundleError, import_bundle
    from mbo.client import Client, SignInFailed, credentials_from_env

    username, password, otp = credentials_from_env()
    with Client(args.url) as client:
        try:
            client.sign_in(username, password, otp)
        except SignInFailed as exc:
            print(f"mbo import: sign-in refused: {exc}", file=sys.stderr)
            return 1
        try:
            reports = import_bundle(client, Path(args.bundle), progress=lambda name: print(f"loading {name} …"))
        except BundleError as exc:
            print(f"mbo import: {exc}", file=sys.stderr)
            return 2
    failed = False
    for report in reports:
        if report.ok:
            print(f"{report.name}: {report.created} created, {report.updated} updated, "
                  f"{report.unchanged} unchanged")
            continue
        failed = True
        print(f"{report.name}: REFUSED — {report.message}", file=sys.stderr)
        for error in report.row_errors:
            print(f"  row {error['row']:>6}  {error['column']:<20} {error['reason']}", file=sys.stderr)
    return 2 if failed else 0


def cmd_generate(args: argparse.Namespace) -> int:
    from mbo.generate import generate

    counts = generate(Path(args.out), scale=args.scale, year=args.year, seed=args.seed)
    for name, count in counts.items():
        print(f"{name:<20} {count:>8} rows")
    print(f"year bundle written to {Path(args.out).resolve()}")
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from mbo.audit_verify import verify_all

    failed = False
    for report in verify_all(Path(args.data_dir).resolve()):
        status = "ok" if report.ok else "BROKEN"
        print(f"{report.store:<11} {status:<7} {report.entries:>8} entries  {report.problem}")
        failed = failed or not report.ok
    return 1 if failed else 0


def cmd_backup(args: argparse.Namespace) -> int:
    from mbo.backup import BackupError, backup

    try:
        manifest = backup(Path(args.data_dir).resolve(), Path(args.out).resolve())
    except BackupError as exc:
        print(f"mbo backup: {exc}", file=sys.stderr)
        return 2
    print(f"backed up {len(manifest['files'])} files to {Path(args.out).resolve()}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from mbo.audit_verify import verify_all
    from mbo.backup import BackupError, restore

    data_dir = Path(args.data_dir).resolve()
    try:
        restore(Path(args.backup).resolve(), data_dir)
    except BackupError as exc:
        print(f"mbo restore: {exc}", file=sys.stderr)
        return 2
    broken = [r for r in verify_all(data_dir) if not r.ok]
    for report in broken:
        print(f"mbo restore: the audit chain of {report.store} does not verify: {report.problem}", file=sys.stderr)
    print(f"restored into {data_dir}; audit chains {'BROKEN' if broken else 'verified'}")
    return 1 if broken else 0


def cmd_sdl(args: argparse.Namespace) -> int:
    import importlib

    module = importlib.import_module(f"services.{args.service}.schema")
    sys.stdout.write(module.schema.as_str() + "\n")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="mbo", description="目标管理 — target management for city governments")
    commands = root.add_subparsers(dest="command", required=True)
    data_dir_default = os.environ.get("MBO_DATA_DIR", "./var")

    up = commands.add_parser("up", help="start the three services and the gateway")
    up.add_argument("--data-dir", default=data_dir_default)
    up.add_argument("--port", type=int, default=8000)
    up.set_defaults(run=cmd_up)

    demo = commands.add_parser("demo", help="start the stack with a demo year and open the TUI")
    demo.add_argument("--data-dir", default=data_dir_default)
    demo.add_argument("--port", type=int, default=8000)
    demo.set_defaults(run=cmd_demo)

    tui = commands.add_parser("tui", help="the operator client")
    tui.add_argument("--url", default=default_url())
    tui.set_defaults(run=cmd_tui)

    user = commands.add_parser("user", help="accounts").add_subparsers(dest="user_command", required=True)
    add = user.add_parser("add", help="create an account (password read from standard input)")
    add.add_argument("name")
    add.add_argument("--role", action="append", required=True)
    add.add_argument("--unit")
    add.add_argument("--display-name")
    add.add_argument("--data-dir", default=data_dir_default)
    add.set_defaults(run=cmd_user_add)

    load = commands.add_parser("import", help="load a year bundle through the gateway")
    load.add_argument("bundle")
    load.add_argument("--url", default=default_url())
    load.set_defaults(run=cmd_import)

    audit = commands.add_parser("audit", help="the audit trail").add_subparsers(dest="audit_command", required=True)
    verify = audit.add_parser("verify", help="check every store's hash chain; non-zero exit on any change")
    verify.add_argument("--data-dir", default=data_dir_default)
    verify.set_defaults(run=cmd_audit_verify)

    save = commands.add_parser("backup", help="online, consistent copy of the SQLite stores")
    save.add_argument("--data-dir", default=data_dir_default)
    save.add_argument("--out", required=True)
    save.set_defaults(run=cmd_backup)

    back = commands.add_parser("restore", help="restore a backup into an empty data dir")
    back.add_argument("backup")
    back.add_argument("--data-dir", default=data_dir_default)
    back.set_defaults(run=cmd_restore)

    gen = commands.add_parser("generate", help="write a generated year bundle (city or province scale)")
    gen.add_argument("--scale", choices=["city", "province"], default="city")
    gen.add_argument("--out", required=True)
    gen.add_argument("--year", type=int, default=2026)
    gen.add_argument("--seed", type=int, default=2026)
    gen.set_defaults(run=cmd_generate)

    sdl = commands.add_parser("sdl", help="print one subgraph's SDL (for a standard federation router)")
    sdl.add_argument("service", choices=["targets", "assessment", "personnel"])
    sdl.set_defaults(run=cmd_sdl)
    return root


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    sys.exit(args.run(args))


if __name__ == "__main__":
    main()
