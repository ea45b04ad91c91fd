"""账户管理 and the second factor in the operator client, against the real stack: the 三员 screens, the one-time
code at sign-in and the forced change of a temporary password."""

from __future__ import annotations

import httpx
import pytest
from textual.widgets import DataTable, Input, OptionList, Select, TextArea

from gateway.identity.totp import current_code, secret_of
from tests.support.stack import RunningStack
from tests.tui.helpers import enter_credentials, needs_otp, opened, session, settle, signed_in, text_of, until
from tui.app import MboApp
from tui.commands import MboCommands
from tui.dialogs.confirm import ConfirmDialog
from tui.dialogs.form import FormDialog
from tui.dialogs.prompt import PromptDialog
from tui.dialogs.secret import SecretDialog
from tui.screens.accounts import AccountsScreen
from tui.screens.identity_audit import IdentityAuditScreen
from tui.screens.sign_in import SignInScreen

TEMPORARY = "Temp-2026-pass!"
CHOSEN = "Chosen-2026-pass?"
SYSADMIN_ACTIONS = ("new_account", "reset_password", "second_factor", "toggle_active", "unlock", "issue_key")


@pytest.fixture(scope="module")
def admins(stack: RunningStack) -> RunningStack:
    for name, role in (("sysadmin", "SYSADMIN"), ("secadmin", "SECURITY_ADMIN"), ("auditor", "AUDITOR")):
        stack.add_user(name, role)
    return stack


async def post(stack: RunningStack, path: str, body: dict[str, object], token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.post(f"{stack.url}{path}", json=body, headers=headers)


async def admin_token(stack: RunningStack, name: str = "sysadmin") -> str:
    return stack.session_token(name)


async def open_accounts(pilot: object, app: MboApp, select: str | None = None) -> AccountsScreen:
    app.open("accounts")
    await until(pilot, lambda: isinstance(app.screen, AccountsScreen) and app.screen.accounts)  # type: ignore[arg-type]
    screen = app.screen
    assert isinstance(screen, AccountsScreen)
    if select:
        table = screen.query_one("#accounts", DataTable)
        table.move_cursor(row=table.get_row_index(select))
        await until(pilot, lambda: screen.keys_of == select)  # type: ignore[arg-type]
    return screen


async def test_an_account_from_creation_to_first_sign_in_and_the_audit_trail(admins: RunningStack) -> None:
    async with session(admins, "sysadmin") as (app, pilot):
        menu = app.screen.query_one("#menu", OptionList)
        assert [menu.get_option_at_index(i).id for i in range(menu.option_count)] == ["accounts"]
        screen = await open_accounts(pilot, app)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        app.screen.query_one("#f-username", Input).value = "analyst"
        app.screen.query_one("#f-displayName", Input).value = "分析员 王"
        app.screen.query_one("#f-password", Input).value = TEMPORARY
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen and "analyst" in screen.accounts
                    and screen.current_name() == "analyst")
        assert screen.accounts["analyst"]["roles"] == [] and not screen.accounts["analyst"]["secondFactor"]

    async with session(admins, "secadmin") as (app, pilot):
        screen = await open_accounts(pilot, app, "analyst")
        await pilot.press("g")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        app.screen.query_one("#f-roles", Input).value = "organization_dept"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen and screen.accounts["analyst"]["roles"] == [
            "ORGANIZATION_DEPT"])

    offered = await post(admins, "/auth/token", {"username": "analyst", "password": TEMPORARY})
    assert offered.json()["error"] == "otp_enrolment_required", "the holder enrols the second factor at sign-in"
    uri = offered.json()["otpauth_uri"]
    body = {"username": "analyst", "password": TEMPORARY, "otp": current_code(uri)}
    refused = await post(admins, "/auth/token", body)
    assert refused.status_code == 403 and refused.json()["error"] == "password_expired"
    changed = await post(admins, "/auth/password", {**body, "new_password": CHOSEN})
    assert changed.status_code == 200, changed.text
    assert changed.json()["roles"] == ["ORGANIZATION_DEPT"]

    async with session(admins, "auditor") as (app, pilot):
        audit = await opened(pilot, "identity_audit", IdentityAuditScreen, lambda s: s.entries)
        assert isinstance(audit, IdentityAuditScreen)
        done = {(e["actor"], e["action"]) for e in audit.entries if e["entityId"] == "analyst" and e["success"]}
        assert {("sysadmin", "createAccount"), ("secadmin", "setGrants"), ("analyst", "changePassword")} <= done
        enrolled = next(e for e in audit.entries if e["action"] == "changePassword" and e["entityId"] == "analyst")
        assert "secondFactorEnrolled" in enrolled["after"] and secret_of(uri) not in str(audit.entries)
        table = audit.query_one("#entries", DataTable)
        audit.query_one("#filter", Input).value = "setGrants"
        await settle(pilot)
        assert 0 < table.row_count < len(audit.entries)
        assert "ORGANIZATION_DEPT" in str(audit.query_one("#detail").render())


