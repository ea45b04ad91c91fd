"""三员 administration: accounts, grants, dual-control requests, API keys and the identity audit (JSON under
/admin on the gateway)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from tui.api.errors import ApiError, plain
from tui.api.transport import Transport


class AdminApi(Transport):

    async def admin(self, method: str, path: str, body: dict[str, Any] | None = None,
                    params: dict[str, Any] | None = None) -> dict[str, Any]:
        """One call of the gateway's administration API; a refusal becomes an ApiError like GraphQL's."""
        status, payload = await self._send(method, f"/admin{path}", json=body, params=params)
        if 200 <= status < 300:
            return payload
        if payload.get("errors"):  # the gateway's GraphQL-style refusal
            raise self.error(payload["errors"][0])
        code = str(payload.get("error") or "INTERNAL")
        raise ApiError(plain(code, str(payload.get("message") or "")), code, field=payload.get("field"))

    async def accounts(self) -> list[dict[str, Any]]:
        return (await self.admin("GET", "/accounts"))["accounts"]

    async def create_account(self, username: str, display_name: str, kind: str, password: str) -> dict[str, Any]:
        body = {"username": username, "displayName": display_name, "kind": kind}
        if kind == "person":
            body["password"] = password
        return (await self.admin("POST", "/accounts", body))["account"]

    async def reset_password(self, username: str, password: str, second_factor: bool = False) -> dict[str, Any]:
        """Done at once (`mustChange`), or a dual-control request (`request`) a SECURITY_ADMIN decides."""
        return await self.admin("POST", f"{_account(username)}/password",
                                {"password": password, "secondFactor": second_factor})

    async def reset_second_factor(self, username: str) -> dict[str, Any]:
        """Always a dual-control request; once approved, the holder enrols a new factor at the next sign-in."""
        return await self.admin("POST", f"{_account(username)}/second-factor", {})

    async def account_requests(self) -> list[dict[str, Any]]:
        return (await self.admin("GET", "/requests"))["requests"]

    async def decide_request(self, request_id: str, approve: bool) -> dict[str, Any]:
        verb = "approve" if approve else "refuse"
        return (await self.admin("POST", f"/requests/{quote(request_id, safe='')}/{verb}", {}))["request"]

    async def set_active(self, username: str, active: bool) -> dict[str, Any]:
        return await self.admin("POST", f"{_account(username)}/active", {"active": active})

    async def unlock(self, username: str) -> dict[str, Any]:
        return await self.admin("POST", f"{_account(username)}/unlock")

    async def set_grants(self, username: str, roles: list[str], unit: str | None, read_write: bool
                         ) -> dict[str, Any]:
        return await self.admin("PUT", f"{_account(username)}/grants",
                                {"roles": roles, "unit": unit, "readWrite": read_write})

    async def api_keys(self, username: str) -> list[dict[str, Any]]:
        return (await self.admin("GET", f"{_account(username)}/keys"))["keys"]

    async def issue_api_key(self, username: str, label: str) -> tuple[dict[str, Any], str]:
        """The new key's record and the key itself, which the server shows this once."""
        done = await self.admin("POST", f"{_account(username)}/keys", {"label": label})
        return done["key"], str(done["apiKey"])

    async def revoke_api_key(self, key_id: str) -> dict[str, Any]:
        return await self.admin("DELETE", f"/keys/{quote(str(key_id), safe='')}")

    async def identity_audit(self, limit: int = 200, before: int | None = None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"limit": limit}
        if before is not None:
            params["before"] = before
        return (await self.admin("GET", "/audit", params=params))["entries"]


def _account(username: str) -> str:
    return f"/accounts/{quote(username, safe='')}"
