"""The `mbo` command line (DESIGN.md §8)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from mbo.client import Client, SignInFailed, credentials_from_env, default_url


def cmd_up(args: argparse.Namespace) -> int:
    from mbo.stack import Stack, StackError
    from mbo.stopping import StopSignals

    stack = Stack(data_dir=Path(args.data_dir).resolve(), port=args.port)
    signals = StopSignals()
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
        while not signals.stopping:
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
        otp_uri = add_user_sync(data_dir, args.name, password, args.role, args.unit, args.display_name or "")
    except ValueError as exc:
        print(f"mbo user add: {exc}", file=sys.stderr)
        return 2
    print(f"created {args.name} ({', '.join(args.role)}{', unit ' + args.unit if args.unit else ''})")
    if otp_uri:
        print("this account signs in with a second factor: enrol this URI in an authenticator app "
              "(TOTP, RFC 6238), then give the 6-digit code as otp / MBO_OTP:")
        print(otp_uri)
    return 0


def cmd_user_reset(args: argparse.Namespace) -> int:
    from mbo.accounts import read_new_password, reset_user_sync

    try:
        password = read_new_password()
        reset_user_sync(Path(args.data_dir).resolve(), args.name, password, args.second_factor)
    except ValueError as exc:
        print(f"mbo user reset: {exc}", file=sys.stderr)
        return 2
    print(f"reset {args.name}: the temporary password is changed at the next sign-in; the account is unlocked "
          "and its sessions are ended")
    if args.second_factor:
        print("its second factor is cleared: the holder enrols a new one (otpauth:// URI) at the next sign-in")
    return 0


def cmd_otp(args: argparse.Namespace) -> int:
    from gateway.identity.totp import current_code, secret_of

    text = args.uri if args.uri != "-" else sys.stdin.readline()
    if not secret_of(text):
        print("mbo otp: give an otpauth:// URI or its base32 secret", file=sys.stderr)
        return 2
    try:
        print(current_code(text))
    except (ValueError, TypeError) as exc:
        print(f"mbo otp: {exc}", file=sys.stderr)
        return 2
    return 0


def _signed_in(client: Client, command: str) -> bool:
    """Sign in with MBO_TOKEN (a session token or a machine account's API key), else with the credentials of
    MBO_USER / MBO_PASSWORD / MBO_OTP (asked for where unset); False, the refusal told on stderr, if refused."""
    try:
        if os.environ.get("MBO_TOKEN"):
            client.use_token(os.environ["MBO_TOKEN"])
        else:
            client.sign_in(*credentials_from_env())
    except SignInFailed as exc:
        print(f"mbo {command}: sign-in refused: {exc}", file=sys.stderr)
        return False
    return True


def cmd_import(args: argparse.Namespace) -> int:
    from mbo.bundle import BundleError, import_bundle

    with Client(args.url) as client:
        if not _signed_in(client, "import"):
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


def cmd_export(args: argparse.Namespace) -> int:
    from mbo.documents import ExportRefused, export

    if args.unit and args.kind != "letters":
        print("mbo export: --unit applies to letters only", file=sys.stderr)
        return 2
    with Client(args.url) as client:
        if not _signed_in(client, "export"):
            return 1
        try:
            written = export(client, args.kind, args.year, args.unit, Path(args.out))
        except ExportRefused as exc:
            print(f"mbo export: {exc}", file=sys.stderr)
            return 1
    for path in written:
        print(path)
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from mbo.generate import generate

    counts = generate(Path(args.out), scale=args.scale, year=args.year, seed=args.seed)
    for name, count in counts.items():
        print(f"{name:<20} {count:>8} rows")
    print(f"year bundle written to {Path(args.out).resolve()}")
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from mbo.audit_verify import CHECKPOINT_FILE, CheckpointError, verify

    data_dir = Path(args.data_dir).resolve()
    checkpoint = Path(args.checkpoint).resolve() if args.checkpoint else data_dir / CHECKPOINT_FILE
    try:
        outcome = verify(data_dir, checkpoint, [Path(name).resolve() for name in args.archive])
    except CheckpointError as exc:
        print(f"mbo audit verify: {exc}", file=sys.stderr)
        return 1
    for report in outcome.stores:
        status = "ok" if report.ok else "BROKEN"
        print(f"{report.store:<11} {status:<7} {report.entries:>8} entries  {report.problem}")
    for archive in outcome.archives:
        status = "ok" if archive.ok else "BROKEN"
        print(f"{archive.name:<11} {status:<7} {archive.walk.entries:>8} entries  {archive.problem or archive.note}")
    if outcome.checkpoint_written:
        print(f"checkpoint {checkpoint}:")
        for report in outcome.stores:
            print(f"  {report.store:<11} last entry {report.last_id}  {report.last_hash or '-'}")
    else:
        print(f"checkpoint {checkpoint} not advanced: something does not verify")
    return 0 if outcome.ok else 1


def cmd_audit_archive(args: argparse.Namespace) -> int:
    from datetime import date

    from mbo.audit_archive import ArchiveRefused, archive_all

    try:
        cutoff = date.fromisoformat(args.before)
    except ValueError:
        print(f"mbo audit archive: --before {args.before!r} is not a date (YYYY-MM-DD)", file=sys.stderr)
        return 2
    try:
        results = archive_all(Path(args.data_dir).resolve(), Path(args.out).resolve(), cutoff)
    except ArchiveRefused as exc:
        print(f"mbo audit archive: refused: {exc}", file=sys.stderr)
        return 2
    for result in results:
        if not result.ok:
            print(f"mbo audit archive: {result.store}: {result.problem}", file=sys.stderr)
        elif result.file is None:
            print(f"{result.store:<11} nothing before {cutoff.isoformat()}")
        else:
            print(f"{result.store:<11} {result.count:>8} entries through id {result.through_id} -> {result.file}")
    return 0 if all(r.ok for r in results) else 1


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


def cmd_plan(args: argparse.Namespace) -> int:
    from mbo.plan import plan_text

    text, errors = plan_text(args.query, args.operation)
    for error in errors:
        print(f"mbo plan: {error}", file=sys.stderr)
    if errors:
        return 2
    print(text)
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

    reset = user.add_parser("reset", help="break glass: a new temporary password (read from standard input), "
                                          "unlock, end sessions; audited")
    reset.add_argument("name")
    reset.add_argument("--second-factor", action="store_true",
                       help="also clear the second factor: the holder enrols a new one at the next sign-in")
    reset.add_argument("--data-dir", default=data_dir_default)
    reset.set_defaults(run=cmd_user_reset)

    otp = commands.add_parser("otp", help="print the current one-time code of an otpauth:// URI (a soft token)")
    otp.add_argument("uri", help="the otpauth:// URI printed by `mbo user add` (or its secret; - reads stdin)")
    otp.set_defaults(run=cmd_otp)

    load = commands.add_parser("import", help="load a year bundle through the gateway")
    load.add_argument("bundle")
    load.add_argument("--url", default=default_url())
    load.set_defaults(run=cmd_import)

    audit = commands.add_parser("audit", help="the audit trail").add_subparsers(dest="audit_command", required=True)
    verify = audit.add_parser("verify", help="check every store's hash chain; non-zero exit on any change")
    verify.add_argument("--data-dir", default=data_dir_default)
    verify.add_argument("--checkpoint", help="checkpoint file (default <data-dir>/audit-checkpoint.json)")
    verify.add_argument("--archive", nargs="+", default=[], metavar="FILE", help="archive files to check too")
    verify.set_defaults(run=cmd_audit_verify)
    archive = audit.add_parser("archive", help="move entries older than a cut-off (>= 184 days ago) to files")
    archive.add_argument("--before", required=True, metavar="YYYY-MM-DD", help="archive entries before this day (UTC)")
    archive.add_argument("--out", required=True, metavar="DIR")
    archive.add_argument("--data-dir", default=data_dir_default)
    archive.set_defaults(run=cmd_audit_archive)

    save = commands.add_parser("backup", help="online, consistent copy of the SQLite stores")
    save.add_argument("--data-dir", default=data_dir_default)
    save.add_argument("--out", required=True)
    save.set_defaults(run=cmd_backup)

    back = commands.add_parser("restore", help="restore a backup into an empty data dir")
    back.add_argument("backup")
    back.add_argument("--data-dir", default=data_dir_default)
    back.set_defaults(run=cmd_restore)

    documents = commands.add_parser("export", help="official documents (DOCX) through the gateway: the bulletin, "
                                                  "a unit's responsibility letters, the cadre filing records")
    documents.add_argument("kind", choices=["bulletin", "letters", "filings"])
    documents.add_argument("--year", type=int, required=True)
    documents.add_argument("--unit", help="letters of this unit only (default: every unit you may read)")
    documents.add_argument("--out", required=True, metavar="DIR")
    documents.add_argument("--url", default=default_url())
    documents.set_defaults(run=cmd_export)

    gen = commands.add_parser("generate", help="write a generated year bundle (city or province scale)")
    gen.add_argument("--scale", choices=["city", "province"], default="city")
    gen.add_argument("--out", required=True)
    gen.add_argument("--year", type=int, default=2026)
    gen.add_argument("--seed", type=int, default=2026)
    gen.set_defaults(run=cmd_generate)

    sdl = commands.add_parser("sdl", help="print one subgraph's SDL (for a standard federation router)")
    sdl.add_argument("service", choices=["targets", "assessment", "personnel"])
    sdl.set_defaults(run=cmd_sdl)

    plan = commands.add_parser("plan", help="print the gateway's query plan for a query (Apollo's plan format)")
    plan.add_argument("query", help="a GraphQL document, e.g. '{ units { code staff { name } } }'")
    plan.add_argument("--operation", help="the operation to plan when the document holds several")
    plan.set_defaults(run=cmd_plan)
    return root


def main(argv: list[str] | None = None) -> None:
    from kernel.files import private_umask
    from kernel.settings import SecretTooShort

    private_umask()  # stores, logs, backups, archives, checkpoints, exports: readable by their owner only
    args = parser().parse_args(argv)
    try:
        code = args.run(args)
    except SecretTooShort as exc:
        print(f"mbo {args.command}: {exc}", file=sys.stderr)
        code = 2
    sys.exit(code)


if __name__ == "__main__":
    main()
