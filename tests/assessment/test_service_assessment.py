"""The assessment service on its own port, over HTTP, on a real database (SQLite, or PostgreSQL with
MBO_TEST_DB=postgres), with a stand-in targets subgraph answering `agreedTargets` and `units` — the
service itself is started unchanged, as `mbo.serve` starts it, and reaches the stand-in through its
ordinary upstream client (service token, timeouts, retries).

The year 2026 below is the hand-computed scenario also loaded end to end in test_e2e_assessment.py.
"""

from __future__ import annotations

import asyncio
import base64
import io
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from kernel.auth import issue_token, service_token
from kernel.db import drop_database
from tests.support.audit import audit_rows
from tests.support.stack import PG_BASE, backend, free_port_block
from tests.support.threaded import serve_in_thread

YEAR = 2026

# units.csv: code, name, kind, group
UNITS = [
    ("D1", "江岸区", "district", "区"),
    ("D2", "江汉区", "district", "区"),
    ("D3", "硚口区", "district", "区"),
    ("D4", "汉阳区", "district", "区"),
    ("M1", "市发展和改革委员会", "municipal", "市直"),
    ("M2", "市财政局", "municipal", "市直"),
    ("M3", "=SUM(1)市体育局", "municipal", "市直"),
    ("M4", "市统计局", "municipal", "市直"),
]
TARGET_HEADER = ["code", "unit_code", "year", "title", "category", "kind", "measure", "direction",
                 "unit_of_measure", "baseline", "agreed_value", "points", "benchmark_city", "benchmark_value",
                 "assessing_department", "parent_code"]
# targets.csv rows: code, unit, kind, measure, direction, agreed, points, assessing department, parent
TARGETS = [
    ("D1-1", "D1", "base", "quantitative", "higher", "100", "60", "FGW", ""),
    ("D1-2", "D1", "base", "quantitative", "lower", "10", "40", "AJJ", ""),
    ("D1-3", "D1", "stretch", "quantitative", "higher", "50", "15", "FGW", ""),
    ("D1-4", "D1", "veto", "qualitative", "higher", "", "0", "AJJ", ""),
    ("D2-1", "D2", "base", "quantitative", "higher", "100", "60", "FGW", ""),
    ("D2-1-1", "D2", "base", "quantitative", "higher", "40", "0", "FGW", "D2-1"),
    ("D2-2", "D2", "base", "qualitative", "higher", "", "40", "AJJ", ""),
    ("D3-1", "D3", "base", "quantitative", "higher", "100", "60", "FGW", ""),
    ("D3-2", "D3", "base", "qualitative", "higher", "", "40", "AJJ", ""),
    ("D4-1", "D4", "base", "quantitative", "higher", "200", "100", "FGW", ""),
    ("M1-1", "M1", "base", "quantitative", "higher", "80", "100", "FGW", ""),
    ("M2-1", "M2", "base", "qualitative", "higher", "", "30", "AJJ", ""),
    ("M2-2", "M2", "base", "quantitative", "higher", "50", "70", "FGW", ""),
    ("M3-1", "M3", "base", "quantitative", "higher", "100", "100", "FGW", ""),
    ("M4-1", "M4", "base", "quantitative", "higher", "100", "100", "FGW", ""),
]
SETTINGS = [
    ("advanced_ratio:区", "0.5"), ("last_place_count:区", "1"), ("last_place_count:市直", "4"),
    ("voter_group_weight:市民代表", "2"), ("voter_group_weight:人大代表", "1"),
]
# certifications.csv: target_code, actual_value, completion
CERTIFICATIONS = [
    ("D1-1", "120", ""), ("D1-2", "0", ""), ("D1-3", "55", ""), ("D1-4", "", "0.9"),
    ("D2-1", "100", ""), ("D2-2", "", "1"),
    ("D3-1", "100", ""), ("D3-2", "", "1"),
    ("D4-1", "190", ""),
    ("M1-1", "100", ""),
    ("M2-1", "", "0.8"), ("M2-2", "50", ""),
    ("M3-1", "50", ""),
]
# ballots.csv: unit, voter group, excellent, good, fair, poor (D2's 市民代表 ballots come in two rows)
BALLOTS = [
    ("D1", "市民代表", 8, 2, 0, 0), ("D1", "人大代表", 5, 5, 0, 0),
    ("D2", "市民代表", 4, 4, 0, 0), ("D2", "市民代表", 2, 0, 0, 0), ("D2", "人大代表", 4, 6, 0, 0),
    ("D3", "市民代表", 6, 4, 0, 0), ("D3", "人大代表", 4, 6, 0, 0),
    ("D4", "人大代表", 0, 10, 0, 0),
    ("M1", "市民代表", 103, 97, 0, 0),
    ("M2", "市民代表", 5, 5, 0, 0),
    ("M3", "市民代表", 0, 0, 10, 0),
]
INSPECTIONS = [("D1", "甲组", "95"), ("D1", "乙组", "97"), ("D2", "甲组", "90"), ("D3", "甲组", "90"),
               ("D4", "甲组", "80.5"), ("D4", "乙组", "81"), ("M1", "甲组", "90"), ("M2", "甲组", "85"),
               ("M3", "甲组", "60")]
