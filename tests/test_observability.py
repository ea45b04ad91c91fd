"""One request id from the gateway through every subgraph; JSON logs; Prometheus metrics."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import httpx
import pytest

from tests.support.audit import audit_rows
from tests.support.stack import RunningStack


@pytest.fixture(scope="module")
def office(stack: RunningStack) -> dict[str, str]:
    stack.add_user("office", "TARGET_OFFICE")
    with stack.client("office") as client:
        return {"Authorization": f"Bearer {client.token}"}


def log_lines(stack: RunningStack, part: str) -> list[dict[str, object]]:
    lines = []
    for line in stack.stack.log_file(part).read_text(encoding="utf-8").splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def logged(stack: RunningStack, part: str, request_id: str) -> list[dict[str, object]]:
    """The part's log lines of one request, once written (request lines go out in batches, ≤ 0.5 s late)."""
    deadline = time.monotonic() + 5
    while True:
        found = [line for line in log_lines(stack, part) if line.get("request_id") == request_id]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_the_gateway_mints_the_request_id_and_keeps_the_clients_apart(stack: RunningStack,
                                                                      office: dict[str, str]) -> None:
    client_id = "req-observability-0001"
    response = httpx.post(
        f"{stack.url}/graphql",
        headers={**office, "X-Request-ID": client_id},
        json={"query": 'mutation Add { createUnit(code: "HN", name: "汉南区", kind: DISTRICT) '
                       "{ code staff { name } } }",
              "operationName": "Add"},
    )
    assert response.json()["data"]["createUnit"] == {"code": "HN", "staff": []}
    request_id = response.headers["x-request-id"]
    assert request_id != client_id and len(request_id) == 32, "the gateway's own id, not the client's"
    for part in ("gateway", "targets", "personnel"):
        assert logged(stack, part, request_id), part
    entry = logged(stack, "gateway", request_id)[0]
    assert entry["operation"] == "Add" and entry["status"] == 200 and entry["service"] == "gateway"
    row = next(r for r in audit_rows(stack.data_dir, stack.dsns, "targets")
               if r["action"] == "createUnit" and r["entity_id"] == "HN")
    assert row["request_id"] == request_id and row["client_request_id"] == client_id
    assert row["source"] == "127.0.0.1"


def test_a_client_at_a_service_port_cannot_choose_the_request_id_or_source(stack: RunningStack,
                                                                           office: dict[str, str]) -> None:
    """Straight to the targets port, a made-up id, address and signature land only in the labelled client field."""
    forged = {**office, "X-Request-ID": "someone-elses-request", "X-Forwarded-For": "10.9.8.7",
              "X-Client-Request-ID": "forged-client-id", "X-Request-Signature": "0" * 64}
    create = 'mutation { createUnit(code: "JX", name: "江夏区", kind: DISTRICT) { code } }'
    response = httpx.post(f"{stack.service_url('targets')}/graphql", headers=forged, json={"query": create})
    assert response.json()["data"] == {"createUnit": {"code": "JX"}}
    assert response.headers["x-request-id"] != "someone-elses-request"
    row = next(r for r in audit_rows(stack.data_dir, stack.dsns, "targets")
               if r["action"] == "createUnit" and r["entity_id"] == "JX")
    assert row["request_id"] == response.headers["x-request-id"]
    assert row["client_request_id"] == "someone-elses-request"
    assert row["source"] == "127.0.0.1", "an unsigned X-Forwarded-For is not believed"
    verify = subprocess.run([sys.executable, "-m", "mbo.cli", "audit", "verify", "--data-dir", str(stack.data_dir)],
                            capture_output=True, text=True, env={**os.environ, **stack.env}, timeout=120, check=False)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_a_request_without_an_id_gets_one(stack: RunningStack, office: dict[str, str]) -> None:
    response = httpx.post(f"{stack.url}/graphql", headers=office, json={"query": "{ units { code } }"})
    assert len(response.headers["x-request-id"]) == 32
    given = httpx.post(f"{stack.url}/graphql", headers=office,
                       json={"query": 'mutation { createUnit(code: "CD", name: "蔡甸区", kind: DISTRICT) { code } }'})
    request_id = given.headers["x-request-id"]
    assert logged(stack, "targets", request_id), "the id the gateway gave is the one the subgraph logs"
    rows = audit_rows(stack.data_dir, stack.dsns, "targets")
    assert any(r["action"] == "createUnit" and r["request_id"] == request_id for r in rows)


