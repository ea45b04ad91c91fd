"""Request limits at the gateway: depth, aliases, tokens, body size — each refused with a clear message."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from graphql import get_introspection_query

from tests.support.stack import RunningStack, running_stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The stack with a small configured body limit (MBO_MAX_BODY_BYTES) to show the setting is honoured."""
    with running_stack(Path(tmp_path_factory.mktemp("stack")), MBO_MAX_BODY_BYTES="1000000") as running:
        yield running


@pytest.fixture(scope="module")
def office(stack: RunningStack) -> dict[str, str]:
    stack.add_user("office", "TARGET_OFFICE")
    with stack.client("office") as client:
        return {"Authorization": f"Bearer {client.token}"}


def post(stack: RunningStack, headers: dict[str, str], query: str) -> httpx.Response:
    return httpx.post(f"{stack.url}/graphql", json={"query": query}, headers=headers, timeout=30)


def wrapped(outer: str, around: str, times: int, leaf: str) -> str:
    """`outer` with, at its INNER, `leaf` wrapped `times` times in `around` (each at its INNER)."""
    inner = leaf
    for _ in range(times):
        inner = around.replace("INNER", inner)
    return outer.replace("INNER", inner)


def test_too_deep_is_refused(stack: RunningStack, office: dict[str, str]) -> None:
    body = post(stack, office, wrapped("{ units { INNER } }", "staff { unit { INNER } }", 8, "code")).json()
    assert "data" not in body or body["data"] is None
    assert "depth" in body["errors"][0]["message"]


def test_introspection_deeper_than_the_limit_is_refused(stack: RunningStack, office: dict[str, str]) -> None:
    body = post(stack, office, wrapped('{ __type(name: "Unit") { fields { type { INNER } } } }', "ofType { INNER }", 12,
                                      "name")).json()
    assert "data" not in body or body["data"] is None
    assert body["errors"][0]["message"] == "query depth 16 exceeds the limit of 15"
    nested = post(stack, office, "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }")
    assert nested.json()["errors"][0]["message"] == "Maximum introspection depth exceeded"
    answered = post(stack, office, get_introspection_query(descriptions=True)).json()  # what GraphiQL sends
    assert "errors" not in answered
    assert {t["name"] for t in answered["data"]["__schema"]["types"]} >= {"Unit", "Person", "Target"}


def test_too_many_aliases_is_refused(stack: RunningStack, office: dict[str, str]) -> None:
    fields = " ".join(f"a{i}: units {{ code }}" for i in range(40))
    body = post(stack, office, f"{{ {fields} }}").json()
    assert "alias" in body["errors"][0]["message"]


def test_too_many_tokens_is_refused(stack: RunningStack, office: dict[str, str]) -> None:
    fields = " ".join("code" for _ in range(3000))
    body = post(stack, office, f"{{ units {{ {fields} }} }}").json()
    assert "token" in body["errors"][0]["message"].lower()


def test_too_large_a_body_is_refused(stack: RunningStack, office: dict[str, str]) -> None:
    padding = "#" + "x" * 1_100_000 + "\n"
    response = httpx.post(f"{stack.url}/graphql", content=(
        '{"query": "' + padding.replace("\n", "\\n") + '{ units { code } }"}').encode(),
        headers={**office, "Content-Type": "application/json"}, timeout=60)
    assert response.status_code == 413
    assert "larger than" in response.json()["errors"][0]["message"]


def test_within_limits_is_answered(stack: RunningStack, office: dict[str, str]) -> None:
    body = post(stack, office, "{ units { code staff { unit { code } } } }").json()
    assert body == {"data": {"units": []}}


def test_services_have_their_own_depth_and_alias_limits(stack: RunningStack, office: dict[str, str]) -> None:
    inner = "code"
    for _ in range(9):
        inner = f"staff {{ unit {{ {inner} }} }}"
    deep = httpx.post(f"{stack.service_url('personnel')}/graphql", headers=office,
                      json={"query": f'{{ person(staffNo: "x") {{ unit {{ {inner} }} }} }}'}).json()
    assert "exceeds maximum operation depth" in deep["errors"][0]["message"]
    fields = " ".join(f"a{i}: units {{ code }}" for i in range(60))
    aliased = httpx.post(f"{stack.service_url('targets')}/graphql", headers=office,
                         json={"query": f"{{ {fields} }}"}).json()
    assert "aliases" in aliased["errors"][0]["message"].lower()
