"""The demo year as the offices run it, played through the gateway on top of the imported bundle.

Responsibility letters at every level (city → unit, unit → department, department → person), drafted by the
target office and signed level by level, each side by another account: the city's side by a city leader, the
unit's side of its city letter and of its department letters by the unit's own system account, the
departments' side and the department side of the people's letters by the target office's reviewer, the
people's signatures recorded by the target office. A few units have not signed yet, and in 江岸区 one
department's people still have to sign (the `jaq` demo account can record it in the TUI). Then two or
three amendment letters (mid-year changes of a target's value), and each unit's quarterly progress reports
(March, June, September, December) on the targets assigned to people: most on track, some lagging or at
risk, more of them in the weaker units. Everything goes through the real mutations (`createLetters`,
`signLetters`, `amendLetter`, `signLetter`, `reportProgressBatch`), so the rules, the content hashes and the
audit trail are the ones the offices get. The same bundle always gives the same year.
"""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx

from mbo.client import Client, GraphQLResult
from mbo.generate import Bundle
from services.targets.rules import elapsed_fraction

CITY = "武汉市人民政府"
PENDING_UNITS = 3  # units that have not signed their city → unit letter yet
PARTLY_SIGNED = "JAQ"  # one department's people still to sign (the jaq demo account signs them in the TUI)
AMENDED_UNITS = 3
AMENDMENT_REASON = "受国家宏观政策调整影响，经市政府目标管理领导小组研究同意，年中调整目标值"
QUARTERS = [(3, 31), (6, 30), (9, 30), (12, 31)]
NOTES = {True: "按计划推进", False: "进度滞后，已制定赶超措施"}

# targets.csv columns (mbo.generate.HEADERS)
CODE, UNIT, KIND, MEASURE, DIRECTION, UOM, AGREED, PARENT, DEPARTMENT, ASSIGNEE = 0, 1, 5, 6, 7, 8, 10, 15, 16, 18


@dataclass
class LetterPlan:
    key: tuple[str, ...]
    level: str
    unit: str
    issuer: str
    receiver: str
    codes: list[str]
    parent: tuple[str, ...] | None = None


@dataclass
class YearPlan:
    letters: list[LetterPlan] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    partly: tuple[str, ...] | None = None  # the unit → department letter whose people have not all signed
    amendments: list[tuple[str, str, str]] = field(default_factory=list)  # unit, target code, new value
    progress: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # unit → reports


def plan(bundle: Bundle, year: int, seed: int = 2026) -> YearPlan:
    rng = random.Random(f"{seed}:demo-year")
    names = {u.code: u.name for u in bundle.units}
    rows = [r for r in bundle.targets if r[2] == str(year)]
    by_code = {r[CODE]: r for r in rows}
    out = YearPlan()
    of_unit: dict[str, list[list[str]]] = defaultdict(list)
    for r in rows:
        of_unit[r[UNIT]].append(r)
    for unit in bundle.units:
        tops = [r for r in of_unit[unit.code] if not r[PARENT]]
        out.letters.append(LetterPlan(("L1", unit.code), "CITY_UNIT", unit.code, CITY, names[unit.code],
                                      [r[CODE] for r in tops]))
        departments: dict[str, list[str]] = defaultdict(list)
        people: dict[tuple[str, str], list[str]] = defaultdict(list)
        for r in of_unit[unit.code]:
            if not r[PARENT]:
                continue
            if not by_code[r[PARENT]][PARENT]:
                departments[r[DEPARTMENT]].append(r[CODE])
            else:
                people[(r[DEPARTMENT], r[ASSIGNEE])].append(r[CODE])
        for department, codes in departments.items():
            out.letters.append(LetterPlan(("L2", unit.code, department), "UNIT_DEPARTMENT", unit.code,
                                          names[unit.code], department, codes, ("L1", unit.code)))
        for (department, person), codes in sorted(people.items()):
            out.letters.append(LetterPlan(("L3", unit.code, department, person), "DEPARTMENT_PERSON", unit.code,
                                          department, person, codes, ("L2", unit.code, department)))
    codes = [u.code for u in bundle.units]
    out.pending = sorted(rng.sample([c for c in codes if c != PARTLY_SIGNED], min(PENDING_UNITS, len(codes) - 1)))
    partly = [x.key for x in out.letters if x.level == "UNIT_DEPARTMENT" and x.unit == PARTLY_SIGNED]
    out.partly = partly[-1] if partly else None
    for unit_code in rng.sample([c for c in codes if c not in out.pending], min(AMENDED_UNITS, len(codes) - 4)):
        candidates = [r for r in of_unit[unit_code] if not r[PARENT] and r[MEASURE] == "quantitative"
                      and r[DIRECTION] == "higher" and r[UOM] != "%" and r[KIND] == "base"]
        if candidates:
            target = rng.choice(candidates)
            lowered = (Decimal(target[AGREED]) * Decimal("0.95")).quantize(Decimal("0.1"), ROUND_HALF_UP)
            out.amendments.append((unit_code, target[CODE], str(lowered)))
    out.progress = progress_reports(bundle, year, rows, seed)
    return out