GRASSROOTS = [("D1", 90, 10, 0), ("D2", 80, 20, 0), ("D3", 80, 20, 0), ("D4", 50, 50, 0),
              ("M1", 90, 0, 10), ("M2", 70, 30, 0), ("M3", 0, 100, 0)]

# The expected ranking, worked out by hand (default weights 0.60/0.15/0.15/0.10, pass line 60).
#
# D1  department: D1-1 60×min(120/100,1)=60; D1-2 lower-is-better with actual 0 → r=1 → 40;
#     stretch D1-3 met (55 ≥ 50) → 15, capped at 10 → 110.00. Veto D1-4 completion 0.9 < 1 → unmet.
#     voting: 市民代表 (8×100+2×80)/10 = 96, 人大代表 (5×100+5×80)/10 = 90, weights 2:1 →
#     (2×96+90)/3 = 94.00; inspection (95+97)/2 = 96.00; grassroots (90×100+10×60)/100 = 96.00.
#     composite 0.6×110 + 0.15×94 + 0.15×96 + 0.1×96 = 66+14.1+14.4+9.6 = 104.10, the best in the
#     city, but the failed veto makes it non-qualified.
# D2  department 60 + 40 (qualitative completion 1) = 100.00; the child target D2-1-1 is not scored.
#     voting: 市民代表 rows summed (6 excellent, 4 good) → 92, 人大代表 (4×100+6×80)/10 = 88 →
#     (2×92+88)/3 = 272/3 = 90.666… → 90.67; inspection 90.00; grassroots (8000+1200)/100 = 92.00.
#     composite 60 + 0.15×90.67 + 0.15×90 + 0.1×92 = 60+13.6005+13.5+9.2 = 96.3005 → 96.30.
# D3  the same inputs as D2 → 96.30: tied with D2.
# D4  department 100×190/200 = 95.00 (base target missed); voting only 人大代表 → 80.00;
#     inspection (80.5+81)/2 = 80.75; grassroots (5000+3000)/100 = 80.00;
#     composite 57 + 12 + 12.1125 + 8 = 89.1125 → 89.11: above the pass line, not qualified.
# 区   qualified: D2, D3 → quota floor(0.5×2) = 1; D3 ties D2 at the boundary → both ADVANCED,
#     overflow 1. Non-qualified D1 (104.10) and D4 (89.11); last_place_count:区 = 1 → D4.
#     Ranks: D2 1, D3 1 (competition ranking), D1 3, D4 4.
# M1  department 100×min(100/80,1) = 100.00; voting (103×100+97×80)/200 = 18060/200 = 90.30;
#     inspection 90.00; grassroots (90×100)/100 = 90.00;
#     composite 60 + 13.545 + 13.5 + 9 = 96.045 → half-up 96.05 (half-even would give 96.04).
# M2  department 30×0.8 + 70 = 94.00 (qualitative completion below 1: base missed); voting 90.00;
#     inspection 85.00; grassroots (7000+1800)/100 = 88.00; composite 56.4+13.5+12.75+8.8 = 91.45.
# M3  department 100×50/100 = 50.00; voting 60.00; inspection 60.00; grassroots 60.00; composite 54.00.
# M4  nothing entered: target M4-1 uncertified (r = 0), no ballots, inspections or grassroots → 0.00.
# 市直 qualified: M1 only → quota floor(0.25×1) = 0: nobody advanced. last_place_count:市直 = 4 but
#     only 3 non-qualified units → all three LAST_PLACE, shortfall 1.
EXPECTED = [
    # unit, dept, voting, inspection, grassroots, composite, qualified, grade, rank
    ("D2", "100.00", "90.67", "90.00", "92.00", "96.30", True, "ADVANCED", 1),
    ("D3", "100.00", "90.67", "90.00", "92.00", "96.30", True, "ADVANCED", 1),
    ("D1", "110.00", "94.00", "96.00", "96.00", "104.10", False, "UNQUALIFIED", 3),
    ("D4", "95.00", "80.00", "80.75", "80.00", "89.11", False, "LAST_PLACE", 4),
    ("M1", "100.00", "90.30", "90.00", "90.00", "96.05", True, "QUALIFIED", 1),
    ("M2", "94.00", "90.00", "85.00", "88.00", "91.45", False, "LAST_PLACE", 2),
    ("M3", "50.00", "60.00", "60.00", "60.00", "54.00", False, "LAST_PLACE", 3),
    ("M4", "0.00", "0.00", "0.00", "0.00", "0.00", False, "LAST_PLACE", 4),
]

