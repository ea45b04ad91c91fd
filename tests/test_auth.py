"""Authentication at the gateway and at every service directly; sign-in lockout."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from tests.support.stack import PASSWORD, RunningStack

QUERY = {"query": "{ units { code } }"}


@pytest.fixture(scope="module")
def accounts(stack: RunningStack) -> RunningStack:
    stack.add_user("office", "TARGET_OFFICE")
    stack.add_user("victim", "LEADER")
    return stack


def endpoints(stack: RunningStack) -> list[str]:
    return [stack.url, *(stack.service_url(s) for s in ("targets", "assessment", "personnel"))]


def expired_token(stack: RunningStack) -> str:
    now = int(time.time())
    return jwt.encode({"sub": "office", "roles": ["TARGET_OFFICE"], "iat": now - 600, "exp": now - 300,
                       "iss": "mbo-gateway", "aud": "mbo"}, stack.secret, algorithm="HS256")


@pytest.mark.parametrize("case", ["none", "garbage", "wrong-secret", "expired", "basic"])
def test_requests_without_a_valid_token_are_unauthenticated_everywhere(accounts: RunningStack, case: str) -> None:
    headers = {
        "none": {},
        "garbage": {"Authorization": "Bearer not.a.token"},
        "wrong-secret": {"Authorization": "Bearer " + jwt.encode(
            {"sub": "x", "roles": ["TARGET_OFFICE"], "exp": int(time.time()) + 60, "iat": int(time.time()),
             "iss": "mbo-gateway", "aud": "mbo"}, "another-secret-that-is-long-enough-000", algorithm="HS256")},
        "expired": {"Authorization": f"Bearer {expired_token(accounts)}"},
        "basic": {"Authorization": "Basic b2ZmaWNlOnB3"},
    }[case]
    for base in endpoints(accounts):
        response = httpx.post(f"{base}/graphql", json=QUERY, headers=headers)
        assert response.status_code == 401, base
        body = response.json()
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", base
        assert "data" not in body or body["data"] is None


def test_expired_token_message_says_so(accounts: RunningStack) -> None:
    response = httpx.post(f"{accounts.url}/graphql", json=QUERY,
                          headers={"Authorization": f"Bearer {expired_token(accounts)}"})
    assert "expired" in response.json()["errors"][0]["message"]


def test_healthz_is_open_on_every_part(accounts: RunningStack) -> None:
    for base in endpoints(accounts):
        assert httpx.get(f"{base}/healthz").status_code == 200


def test_token_endpoint_issues_a_short_lived_bearer_token(accounts: RunningStack) -> None:
    response = httpx.post(f"{accounts.url}/auth/token", json=accounts.sign_in_body("office"))
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 300, "access tokens live at most 300 s"
    assert body["session_expires_in"] == 8 * 3600, "the absolute session limit"
    assert body["idle_timeout"] == 15 * 60
    assert body["refresh_token"].startswith("mbor_")
    claims = jwt.decode(body["access_token"], accounts.secret, algorithms=["HS256"], audience="mbo")
    assert claims["roles"] == ["TARGET_OFFICE"]
    assert claims["exp"] - claims["iat"] == 300
    direct = httpx.post(f"{accounts.service_url('targets')}/graphql", json=QUERY,
                        headers={"Authorization": f"Bearer {body['access_token']}"})
    assert direct.status_code == 200 and direct.json()["data"] == {"units": []}


def test_malformed_sign_in_is_a_clear_400(accounts: RunningStack) -> None:
    response = httpx.post(f"{accounts.url}/auth/token", content=b"username=office")
    assert response.status_code == 400
    assert "JSON" in response.json()["message"]


def test_five_failures_lock_the_account(accounts: RunningStack) -> None:
    for _ in range(4):
        response = httpx.post(f"{accounts.url}/auth/token", json={"username": "victim", "password": "wrong"})
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_credentials"
    fifth = httpx.post(f"{accounts.url}/auth/token", json={"username": "victim", "password": "wrong"})
    assert fifth.status_code == 423
    assert "locked" in fifth.json()["message"]
    right = httpx.post(f"{accounts.url}/auth/token", json={"username": "victim", "password": PASSWORD})
    assert right.status_code == 423, "the right password must not open a locked account"
    other = httpx.post(f"{accounts.url}/auth/token", json=accounts.sign_in_body("office"))
    assert other.status_code == 200


def test_unknown_user_and_wrong_password_look_the_same(accounts: RunningStack) -> None:
    a = httpx.post(f"{accounts.url}/auth/token", json={"username": "nobody", "password": "x"})
    b = httpx.post(f"{accounts.url}/auth/token", json={"username": "office", "password": "x"})
    assert a.status_code == b.status_code == 401
    assert a.json() == b.json()
