"""Hostile input through the real gateway never makes the system fail, and bad values are refused by name.

The arguments of every query and mutation come from the supergraph's own schema (introspection through the
gateway), so a field added to any service is attacked without this file changing. Every answer must be a
GraphQL answer with a known error code — never INTERNAL, never an HTTP 5xx; a calendar-invalid date, a
non-finite or over-long decimal, over-long text, a control character or an Int beyond 32 bits is
BAD_USER_INPUT naming the argument; a refused request changes nothing, and no control character is ever
stored (the stores are read back at the end).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import GraphQLSchema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kernel.validation import InputLimits
from tests.support import hostile
from tests.support.audit import store_rows
from tests.support.stack import RunningStack
from tests.targets.harness import Api, loaded_ok, target_row, write_targets, write_units_and_people

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
STORES = ("targets", "assessment", "personnel")
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass
class Fuzz:
    stack: RunningStack
    schema: GraphQLSchema
    operations: list[hostile.Operation]
    office: httpx.Client
    operator: httpx.Client

    def operation(self, field: str) -> hostile.Operation:
        return next(o for o in self.operations if o.field == field)


@pytest.fixture(scope="module")
def fuzzed(stack: RunningStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzz]:
    """The stack with units, people and 2026's targets (JA: P-01, P-02; JH: P-JH), an office and a JA operator
    signed in."""
    stack.add_user("office", "TARGET_OFFICE")
    stack.add_user("jaop", "UNIT_OPERATOR", unit="JA")
    api = Api(stack)
    loaded_ok(api, api.load(write_units_and_people(Path(tmp_path_factory.mktemp("bundle")))))
    rows = [target_row("P-01", "JA", value="100"), target_row("P-02", "JA", value="10"),
            target_row("P-JH", "JH", points="100")]
    loaded_ok(api, api.load(write_targets(Path(tmp_path_factory.mktemp("targets")), rows)))
    office, operator = (httpx.Client(base_url=stack.url, timeout=60,
                                     headers={"Authorization": f"Bearer {stack.session_token(name)}"})
                        for name in ("office", "jaop"))
    schema = hostile.read_schema(stack.url, stack.session_token("office"))
    yield Fuzz(stack, schema, hostile.operations(schema), office, operator)
    office.close()
    operator.close()


def answer(http: httpx.Client, body: object) -> dict:
    response = http.post("/graphql", content=json.dumps(body, allow_nan=True).encode(),
                         headers={"Content-Type": "application/json"})
    assert response.status_code < 500, response.text
    payload = response.json()
    for error in payload.get("errors") or ():
        code = (error.get("extensions") or {}).get("code")
        assert code in ALLOWED, error
        assert "Traceback" not in error["message"]
    return payload


def send(http: httpx.Client, operation: hostile.Operation, values: dict[str, Any], *, inline: bool = False) -> dict:
    if inline:
        return answer(http, {"query": operation.document(inline=values)})
    return answer(http, {"query": operation.document(), "variables": values})


def snapshot(http: httpx.Client) -> object:
    return answer(http, {"query": "{ units { code name kind group version } }"})["data"]


# ---- every argument, one hostile value at a time ---------------------------------------------------


@pytest.mark.parametrize("inline", [False, True], ids=["variables", "literals"])
def test_every_argument_refuses_hostile_values_by_name(fuzzed: Fuzz, inline: bool) -> None:
    """Each scalar position of each argument gets each value its scalar must refuse; the refusal names it."""
    wrong: list[str] = []
    tried = 0
    for operation in fuzzed.operations:
        for path, scalar in hostile.argument_paths(operation.arguments):
            for value in hostile.hostile_scalars(scalar.name)[:1 if inline else None]:
                values = hostile.with_value(operation.arguments, path, value)
                if inline and (not hostile.inlinable(values) or value == hostile.nested(300)):
                    continue  # a 300-deep literal is refused by the parser, before any argument is read
                tried += 1
                errors = send(fuzzed.office, operation, values, inline=inline).get("errors") or [{}]
                extensions = errors[0].get("extensions") or {}
                named = str(extensions.get("field", ""))
                if extensions.get("code") != "BAD_USER_INPUT" or not named.startswith(hostile.field_name(path)):
                    wrong.append(f"{operation.field} {hostile.field_name(path)}={value!r:.40}: {errors[0]}")
    assert tried > (200 if inline else 500)
    assert wrong == []


ISSUE_FIELDS = [  # the 28 fields the issue found answering INTERNAL, and the NUL unit code
    ("reportProgress", ("asOf",), "2026-13-45"), ("laggingTargets", ("asOf",), "2026-13-45"),
    ("scheduleNegotiations", ("start",), "2026-02-30"),
    ("scheduleNegotiations", ("leaders", 0, "unavailable", 0), "2026-13-45"),
    ("negotiationDay", ("day",), "2026-13-45"), ("rewardLines", ("updatedSince",), "2026-13-45T00:00:00"),
    ("filingRecords", ("updatedSince",), "2026-13-45T00:00:00"),
    ("targetsAuditTrail", ("since",), "2026-13-45T00:00:00"),
    ("assessmentAuditTrail", ("since",), "2026-02-30T00:00:00"),
    ("personnelAuditTrail", ("since",), "2026-13-45T25:00:00"),
    ("certifyTarget", ("actualValue",), "NaN"), ("certifyTarget", ("completion",), "Infinity"),
    ("proposeTarget", ("value",), "1e999999"), ("agreeTarget", ("value",), "NaN"),
    ("counterPropose", ("value",), "-Infinity"), ("setInspectionScore", ("score",), "1e999999"),
    ("updatePerson", ("monthlySalary",), "NaN"), ("updatePerson", ("bonusStandard",), "1e999999"),
    ("reportProgress", ("actualToDate",), "Infinity"), ("createTarget", ("input", "points"), "NaN"),
    ("unit", ("code",), "J" * 5000), ("target", ("code",), "P" * 5000), ("person", ("staffNo",), "S" * 5000),
    ("updatePerson", ("staffNo",), "S" * 5000), ("updateUnit", ("code",), "J" * 5000),
    ("targetCounts", ("unitCode",), "J" * 5000), ("laggingTargets", ("unitCode",), "J" * 5000),
    ("assessedTargets", ("unitCode",), "J" * 5000), ("createUnit", ("code",), "J\x00A"),
]


@pytest.mark.parametrize(("field", "path", "value"), ISSUE_FIELDS,
                         ids=[f"{f}.{hostile.field_name(p)}" for f, p, _ in ISSUE_FIELDS])
@pytest.mark.parametrize("inline", [False, True], ids=["variables", "literals"])
def test_the_fields_that_answered_internal(fuzzed: Fuzz, field: str, path: tuple, value: str, inline: bool) -> None:
    operation = fuzzed.operation(field)
    error = send(fuzzed.office, operation, hostile.with_value(operation.arguments, path, value), inline=inline)
    assert error["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["errors"][0]["extensions"]["field"] == hostile.field_name(path)
    if not inline:
        assert error["errors"][0]["extensions"]["variable"] == path[0]


def test_a_unit_code_with_nul_is_refused_and_nothing_is_stored(fuzzed: Fuzz) -> None:
    before = snapshot(fuzzed.office)
    for document, variables in [('mutation($c: ID!) { createUnit(code: $c, name: "甲", kind: DISTRICT) { code } }',
                                 {"c": "J\x00A"}),
                                ('mutation { createUnit(code: "J\\u0000A", name: "甲", kind: DISTRICT) { code } }', {}),
                                ('mutation($r: [JSON!]!) { importUnits(rows: $r) { created } }',
                                 {"r": [{"row": 2, "code": "J\x00A", "name": "甲", "kind": "district"}]})]:
        error = answer(fuzzed.office, {"query": document, "variables": variables})["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", error
        assert error["extensions"]["field"] in {"code", "rows[0].code"}
        assert "U+0000" in error["message"]
    assert snapshot(fuzzed.office) == before


def test_free_text_keeps_its_line_breaks_and_one_line_fields_refuse_them(fuzzed: Fuzz) -> None:
    note = "第一行\n第二行\t（附件）\r\n完"
    report = ('mutation($note: String) { reportProgress(year: 2026, code: "P-01", period: "2026-05", '
              'asOf: "2026-05-31", actualToDate: "40", note: $note) { note } }')
    assert answer(fuzzed.operator, {"query": report, "variables": {"note": note}})["data"] == {
        "reportProgress": {"note": note}}
    error = answer(fuzzed.office, {"query": 'mutation($n: String!) { createUnit(code: "XN", name: $n, '
                                            'kind: DISTRICT) { code } }', "variables": {"n": "江岸\n区"}})["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "name", "variable": "n"}
    assert "U+000A" in error["message"] and "free text" in error["message"]


@pytest.mark.parametrize(("value", "reason"), [("1234.567", "more than 2 decimal places"),
                                               ("12345678901", "at most 10 digits before the decimal point"),
                                               ("1e40", "at most 10 digits")])
def test_a_decimal_with_more_digits_than_its_column_is_refused(fuzzed: Fuzz, value: str, reason: str) -> None:
    document = 'mutation($s: Decimal) { updatePerson(staffNo: "JA-001", version: 1, monthlySalary: $s) { name } }'
    error = answer(fuzzed.office, {"query": document, "variables": {"s": value}})["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "monthlySalary", "variable": "s"}
    assert reason in error["message"]


def test_the_gateway_names_a_variable_of_the_wrong_type(fuzzed: Fuzz) -> None:
    declared = answer(fuzzed.office, {"query": "query($y: String!) { assessmentYear(year: $y) { year } }",
                                      "variables": {"y": "2026"}})["errors"][0]
    assert declared["extensions"] == {"code": "BAD_USER_INPUT", "variable": "y"}
    given_ = answer(fuzzed.office, {"query": "query($y: Int!) { assessmentYear(year: $y) { year } }",
                                    "variables": {"y": 2**40}})["errors"][0]
    assert given_["extensions"] == {"code": "BAD_USER_INPUT", "field": "year", "variable": "y"}
    missing = answer(fuzzed.office, {"query": "query($y: Int!) { assessmentYear(year: $y) { year } }"})["errors"][0]
    assert missing["extensions"] == {"code": "BAD_USER_INPUT", "field": "year", "variable": "y"}
    literal = answer(fuzzed.office, {"query": '{ negotiationDay(year: 2026, day: "2026-13-45") { slot } }'})
    assert literal["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "day"}
    date = answer(fuzzed.office, {"query": "query($d: Date!) { negotiationDay(year: 2026, day: $d) { slot } }",
                                  "variables": {"d": "2026-02-30"}})["errors"][0]
    assert date["extensions"] == {"code": "BAD_USER_INPUT", "field": "day", "variable": "d"}
    # the gateway refused these itself: a subgraph's refusal would come back placed at the field's path
    assert "path" not in declared and "path" not in given_ and "path" not in literal["errors"][0]
    assert "path" not in date and "day is out of range for month" in date["message"]
    surrogate = answer(fuzzed.office, {"query": "query($c: ID!) { unit(code: $c) { code } }",
                                       "variables": {"c": "\ud800"}})["errors"][0]
    assert surrogate["extensions"] == {"code": "BAD_USER_INPUT"} and "surrogate" in surrogate["message"]


def test_a_service_refuses_by_name_without_the_gateway(fuzzed: Fuzz) -> None:
    """Behind a standard router (docs/scale-out.md) the services themselves give the same answers."""
    token = fuzzed.stack.token("office", ["TARGET_OFFICE"])
    with httpx.Client(base_url=fuzzed.stack.service_url("targets"), timeout=60,
                      headers={"Authorization": f"Bearer {token}"}) as targets:
        lagging = "query($d: Date!) { laggingTargets(year: 2026, asOf: $d) { code } }"
        error = answer(targets, {"query": lagging, "variables": {"d": "2026-13-45"}})["errors"][0]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "asOf", "variable": "d"}
        assert "month must be in 1..12" in error["message"]
        literal = answer(targets, {"query": '{ negotiationDay(year: 2026, day: "2026-02-30") { slot } }'})
        assert literal["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "day"}
        position = answer(targets, {"query": "query($y: String!) { targetCounts(year: $y) { total } }",
                                    "variables": {"y": "2026"}})
        assert position["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "variable": "y"}
        proposal = ('mutation($v: Decimal!) { proposeTarget(year: 2026, code: "P-01", version: 1, value: $v) '
                    '{ code } }')
        for value in ("NaN", "1e999999", "0.1234567"):
            error = answer(targets, {"query": proposal, "variables": {"v": value}})["errors"][0]
            assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "value", "variable": "v"}


# ---- generated requests --------------------------------------------------------------------------


@st.composite
def requests(draw: st.DrawFn, operations: list[hostile.Operation]) -> tuple[hostile.Operation, dict, bool]:
    operation = draw(st.sampled_from(operations))
    values = draw(hostile.operation_values(operation))
    return operation, values, draw(st.booleans()) and hostile.inlinable(values)


def fuzz_as(fuzzed: Fuzz, http: httpx.Client, examples: int) -> None:
    @settings(FUZZ, max_examples=examples)
    @given(requests(fuzzed.operations))
    def run(request: tuple[hostile.Operation, dict, bool]) -> None:
        operation, values, inline = request
        send(http, operation, values, inline=inline)

    run()


def test_generated_arguments_of_every_operation_never_fail_as_the_target_office(fuzzed: Fuzz) -> None:
    fuzz_as(fuzzed, fuzzed.office, 300)


def test_generated_arguments_of_every_operation_never_fail_as_a_unit_operator(fuzzed: Fuzz) -> None:
    fuzz_as(fuzzed, fuzzed.operator, 100)


@FUZZ
@given(st.text(max_size=300))
def test_random_text_is_refused_cleanly(fuzzed: Fuzz, text: str) -> None:
    answer(fuzzed.office, {"query": text})


@FUZZ
@given(root=st.sampled_from(ROOTS), fields=st.lists(st.sampled_from(FIELDS), min_size=1, max_size=4),
       alias=st.booleans(), s=st.one_of(st.none(), st.text(max_size=40), st.integers()),
       i=st.one_of(st.none(), st.integers(min_value=-2**40, max_value=2**40), st.text(max_size=5)))
def test_generated_queries_and_variables_never_fail_internally(fuzzed: Fuzz, root: str, fields: list[str],
                                                               alias: bool, s: object, i: object) -> None:
    head = f"x: {root}" if alias else root
    document = f"query Q($s: String, $i: Int) {{ {head} {{ {' '.join(fields)} }} }}"
    answer(fuzzed.office, {"query": document, "variables": {"s": s, "i": i}})


@FUZZ
@given(mutation=st.sampled_from(MUTATIONS), s=st.one_of(st.none(), st.text(max_size=60)),
       i=st.one_of(st.none(), st.integers(min_value=-2**31, max_value=2**31 - 1)))
def test_refused_mutations_change_nothing(fuzzed: Fuzz, mutation: str, s: object, i: object) -> None:
    before = snapshot(fuzzed.office)
    document = f"mutation M($s: String, $i: Int) {{ {mutation} }}"
    payload = answer(fuzzed.office, {"query": document, "variables": {"s": s, "i": i}})
    if payload.get("errors"):
        assert snapshot(fuzzed.office) == before


@FUZZ
@given(st.lists(st.dictionaries(st.sampled_from(["row", "code", "name", "kind", "group", "extra"]),
                                st.one_of(st.none(), st.text(max_size=30), st.integers(), st.booleans(),
                                          st.lists(st.integers(), max_size=2))),
                min_size=1, max_size=8))
def test_hostile_import_rows_are_refused_with_nothing_written(fuzzed: Fuzz, rows: list[dict]) -> None:
    before = snapshot(fuzzed.office)
    payload = answer(fuzzed.office, {"query": "mutation($r: [JSON!]!) { importUnits(rows: $r) { created updated } }",
                                     "variables": {"r": rows}})
    if payload.get("errors"):
        assert snapshot(fuzzed.office) == before


# ---- what was stored -----------------------------------------------------------------------------


def tables(stack: RunningStack, store: str, dsn: str | None) -> list[str]:
    query = ("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'" if dsn else
             "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return [str(r["name"]) for r in store_rows(stack.data_dir, dsn, store, query)]


def test_no_control_character_was_stored(fuzzed: Fuzz) -> None:
    """Run last: everything the tests above created, in every table of every store, read straight back."""
    found: list[str] = []
    text_values = 0
    for store in STORES:
        dsn = next((d for d in fuzzed.stack.dsns if d.endswith(f"_{store}")), None)
        limits = InputLimits.for_service(store)
        for table in tables(fuzzed.stack, store, dsn):
            for row in store_rows(fuzzed.stack.data_dir, dsn, store, f'SELECT * FROM "{table}"'):
                for column, value in row.items():
                    if not isinstance(value, str):
                        continue
                    text_values += 1
                    free_text = limits.columns.get(column) is not None and limits.columns[column].free_text
                    bad = CONTROL.search(value) if free_text else re.search("[\x00-\x1f\x7f-\x9f]", value)
                    if bad:
                        found.append(f"{store}.{table}.{column}: {value!r:.80}")
    assert text_values > 100
    assert found == []
