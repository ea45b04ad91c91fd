"""双人复核 through the real gateway: a SYSADMIN alone can no longer take over an administrator's or an office
account; a request takes effect only on a SECURITY_ADMIN's approval, within 24 hours, by someone else."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from gateway.identity import dual_control
from kernel.errors import Forbidden
from tests.support.audit import store_rows
from tests.support.stack import RunningStack

TAKEN = "Takeover-2026-pw!"
VICTIMS = [("victim-sys", "SYSADMIN"), ("victim-sec", "SECURITY_ADMIN"), ("victim-aud", "AUDITOR"),
           ("victim-office", "TARGET_OFFICE"), ("victim-org", "ORGANIZATION_DEPT")]


def test_which_changes_wait_for_a_second_administrator() -> None:
    for role in ("SYSADMIN", "SECURITY_ADMIN", "AUDITOR", "TARGET_OFFICE", "ORGANIZATION_DEPT"):
        for action in dual_control.ACTIONS:
            assert dual_control.needs_approval(action, [role]), (action, role)
    for action in (dual_control.RESET_PASSWORD, dual_control.DISABLE, dual_control.UNLOCK):
        assert not dual_control.needs_approval(action, ["LEADER"]), action
    assert dual_control.needs_approval(dual_control.RESET_SECOND_FACTOR, ["LEADER"]), "every second-factor reset"
    assert dual_control.needs_approval(dual_control.RESET_PASSWORD, ["LEADER"], second_factor=True)


def test_nobody_acts_on_their_own_account_and_the_approver_is_another_person() -> None:
    with pytest.raises(Forbidden):
        dual_control.check_requester("sysadmin", "sysadmin")
    with pytest.raises(Forbidden):
        dual_control.check_approver("secadmin", requested_by="sysadmin", username="secadmin")
    with pytest.raises(Forbidden):
        dual_control.check_approver("both", requested_by="both", username="someone")
    dual_control.check_approver("secadmin", requested_by="sysadmin", username="someone")


@pytest.fixture(scope="module")
def admins(stack: RunningStack) -> RunningStack:
    for name, role in [("sysadmin", "SYSADMIN"), ("sysadmin2", "SYSADMIN"), ("secadmin", "SECURITY_ADMIN"),
                       ("secadmin2", "SECURITY_ADMIN"), ("auditor", "AUDITOR"), ("leader", "LEADER"), *VICTIMS]:
        stack.add_user(name, role)
    return stack


def call(stack: RunningStack, method: str, path: str, who: str, body: Any = None) -> httpx.Response:
    return httpx.request(method, f"{stack.url}{path}", json=body, timeout=30,
                         headers={"Authorization": f"Bearer {stack.session_token(who)}"})


def trail(stack: RunningStack) -> list[dict[str, Any]]:
    return call(stack, "GET", "/admin/audit?limit=1000", "auditor").json()["entries"]


@pytest.mark.parametrize(("victim", "role"), VICTIMS)
def test_a_sysadmin_alone_cannot_take_over_an_administrator_or_office_account(
        admins: RunningStack, victim: str, role: str) -> None:
    reset = call(admins, "POST", f"/admin/accounts/{victim}/password", "sysadmin", {"password": TAKEN})
    assert reset.status_code == 202 and reset.json()["request"]["status"] == "pending"
    factor = call(admins, "POST", f"/admin/accounts/{victim}/second-factor", "sysadmin")
    assert factor.status_code == 202 and "otpauth" not in factor.text, "the SYSADMIN never learns a second factor"
    attempt = httpx.post(f"{admins.url}/auth/password", json={"username": victim, "password": TAKEN,
                                                               "new_password": "Mine-now-2026!"})
    assert attempt.status_code == 401 and attempt.json()["error"] == "invalid_credentials"
    for request in (reset.json()["request"], factor.json()["request"]):
        refused = call(admins, "POST", f"/admin/requests/{request['id']}/approve", "sysadmin")
        assert refused.status_code == 403, "a SYSADMIN cannot approve"
    disabled = call(admins, "POST", f"/admin/accounts/{victim}/active", "sysadmin", {"active": False})
    assert disabled.status_code == 202
    assert httpx.post(f"{admins.url}/auth/token", json=admins.sign_in_body(victim)).status_code == 200, \
        "the holder's own password and second factor still work, the account is still enabled"
    for request_id in (reset.json()["request"]["id"], factor.json()["request"]["id"],
                       disabled.json()["request"]["id"]):
        assert call(admins, "POST", f"/admin/requests/{request_id}/refuse", "secadmin").status_code == 200


def test_an_ordinary_accounts_password_reset_is_immediate_but_not_its_second_factor(admins: RunningStack) -> None:
    reset = call(admins, "POST", "/admin/accounts/leader/password", "sysadmin", {"password": "Temp-lingdao-2026"})
    assert reset.status_code == 200 and reset.json() == {"username": "leader", "mustChange": True}
    forced = httpx.post(f"{admins.url}/auth/token", json={"username": "leader", "password": "Temp-lingdao-2026"})
    assert forced.json()["error"] == "password_expired"
    assert call(admins, "POST", "/admin/accounts/leader/second-factor", "sysadmin").status_code == 202
    with_factor = call(admins, "POST", "/admin/accounts/leader/password", "sysadmin",
                       {"password": "Temp-lingdao-2027", "secondFactor": True})
    assert with_factor.status_code == 202


def test_the_dual_control_path_from_request_to_approval(admins: RunningStack) -> None:
    request = call(admins, "POST", "/admin/accounts/victim-office/password", "sysadmin",
                   {"password": TAKEN, "secondFactor": True, "reason": "持有人遗失手机 lost phone"}).json()["request"]
    listed = call(admins, "GET", "/admin/requests?status=pending", "secadmin").json()["requests"]
    assert request["id"] in {r["id"] for r in listed} and "password" not in str(listed).lower().replace(
        "resetpassword", "")
    assert call(admins, "POST", f"/admin/requests/{request['id']}/approve", "auditor").status_code == 403
    approved = call(admins, "POST", f"/admin/requests/{request['id']}/approve", "secadmin")
    assert approved.status_code == 200 and approved.json()["request"]["status"] == "approved"
    again = call(admins, "POST", f"/admin/requests/{request['id']}/approve", "secadmin2")
    assert again.status_code == 409, "a request is decided once"
    old = httpx.post(f"{admins.url}/auth/token", json=admins.sign_in_body("victim-office"))
    assert old.status_code == 401, "the old password stops working on approval"
    offered = httpx.post(f"{admins.url}/auth/token", json={"username": "victim-office", "password": TAKEN})
    assert offered.json()["error"] == "otp_enrolment_required", "the holder enrols a new second factor"
    admins.otp_uris["victim-office"] = offered.json()["otpauth_uri"]
    changed = httpx.post(f"{admins.url}/auth/password", json={**admins.sign_in_body("victim-office", TAKEN),
                                                              "new_password": "Holder-own-2026!"})
    assert changed.status_code == 200, changed.text
    entries = trail(admins)
    actions = {(e["action"], e["actor"], e["entityId"]) for e in entries if e["success"]}
    assert ("requestAccountChange", "sysadmin", request["id"]) in actions
    assert ("approveRequest", "secadmin", request["id"]) in actions
    assert ("resetPassword", "secadmin", "victim-office") in actions
    assert not any(e["success"] and e["action"] == "approveRequest" and e["actor"] == "secadmin2" for e in entries)


def test_requests_about_oneself_are_refused_at_both_steps(admins: RunningStack) -> None:
    own = call(admins, "POST", "/admin/accounts/sysadmin/password", "sysadmin", {"password": TAKEN})
    assert own.status_code == 403
    about_secadmin = call(admins, "POST", "/admin/accounts/secadmin/unlock", "sysadmin").json()["request"]
    self_approval = call(admins, "POST", f"/admin/requests/{about_secadmin['id']}/approve", "secadmin")
    assert self_approval.status_code == 403 and "own account" in self_approval.json()["message"]
    by_colleague = call(admins, "POST", f"/admin/requests/{about_secadmin['id']}/approve", "secadmin2")
    assert by_colleague.status_code == 200
    refusals = [e for e in trail(admins) if not e["success"] and e["action"] in ("approveRequest", "resetPassword")]
    assert any("own account" in (e["detail"] or "") for e in refusals), "refused self-approval is audited"


def test_a_request_expires_after_24_hours(admins: RunningStack) -> None:
    request = call(admins, "POST", "/admin/accounts/victim-aud/unlock", "sysadmin2").json()["request"]
    past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat(sep=" ")  # as the ORM writes it
    assert datetime.fromisoformat(request["expiresAt"]) - datetime.fromisoformat(request["requestedAt"]) == \
        timedelta(hours=24)
    dsn = next((d for d in admins.dsns if d.endswith("_identity")), None)
    store_rows(admins.data_dir, dsn, "identity",
               f"UPDATE account_request SET expires_at = '{past}' WHERE id = '{request['id']}'")
    late = call(admins, "POST", f"/admin/requests/{request['id']}/approve", "secadmin")
    assert late.status_code == 409 and "expired" in late.json()["message"]
    expired = [e for e in trail(admins) if e["action"] == "expireRequest" and e["entityId"] == request["id"]]
    assert len(expired) == 1 and expired[0]["actor"] == "system:gateway"


def test_mbo_user_reset_is_the_audited_break_glass_path(admins: RunningStack) -> None:
    done = subprocess.run([sys.executable, "-m", "mbo.cli", "user", "reset", "victim-sec", "--second-factor",
                           "--data-dir", str(admins.data_dir)], input="Glass-2026-reset!\nGlass-2026-reset!\n",
                          text=True, capture_output=True, env={**os.environ, **admins.env}, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "otpauth://totp" not in done.stdout, "the holder enrols the new factor at sign-in"
    offered = httpx.post(f"{admins.url}/auth/token", json={"username": "victim-sec", "password": "Glass-2026-reset!"})
    assert offered.json()["error"] == "otp_enrolment_required"
    weak = subprocess.run([sys.executable, "-m", "mbo.cli", "user", "reset", "victim-sec", "--data-dir",
                           str(admins.data_dir)], input="weak\nweak\n", text=True, capture_output=True,
                          env={**os.environ, **admins.env}, timeout=60, check=False)
    assert weak.returncode == 2 and "password needs" in weak.stderr
    host = [e for e in trail(admins) if e["action"] == "breakGlassReset" and e["entityId"] == "victim-sec"]
    assert [e["success"] for e in host] == [False, True] and all(e["actor"].startswith("cli:") for e in host)