RESULTS = """
  results { unit { code } unitName unitGroup departmentScore votingScore inspectionScore grassrootsScore
            compositeScore qualified grade rank missing }
"""
ASSESSMENT = f"""
  year status revision reason advancedOverflow lastPlaceShortfall
  groups {{ group qualifiedCount advancedQuota advancedCount advancedOverflow advancedOverflowUnits
           lastPlaceCount lastPlaceUnits lastPlaceShortfall }}
  {RESULTS}
"""

CERT_ROWS = ("mutation($rows: [JSON!]!) { importCertifications(rows: $rows) "
             "{ created updated unchanged } }")
BALLOT_ROWS = "mutation($rows: [JSON!]!) { importBallots(rows: $rows) { created updated unchanged } }"
INSPECTION_ROWS = ("mutation($rows: [JSON!]!) { importInspections(rows: $rows) "
                   "{ created updated unchanged } }")
GRASSROOTS_ROWS = ("mutation($rows: [JSON!]!) { importGrassroots(rows: $rows) "
                   "{ created updated unchanged } }")
SETTING_ROWS = "mutation($rows: [JSON!]!) { importSettings(rows: $rows) { created } }"


def table(results: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(r["unit"]["code"], r["departmentScore"], r["votingScore"], r["inspectionScore"], r["grassrootsScore"],
             r["compositeScore"], r["qualified"], r["grade"], r["rank"]) for r in results]


# --------------------------------------------------------------------------------------------------
# The stand-in targets subgraph: answers exactly the contract the assessment service asks for
# --------------------------------------------------------------------------------------------------

KINDS = {"base": "BASE", "stretch": "STRETCH", "veto": "VETO"}
DIRECTIONS = {"higher": "HIGHER_IS_BETTER", "lower": "LOWER_IS_BETTER"}


def agreed_targets(year: int) -> list[dict[str, Any]]:
    """What the targets service serves as `agreedTargets(year)`: top-level targets only."""
    if year not in (2024, 2025, YEAR):
        return []
    return [
        {"code": code, "unitCode": unit, "kind": KINDS[kind], "measure": measure.upper(),
         "direction": DIRECTIONS[direction], "agreedValue": agreed or None, "points": points,
         "assessingDepartment": dept, "version": 3 if code == "M1-1" else 1}
        for code, unit, kind, measure, direction, agreed, points, dept, parent in TARGETS if not parent
    ]


class FakeTargets:
    def __init__(self) -> None:
        self.failures: dict[int, int] = {}
        self.calls: list[dict[str, Any]] = []
        self.app = Starlette(routes=[Route("/graphql", self.graphql, methods=["POST"])])

    async def graphql(self, request: Request) -> JSONResponse:
        body = await request.json()
        year = int(body["variables"]["year"])
        self.calls.append({"year": year, "authorization": request.headers.get("authorization", "")})
        if self.failures.get(year, 0) > 0:
            self.failures[year] -= 1
            return JSONResponse({"errors": [{"message": "starting"}]}, status_code=503)
        units = [{"code": c, "name": n, "kind": k.upper(), "group": g} for c, n, k, g in UNITS]
        return JSONResponse({"data": {"agreedTargets": agreed_targets(year), "units": units}})


class Service:
    def __init__(self, base: str, secret: str, data_dir: Path, dsns: list[str]) -> None:
        self.base = base
        self.secret = secret
        self.data_dir = data_dir
        self.dsns = dsns
        self.http = httpx.Client(timeout=60)

    def token(self, user: str, *roles: str, unit: str | None = None) -> str:
        return issue_token(self.secret, username=user, roles=list(roles), unit=unit, ttl_seconds=600)

    def gql(self, query: str, variables: dict[str, Any] | None = None, *, user: str = "office",
            roles: tuple[str, ...] = ("TARGET_OFFICE",), unit: str | None = None,
            token: str | None = None) -> dict[str, Any]:
        bearer = token or self.token(user, *roles, unit=unit)
        response = self.http.post(f"{self.base}/graphql", json={"query": query, "variables": variables or {}},
                                  headers={"Authorization": f"Bearer {bearer}"})
        return response.json()

    def ok(self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        body = self.gql(query, variables, **kwargs)
        assert not body.get("errors"), body["errors"]
        return body["data"]

    def audit(self) -> list[dict[str, object]]:
        return audit_rows(self.data_dir, self.dsns, "assessment")


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTargets]:
    targets = FakeTargets()
    port = free_port_block(1)
    server, _ = serve_in_thread(targets.app, port)
    targets.url = f"http://127.0.0.1:{port}/graphql"  # type: ignore[attr-defined]
    yield targets
    server.should_exit = True


