"""`mbo demo`: the stack, a generated Wuhan year, demo accounts for each role, then the TUI."""

from __future__ import annotations

import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from gateway.identity.totp import current_code
from kernel import clock
from mbo import demo_year
from mbo.accounts import add_unit_systems_sync, add_user_sync
from mbo.bundle import KNOWN, import_bundle
from mbo.client import Client
from mbo.generate import Bundle, build, city_units, write
from mbo.stack import Stack, StackError
from mbo.stopping import StopSignals

DEMO_PASSWORD = "Demo-2026-wuhan"
DEMO_YEAR = 2026
DEMO_ACCOUNTS: list[tuple[str, list[str], str | None, str]] = [
    ("office", ["TARGET_OFFICE"], None, "市政府目标办"),
    ("office2", ["TARGET_OFFICE"], None, "市政府目标办（复核）"),  # approves what "office" proposes (加减分)
    ("leader", ["LEADER"], None, "市领导"),
    ("jaq", ["UNIT_OPERATOR"], "JAQ", "江岸区目标办"),
    ("jaqleader", ["LEADER"], "JAQ", "江岸区区长"),  # a leader of one unit: may appeal its result
    ("assessor", ["ASSESSOR"], "SZ042", "市统计局考核处"),
    ("evaluator", ["EVALUATOR"], None, "测评组"),
    ("supervision", ["SUPERVISION_OFFICE"], None, "市委督查室"),
    ("orgdept", ["ORGANIZATION_DEPT"], None, "市委组织部"),
    ("auditor", ["AUDITOR"], None, "审计员"),
    ("sysadmin", ["SYSADMIN"], None, "系统管理员"),
    ("secadmin", ["SECURITY_ADMIN"], None, "安全管理员"),
]


SECOND_FACTORS = "demo-second-factors.txt"


def create_demo_accounts(data_dir: Path) -> dict[str, str]:
    """Create the demo accounts (once); return the otpauth:// URI of each account with a second factor.

    The URIs are kept in the data dir (readable by its owner only) so a second `mbo demo` can sign in again.
    """
    path = data_dir / SECOND_FACTORS
    uris = dict(line.split(" ", 1) for line in path.read_text().splitlines() if " " in line) if path.exists() else {}
    for name, roles, unit, display in DEMO_ACCOUNTS:
        try:
            uri = add_user_sync(data_dir, name, DEMO_PASSWORD, roles, unit, display)
        except ValueError as exc:
            if "exists already" not in str(exc):
                raise
            continue
        if uri:
            uris[name] = uri
    data_dir.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{name} {uri}\n" for name, uri in uris.items()))
    path.chmod(0o600)
    return uris