def test_metrics_on_the_gateway_and_each_service(stack: RunningStack, office: dict[str, str]) -> None:
    httpx.post(f"{stack.url}/graphql", headers=office, json={"query": "query Units { units { code } }",
                                                             "operationName": "Units"})
    httpx.post(f"{stack.url}/graphql", headers=office, json={"query": "{ nope }"})
    assert httpx.get(f"{stack.url}/metrics").status_code == 401
    text = httpx.get(f"{stack.url}/metrics", headers=office).text
    assert 'mbo_http_requests_total{service="gateway",path="/graphql",operation="Units",status="200"}' in text
    assert 'mbo_http_request_seconds_bucket{service="gateway",path="/graphql",operation="Units",le="+Inf"}' in text
    assert 'mbo_graphql_errors_total{service="gateway",code="GRAPHQL_VALIDATION_FAILED"}' in text
    assert 'mbo_gateway_subgraph_waiting{subgraph="targets"} 0' in text  # nothing waits between requests
    assert 'mbo_gateway_subgraph_queued_total{subgraph="personnel"}' in text
    assert 'mbo_gc_collections_total{service="gateway",generation="0"}' in text
    for service in ("targets", "assessment", "personnel"):
        response = httpx.get(f"{stack.service_url(service)}/metrics", headers=office)
        assert response.status_code == 200
        assert f'service="{service}"' in response.text
        seconds = re.search(rf'^mbo_gc_seconds_total{{service="{service}"}} ([0-9.]+)$', response.text, re.M)
        assert seconds is not None and float(seconds.group(1)) >= 0


def test_refusals_are_answers_not_logged_failures(stack: RunningStack, office: dict[str, str]) -> None:
    """A screen full of refused rows must not fill the service log with tracebacks (an ERROR line each)."""
    log = stack.stack.log_file("targets")
    before = log.read_text(encoding="utf-8").count("\n")
    refused = 'mutation { createUnit(code: "QS", name: "青山区", kind: DISTRICT) { code } }'
    httpx.post(f"{stack.url}/graphql", headers=office, json={"query": refused})  # the first one is created
    bad_date = "query($d: Date!) { laggingTargets(year: 2026, asOf: $d) { code } }"
    for _ in range(20):
        conflict = httpx.post(f"{stack.url}/graphql", headers=office, json={"query": refused}).json()
        assert conflict["errors"][0]["extensions"]["code"] in ("CONFLICT", "BAD_USER_INPUT")
        wrong = httpx.post(f"{stack.url}/graphql", headers=office,
                           json={"query": bad_date, "variables": {"d": "2026-13-45"}}).json()
        assert wrong["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    deadline = time.monotonic() + 5  # request lines go out in batches, at most half a second late
    while len(new := log.read_text(encoding="utf-8").splitlines()[before:]) < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(new) >= 20, "every request that reached the service is still logged once"
    assert not [line for line in new if '"level": "ERROR"' in line or "Traceback" in line], new[:3]


def test_services_answer_chinese_text_as_utf8_not_escapes(stack: RunningStack, office: dict[str, str]) -> None:
    created = httpx.post(f"{stack.url}/graphql", headers=office, json={
        "query": 'mutation { createUnit(code: "XZ", name: "新洲区", kind: DISTRICT) { code } }'})
    assert created.json()["data"] == {"createUnit": {"code": "XZ"}}
    answer = httpx.post(f"{stack.service_url('targets')}/graphql", headers=office,
                        json={"query": '{ unit(code: "XZ") { code name } }'})
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.content == '{"data":{"unit":{"code":"XZ","name":"新洲区"}}}'.encode()
    through = httpx.post(f"{stack.url}/graphql", headers=office, json={"query": '{ unit(code: "XZ") { name } }'})
    assert through.json() == {"data": {"unit": {"name": "新洲区"}}}
