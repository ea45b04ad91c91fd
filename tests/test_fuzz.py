"""Hostile input: generated documents, variables and import rows never make the system fail or change data.

Every answer must be a GraphQL answer with a known error code — never INTERNAL, never an HTTP 5xx — and a
refused import must leave the data exactly as it was.
"""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.stack import RunningStack

ALLOWED = {"GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT", "FORBIDDEN", "NOT_FOUND",
           "CONFLICT", "UNAUTHENTICATED"}
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])
ROOTS = ["units", "unit(code: $s)", "person(staffNo: $s)", "assessment(year: $i)", "assessmentSettings(year: $i)",
         "targetCounts(year: $i)", "rewardLines(year: $i, first: $i)", "filingRecords(first: $i, after: $s)",
         "leaderAdjustments(year: $i)", "laggingTargets(year: $i, asOf: $s)", "bulletin(year: $i)"]
FIELDS = ["code", "name", "kind", "group", "version", "__typename", "staff { staffNo name monthlySalary }",
          "status", "results { rank grade }", "total", "edges { cursor }", "passLine", "nope"]
MUTATIONS = ['createUnit(code: $s, name: $s, kind: DISTRICT) { code }', "computeAssessment(year: $i) { status }",
             'updateUnit(code: $s, version: $i, name: $s) { code }', "publishAssessment(year: $i) { status }",
             "applyResults(year: $i) { year }", 'importUnits(rows: [{row: $i, code: $s, name: $s, kind: $s}]) '
             "{ created }"]


@pytest.fixture(scope="module")
def fuzzed(stack: RunningStack) -> tuple[RunningStack, httpx.Client]:
    stack.add_user("office", "TARGET_OFFICE")
    with stack.client("office") as client:
        assert client.execute('mutation { createUnit(code: "JA", name: "江岸区", kind: DISTRICT) { code } }'
                              ).errors == []
        token = client.token
    http = httpx.Client(base_url=stack.url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
    yield stack, http
    http.close()


def answer(http: httpx.Client, body: object) -> dict:
    response = http.post("/graphql", json=body)
    assert response.status_code < 500, response.text
    payload = response.json()
    for error in payload.get("errors") or ():
        code = (error.get("extensions") or {}).get("code")
        assert code in ALLOWED, error
        assert "Traceback" not in error["message"]
    return payload


def snapshot(http: httpx.Client) -> object:
    return answer(http, {"query": "{ units { code name kind group version } }"})["data"]


@FUZZ
@given(st.text(max_size=300))
def test_random_text_is_refused_cleanly(fuzzed: tuple[RunningStack, httpx.Client], text: str) -> None:
    answer(fuzzed[1], {"query": text})


@FUZZ
@given(root=st.sampled_from(ROOTS), fields=st.lists(st.sampled_from(FIELDS), min_size=1, max_size=4),
       alias=st.booleans(), s=st.one_of(st.none(), st.text(max_size=40), st.integers()),
       i=st.one_of(st.none(), st.integers(min_value=-2**40, max_value=2**40), st.text(max_size=5)))
def test_generated_queries_and_variables_never_fail_internally(fuzzed: tuple[RunningStack, httpx.Client],
                                                               root: str, fields: list[str], alias: bool,
                                                               s: object, i: object) -> None:
    head = f"x: {root}" if alias else root
    document = f"query Q($s: String, $i: Int) {{ {head} {{ {' '.join(fields)} }} }}"
    answer(fuzzed[1], {"query": document, "variables": {"s": s, "i": i}})


@FUZZ
@given(mutation=st.sampled_from(MUTATIONS), s=st.one_of(st.none(), st.text(max_size=60)),
       i=st.one_of(st.none(), st.integers(min_value=-2**31, max_value=2**31 - 1)))
def test_refused_mutations_change_nothing(fuzzed: tuple[RunningStack, httpx.Client], mutation: str, s: object,
                                         i: object) -> None:
    http = fuzzed[1]
    before = snapshot(http)
    document = f"mutation M($s: String, $i: Int) {{ {mutation} }}"
    payload = answer(http, {"query": document, "variables": {"s": s, "i": i}})
    if payload.get("errors"):
        assert snapshot(http) == before


@FUZZ
@given(st.lists(st.dictionaries(st.sampled_from(["row", "code", "name", "kind", "group", "extra"]),
                                st.one_of(st.none(), st.text(max_size=30), st.integers(), st.booleans(),
                                          st.lists(st.integers(), max_size=2))),
                min_size=1, max_size=8))
def test_hostile_import_rows_are_refused_with_nothing_written(fuzzed: tuple[RunningStack, httpx.Client],
                                                              rows: list[dict]) -> None:
    http = fuzzed[1]
    before = snapshot(http)
    payload = answer(http, {"query": "mutation($r: [JSON!]!) { importUnits(rows: $r) { created updated } }",
                            "variables": {"r": rows}})
    if payload.get("errors"):
        assert snapshot(http) == before