def unit_quality(bundle: Bundle, rows: list[list[str]]) -> dict[str, float]:
    """How well each unit did by its year-end certifications (actual / agreed of its higher-is-better targets)."""
    agreed = {r[CODE]: r for r in rows}
    shares: dict[str, list[float]] = defaultdict(list)
    for code, _year, actual, _completion, _note in bundle.certifications:
        row = agreed.get(code)
        if row and actual and row[AGREED] and row[DIRECTION] == "higher" and Decimal(row[AGREED]) > 0:
            shares[row[UNIT]].append(float(Decimal(actual) / Decimal(row[AGREED])))
    return {unit: statistics.median(values) for unit, values in shares.items()}


def progress_reports(bundle: Bundle, year: int, rows: list[list[str]], seed: int) -> dict[str, list[dict[str, str]]]:
    """Each unit's quarterly reports on its leaf targets: on track mostly, lagging more often in weak units."""
    parents = {r[PARENT] for r in rows if r[PARENT]}
    quality = unit_quality(bundle, rows)
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        if r[CODE] in parents:
            continue
        rng = random.Random(f"{seed}:progress:{r[CODE]}")
        weakness = max(0.0, 1.0 - quality.get(r[UNIT], 1.0))
        chance = min(0.3, 0.035 + weakness * 0.9)
        for month, day in QUARTERS:
            as_of = date(year, month, day)
            elapsed = float(elapsed_fraction(year, as_of))
            behind = rng.random() < chance
            pace = rng.uniform(0.55, 0.86) if behind else rng.uniform(0.95, 1.12)
            value = actual(r, elapsed, pace, month)
            out[r[UNIT]].append({"code": r[CODE], "period": f"{year}-{month:02d}", "asOf": as_of.isoformat(),
                                 "actualToDate": value, "note": NOTES[not behind]})
    return dict(out)


def actual(row: list[str], elapsed: float, pace: float, month: int) -> str:
    """The actual to date that puts the target at `pace` × the elapsed share of the year."""
    share = min(1.0, elapsed * pace)
    if row[MEASURE] == "qualitative":
        return str(Decimal(str(share)).quantize(Decimal("0.01"), ROUND_HALF_UP))
    agreed = Decimal(row[AGREED])
    if row[DIRECTION] == "lower":  # a cap: within it is done; over it, agreed / actual
        over = pace < 0.9 and month >= 9
        value = agreed / Decimal(str(share)) if over else agreed * Decimal(str(min(1.0, 0.9 + elapsed * 0.1)))
    elif row[UOM] == "%":  # a rate is reported as it stands, not summed over the year
        value = agreed * Decimal(str(min(1.0, pace if month >= 9 else max(pace, 0.95))))
    else:
        value = agreed * Decimal(str(share))
    return str(value.quantize(Decimal("0.01"), ROUND_HALF_UP))


class UnitSystems:
    """The units' own system accounts (machine accounts, UNIT_OPERATOR of one unit each): one API key per unit,
    all over one HTTP connection pool."""

    def __init__(self, url: str, keys: dict[str, str]) -> None:
        self.url = url.rstrip("/")
        self.keys = keys
        self.http = httpx.Client(timeout=600.0)

    def execute(self, unit_code: str, query: str, variables: dict[str, Any]) -> GraphQLResult:
        response = self.http.post(f"{self.url}/graphql", json={"query": query, "variables": variables},
                                  headers={"Authorization": f"Bearer {self.keys[unit_code]}"})
        payload = response.json()
        return GraphQLResult(data=payload.get("data"), errors=payload.get("errors") or [])

    def each(self, unit_codes: list[str], work: Callable[[str], None]) -> None:
        """`work` for every unit, two units at a time (the gateway parses one request while the service writes
        another); the first failure is raised."""
        with ThreadPoolExecutor(max_workers=2) as pool:
            for done in [pool.submit(work, code) for code in unit_codes]:
                done.result()

    def close(self) -> None:
        self.http.close()


def _ok(result: Any, what: str) -> dict[str, Any]:
    if result.errors:
        raise RuntimeError(f"{what}: {result.errors[0].get('message')}")
    return result.data


