"""Gateway operations: GraphiQL, recomposition on demand and on SIGHUP, a subgraph going down."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from datetime import UTC, datetime

import httpx
import pytest

from tests.support.stack import RunningStack


@pytest.fixture(scope="module")
def ops(stack: RunningStack) -> RunningStack:
    stack.add_user("office", "TARGET_OFFICE")
    stack.add_user("evaluator", "EVALUATOR")
    with stack.client("office") as client:
        created = client.execute('mutation { createUnit(code: "JA", name: "江岸区", kind: DISTRICT) { code } }')
        assert created.errors == []
    return stack


def bearer(stack: RunningStack, user: str) -> dict[str, str]:
    with stack.client(user) as client:
        return {"Authorization": f"Bearer {client.token}"}


def test_graphiql_is_served_to_a_browser(ops: RunningStack) -> None:
    response = httpx.get(f"{ops.url}/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def test_graphiql_loads_every_asset_from_the_gateway_alone(ops: RunningStack) -> None:
    """A closed government network: the page refers to no other host, and every asset it names is served."""
    page = httpx.get(f"{ops.url}/graphql", headers={"Accept": "text/html"}).text
    references = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", page)
    assert not [r for r in references if re.match(r"(?i)^(?:[a-z][a-z0-9+.-]*:)?//", r)], references
    assert not re.search(r"(?i)\b(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", page), "the page names another host"
    assets = [r for r in references if r.startswith("/graphiql/")]
    assert len(assets) == 6
    for path in assets:
        plain = httpx.get(f"{ops.url}{path}", headers={"Accept-Encoding": "identity"})
        assert plain.status_code == 200, path
        assert "content-encoding" not in plain.headers
        assert len(plain.content) > 300, path
        compressed = httpx.get(f"{ops.url}{path}")  # httpx asks for gzip and inflates it
        assert compressed.headers.get("content-encoding") == "gzip"
        assert compressed.content == plain.content
        if path.endswith(".css"):
            urls = re.findall(r"url\(\s*['\"]?([^'\")]+)", plain.text)
            assert all(u.startswith(("data:", "#")) for u in urls), [u for u in urls if not u.startswith("data:")]
    assert "GraphiQL" in httpx.get(f"{ops.url}/graphiql/graphiql.min.js").text
    assert httpx.get(f"{ops.url}/graphiql/../secret.key").status_code == 404
    assert httpx.get(f"{ops.url}/graphiql/nothing.js").status_code == 404


def test_refresh_recomposes_for_the_target_office_only(ops: RunningStack) -> None:
    refused = httpx.post(f"{ops.url}/admin/refresh", headers=bearer(ops, "evaluator"))
    assert refused.status_code == 403
    accepted = httpx.post(f"{ops.url}/admin/refresh", headers=bearer(ops, "office"))
    assert accepted.status_code == 200 and accepted.json() == {"status": "ok"}
    with ops.client("office") as client:
        assert client.execute("{ units { code } }").data == {"units": [{"code": "JA"}]}


def test_sighup_recomposes_and_keeps_serving(ops: RunningStack) -> None:
    gateway = ops.stack.processes["gateway"]
    log = ops.stack.log_file("gateway")

    def composed_since(moment: str) -> list[str]:
        """The gateway's "composed" lines logged at or after `moment` (lines reach the file in batches)."""
        lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
        return [line["time"] for line in lines
                if line["message"].startswith("composed the supergraph") and line["time"] >= moment]

    sent = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"  # the log's own time format
    os.kill(gateway.pid, signal.SIGHUP)
    deadline = time.monotonic() + 20
    while not composed_since(sent) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(composed_since(sent)) == 1
    assert gateway.poll() is None
    with ops.client("office") as client:
        assert client.execute("{ units { code } }").errors == []


def test_a_subgraph_that_is_down_yields_the_rest_and_an_error(ops: RunningStack) -> None:
    headers = bearer(ops, "office")
    personnel = ops.stack.processes["personnel"]
    personnel.send_signal(signal.SIGTERM)
    personnel.wait(20)
    response = httpx.post(f"{ops.url}/graphql", headers=headers,
                          json={"query": '{ units { code name } person(staffNo: "JA-001") { name } }'})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"units": [{"code": "JA", "name": "江岸区"}], "person": None}
    assert body["errors"][0]["extensions"]["code"] == "SUBGRAPH_UNAVAILABLE"
    assert "personnel" in body["errors"][0]["message"]
    assert body["errors"][0]["path"] == ["person"]

    # Unit.staff is non-null, so its error propagates up to the nearest nullable parent — here
    # the whole response, exactly as the GraphQL spec (and any federation gateway) requires.
    nested = httpx.post(f"{ops.url}/graphql", headers=headers,
                        json={"query": "{ units { code staff { staffNo } } }"})
    assert nested.status_code == 200
    assert nested.json()["data"] is None
    assert nested.json()["errors"][0]["path"][:2] == ["units", 0]
