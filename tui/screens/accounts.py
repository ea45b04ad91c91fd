"""账户管理 Accounts (三员): the accounts table; below it the dual-control queue (双人复核) and the API keys of the
highlighted account.

SYSADMIN creates accounts, resets passwords and second factors, disables/enables, unlocks and issues keys — a
change to an administrator's or office account, and every second-factor reset, becomes a request; SECURITY_ADMIN
approves or refuses requests, sets grants and revokes keys; AUDITOR reads, and opens the identity audit. Each
key shows only for the role that may use it; the server decides in the end.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.widgets import DataTable, Header, Label

from tui import keys
from tui.api import ApiError
from tui.dialogs.form import Field, FormDialog, required_check
from tui.dialogs.prompt import PromptDialog
from tui.dialogs.secret import SecretDialog
from tui.roles import ALL_ROLES
from tui.screens.base import MboScreen
from tui.widgets.footer import Footer

COLUMNS = ("用户名 User", "姓名 Name", "类型 Kind", "角色·单位 Roles", "状态 State", "认证 Auth", "改密 Pwd set",
           "登录 Last in")
REQUEST_COLUMNS = ("编号 Id", "操作 Change", "账户 Account", "申请人 By", "申请 Requested", "到期 Expires",
                   "状态 State", "复核人 Decided by")
REQUEST_ACTIONS = {"resetPassword": "重置密码 Reset password", "resetSecondFactor": "重置动态口令 Reset 2FA",
                   "disableAccount": "停用 Disable", "unlockAccount": "解锁 Unlock"}
REQUEST_STATES = {"pending": "待复核 Pending", "approved": "已批准 Approved", "refused": "已驳回 Refused",
                  "expired": "已过期 Expired"}
KEY_COLUMNS = ("编号 Id", "标签 Label", "签发 Issued", "签发人 By", "最近使用 Last used", "状态 State")
KINDS = {"person": "人员 Person", "machine": "系统 Machine"}
SECOND_FACTOR_ROLES = {"TARGET_OFFICE", "ORGANIZATION_DEPT", "SYSADMIN", "SECURITY_ADMIN", "AUDITOR"}
KEY_NOTE = ("请立即将密钥存入对方系统的密钥库；关闭后无法再次查看。\n"
            "Store the key in the other system's secret store now: it cannot be shown again.")


def day(stamp: str | None) -> str:
    return stamp[:16].replace("T", " ") if stamp else "—"


def parse_roles(text: str) -> list[str]:
    return [r.upper().replace("-", "_") for r in re.split(r"[\s,，、;]+", text.strip()) if r]


def roles_check(text: str) -> str | None:
    unknown = [r for r in parse_roles(text) if r not in ALL_ROLES]
    return f"未知角色 Unknown role: {', '.join(unknown)}" if unknown else None


class AccountsScreen(MboScreen):
    BINDINGS = [keys.BACK, keys.RELOAD, keys.NEW_ACCOUNT, keys.RESET_PASSWORD, keys.SECOND_FACTOR,
                keys.TOGGLE_ACTIVE, keys.UNLOCK, keys.ISSUE_KEY, keys.GRANTS, keys.REVOKE_KEY, keys.APPROVE_REQUEST,
                keys.REFUSE_REQUEST, keys.AUDIT]
    ROLE_ACTIONS = {"new_account": "administer_accounts", "reset_password": "administer_accounts",
                    "second_factor": "administer_accounts", "toggle_active": "administer_accounts",
                    "unlock": "administer_accounts", "issue_key": "administer_accounts", "grants": "set_grants",
                    "revoke_key": "revoke_key", "approve_request": "decide_requests",
                    "refuse_request": "decide_requests", "audit": "identity_audit"}
    CSS = MboScreen.CSS + """
    #accounts { height: 1fr; }
    #requests { height: 7; }
    #keys { height: 6; }
    #keys-title, #requests-title { padding: 0 1; text-style: bold; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.accounts: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        self.keys: list[dict[str, Any]] = []
        self.keys_of: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="accounts", zebra_stripes=True, cursor_type="row")
        yield Label("双人复核 Changes awaiting a second administrator", id="requests-title")
        yield DataTable(id="requests", zebra_stripes=True, cursor_type="row")
        yield Label("API 密钥 API keys", id="keys-title")
        yield DataTable(id="keys", zebra_stripes=True, cursor_type="row")
        yield Label("", classes="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#accounts", DataTable).add_columns(*COLUMNS)
        self.query_one("#requests", DataTable).add_columns(*REQUEST_COLUMNS)
        self.query_one("#keys", DataTable).add_columns(*KEY_COLUMNS)
        self.query_one("#accounts", DataTable).focus()
        self.action_reload()

    # ---- reading ---------------------------------------------------------------------------------------

    def action_reload(self, select: str | None = None) -> None:
        self.status("加载中 Loading…")
        self.load(select)

    @work(exclusive=True, exit_on_error=False, group="accounts")
    async def load(self, select: str | None = None) -> None:
        found = await self.call(self.api.accounts)
        if found is None:
            return
        table = self.query_one("#accounts", DataTable)
        select = select or self.current_name()
        self.accounts = {a["username"]: a for a in found}
        table.clear()
        for a in found:
            table.add_row(*(Text(cell) for cell in self.row(a)), key=a["username"])
        if select in self.accounts:
            table.move_cursor(row=table.get_row_index(select))
        requests = await self.call(self.api.account_requests)
        self.requests = requests or []
        self.show_requests()
        pending = sum(1 for r in self.requests if r["status"] == "pending")
        self.status(f"{len(found)} 个账户 accounts · {pending} 待复核 pending · ? 全部按键 all keys")
        self.show_keys()

    def show_requests(self) -> None:
        table = self.query_one("#requests", DataTable)
        table.clear()
        for r in self.requests:
            action = REQUEST_ACTIONS.get(r["action"], r["action"])
            if r["action"] == "resetPassword" and r.get("secondFactor"):
                action += " + 动态口令 2FA"
            cells = [r["id"], action, r["username"], r["requestedBy"], day(r["requestedAt"]), day(r["expiresAt"]),
                     REQUEST_STATES.get(r["status"], r["status"]), r.get("decidedBy") or "—"]
            table.add_row(*(Text(str(cell)) for cell in cells), key=r["id"])
        pending = sum(1 for r in self.requests if r["status"] == "pending")
        self.query_one("#requests-title", Label).update(
            f"双人复核 Changes awaiting a second administrator · {pending} 待复核 pending")

    def current_request(self) -> dict[str, Any] | None:
        table = self.query_one("#requests", DataTable)
        if table.row_count == 0:
            self.status("没有复核申请 No request to decide", error=True)
            return None
        request_id = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        found = next((r for r in self.requests if r["id"] == request_id), None)
        if found is None or found["status"] != "pending":
            self.status("请选择待复核的申请 Select a pending request", error=True)
            return None
        return found

    @staticmethod
    def row(a: dict[str, Any]) -> list[str]:
        state = "停用 disabled" if not a["active"] else "锁定 locked" if a.get("locked") else "启用 active"
        roles = ", ".join(a["roles"]) or "（未授权 none）"
        if a["kind"] == "machine":
            auth = "读写 rw key" if a["readWrite"] else "只读 ro key"
            changed = "—"
        else:
            auth = "口令 2FA ✓" if a["secondFactor"] else "待登记 2FA ✗" if SECOND_FACTOR_ROLES & set(a["roles"]) \
                else "密码 pwd"
            changed = (a.get("passwordChangedAt") or "")[:10] or "临时 temp"
        return [a["username"], a.get("displayName") or "", KINDS.get(a["kind"], a["kind"]),
                roles + (f" · {a['unit']}" if a.get("unit") else ""), state, auth, changed,
                (a.get("lastLoginAt") or "")[2:16].replace("T", " ") or "—"]

    def current_name(self) -> str | None:
        table = self.query_one("#accounts", DataTable)
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def current(self) -> dict[str, Any] | None:
        account = self.accounts.get(self.current_name() or "")
        if account is None:
            self.status("请先选择账户 Select an account first", error=True)
        return account

    @on(DataTable.RowHighlighted, "#accounts")
    def highlighted(self) -> None:
        if self.current_name() != self.keys_of:
            self.show_keys()

    @work(exclusive=True, exit_on_error=False, group="keys")
    async def show_keys(self) -> None:
        name = self.current_name()
        self.keys_of = name
        table = self.query_one("#keys", DataTable)
        table.clear()
        self.keys = []
        account = self.accounts.get(name or "")
        if account is None or account["kind"] != "machine":
            self.query_one("#keys-title", Label).update("API 密钥 API keys (系统账户 machine accounts only)")
            return
        found = await self.call(self.api.api_keys, account["username"])
        if found is None or self.keys_of != name:
            return
        self.keys = found
        for k in found:
            state = f"已吊销 revoked {day(k['revokedAt'])} ({k['revokedBy']})" if k.get("revokedAt") else "有效 valid"
            cells = [k["id"], k.get("label") or "", day(k.get("createdAt")), k.get("createdBy") or "",
                     day(k.get("lastUsedAt")), state]
            table.add_row(*(Text(str(cell)) for cell in cells), key=str(k["id"]))
        self.query_one("#keys-title", Label).update(f"API 密钥 API keys · {name} ({len(found)})")

    # ---- acting ----------------------------------------------------------------------------------------

    @work(exclusive=True, exit_on_error=False, group="account-action")
    async def act(self, done: str, fn: Callable[..., Awaitable[Any]], *args: Any,
                  then: Callable[[Any], None] | None = None, select: str | None = None) -> None:
        result = await self.call(fn, *args)
        if result is None:
            return
        self.notify(self.outcome(result, done) if isinstance(result, dict) else done, timeout=6)
        self.action_reload(select)
        if then is not None:
            then(result)

    @staticmethod
    def outcome(result: dict[str, Any], done: str) -> str:
        """What a SYSADMIN's step did: `done`, or that it waits for a SECURITY_ADMIN (双人复核)."""
        request = result.get("request")
        if request:
            return (f"已提交复核申请 {request['id']}，待安全管理员批准。Request {request['id']} submitted: it takes "
                    "effect when a security administrator approves it.")
        return done


    def action_new_account(self) -> None:
        async def save(values: dict[str, str]) -> dict[str, Any]:
            if values["kind"] == "person" and not values["password"]:
                raise ApiError("人员账户需要临时密码 A person needs a temporary password", "BAD_USER_INPUT",
                               field="password")
            return await self.api.create_account(values["username"], values["displayName"], values["kind"],
                                                 values["password"])

        fields = [Field("username", "用户名 Username", check=required_check),
                  Field("displayName", "姓名 Display name"),
                  Field("kind", "类型 Kind", "person", choices=list(KINDS.items())),
                  Field("password", "临时密码 Temporary password", password=True,
                        placeholder="人员账户 for a person; 首次登录须修改")]
        self.app.push_screen(FormDialog("新建账户 New account（授权由安全管理员设置 grants by the security "
                                        "administrator）", fields, save), self.created)

    def created(self, account: dict[str, Any] | None) -> None:
        if account:
            self.notify(f"已创建 Created {account['username']}", timeout=4)
            self.action_reload(account["username"])

    def action_reset_password(self) -> None:
        account = self.current()
        if account is None:
            return
        name = account["username"]

        async def save(values: dict[str, str]) -> dict[str, Any]:
            return await self.api.reset_password(name, values["password"], values["secondFactor"] == "yes")

        fields = [Field("password", "临时密码 Temporary password", check=required_check, password=True),
                  Field("secondFactor", "同时重置动态口令 Also reset 2FA", "no",
                        choices=[("no", "否 No"), ("yes", "是 Yes（须复核 needs approval）")])]
        title = (f"重置密码 Reset the password of {name}（下次登录须修改 changed at next sign-in；管理类账户须"
                 "安全管理员复核 an administrator's or office account needs a security administrator's approval）")

        def saved(done: dict[str, Any] | None) -> None:
            if done:
                self.notify(self.outcome(done, f"已重置密码 Password reset for {name}"), timeout=6)
                self.action_reload(name)

        self.app.push_screen(FormDialog(title, fields, save), saved)

    def action_second_factor(self) -> None:
        account = self.current()
        if account is None:
            return
        name = account["username"]
        question = (f"申请重置 {name} 的动态口令？安全管理员批准后原口令失效，持有人下次登录时自行登记新口令。\n"
                    f"Ask to reset the second factor of {name}? Once a security administrator approves, the old "
                    "one stops working and the holder enrols a new one at the next sign-in.")
        self.confirm(question, "申请 Request", lambda: self.act(
            f"已申请 Requested for {name}", self.api.reset_second_factor, name, select=name))

    def decide(self, approve: bool) -> None:
        request = self.current_request()
        if request is None:
            return
        verb = "批准 Approve" if approve else "驳回 Refuse"
        what = REQUEST_ACTIONS.get(request["action"], request["action"])
        question = f"{verb} {request['id']}: {what} · {request['username']}（申请人 by {request['requestedBy']}）?"
        self.confirm(question, verb, lambda: self.act(f"{verb} {request['id']} ✓", self.api.decide_request,
                                                      request["id"], approve, select=request["username"]))

    def action_approve_request(self) -> None:
        self.decide(True)

    def action_refuse_request(self) -> None:
        self.decide(False)

    def action_toggle_active(self) -> None:
        account = self.current()
        if account is None:
            return
        name, active = account["username"], not account["active"]
        verb = "启用 Enable" if active else "停用 Disable"
        self.confirm(f"{verb} {name}?", verb,
                     lambda: self.act(f"{verb} {name} ✓", self.api.set_active, name, active, select=name))

    def action_unlock(self) -> None:
        account = self.current()
        if account is not None:
            name = account["username"]
            self.act(f"已解锁 Unlocked {name}", self.api.unlock, name, select=name)

    def action_issue_key(self) -> None:
        account = self.current()
        if account is None:
            return
        name = account["username"]
        if account["kind"] != "machine":
            self.status("API 密钥只用于系统账户 API keys are for machine accounts", error=True)
            return

        def issue(label: str | None) -> None:
            if label is not None:
                self.act(f"已签发密钥 Key issued for {name}", self.api.issue_api_key, name, label, select=name,
                         then=lambda done: self.app.push_screen(SecretDialog(
                             f"API 密钥 API key · {name} · {done[0]['id']}", done[1], KEY_NOTE)))

        self.app.push_screen(PromptDialog(f"密钥用途 Label of the new key for {name}"), issue)

    def action_revoke_key(self) -> None:
        table = self.query_one("#keys", DataTable)
        if table.row_count == 0:
            self.status("请先选择系统账户的密钥 Select a machine account's key first", error=True)
            return
        key_id = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        key = next((k for k in self.keys if str(k["id"]) == key_id), None)
        if key is None:
            return
        self.confirm(f"吊销密钥 Revoke the key {key_id} ({key.get('label') or '—'}) of {key['username']}?",
                     "吊销 Revoke", lambda: self.act(f"已吊销 Revoked {key_id}", self.api.revoke_api_key, key_id,
                                                   select=key["username"]))

    def action_grants(self) -> None:
        account = self.current()
        if account is None:
            return
        name, person = account["username"], account["kind"] == "person"

        async def save(values: dict[str, str]) -> dict[str, Any]:
            return await self.api.set_grants(name, parse_roles(values["roles"]), values["unit"] or None,
                                             values["readWrite"] == "yes")

        fields = [Field("roles", "角色 Roles", ", ".join(account["roles"]), check=roles_check,
                        placeholder="LEADER, UNIT_OPERATOR …"),
                  Field("unit", "单位 Unit (UNIT_OPERATOR)", account.get("unit") or ""),
                  Field("readWrite", "读写 Read-write (machine)", "yes" if account["readWrite"] else "no",
                        choices=[("no", "只读 Read-only"), ("yes", "读写 Read-write")], disabled=person)]
        title = f"授权 Grants · {name}\n可选角色 Roles: {', '.join(ALL_ROLES)}"
        self.app.push_screen(FormDialog(title, fields, save), self.granted)

    def granted(self, done: dict[str, Any] | None) -> None:
        if not done:
            return
        self.notify(f"已授权 Granted {done['username']}: {', '.join(done['roles'])}", timeout=4)
        if done.get("secondFactorNeeded"):
            self.notify("该账户需登记动态口令：持有人下次登录时自行登记。This account needs a second factor: the "
                        "holder enrols one at the next sign-in.", severity="warning", timeout=8)
        self.action_reload(done["username"])

    def action_audit(self) -> None:
        self.mbo.open("identity_audit")