async def test_a_security_administrator_is_offered_grants_and_key_revocation_only(admins: RunningStack) -> None:
    async with session(admins, "secadmin") as (app, pilot):
        screen = await open_accounts(pilot, app, "auditor")
        for action in (*SYSADMIN_ACTIONS, "audit"):
            assert screen.check_action(action, ()) is False, action
        assert screen.check_action("grants", ()) and screen.check_action("revoke_key", ())
        labels = " ".join(label for label, _, _ in MboCommands(screen)._commands())
        assert "授权 Grants" in labels and "吊销密钥" in labels
        assert not any(word in labels for word in ("新建账户", "重置密码", "动态口令", "解锁", "签发密钥"))
        await pilot.press("n", "p", "o")
        await settle(pilot)
        assert app.screen is screen

        await pilot.press("g")  # 三员分立: the server refuses a business role for an administrator
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        app.screen.query_one("#f-roles", Input).value = "AUDITOR, LEADER"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "三员分立" in text_of(app, "#form-error"))
        assert "输入有误" in text_of(app, "#form-error")


async def test_an_auditor_only_reads(admins: RunningStack) -> None:
    async with session(admins, "auditor") as (app, pilot):
        menu = app.screen.query_one("#menu", OptionList)
        assert [menu.get_option_at_index(i).id for i in range(menu.option_count)] == ["accounts", "identity_audit"]
        screen = await open_accounts(pilot, app, "sysadmin")
        for action in (*SYSADMIN_ACTIONS, "grants", "revoke_key"):
            assert screen.check_action(action, ()) is False, action
        assert screen.accounts["sysadmin"]["secondFactor"]
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, IdentityAuditScreen) and app.screen.entries)
        assert any(e["action"] == "signIn" and e["actor"] == "auditor" for e in app.screen.entries)


async def test_a_machine_key_is_shown_once_and_can_be_revoked(admins: RunningStack) -> None:
    async with session(admins, "sysadmin") as (app, pilot):
        screen = await open_accounts(pilot, app)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        app.screen.query_one("#f-username", Input).value = "feeder"
        app.screen.query_one("#f-kind", Select).value = "machine"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen and screen.keys_of == "feeder")
        await pilot.press("k")
        await until(pilot, lambda: isinstance(app.screen, PromptDialog))
        app.screen.query_one("#answer", Input).value = "数据交换 exchange"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SecretDialog))
        assert app.screen.query_one("#secret", TextArea).text.startswith("mbok_")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen and len(screen.keys) == 1)

    async with session(admins, "secadmin") as (app, pilot):
        screen = await open_accounts(pilot, app, "feeder")
        await until(pilot, lambda: len(screen.keys) == 1)
        await pilot.press("delete")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await until(pilot, lambda: app.screen is screen and screen.keys and screen.keys[0]["revokedAt"])
        assert screen.keys[0]["revokedBy"] == "secadmin"


async def approve_all(stack: RunningStack, username: str) -> None:
    """The security administrator approves every pending request about `username` (over the API)."""
    bearer = stack.session_token("secadmin")
    async with httpx.AsyncClient(timeout=30, headers={"Authorization": f"Bearer {bearer}"}) as client:
        listed = (await client.get(f"{stack.url}/admin/requests")).json()["requests"]
        for request in listed:
            if request["username"] == username and request["status"] == "pending":
                approved = await client.post(f"{stack.url}/admin/requests/{request['id']}/approve")
                assert approved.status_code == 200, approved.text


