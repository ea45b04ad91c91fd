"""Identity through the real gateway: second factor, forced password change, sessions, 三员 administration,
API keys of machine accounts, and the identity audit trail the AUDITOR reads."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.bundles import write_csv
from tests.support.stack import PASSWORD, RunningStack, running_stack

UNITS = {"query": "{ units { code } }"}
CREATE_UNIT = {"query": 'mutation { createUnit(code: "API01", name: "接口测试单位", kind: MUNICIPAL) { code } }'}


@pytest.fixture(scope="module")
def admins(stack: RunningStack) -> RunningStack:
    for name, role in [("sysadmin", "SYSADMIN"), ("secadmin", "SECURITY_ADMIN"), ("auditor", "AUDITOR"),
                       ("office", "TARGET_OFFICE"), ("leader", "LEADER")]:
        stack.add_user(name, role)
    return stack


def token(stack: RunningStack, name: str, password: str = PASSWORD) -> str:
    """A fresh session of its own (for tests that end it)."""
    response = httpx.post(f"{stack.url}/auth/token", json=stack.sign_in_body(name, password))
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def call(stack: RunningStack, method: str, path: str, bearer: str, body: Any = None) -> httpx.Response:
    return httpx.request(method, f"{stack.url}{path}", json=body, headers={"Authorization": f"Bearer {bearer}"})


def gql(stack: RunningStack, bearer: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{stack.url}/graphql", json=body, headers={"Authorization": f"Bearer {bearer}"})


def identity_audit(stack: RunningStack) -> list[dict[str, Any]]:
    response = call(stack, "GET", "/admin/audit?limit=1000", stack.session_token("auditor"))
    assert response.status_code == 200, response.text
    return response.json()["entries"]


def test_user_add_prints_the_enrolment_uri_only_when_a_second_factor_is_needed(admins: RunningStack) -> None:
    assert admins.otp_uris["sysadmin"].startswith("otpauth://totp/")
    assert "issuer=" in admins.otp_uris["sysadmin"]
    assert set(admins.otp_uris) >= {"sysadmin", "secadmin", "auditor", "office"}
    assert "leader" not in admins.otp_uris
    code = subprocess.run([sys.executable, "-m", "mbo.cli", "otp", admins.otp_uris["office"]], text=True,
                          capture_output=True, check=True).stdout.strip()
    assert len(code) == 6 and code.isdigit()


def test_the_second_factor_is_asked_for_and_checked(admins: RunningStack) -> None:
    missing = httpx.post(f"{admins.url}/auth/token", json={"username": "office", "password": PASSWORD})
    assert missing.status_code == 401 and missing.json()["error"] == "otp_required"
    right = admins.otp("office")
    assert right
    wrong = httpx.post(f"{admins.url}/auth/token", json={"username": "office", "password": PASSWORD,
                                                          "otp": "000000" if right != "000000" else "111111"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_otp"
    body = admins.sign_in_body("office")
    assert httpx.post(f"{admins.url}/auth/token", json=body).status_code == 200
    replayed = httpx.post(f"{admins.url}/auth/token", json=body)
    assert replayed.status_code == 401 and "used already" in replayed.json()["message"], \
        "a one-time code is good for one sign-in (RFC 6238 §5.2)"
    leader = httpx.post(f"{admins.url}/auth/token", json={"username": "leader", "password": PASSWORD})
    assert leader.status_code == 200, "a leader signs in with a password alone"


def test_sign_out_ends_the_session(admins: RunningStack) -> None:
    bearer = token(admins, "leader")
    assert gql(admins, bearer, UNITS).status_code == 200
    assert call(admins, "POST", "/auth/logout", bearer).json()["status"] == "signed out"
    after = gql(admins, bearer, UNITS)
    assert after.status_code == 401
    assert "signed out" in after.json()["errors"][0]["message"]


def test_three_administrators_each_do_only_their_part(admins: RunningStack) -> None:
    sysadmin, secadmin = admins.session_token("sysadmin"), admins.session_token("secadmin")
    auditor = admins.session_token("auditor")
    created = call(admins, "POST", "/admin/accounts", sysadmin,
                   {"username": "zhou", "displayName": "周科员", "password": "Temp-2026-abc"})
    assert created.status_code == 200, created.text
    assert created.json()["account"]["roles"] == []
    for who, bearer in [("secadmin", secadmin), ("auditor", auditor)]:
        refused = call(admins, "POST", "/admin/accounts", bearer, {"username": "x" + who, "password": "Temp-2026-abc"})
        assert refused.status_code == 403 and refused.json()["error"] == "FORBIDDEN", who
    grants = {"roles": ["LEADER"], "unit": None}
    assert call(admins, "PUT", "/admin/accounts/zhou/grants", sysadmin, grants).status_code == 403, \
        "only the security administrator changes grants"
    assert call(admins, "PUT", "/admin/accounts/secadmin/grants", secadmin, {"roles": ["AUDITOR"]}).status_code == 403
    mixed = call(admins, "PUT", "/admin/accounts/zhou/grants", secadmin, {"roles": ["SYSADMIN", "AUDITOR"]})
    assert mixed.status_code == 400 and "三员分立" in mixed.json()["message"]
    assert call(admins, "GET", "/admin/audit", sysadmin).status_code == 403, "audit review is the auditor's alone"

    no_roles = httpx.post(f"{admins.url}/auth/token", json={"username": "zhou", "password": "Temp-2026-abc"})
    assert no_roles.status_code == 403 and no_roles.json()["error"] == "no_roles"
    granted = call(admins, "PUT", "/admin/accounts/zhou/grants", secadmin, grants)
    assert granted.status_code == 200 and granted.json()["roles"] == ["LEADER"]

    forced = httpx.post(f"{admins.url}/auth/token", json={"username": "zhou", "password": "Temp-2026-abc"})
    assert forced.status_code == 403 and forced.json()["error"] == "password_expired"
    same = httpx.post(f"{admins.url}/auth/password", json={"username": "zhou", "password": "Temp-2026-abc",
                                                           "new_password": "Temp-2026-abc"})
    assert same.status_code == 400 and "last 5" in same.json()["message"]
    changed = httpx.post(f"{admins.url}/auth/password", json={"username": "zhou", "password": "Temp-2026-abc",
                                                              "new_password": "Keyuan-pass-9"})
    assert changed.status_code == 200, changed.text
    zhou = changed.json()["access_token"]
    assert gql(admins, zhou, UNITS).status_code == 200

    assert call(admins, "PUT", "/admin/accounts/zhou/grants", secadmin,
                {"roles": ["EVALUATOR"], "unit": None}).status_code == 200
    ended = gql(admins, zhou, UNITS)
    assert ended.status_code == 401 and "grants changed" in ended.json()["errors"][0]["message"]
    assert call(admins, "POST", "/admin/accounts/zhou/active", sysadmin, {"active": False}).status_code == 200
    assert httpx.post(f"{admins.url}/auth/token",
                      json={"username": "zhou", "password": "Keyuan-pass-9"}).status_code == 401

    trail = identity_audit(admins)
    actions = {(e["action"], e["actor"], e["success"]) for e in trail}
    assert ("createAccount", "sysadmin", True) in actions
    assert ("setGrants", "secadmin", True) in actions
    assert ("setGrants", "sysadmin", False) in actions, "the refused grant is on record"
    assert ("disableAccount", "sysadmin", True) in actions
    assert ("changePassword", "zhou", True) in actions
    grant = next(e for e in trail if e["action"] == "setGrants" and e["success"] and '"EVALUATOR"' in e["after"])
    assert '"LEADER"' in grant["before"] and grant["source"] == "127.0.0.1" and grant["roles"] == "SECURITY_ADMIN"


def test_an_office_account_granted_later_enrols_its_second_factor_at_sign_in(admins: RunningStack) -> None:
    sysadmin, secadmin = admins.session_token("sysadmin"), admins.session_token("secadmin")
    assert call(admins, "POST", "/admin/accounts", sysadmin,
                {"username": "qian", "password": "Temp-2026-xyz"}).status_code == 200
    granted = call(admins, "PUT", "/admin/accounts/qian/grants", secadmin, {"roles": ["TARGET_OFFICE"]}).json()
    assert granted["secondFactorNeeded"] is True
    offered = httpx.post(f"{admins.url}/auth/token", json={"username": "qian", "password": "Temp-2026-xyz"})
    assert offered.status_code == 401 and offered.json()["error"] == "otp_enrolment_required"
    uri = offered.json()["otpauth_uri"]
    assert uri.startswith("otpauth://totp/")
    again = httpx.post(f"{admins.url}/auth/token", json={"username": "qian", "password": "Temp-2026-xyz"})
    assert again.json()["otpauth_uri"] == uri, "the same factor is offered until a code confirms it"
    wrong_password = httpx.post(f"{admins.url}/auth/token", json={"username": "qian", "password": "Wrong-2026-xyz"})
    assert "otpauth_uri" not in wrong_password.json(), "nothing is offered without the password"
    admins.otp_uris["qian"] = uri
    body = {**admins.sign_in_body("qian", "Temp-2026-xyz"), "new_password": "Mima-own-pass-1"}
    assert httpx.post(f"{admins.url}/auth/password", json=body).status_code == 200
    account = next(a for a in call(admins, "GET", "/admin/accounts", sysadmin).json()["accounts"]
                   if a["username"] == "qian")
    assert account["secondFactor"] is True
    request = call(admins, "POST", "/admin/accounts/qian/second-factor", sysadmin)
    assert request.status_code == 202 and "otpauth" not in request.text, "a SYSADMIN never learns a second factor"
    assert request.json()["request"]["action"] == "resetSecondFactor"


def test_machine_accounts_use_revocable_read_only_api_keys(admins: RunningStack) -> None:
    sysadmin, secadmin = admins.session_token("sysadmin"), admins.session_token("secadmin")
    assert call(admins, "POST", "/admin/accounts", sysadmin, {"username": "hr-system", "kind": "machine",
                                                              "displayName": "人事系统"}).status_code == 200
    assert call(admins, "PUT", "/admin/accounts/hr-system/grants", secadmin,
                {"roles": ["TARGET_OFFICE"]}).status_code == 200
    issued = call(admins, "POST", "/admin/accounts/hr-system/keys", sysadmin, {"label": "人事系统同步"})
    assert issued.status_code == 200, issued.text
    key, key_id = issued.json()["apiKey"], issued.json()["key"]["id"]
    assert key.startswith("mbok_")
    listed = call(admins, "GET", "/admin/accounts/hr-system/keys", secadmin).json()["keys"]
    assert [k["id"] for k in listed] == [key_id] and "secret" not in str(listed).lower()

    read = gql(admins, key, UNITS)
    assert read.status_code == 200 and "errors" not in read.json()
    write = gql(admins, key, CREATE_UNIT)
    assert write.status_code == 403 and write.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "read-only" in write.json()["errors"][0]["message"]
    assert httpx.post(f"{admins.url}/auth/token", json={"username": "hr-system", "password": ""}).status_code == 401

    assert call(admins, "PUT", "/admin/accounts/hr-system/grants", secadmin,
                {"roles": ["TARGET_OFFICE"], "readWrite": True}).status_code == 200
    written = gql(admins, key, CREATE_UNIT)
    assert written.json().get("data") == {"createUnit": {"code": "API01"}}, written.text
    trail = gql(admins, admins.token("audit", ["AUDITOR"]),
                {"query": "{ targetsAuditTrail(first: 50) { edges { node { actor action } } } }"})
    nodes = [e["node"] for e in trail.json()["data"]["targetsAuditTrail"]["edges"]]
    assert {"actor": "hr-system", "action": "createUnit"} in nodes, "the machine account is the audited actor"

    assert call(admins, "DELETE", f"/admin/keys/{key_id}", secadmin).json()["revoked"] is True
    revoked = gql(admins, key, UNITS)
    assert revoked.status_code == 401 and revoked.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert call(admins, "POST", "/admin/accounts/leader/keys", sysadmin, {}).status_code == 400, \
        "people have no API keys"


def test_failed_authentication_at_the_gateway_is_audited(admins: RunningStack) -> None:
    assert gql(admins, "mbok_nope_nope", UNITS).status_code == 401
    assert gql(admins, "not.a.token", UNITS).status_code == 401
    failures = [e for e in identity_audit(admins) if e["action"] == "authenticate" and not e["success"]]
    details = " | ".join(e["detail"] for e in failures)
    assert "API key" in details and "not valid" in details
    assert all(e["source"] == "127.0.0.1" for e in failures)


@pytest.fixture(scope="module")
def short_idle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with running_stack(Path(tmp_path_factory.mktemp("idle")), MBO_SESSION_IDLE="3") as running:
        running.add_user("leader", "LEADER")
        yield running


def test_an_idle_session_expires(short_idle: RunningStack) -> None:
    bearer = token(short_idle, "leader")
    for _ in range(3):  # activity keeps it open past the idle limit
        time.sleep(1.5)
        assert gql(short_idle, bearer, UNITS).status_code == 200
    time.sleep(4)
    idle = gql(short_idle, bearer, UNITS)
    assert idle.status_code == 401
    assert "without activity" in idle.json()["errors"][0]["message"]
    assert gql(short_idle, token(short_idle, "leader"), UNITS).status_code == 200


def mbo_import(folder: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("MBO_USER", "MBO_PASSWORD", "MBO_OTP", "MBO_TOKEN")}
    return subprocess.run([sys.executable, "-m", "mbo.cli", "import", str(folder)], env={**clean, **env},
                          capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)


def test_mbo_import_signs_in_with_a_code_or_works_with_an_api_key(admins: RunningStack, tmp_path: Path) -> None:
    write_csv(tmp_path / "units.csv", ["code", "name", "kind", "group"], [["CLI01", "命令行单位", "municipal", "市直"]])
    base = {"MBO_URL": admins.url, "MBO_USER": "office", "MBO_PASSWORD": PASSWORD}
    without = mbo_import(tmp_path, base)
    assert without.returncode == 1 and "one-time code" in without.stderr
    signed = mbo_import(tmp_path, {**base, "MBO_OTP": admins.otp("office") or ""})
    assert signed.returncode == 0, signed.stderr
    assert "units.csv: 1 created" in signed.stdout

    sysadmin, secadmin = admins.session_token("sysadmin"), admins.session_token("secadmin")
    assert call(admins, "POST", "/admin/accounts", sysadmin, {"username": "plan-system", "kind": "machine"}
                ).status_code == 200
    assert call(admins, "PUT", "/admin/accounts/plan-system/grants", secadmin, {"roles": ["TARGET_OFFICE"]}
                ).status_code == 200
    key = call(admins, "POST", "/admin/accounts/plan-system/keys", sysadmin, {"label": "规划系统"}).json()["apiKey"]
    read_only = mbo_import(tmp_path, {"MBO_URL": admins.url, "MBO_TOKEN": key})
    assert read_only.returncode == 2 and "read-only" in read_only.stderr
    assert call(admins, "PUT", "/admin/accounts/plan-system/grants", secadmin,
                {"roles": ["TARGET_OFFICE"], "readWrite": True}).status_code == 200
    written = mbo_import(tmp_path, {"MBO_URL": admins.url, "MBO_TOKEN": key})
    assert written.returncode == 0, written.stderr
    assert "units.csv: 0 created, 0 updated, 1 unchanged" in written.stdout
    bogus = mbo_import(tmp_path, {"MBO_URL": admins.url, "MBO_TOKEN": "mbok_0000_nope"})
    assert bogus.returncode == 1 and "not valid" in bogus.stderr
