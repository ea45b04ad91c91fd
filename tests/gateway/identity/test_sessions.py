"""Short access tokens and refresh tokens through the real gateway and service ports: rotation, theft detection,
every refresh token dying with its session, and clients (mbo, the TUI) that renew without the user noticing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from textual.widgets import Input

from mbo.client import Client
from tests.support.stack import PASSWORD, RunningStack, running_stack
from tests.tui.helpers import SIZE, make_app, signed_in, until
from tui.screens.sign_in import SignInScreen

UNITS = {"query": "{ units { code } }"}


@pytest.fixture(scope="module")
def people(stack: RunningStack) -> RunningStack:
    for name, role in [("sysadmin", "SYSADMIN"), ("secadmin", "SECURITY_ADMIN")]:
        stack.add_user(name, role)
    for name in ("zhang", "li", "wang", "zhao", "sun", "zhou"):
        stack.add_user(name, "LEADER")
    return stack


def sign_in(stack: RunningStack, name: str, password: str = PASSWORD) -> dict[str, Any]:
    response = httpx.post(f"{stack.url}/auth/token", json={"username": name, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


def refresh(stack: RunningStack, token: str) -> httpx.Response:
    return httpx.post(f"{stack.url}/auth/refresh", json={"refresh_token": token})


def gql(base: str, bearer: str) -> httpx.Response:
    return httpx.post(f"{base}/graphql", json=UNITS, headers={"Authorization": f"Bearer {bearer}"})


def admin(stack: RunningStack, who: str, method: str, path: str, body: Any) -> httpx.Response:
    return httpx.request(method, f"{stack.url}{path}", json=body,
                         headers={"Authorization": f"Bearer {stack.session_token(who)}"})


def test_access_tokens_live_at_most_300_seconds(people: RunningStack) -> None:
    pair = sign_in(people, "zhang")
    claims = jwt.decode(pair["access_token"], people.secret, algorithms=["HS256"], audience="mbo")
    assert claims["exp"] - claims["iat"] <= 300 and pair["expires_in"] <= 300
    assert pair["refresh_token"].startswith("mbor_") and pair["refresh_token"] not in pair["access_token"]


def test_a_refresh_rotates_the_pair_and_a_spent_token_ends_the_session(people: RunningStack) -> None:
    first = sign_in(people, "zhang")
    second = refresh(people, first["refresh_token"])
    assert second.status_code == 200
    renewed = second.json()
    assert renewed["refresh_token"] != first["refresh_token"] and renewed["access_token"] != first["access_token"]
    assert gql(people.url, renewed["access_token"]).status_code == 200
    stolen = refresh(people, first["refresh_token"])
    assert stolen.status_code == 401 and "used before" in stolen.json()["message"]
    assert gql(people.url, renewed["access_token"]).status_code == 401, "reuse ends the whole session"
    assert refresh(people, renewed["refresh_token"]).status_code == 401
    assert refresh(people, "mbor_made-up").status_code == 401


@pytest.mark.parametrize("ending", ["sign-out", "own password change", "admin password reset", "disabled",
                                    "grants changed"])
def test_no_refresh_after_the_session_ends(people: RunningStack, ending: str) -> None:
    name = {"sign-out": "li", "own password change": "wang", "admin password reset": "zhao", "disabled": "sun",
            "grants changed": "zhou"}[ending]
    pair = sign_in(people, name)
    if ending == "sign-out":
        assert httpx.post(f"{people.url}/auth/logout",
                          headers={"Authorization": f"Bearer {pair['access_token']}"}).status_code == 200
    elif ending == "own password change":
        changed = httpx.post(f"{people.url}/auth/password", json={"username": name, "password": PASSWORD,
                                                                   "new_password": "Xin-mima-2026!"})
        assert changed.status_code == 200
        assert refresh(people, changed.json()["refresh_token"]).status_code == 200, "the new session lives on"
    elif ending == "admin password reset":
        assert admin(people, "sysadmin", "POST", f"/admin/accounts/{name}/password",
                     {"password": "Temp-reset-2026"}).status_code == 200
    elif ending == "disabled":
        assert admin(people, "sysadmin", "POST", f"/admin/accounts/{name}/active", {"active": False}).status_code == 200
    else:
        assert admin(people, "secadmin", "PUT", f"/admin/accounts/{name}/grants",
                     {"roles": ["EVALUATOR"]}).status_code == 200
    refused = refresh(people, pair["refresh_token"])
    assert refused.status_code == 401, ending
    assert gql(people.url, pair["access_token"]).status_code == 401, ending


@pytest.fixture(scope="module")
def short(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """A stack whose access tokens live 2 s, to watch them expire and be renewed."""
    with running_stack(Path(tmp_path_factory.mktemp("short")), MBO_ACCESS_TTL="2") as running:
        running.add_user("leader", "LEADER")
        yield running


def wait_past(token: str) -> None:
    expiry = jwt.decode(token, options={"verify_signature": False})["exp"]
    while time.time() <= expiry + 1:
        time.sleep(0.2)


def test_a_service_port_refuses_an_expired_access_token(short: RunningStack) -> None:
    pair = sign_in(short, "leader")
    assert gql(short.service_url("targets"), pair["access_token"]).status_code == 200
    wait_past(pair["access_token"])
    for base in (short.url, short.service_url("targets"), short.service_url("personnel")):
        expired = gql(base, pair["access_token"])
        assert expired.status_code == 401 and "expired" in expired.json()["errors"][0]["message"], base
    assert gql(short.service_url("targets"), refresh(short, pair["refresh_token"]).json()["access_token"]
               ).status_code == 200


def test_the_mbo_client_renews_transparently(short: RunningStack) -> None:
    with Client(short.url) as client:
        client.sign_in("leader", PASSWORD)
        first = client.token
        assert first is not None
        wait_past(first)
        assert client.execute(UNITS["query"]).errors == []
        assert client.token != first
    with Client(short.url) as handed:  # MBO_TOKEN may carry a refresh token: the client takes the session over
        pair = sign_in(short, "leader")
        handed.use_token(pair["refresh_token"])
        wait_past(str(handed.token))
        assert handed.execute(UNITS["query"]).errors == []
        assert refresh(short, pair["refresh_token"]).status_code == 401, "the handed-over token is spent"


async def test_the_tui_renews_transparently(short: RunningStack) -> None:
    app = make_app(short, None)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, SignInScreen)
        screen.query_one("#username", Input).value = "leader"
        screen.query_one("#password", Input).value = PASSWORD
        await pilot.press("enter")
        await signed_in(pilot)
        first = app.api.session.token
        assert first is not None
        wait_past(first)
        app.open("units")
        await until(pilot, lambda: type(app.screen).__name__ == "UnitsScreen")
        assert not isinstance(app.screen, SignInScreen), "no new sign-in was asked for"
        assert app.api.session.token != first and app.api.session.refresh_token
        assert gql(short.url, str(app.api.session.token)).status_code == 200
