"""Hostile input at the identity endpoints: generated JSON bodies and paths never make the gateway fail, and
a refused administration request changes no account."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.stack import RunningStack

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=40))
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                                        max_size=4), max_leaves=12)
FIELDS = st.fixed_dictionaries({}, optional={
    "username": st.one_of(st.text(max_size=70), st.integers(), st.none()),
    "password": st.one_of(st.text(max_size=40), st.none()),
    "otp": st.one_of(st.text(max_size=10), st.integers()),
    "new_password": st.one_of(st.text(max_size=40), st.none()),
    "roles": st.one_of(st.lists(st.sampled_from(["LEADER", "SYSADMIN", "AUDITOR", "NOPE", ""]), max_size=3), JSON),
    "unit": st.one_of(st.text(max_size=40), st.none(), st.integers()),
    "readWrite": st.one_of(st.booleans(), st.text(max_size=3)),
    "active": st.one_of(st.booleans(), st.integers()),
    "kind": st.one_of(st.sampled_from(["person", "machine"]), st.text(max_size=8)),
    "label": JSON,
})
ENDPOINTS = [("POST", "/auth/token"), ("POST", "/auth/password"), ("POST", "/admin/accounts"),
             ("PUT", "/admin/accounts/{u}/grants"), ("POST", "/admin/accounts/{u}/password"),
             ("POST", "/admin/accounts/{u}/active"), ("POST", "/admin/accounts/{u}/keys"),
             ("DELETE", "/admin/keys/{u}")]


@pytest.fixture(scope="module")
def admins(stack: RunningStack) -> RunningStack:
    for name, role in [("sysadmin", "SYSADMIN"), ("secadmin", "SECURITY_ADMIN"), ("leader", "LEADER")]:
        stack.add_user(name, role)
    return stack


def accounts(stack: RunningStack) -> list[dict]:
    response = httpx.get(f"{stack.url}/admin/accounts",
                         headers={"Authorization": f"Bearer {stack.session_token('sysadmin')}"})
    assert response.status_code == 200
    return [{k: v for k, v in a.items() if k not in ("lastLoginAt", "locked")} for a in response.json()["accounts"]]


def check(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    body = response.json()
    assert isinstance(body, dict)
    assert "Traceback" not in response.text


@FUZZ
@given(endpoint=st.sampled_from(ENDPOINTS), body=st.one_of(FIELDS, JSON), who=st.sampled_from(["sysadmin", "leader"]),
       target=st.sampled_from(["leader", "secadmin", "sysadmin", "nobody", "%2e%2e", "x" * 80]))
def test_generated_identity_requests_never_fail_and_refusals_change_nothing(
        admins: RunningStack, endpoint: tuple[str, str], body: object, who: str, target: str) -> None:
    before = accounts(admins)
    method, path = endpoint
    bearer = admins.session_token(who) if who == "sysadmin" else admins.session_token("leader")
    response = httpx.request(method, f"{admins.url}{path.replace('{u}', target)}", json=body,
                             headers={"Authorization": f"Bearer {bearer}"})
    check(response)
    if response.status_code != 200:
        assert accounts(admins) == before, f"{method} {path} refused with {response.status_code} but changed accounts"


@FUZZ
@given(raw=st.binary(max_size=200))
def test_raw_bytes_at_sign_in_are_a_clear_400_or_401(admins: RunningStack, raw: bytes) -> None:
    response = httpx.post(f"{admins.url}/auth/token", content=raw, headers={"Content-Type": "application/json"})
    check(response)
    assert response.status_code in (400, 401)


HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=120)


@FUZZ
@given(credential=st.one_of(HEADER_TEXT, HEADER_TEXT.map(lambda t: "mbok_" + t)))
def test_generated_bearer_credentials_are_unauthenticated(admins: RunningStack, credential: str) -> None:
    header = f"Bearer {credential}".rstrip().encode("latin-1")  # any byte a header may carry (RFC 9110)
    for path in ("/graphql", "/auth/session", "/admin/accounts"):
        method = "POST" if path == "/graphql" else "GET"
        response = httpx.request(method, f"{admins.url}{path}", json={"query": "{ units { code } }"},
                                 headers={"Authorization": header})
        check(response)
        assert response.status_code == 401, (path, response.text)