@pytest.fixture(scope="module")
def service(fake: FakeTargets, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    data_dir = tmp_path_factory.mktemp("assessment")
    port = free_port_block(1)
    secret = uuid.uuid4().hex * 2
    env = {**os.environ, "MBO_DATA_DIR": str(data_dir), "MBO_SECRET": secret, "MBO_CITY": "武汉市",
           "MBO_TARGETS_URL": fake.url, "MBO_UPSTREAM_RETRIES": "3", "MBO_UPSTREAM_TIMEOUT": "5",
           "PYTHONUNBUFFERED": "1"}
    dsns: list[str] = []
    if backend() == "postgres":
        dsn = f"{PG_BASE}/mbo_test_{uuid.uuid4().hex[:10]}_assessment"
        env["MBO_ASSESSMENT_DSN"] = dsn
        dsns.append(dsn)
    log = open(data_dir / "assessment.log", "ab")
    process = subprocess.Popen([sys.executable, "-m", "mbo.serve", "assessment", "--port", str(port)], env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError((data_dir / "assessment.log").read_text())
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the assessment service did not start")
            time.sleep(0.1)
        running = Service(base, secret, data_dir, dsns)
        yield running
        running.http.close()
    finally:
        process.terminate()
        process.wait(10)
        log.close()
        for dsn in dsns:
            asyncio.run(drop_database(dsn))


def load_year(service: Service, year: int) -> None:
    """The year-end inputs as the bundle files carry them, each through its import mutation."""
    y = str(year)
    service.ok(SETTING_ROWS, {"rows": [{"row": i, "year": y, "key": k, "value": v}
                                       for i, (k, v) in enumerate(SETTINGS, start=2)]})
    service.ok(CERT_ROWS, {"rows": [{"row": i, "target_code": c, "year": y, "actual_value": a or None,
                                     "completion": q or None} for i, (c, a, q) in enumerate(CERTIFICATIONS, 2)]})
    service.ok(BALLOT_ROWS, {"rows": [
        {"row": i, "unit_code": u, "year": y, "voter_group": g, "excellent": str(e), "good": str(o), "fair": str(f),
         "poor": str(p)} for i, (u, g, e, o, f, p) in enumerate(BALLOTS, 2)]}, user="evaluator", roles=("EVALUATOR",))
    service.ok(INSPECTION_ROWS, {"rows": [{"row": i, "unit_code": u, "year": y, "inspector": n, "score": s}
                                          for i, (u, n, s) in enumerate(INSPECTIONS, 2)]},
               user="evaluator", roles=("EVALUATOR",))
    service.ok(GRASSROOTS_ROWS, {"rows": [
        {"row": i, "unit_code": u, "year": y, "satisfied": str(s), "basically_satisfied": str(b),
         "dissatisfied": str(d)} for i, (u, s, b, d) in enumerate(GRASSROOTS, 2)]},
        user="evaluator", roles=("EVALUATOR",))


@pytest.fixture(scope="module")
def computed(service: Service) -> dict[str, Any]:
    load_year(service, YEAR)
    return service.ok(f"mutation {{ computeAssessment(year: {YEAR}) {{ {ASSESSMENT} }} }}")["computeAssessment"]


# --------------------------------------------------------------------------------------------------
# Compute
# --------------------------------------------------------------------------------------------------


class TestCompute:
    def test_results_match_the_hand_computed_ranking(self, computed: dict[str, Any]) -> None:
        assert table(computed["results"]) == EXPECTED
        assert computed["status"] == "COMPUTED"
        assert computed["revision"] == 1

    def test_overflow_and_shortfall_per_group_and_in_total(self, computed: dict[str, Any]) -> None:
        groups = {g["group"]: g for g in computed["groups"]}
        assert groups["区"] == {
            "group": "区", "qualifiedCount": 2, "advancedQuota": 1, "advancedCount": 2, "advancedOverflow": 1,
            "advancedOverflowUnits": ["D3"], "lastPlaceCount": 1, "lastPlaceUnits": ["D4"], "lastPlaceShortfall": 0,
        }
        assert groups["市直"]["advancedQuota"] == 0 and groups["市直"]["advancedCount"] == 0
        assert groups["市直"]["lastPlaceUnits"] == ["M4", "M3", "M2"]
        assert groups["市直"]["lastPlaceShortfall"] == 1
        assert (computed["advancedOverflow"], computed["lastPlaceShortfall"]) == (1, 1)

    def test_missing_inputs_are_listed_per_unit(self, computed: dict[str, Any]) -> None:
        missing = {r["unit"]["code"]: r["missing"] for r in computed["results"]}
        assert missing["M4"] == ["target:M4-1", "voting", "inspection", "grassroots"]
        assert missing["D2"] == []

    def test_snapshot_keeps_names_groups_and_source_versions(self, service: Service,
                                                             computed: dict[str, Any]) -> None:
        by_code = {r["unit"]["code"]: r for r in computed["results"]}
        assert (by_code["M1"]["unitName"], by_code["M1"]["unitGroup"]) == ("市发展和改革委员会", "市直")
        data = service.ok(f'{{ assessedTargets(year: {YEAR}, unitCode: "M1") {{ code kind measure direction '
                          'agreedValue points sourceVersion certification { actualValue enteredBy } } }')
        assert data["assessedTargets"] == [{
            "code": "M1-1", "kind": "BASE", "measure": "QUANTITATIVE", "direction": "HIGHER_IS_BETTER",
            "agreedValue": "80", "points": "100", "sourceVersion": 3,
            "certification": {"actualValue": "100", "enteredBy": "office"}}]

    def test_snapshot_was_fetched_once_with_a_service_token(self, fake: FakeTargets, computed: dict[str, Any]) -> None:
        calls = [c for c in fake.calls if c["year"] == YEAR]
        assert len(calls) == 1
        assert calls[0]["authorization"].startswith("Bearer ")

    def test_recomputing_unchanged_inputs_gives_the_same_results(self, service: Service,
                                                                 computed: dict[str, Any]) -> None:
        again = service.ok(f"mutation {{ computeAssessment(year: {YEAR}) {{ {RESULTS} }} }}")["computeAssessment"]
        assert again["results"] == computed["results"]


# --------------------------------------------------------------------------------------------------
# Refusals
# --------------------------------------------------------------------------------------------------


def error_code(body: dict[str, Any]) -> str:
    return body["errors"][0]["extensions"]["code"]


class TestRefusals:
    def test_only_the_target_office_computes_publishes_and_corrects(self, service: Service) -> None:
        for roles in (("EVALUATOR",), ("LEADER",), ("ORGANIZATION_DEPT",), ("ASSESSOR",)):
            for mutation in (f"computeAssessment(year: {YEAR}) {{ year }}",
                             f"publishAssessment(year: {YEAR}) {{ year }}",
                             f'openCorrection(year: {YEAR}, reason: "x") {{ year }}'):
                body = service.gql(f"mutation {{ {mutation} }}", user="someone", roles=roles, unit="FGW")
                assert error_code(body) == "FORBIDDEN", (roles, mutation)

    def test_evaluator_cannot_certify_targets(self, service: Service, computed: dict[str, Any]) -> None:
        body = service.gql(f'mutation {{ certifyTarget(year: {YEAR}, targetCode: "M3-1", actualValue: "99") '
                           '{ code } }', user="evaluator", roles=("EVALUATOR",))
        assert error_code(body) == "FORBIDDEN"

    def test_assessor_certifies_only_its_department_s_targets(self, service: Service,
                                                              computed: dict[str, Any]) -> None:
        other = service.gql(CERT_ROWS, {"rows": [{"row": 2, "target_code": "M3-1", "year": str(YEAR),
                                                  "actual_value": "99"}]},
                            user="ajj", roles=("ASSESSOR",), unit="AJJ")
        assert error_code(other) == "FORBIDDEN"
        assert other["errors"][0]["extensions"]["rowErrors"][0]["row"] == 2
        own = service.ok(f'mutation {{ certifyTarget(year: {YEAR}, targetCode: "M3-1", actualValue: "50", '
                         'note: "复核") { code certification { actualValue note enteredBy } } }',
                         user="fgw", roles=("ASSESSOR",), unit="FGW")
        assert own["certifyTarget"]["certification"] == {"actualValue": "50", "note": "复核", "enteredBy": "fgw"}

    def test_assessor_cannot_enter_ballots(self, service: Service, computed: dict[str, Any]) -> None:
        body = service.gql(f'mutation {{ setBallots(year: {YEAR}, unitCode: "D1", voterGroup: "市民代表", '
                           'excellent: 1) { unitCode } }', user="fgw", roles=("ASSESSOR",), unit="FGW")
        assert error_code(body) == "FORBIDDEN"

    def test_bad_rows_are_all_reported_and_nothing_is_written(self, service: Service,
                                                              computed: dict[str, Any]) -> None:
        before = service.ok(f"{{ ballotTallies(year: {YEAR}) {{ unitCode voterGroup excellent good }} }}")
        rows = [
            {"row": 2, "unit_code": "D1", "year": str(YEAR), "voter_group": "市民代表", "excellent": "50"},
            {"row": 3, "unit_code": "XX", "year": str(YEAR), "voter_group": "市民代表", "excellent": "1"},
            {"row": 4, "unit_code": "D2", "year": str(YEAR), "voter_group": "市民代表", "good": "-1"},
            {"row": 5, "unit_code": "D3", "year": "2031", "voter_group": "市民代表", "good": "1"},
            {"row": 6, "unit_code": "D3", "year": str(YEAR), "voter_group": "", "fair": "1.5"},
        ]
        body = service.gql(BALLOT_ROWS, {"rows": rows}, user="evaluator", roles=("EVALUATOR",))
        assert error_code(body) == "BAD_USER_INPUT"
        reported = {(e["row"], e["column"]) for e in body["errors"][0]["extensions"]["rowErrors"]}
        assert reported == {(3, "unit_code"), (4, "good"), (5, "year"), (6, "voter_group"), (6, "fair")}
        after = service.ok(f"{{ ballotTallies(year: {YEAR}) {{ unitCode voterGroup excellent good }} }}")
        assert after == before

    def test_unknown_and_child_targets_and_wrong_values_are_refused(self, service: Service,
                                                                    computed: dict[str, Any]) -> None:
        rows = [
            {"row": 2, "target_code": "NOPE", "year": str(YEAR), "actual_value": "1"},
            {"row": 3, "target_code": "D2-1-1", "year": str(YEAR), "actual_value": "40"},
            {"row": 4, "target_code": "D2-2", "year": str(YEAR), "completion": "1.2"},
            {"row": 5, "target_code": "D2-1", "year": str(YEAR), "completion": "1"},
            {"row": 6, "target_code": "D2-1", "year": "二〇二六", "actual_value": "1"},
        ]
        body = service.gql(CERT_ROWS, {"rows": rows})
        reported = {(e["row"], e["column"]) for e in body["errors"][0]["extensions"]["rowErrors"]}
        assert reported == {(2, "target_code"), (3, "target_code"), (4, "completion"), (5, "completion"),
                            (5, "actual_value"), (6, "year")}

    def test_inspection_scores_stay_within_0_to_100(self, service: Service, computed: dict[str, Any]) -> None:
        body = service.gql(f'mutation {{ setInspectionScore(year: {YEAR}, unitCode: "D1", inspector: "丙组", '
                           'score: "100.5") { score } }', user="evaluator", roles=("EVALUATOR",))
        assert error_code(body) == "BAD_USER_INPUT"
        assert body["errors"][0]["extensions"]["field"] == "score"

    def test_a_year_without_agreed_targets_cannot_be_computed(self, service: Service) -> None:
        body = service.gql("mutation { computeAssessment(year: 2031) { year } }")
        assert error_code(body) == "NOT_FOUND"
        assert service.ok("{ assessment(year: 2031) { year } }") == {"assessment": None}

    def test_publishing_needs_fresh_results(self, service: Service, computed: dict[str, Any]) -> None:
        service.ok('mutation { setGrassroots(year: 2025, unitCode: "D1", satisfied: 1) { satisfied } }',
                   user="evaluator", roles=("EVALUATOR",))
        body = service.gql("mutation { publishAssessment(year: 2025) { year } }")
        assert error_code(body) == "CONFLICT"


# --------------------------------------------------------------------------------------------------
# Publication, visibility, corrections, the bulletin
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def published(service: Service, computed: dict[str, Any]) -> dict[str, Any]:
    # The refusal tests re-certified M3-1 with its original value; recompute so the results are fresh.
    service.ok(f"mutation {{ computeAssessment(year: {YEAR}) {{ year }} }}")
    return service.ok(f"mutation {{ publishAssessment(year: {YEAR}) {{ {ASSESSMENT} publishedAt }} }}")[
        "publishAssessment"]


class TestPublication:
    def test_publish_freezes_revision_1(self, published: dict[str, Any]) -> None:
        assert (published["status"], published["revision"]) == ("PUBLISHED", 1)
        assert table(published["results"]) == EXPECTED

    def test_inputs_are_read_only_after_publication(self, service: Service, published: dict[str, Any]) -> None:
        body = service.gql(f'mutation {{ setInspectionScore(year: {YEAR}, unitCode: "D1", inspector: "丙组", '
                           'score: "60") { score } }', user="evaluator", roles=("EVALUATOR",))
        assert error_code(body) == "CONFLICT"
        body = service.gql(CERT_ROWS, {"rows": [{"row": 2, "target_code": "D4-1", "year": str(YEAR),
                                                 "actual_value": "200"}]})
        assert error_code(body) == "CONFLICT"
        assert error_code(service.gql(f"mutation {{ computeAssessment(year: {YEAR}) {{ year }} }}")) == "CONFLICT"
        assert error_code(service.gql(f"mutation {{ publishAssessment(year: {YEAR}) {{ year }} }}")) == "CONFLICT"

    def test_published_revision_contract_for_the_personnel_service(self, service: Service,
                                                                   published: dict[str, Any]) -> None:
        query = (f"{{ publishedRevision(year: {YEAR}) {{ year revision publishedAt reason "
                 "results { unitCode unitName unitGroup grade compositeScore rank qualified } } }")
        data = service.ok(query, token=service_token(service.secret, "personnel"))["publishedRevision"]
        assert (data["year"], data["revision"], data["reason"]) == (YEAR, 1, None)
        assert data["results"][0] == {"unitCode": "D2", "unitName": "江汉区", "unitGroup": "区", "grade": "ADVANCED",
                                      "compositeScore": "96.30", "rank": 1, "qualified": True}
        assert service.ok(query, user="org", roles=("ORGANIZATION_DEPT",))["publishedRevision"] == data
        assert error_code(service.gql(query, user="op", roles=("UNIT_OPERATOR",), unit="D1")) == "FORBIDDEN"
        assert service.ok("{ publishedRevision(year: 2025) { year } }", token=service_token(
            service.secret, "personnel")) == {"publishedRevision": None}

    def test_unit_operator_sees_only_its_own_result(self, service: Service, published: dict[str, Any]) -> None:
        mine = service.ok(f"{{ assessment(year: {YEAR}) {{ revision {RESULTS} }} }}", user="op",
                          roles=("UNIT_OPERATOR",), unit="D4")
        assert table(mine["assessment"]["results"]) == [EXPECTED[3]]
        rep = [{"__typename": "Unit", "code": "D4"}, {"__typename": "Unit", "code": "D1"}]
        body = service.gql("query($r: [_Any!]!) { _entities(representations: $r) { ... on Unit "
                           f"{{ code result(year: {YEAR}) {{ grade rank }} }} }} }}", {"r": rep}, user="op",
                           roles=("UNIT_OPERATOR",), unit="D4")
        assert body["data"]["_entities"][0]["result"] == {"grade": "LAST_PLACE", "rank": 4}
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert body["errors"][0]["path"] == ["_entities", 1, "result"]

    def test_unit_operator_does_not_see_unpublished_years(self, service: Service, published: dict[str, Any]) -> None:
        data = service.ok("{ assessment(year: 2025) { year } }", user="op", roles=("UNIT_OPERATOR",), unit="D4")
        assert data == {"assessment": None}

    def test_unit_result_through_entities_in_one_batch(self, service: Service, published: dict[str, Any]) -> None:
        reps = [{"__typename": "Unit", "code": code} for code, *_ in UNITS]
        data = service.ok("query($r: [_Any!]!) { _entities(representations: $r) { ... on Unit "
                          f"{{ code result(year: {YEAR}) {{ compositeScore grade }} }} }} }}", {"r": reps})
        assert {e["code"]: e["result"]["compositeScore"] for e in data["_entities"]} == {
            row[0]: row[5] for row in EXPECTED}

    def test_bulletin_lists_and_files(self, service: Service, published: dict[str, Any]) -> None:
        data = service.ok(f"{{ bulletin(year: {YEAR}) {{ title revision advanced {{ unitCode rank compositeScore }} "
                          "qualified { unitCode } unqualified { unitCode } lastPlace { unitCode } markdown "
                          "xlsxBase64 xlsxFileName } }", user="evaluator", roles=("EVALUATOR",))["bulletin"]
        assert data["title"] == "武汉市2026年度目标管理考核结果通报"
        assert data["advanced"] == [{"unitCode": "D2", "rank": 1, "compositeScore": "96.30"},
                                    {"unitCode": "D3", "rank": 1, "compositeScore": "96.30"}]
        assert [e["unitCode"] for e in data["qualified"]] == ["M1"]
        assert [e["unitCode"] for e in data["unqualified"]] == ["D1", "D4", "M2", "M3", "M4"]
        assert [e["unitCode"] for e in data["lastPlace"]] == ["D4", "M4", "M3", "M2"]
        assert data["markdown"].startswith("# 武汉市2026年度目标管理考核结果通报\n")
        assert "| 区 | 1 | 江汉区 | 96.30 |" in data["markdown"]
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(base64.b64decode(data["xlsxBase64"])))
        sheet = book["考核结果"]
        assert sheet["A1"].value == "武汉市2026年度目标管理考核结果通报"
        names = [row[3] for row in sheet.iter_rows(min_row=4, values_only=True)]
        assert "'=SUM(1)市体育局" in names
        assert data["xlsxFileName"].endswith(".xlsx")


class TestCorrection:
    @pytest.fixture(scope="class")
    def corrected(self, service: Service, published: dict[str, Any]) -> dict[str, Any]:
        opened = service.ok(f'mutation {{ openCorrection(year: {YEAR}, reason: "汉阳区核定值更正") '
                            "{ status revision reason } }")["openCorrection"]
        assert opened == {"status": "OPEN", "revision": 2, "reason": "汉阳区核定值更正"}
        service.ok(f'mutation {{ certifyTarget(year: {YEAR}, targetCode: "D4-1", actualValue: "200") {{ code }} }}')
        service.ok(f"mutation {{ computeAssessment(year: {YEAR}) {{ year }} }}")
        return service.ok(f"mutation {{ publishAssessment(year: {YEAR}) {{ {ASSESSMENT} }} }}")["publishAssessment"]

    def test_revision_2_recomputes_with_the_corrected_input(self, corrected: dict[str, Any]) -> None:
        # D4: department 100×200/200 = 100.00, base met; composite 60 + 12 + 12.1125 + 8 = 92.1125 → 92.11,
        # qualified. 区 qualified D2, D3, D4 → quota floor(0.5×3) = 1, D2/D3 tie → both ADVANCED; D1 is
        # now the only non-qualified 区 unit → LAST_PLACE.
        assert (corrected["revision"], corrected["status"], corrected["reason"]) == (2, "PUBLISHED", "汉阳区核定值更正")
        district = table(corrected["results"])[:4]
        assert district == [
            ("D2", "100.00", "90.67", "90.00", "92.00", "96.30", True, "ADVANCED", 1),
            ("D3", "100.00", "90.67", "90.00", "92.00", "96.30", True, "ADVANCED", 1),
            ("D4", "100.00", "80.00", "80.75", "80.00", "92.11", True, "QUALIFIED", 3),
            ("D1", "110.00", "94.00", "96.00", "96.00", "104.10", False, "LAST_PLACE", 4),
        ]

    def test_both_revisions_stay_queryable(self, service: Service, corrected: dict[str, Any]) -> None:
        first = service.ok(f"{{ assessmentRevision(year: {YEAR}, revision: 1) {{ revision status {RESULTS} }} }}")
        assert first["assessmentRevision"]["status"] == "PUBLISHED"
        assert table(first["assessmentRevision"]["results"]) == EXPECTED
        latest = service.ok(f"{{ assessment(year: {YEAR}) {{ revision revisions {{ revision reason }} }} }}")
        assert latest["assessment"]["revision"] == 2
        assert latest["assessment"]["revisions"] == [{"revision": 1, "reason": None},
                                                     {"revision": 2, "reason": "汉阳区核定值更正"}]
        bulletin = service.ok(f"{{ bulletin(year: {YEAR}) {{ revision reason markdown }} }}")["bulletin"]
        assert bulletin["revision"] == 2 and "更正原因：汉阳区核定值更正" in bulletin["markdown"]
        old = service.ok(f"{{ bulletin(year: {YEAR}, revision: 1) {{ lastPlace {{ unitCode }} }} }}")["bulletin"]
        assert [e["unitCode"] for e in old["lastPlace"]] == ["D4", "M4", "M3", "M2"]

    def test_a_correction_needs_a_reason(self, service: Service, corrected: dict[str, Any]) -> None:
        body = service.gql(f'mutation {{ openCorrection(year: {YEAR}, reason: "  ") {{ year }} }}')
        assert error_code(body) == "BAD_USER_INPUT"

    def test_every_mutation_is_audited(self, service: Service, corrected: dict[str, Any]) -> None:
        rows = service.audit()
        actions = {(r["action"], r["success"]) for r in rows}
        for action in ("openAssessment", "importCertifications", "importBallots", "importInspections",
                       "importGrassroots", "computeAssessment", "publishAssessment", "openCorrection"):
            assert (action, True) in actions, action
        refused = [r for r in rows if r["action"] == "computeAssessment" and not r["success"]]
        assert any(str(r["detail"]).startswith("CONFLICT") for r in refused)


class TestUpstream:
    def test_a_failing_targets_service_is_retried(self, service: Service, fake: FakeTargets) -> None:
        fake.failures[2024] = 2
        data = service.ok("mutation { openAssessment(year: 2024) { year status snapshotTargetCount } }")
        assert fake.failures[2024] == 0
        assert data["openAssessment"] == {"year": 2024, "status": "OPEN", "snapshotTargetCount": 14}