CREATE = """mutation($inputs: [NewLetterInput!]!) { createLetters(inputs: $inputs) { id version } }"""
SIGN = """mutation($s: [LetterSignatureInput!]!) { signLetters(signatures: $s) { id version status } }"""
AMEND = """mutation($id: ID!, $reason: String!, $changes: [TargetAmendmentInput!]!) {
  amendLetter(id: $id, reason: $reason, changes: $changes) { id version } }"""
SIGN_ONE = """mutation($id: ID!, $side: LetterSide!, $v: Int!) { signLetter(id: $id, side: $side, version: $v) {
  id version status } }"""
REPORT = """mutation($y: Int!, $r: [ProgressReportInput!]!) { reportProgressBatch(year: $y, reports: $r) }"""


def already_played(client: Client, year: int) -> bool:
    data = _ok(client.execute("query($y: Int!) { letters(year: $y) { id } }", {"y": year}), "letters")
    return bool(data["letters"])


def play_letters(plan_: YearPlan, year: int, office: Client, leader: Client, reviewer: Client,
                 systems: UnitSystems, say: Callable[[str], None] = lambda _: None) -> dict[tuple[str, ...], str]:
    """Draft every letter, then sign level by level; return each planned letter's id."""
    ids: dict[tuple[str, ...], str] = {}
    for level in ("CITY_UNIT", "UNIT_DEPARTMENT", "DEPARTMENT_PERSON"):
        batch = [x for x in plan_.letters if x.level == level]
        inputs = [{"year": year, "unitCode": x.unit, "level": x.level, "issuer": x.issuer, "receiver": x.receiver,
                   "targetCodes": x.codes, "parentId": ids[x.parent] if x.parent else None} for x in batch]
        created = _ok(office.execute(CREATE, {"inputs": inputs}), f"createLetters {level}")["createLetters"]
        ids.update({x.key: row["id"] for x, row in zip(batch, created, strict=True)})
        say(f"{len(batch)} {level} letters drafted")
    say(f"{len(ids)} letters drafted")
    signing = [x for x in plan_.letters if x.unit not in plan_.pending]

    def sig(x: LetterPlan, side: str, version: int) -> dict[str, Any]:
        return {"id": ids[x.key], "side": side, "version": version}

    city = [sig(x, "ISSUER", 1) for x in signing if x.level == "CITY_UNIT"]
    _ok(leader.execute(SIGN, {"s": city}), "signLetters (city)")
    def sitting(unit_code: str) -> None:
        mine = [x for x in signing if x.unit == unit_code]
        signatures = [sig(x, "RECEIVER", 2) for x in mine if x.level == "CITY_UNIT"]
        signatures += [sig(x, "ISSUER", 1) for x in mine if x.level == "UNIT_DEPARTMENT"]
        _ok(systems.execute(unit_code, SIGN, {"s": signatures}), f"signLetters ({unit_code})")

    systems.each(sorted({x.unit for x in signing}), sitting)
    departments = [sig(x, "RECEIVER", 2) for x in signing if x.level == "UNIT_DEPARTMENT"]
    departments += [sig(x, "ISSUER", 1) for x in signing if x.level == "DEPARTMENT_PERSON"]
    _ok(reviewer.execute(SIGN, {"s": departments}), "signLetters (departments)")
    people = [sig(x, "RECEIVER", 2) for x in signing if x.level == "DEPARTMENT_PERSON" and x.parent != plan_.partly]
    _ok(office.execute(SIGN, {"s": people}), "signLetters (people)")
    say(f"letters signed; {len(plan_.pending)} units pending")
    return ids


def play_amendments(plan_: YearPlan, ids: dict[tuple[str, ...], str], office: Client, leader: Client,
                    systems: UnitSystems) -> None:
    for unit_code, code, value in plan_.amendments:
        data = _ok(office.execute(AMEND, {"id": ids[("L1", unit_code)], "reason": AMENDMENT_REASON,
                                          "changes": [{"code": code, "agreedValue": value}]}), "amendLetter")
        amendment = data["amendLetter"]["id"]
        _ok(leader.execute(SIGN_ONE, {"id": amendment, "side": "ISSUER", "v": 1}), "signLetter (amendment)")
        _ok(systems.execute(unit_code, SIGN_ONE, {"id": amendment, "side": "RECEIVER", "v": 2}),
            "signLetter (amendment)")


def play_progress(plan_: YearPlan, year: int, systems: UnitSystems) -> int:
    written: list[int] = []

    def report(unit_code: str) -> None:
        data = _ok(systems.execute(unit_code, REPORT, {"y": year, "r": plan_.progress[unit_code]}),
                   f"reportProgressBatch {unit_code}")
        written.append(data["reportProgressBatch"])

    systems.each(sorted(plan_.progress), report)
    return sum(written)
