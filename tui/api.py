"""The TUI's only way to the data: the gateway's sign-in and GraphQL endpoint."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx


class ApiError(Exception):
    """A refusal in plain language, with the server's code."""

    def __init__(self, message: str, code: str = "", details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details or []


PLAIN = {
    "UNAUTHENTICATED": "Your session has ended; please sign in again. 会话已过期，请重新登录。",
    "FORBIDDEN": "Your role may not do this. 无此操作权限。",
    "CONFLICT": "Someone else saved this first; reload and try again. 数据已被他人修改，请刷新后重试。",
    "NOT_FOUND": "That record no longer exists. 记录不存在。",
}


@dataclass
class Session:
    url: str
    username: str = ""
    roles: list[str] = field(default_factory=list)
    unit: str | None = None
    token: str | None = None


class Api:
    def __init__(self, url: str) -> None:
        self.session = Session(url=url.rstrip("/"))
        self.http = httpx.AsyncClient(timeout=60)

    async def sign_in(self, username: str, password: str, otp: str | None = None) -> Session:
        body: dict[str, Any] = {"username": username, "password": password}
        if otp:
            body["otp"] = otp
        try:
            response = await self.http.post(f"{self.session.url}/auth/token", json=body)
        except httpx.HTTPError as exc:
            raise ApiError(f"Cannot reach the gateway at {self.session.url} ({type(exc).__name__}).") from None
        payload = response.json()
        if response.status_code != 200:
            raise ApiError(payload.get("message", "sign-in refused"), payload.get("error", ""))
        self.session.username = username
        self.session.token = payload["access_token"]
        self.session.roles = payload.get("roles", [])
        self.session.unit = payload.get("unit")
        return self.session

    async def query(self, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.session.token}"}
        try:
            response = await self.http.post(f"{self.session.url}/graphql",
                                            json={"query": document, "variables": variables or {}},
                                            headers=headers)
        except httpx.HTTPError as exc:
            raise ApiError(f"Cannot reach the gateway ({type(exc).__name__}).") from None
        payload = response.json()
        errors = payload.get("errors") or []
        if errors:
            first = errors[0]
            code = (first.get("extensions") or {}).get("code", "")
            message = first.get("message", "refused")
            if code in PLAIN:
                message = f"{PLAIN[code]}\n{message}"
            raise ApiError(message, code, (first.get("extensions") or {}).get("rowErrors"))
        return payload.get("data") or {}

    async def close(self) -> None:
        await self.http.aclose()