async def test_a_reset_password_must_be_changed_at_sign_in(admins: RunningStack) -> None:
    admins.add_user("holder", "TARGET_OFFICE")
    reset = await post(admins, "/admin/accounts/holder/password", {"password": TEMPORARY}, await admin_token(admins))
    assert reset.status_code == 202, "an office account's reset waits for the security administrator"
    still = await post(admins, "/auth/token", admins.sign_in_body("holder"))
    assert still.status_code == 200, "the proposed password is not in effect before approval"
    await approve_all(admins, "holder")

    async with session(admins, None) as (app, pilot):
        screen = await enter_credentials(pilot, "holder", TEMPORARY)
        await needs_otp(pilot)
        await pilot.press(*str(admins.otp("holder")), "enter")
        await until(pilot, lambda: screen.query("#box.must-change") and
                    screen.query_one("#new-password", Input).has_focus, settled=False)
        assert "密码已过期或为临时密码" in text_of(app, "#error")
        assert screen.query_one("#new-password", Input).display

        screen.query_one("#new-password", Input).value = CHOSEN
        screen.query_one("#confirm-password", Input).value = CHOSEN + "x"
        await pilot.press("enter")
        await settle(pilot)
        assert "不一致" in text_of(app, "#error")

        screen.query_one("#new-password", Input).value = "short"
        screen.query_one("#confirm-password", Input).value = "short"
        screen.query_one("#otp", Input).value = str(admins.otp("holder"))
        screen.query_one("#new-password", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: "新密码不符合要求" in text_of(app, "#error"), settled=False)
        assert "at least 8 characters" in text_of(app, "#error")
        assert isinstance(app.screen, SignInScreen)

        screen.query_one("#new-password", Input).value = CHOSEN
        screen.query_one("#confirm-password", Input).value = CHOSEN
        await pilot.press("enter")
        await signed_in(pilot)
        assert app.api.session.username == "holder" and app.api.session.roles == ["TARGET_OFFICE"]

    body = {"username": "holder", "password": CHOSEN, "otp": admins.otp("holder")}
    assert (await post(admins, "/auth/token", body)).status_code == 200


async def test_the_dual_control_queue_from_request_to_approval_and_the_holders_enrolment(
        admins: RunningStack) -> None:
    admins.add_user("orgclerk", "ORGANIZATION_DEPT")
    async with session(admins, "sysadmin") as (app, pilot):
        screen = await open_accounts(pilot, app, "orgclerk")
        assert screen.check_action("approve_request", ()) is False, "a SYSADMIN never approves"
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await until(pilot, lambda: app.screen is screen and any(
            r["username"] == "orgclerk" and r["action"] == "resetSecondFactor" for r in screen.requests))
        await pilot.press("l")  # unlocking an office account is a request too
        await until(pilot, lambda: sum(r["username"] == "orgclerk" for r in screen.requests) == 2)
        assert all(r["status"] == "pending" for r in screen.requests if r["username"] == "orgclerk")
        assert "待复核 Pending" in str(screen.query_one("#requests", DataTable).get_row_at(0))
        assert screen.accounts["orgclerk"]["secondFactor"], "nothing changes before approval"

    async with session(admins, "secadmin") as (app, pilot):
        screen = await open_accounts(pilot, app, "orgclerk")
        assert screen.check_action("approve_request", ()) and screen.check_action("refuse_request", ())
        table = screen.query_one("#requests", DataTable)
        unlock = next(r for r in screen.requests if r["action"] == "unlockAccount" and r["status"] == "pending")
        table.move_cursor(row=table.get_row_index(unlock["id"]))
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await until(pilot, lambda: app.screen is screen and any(
            r["id"] == unlock["id"] and r["status"] == "refused" for r in screen.requests))
        reset = next(r for r in screen.requests if r["action"] == "resetSecondFactor" and r["status"] == "pending")
        table.move_cursor(row=table.get_row_index(reset["id"]))
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await until(pilot, lambda: app.screen is screen and not screen.accounts["orgclerk"]["secondFactor"])
        decided = next(r for r in screen.requests if r["id"] == reset["id"])
        assert decided["status"] == "approved" and decided["decidedBy"] == "secadmin"
        assert "已批准 Approved" in str(table.get_row(reset["id"]))

    async with session(admins, None) as (app, pilot):  # the holder enrols the new factor on the sign-in screen
        screen = await enter_credentials(pilot, "orgclerk")
        await until(pilot, lambda: screen.query("#box.enrolling") and screen.query_one("#otp", Input).has_focus,
                    settled=False)
        shown = text_of(app, "#enrol")
        assert "身份验证器" in shown and "authenticator app" in shown
        uri = shown[shown.index("otpauth://"):].strip()
        admins.otp_uris["orgclerk"] = uri
        await pilot.press(*str(admins.otp("orgclerk")), "enter")
        await signed_in(pilot)
        assert app.api.session.username == "orgclerk"