def print_accounts(uris: dict[str, str], data_dir: Path) -> None:
    print(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
    for name, roles, unit, display in DEMO_ACCOUNTS:
        factor = "second factor 动态口令" if name in uris else ""
        print(f"  {name:<12} {', '.join(roles):<20} {unit or '':<6} {display}  {factor}")
    print(f"One-time codes: enrol the otpauth:// URIs in {data_dir / SECOND_FACTORS} in an authenticator app,\n"
          f"or print the current code with `mbo otp <URI>`.")


YEAR_END = [
    ("computeAssessment", "mutation($y: Int!) { computeAssessment(year: $y) { status } }"),
    ("publishAssessment", "mutation($y: Int!) { publishAssessment(year: $y) { status } }"),
    ("applyResults", "mutation($y: Int!) { applyResults(year: $y) { __typename } }"),
]
SUMMARY = """query($y: Int!) { assessment(year: $y) { status advancedOverflow lastPlaceShortfall
  results { unit { code name } compositeScore grade rank } } }"""


NOTICE_DAYS = 7
APPEAL_UNIT = "JAQ"
APPEAL_REASON = "我区地区生产总值核算口径于年中调整，统计部门认定值未计入新设园区数据，申请复核。"
APPEAL_DECISION = "经商市统计局复核，认定值已按统一核算口径计入全部园区数据，维持原考核结果。"
FILE_APPEAL = """mutation($y: Int!, $u: ID!, $r: String!) { fileAppeal(year: $y, unitCode: $u, reason: $r) {
  id version } }"""
DECIDE_APPEAL = """mutation($id: ID!, $v: Int!, $r: String!) { decideAppeal(id: $id, version: $v, decision: REJECTED,
  reason: $r) { status } }"""


def _done(result: Any, name: str) -> dict[str, Any]:
    if result.errors:
        raise RuntimeError(f"{name}: {result.errors[0].get('message')}")
    return result.data or {}


def publish_with_notice(client: Client, stack: Stack, year: int) -> None:
    """Publish on a public notice of NOTICE_DAYS days; 江岸区's leader appeals, the target office rejects the
    appeal with its reason; once the notice has ended (the assessment service restarted with its business
    date moved past it, then back to today) the results are made final."""
    _done(client.execute("""mutation($y: Int!, $v: String!) { setAssessmentSetting(year: $y, key: "notice_days",
      value: $v) { year } }""", {"y": year, "v": str(NOTICE_DAYS)}), "setAssessmentSetting")
    for name, mutation in YEAR_END[:2]:
        _done(client.execute(mutation, {"y": year}), name)
    with Client(stack.url) as leader:
        leader.sign_in("jaqleader", DEMO_PASSWORD)
        appeal = _done(leader.execute(FILE_APPEAL, {"y": year, "u": APPEAL_UNIT, "r": APPEAL_REASON}),
                       "fileAppeal")["fileAppeal"]
    _done(client.execute(DECIDE_APPEAL, {"id": appeal["id"], "v": appeal["version"], "r": APPEAL_DECISION}),
          "decideAppeal")
    stack.restart("assessment", {"MBO_TODAY": (clock.today() + timedelta(days=NOTICE_DAYS)).isoformat()})
    try:
        _done(client.execute("mutation($y: Int!) { finalizeAssessment(year: $y) { status } }", {"y": year}),
              "finalizeAssessment")
    finally:
        stack.restart("assessment", {"MBO_TODAY": ""})
    print(f"  published on a {NOTICE_DAYS}-day notice; 1 appeal ({APPEAL_UNIT}) filed and rejected; final", flush=True)


def run_year_end(client: Client, year: int, stack: Stack | None = None) -> list[str]:
    """Compute, publish (with `stack`: on notice, with an appeal) and apply the demo year (once); return a
    printable summary of the ranking."""
    state = client.execute("query($y: Int!) { assessment(year: $y) { status } }", {"y": year})
    published = bool(state.data and state.data.get("assessment") and
                     state.data["assessment"]["status"] == "PUBLISHED")
    if stack is not None and not published:
        publish_with_notice(client, stack, year)
        published = True
    for name, mutation in YEAR_END:
        if published and name != "applyResults":
            continue
        _done(client.execute(mutation, {"y": year}), name)
    result = client.execute(SUMMARY, {"y": year})
    if result.errors or not result.data or not result.data["assessment"]:
        raise RuntimeError("the assessment could not be read back")
    assessment = result.data["assessment"]
    results = sorted(assessment["results"], key=lambda r: (r["rank"], r["unit"]["code"]))
    grades = Counter(r["grade"] for r in results)
    lines = [f"{year} assessment ({assessment['status']}): " + ", ".join(
        f"{grades.get(g, 0)} {label}" for g, label in
        [("ADVANCED", "advanced 先进"), ("QUALIFIED", "qualified 达标"), ("UNQUALIFIED", "not qualified 未达标"),
         ("LAST_PLACE", "last place 末位")])]
    advanced = [r for r in results if r["grade"] == "ADVANCED"]
    last = [r for r in results if r["grade"] == "LAST_PLACE"]
    lines.append("先进单位 advanced: " + "、".join(f"{r['unit']['name']}({r['compositeScore']})" for r in advanced))
    lines.append("末位单位 last place: " + "、".join(f"{r['unit']['name']}({r['compositeScore']})" for r in last))
    return lines


START_OF_YEAR = {"units.csv", "people.csv", "targets.csv"}


def demo_today() -> date:
    """The day the TUI shows the demo year as of: its last day, as the year has been played to its end (the
    year's progress reports run to 31 December), or today once that has passed."""
    return max(date.today(), date(DEMO_YEAR, 12, 31))


UNIT_SYSTEMS = "demo-unit-systems.txt"


def create_unit_systems(data_dir: Path) -> dict[str, str]:
    """One machine account per unit (UNIT_OPERATOR, read-write) with an API key, kept in the data dir (readable
    by its owner only) so that a second `mbo demo` finds them; return unit code → key."""
    path = data_dir / UNIT_SYSTEMS
    keys = dict(line.split(" ", 1) for line in path.read_text().splitlines() if " " in line) if path.exists() else {}
    keys |= add_unit_systems_sync(data_dir, [(u.code, u.name) for u in city_units()])
    path.write_text("".join(f"{code} {key}\n" for code, key in keys.items()))
    path.chmod(0o600)
    return keys


def play_year(office: Client, url: str, uris: dict[str, str], keys: dict[str, str], built: Bundle) -> None:
    """Letters, amendments and quarterly progress of the demo year (mbo.demo_year), each by its own signer."""
    say = lambda text: print(f"  {text}", flush=True)  # noqa: E731
    plan = demo_year.plan(built, DEMO_YEAR)
    systems = demo_year.UnitSystems(url, keys)
    leader, reviewer = Client(url), Client(url)
    try:
        leader.sign_in("leader", DEMO_PASSWORD)
        reviewer.sign_in("office2", DEMO_PASSWORD, current_code(uris["office2"]))
        ids = demo_year.play_letters(plan, DEMO_YEAR, office, leader, reviewer, systems, say)
        demo_year.play_amendments(plan, ids, office, leader, systems)
        say(f"{len(plan.amendments)} amendment letters signed")
        say(f"{demo_year.play_progress(plan, DEMO_YEAR, systems)} progress reports (March, June, September, "
            "December)")
    finally:
        for client in (leader, reviewer, systems):
            client.close()


def run_demo(data_dir: Path, port: int) -> int:
    stack = Stack(data_dir=data_dir, port=port)
    uris = create_demo_accounts(data_dir)
    systems = create_unit_systems(data_dir)
    print(f"starting the stack in {data_dir} …", flush=True)
    try:
        stack.start()
    except StackError as exc:
        print(f"mbo demo: {exc}", file=sys.stderr)
        return 1
    try:
        bundle = data_dir / "demo-bundle"
        built = build(scale="city", year=DEMO_YEAR)
        counts = write(bundle, built)
        print(f"demo year {DEMO_YEAR}: " + ", ".join(f"{n} {name.removesuffix('.csv')}" for name, n in counts.items()),
              flush=True)
        with Client(stack.url) as client:
            client.sign_in("office", DEMO_PASSWORD, current_code(uris["office"]))
            # The targets are agreed and signed at the start of the year, before anyone moves; then the rest.
            for only in (START_OF_YEAR, set(KNOWN) - START_OF_YEAR):
                for report in import_bundle(client, bundle, only=only,
                                            progress=lambda name: print(f"  loading {name} …", flush=True)):
                    if not report.ok:
                        print(f"mbo demo: {report.name} refused: {report.message}", file=sys.stderr)
                        for error in report.row_errors[:10]:
                            print(f"  row {error['row']} {error['column']}: {error['reason']}", file=sys.stderr)
                        return 1
                if only is START_OF_YEAR and not demo_year.already_played(client, DEMO_YEAR):
                    play_year(client, stack.url, uris, systems, built)
            summary = run_year_end(client, DEMO_YEAR, stack)
            session = client.refresh_token  # the TUI carries on in this session: a one-time code is good once
        print(f"\ngateway listening on {stack.url}/graphql  (GraphiQL in a browser)")
        print(f"the TUI shows the demo year as of {demo_today().isoformat()}")
        for line in summary:
            print(line)
        print_accounts(uris, data_dir)
        if sys.stdin.isatty() and sys.stdout.isatty():
            from tui.app import run

            run(stack.url, token=session, today=demo_today())
            return 0
        signals = StopSignals()
        print("\nno terminal: the stack keeps running until Ctrl-C / SIGTERM", flush=True)
        while not signals.stopping and stack.failed() is None:
            time.sleep(0.2)
        return 0 if signals.stopping else 1
    except RuntimeError as exc:
        print(f"mbo demo: {exc}", file=sys.stderr)
        return 1
    finally:
        stack.stop()
