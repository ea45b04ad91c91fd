"""One request id from the gateway through every subgraph; JSON logs; Prometheus metrics."""

from __future__ import annotations

import json
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


def test_request_id_reaches_every_subgraph_and_the_audit_trail(stack: RunningStack, office: dict[str, str]) -> None:
    request_id = "req-observability-0001"
    response = httpx.post(
        f"{stack.url}/graphql",
        headers={**office, "X-Request-ID": request_id},
        json={"query": 'mutation Add { createUnit(code: "HN", name: "汉南区", kind: DISTRICT) '
                       "{ code staff { name } } }",
              "operationName": "Add"},
    )
    assert response.json()["data"]["createUnit"] == {"code": "HN", "staff": []}
    assert response.headers["x-request-id"] == request_id
    time.sleep(0.3)
    for part in ("gateway", "targets", "personnel"):
        assert any(line.get("request_id") == request_id for line in log_lines(stack, part)), part
    entry = next(line for line in log_lines(stack, "gateway") if line.get("request_id") == request_id)
    assert entry["operation"] == "Add" and entry["status"] == 200 and entry["service"] == "gateway"
    rows = audit_rows(stack.data_dir, stack.dsns, "targets")
    assert any(r["action"] == "createUnit" and r["entity_id"] == "HN" for r in rows)


def test_a_request_without_an_id_gets_one(stack: RunningStack, office: dict[str, str]) -> None:
    response = httpx.post(f"{stack.url}/graphql", headers=office, json={"query": "{ units { code } }"})
    assert len(response.headers["x-request-id"]) == 32
    given = httpx.post(f"{stack.url}/graphql", headers=office,
                       json={"query": 'mutation { createUnit(code: "CD", name: "蔡甸区", kind: DISTRICT) { code } }'})
    request_id = given.headers["x-request-id"]
    time.sleep(0.3)
    assert any(line.get("request_id") == request_id for line in log_lines(stack, "targets")), \
        "the id the gateway gave is the one the subgraph logs"
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
    for service in ("targets", "assessment", "personnel"):
        response = httpx.get(f"{stack.service_url(service)}/metrics", headers=office)
        assert response.status_code == 200
        assert f'service="{service}"' in response.text
