"""The one transport every domain module uses: the session with the gateway (sign-in, renewal, sign-out),
GraphQL requests with plain-language refusals, and the live schema introspected once per session."""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from tui.api.documents import INTROSPECTION
from tui.api.errors import PLAIN, SIGN_IN_PLAIN, ApiError, null_variable, plain


@dataclass
class Session:
    url: str
    username: str = ""
    roles: list[str] = field(default_factory=list)
    unit: str | None = None
    token: str | None = None
    refresh_token: str | None = None
    expires_at: float | None = None  # monotonic time the access token expires
    second_factor: bool = False
    adopted: bool = False  # an access token handed over (MBO_TOKEN): the session is not ours to end

    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)


@dataclass
class Schema:
    """Field names per type of the live supergraph, and argument names per root field."""

    fields: dict[str, dict[str, str]] = field(default_factory=dict)
    args: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def has(self, type_name: str, field_name: str) -> bool:
        return field_name in self.fields.get(type_name, {})

    def type_of(self, type_name: str, field_name: str) -> str | None:
        return self.fields.get(type_name, {}).get(field_name)


def _named(t: dict[str, Any] | None) -> str:
    while t and t.get("ofType") is not None:
        t = t["ofType"]
    return (t or {}).get("name") or ""


REFRESH_MARGIN = 30.0
"""Renew the access token (300 s) when it has less than this left, before the request that needs it."""
REFRESH_PREFIX = "mbor_"


def _tls(url: str) -> ssl.SSLContext | bool:
    """The system's trusted certificates for an https gateway. A plain-http gateway gets a context that trusts
    no certificate at all (redirects are not followed, so it is never used): reading the certificate bundle
    costs 20–60 ms of every start-up."""
    return True if url.lower().startswith("https:") else ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class Transport:
    """One session with the gateway: sign-in and renewal, GraphQL, the live schema."""

    def __init__(self, url: str, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.session = Session(url=url.rstrip("/"))
        self.http = httpx.AsyncClient(timeout=120, transport=transport, verify=_tls(self.session.url))
        self.schema: Schema | None = None
        self.warnings: list[str] = []
        self._renewing = asyncio.Lock()
        self._introspecting = asyncio.Lock()

    # ---- transport ---------------------------------------------------------------------------------

    async def sign_in(self, username: str, password: str, otp: str | None = None) -> Session:
        return await self._sign_in("/auth/token", username, {"username": username, "password": password}, otp)

    async def change_password(self, username: str, password: str, otp: str | None, new_password: str) -> Session:
        """The holder's own change (forced after expiry or an administrator's reset); signs in with the new one."""
        body = {"username": username, "password": password, "new_password": new_password}
        return await self._sign_in("/auth/password", username, body, otp)

    async def _sign_in(self, path: str, username: str, body: dict[str, Any], otp: str | None) -> Session:
        if otp:
            body["otp"] = otp
        try:
            response = await self.http.post(f"{self.session.url}{path}", json=body)
        except httpx.HTTPError as exc:
            raise ApiError(f"{PLAIN['NETWORK']} {self.session.url} ({type(exc).__name__})", "NETWORK") from None
        try:
            payload = response.json()
        except ValueError:
            payload = {"message": response.text}
        if response.status_code != 200:
            code = str(payload.get("error") or "")
            message = str(payload.get("message") or "sign-in refused")
            if code not in SIGN_IN_PLAIN and (
                    "otp" in code.lower() or "second factor" in message.lower() or "one-time" in message.lower()):
                code = "otp_required"
            if response.status_code == 423:
                code = "account_locked"
            head = SIGN_IN_PLAIN.get(code)
            error = ApiError(f"{head}\n{message}" if head else message, code)
            error.details = [{"otpauthUri": payload["otpauth_uri"]}] if payload.get("otpauth_uri") else []
            raise error
        self._keep(payload)
        self.session.username = username
        self.session.second_factor = bool(otp)
        self.session.adopted = False
        self.schema = None
        return self.session

    def _keep(self, payload: dict[str, Any]) -> None:
        self.session.token = payload["access_token"]
        self.session.refresh_token = payload.get("refresh_token")
        self.session.expires_at = time.monotonic() + float(payload.get("expires_in") or 0)
        self.session.roles = list(payload.get("roles") or [])
        self.session.unit = payload.get("unit")

    async def renew(self, stale: str | None = None) -> bool:
        """Renew the access token with the session's refresh token (one renewal at a time: a refresh token
        spent twice would end the session). True when a usable token is held afterwards."""
        async with self._renewing:
            if self.session.token != stale and stale is not None:
                return True  # another worker renewed it meanwhile
            if not self.session.refresh_token:
                return False
            try:
                response = await self.http.post(f"{self.session.url}/auth/refresh",
                                                json={"refresh_token": self.session.refresh_token})
            except httpx.HTTPError:
                return False
            if response.status_code != 200:
                self.session.refresh_token = None
                return False
            self._keep(response.json())
            return True

    async def adopt(self, token: str) -> Session:
        """Work in a session already held (MBO_TOKEN): a refresh token (`mbor_…`, spent at once; the session is
        then ours, renewed and ended like our own), an access token (until it expires), or an API key."""
        if token.startswith(REFRESH_PREFIX):
            self.session.refresh_token = token
            if not await self.renew():
                raise ApiError(plain("UNAUTHENTICATED", "the refresh token is not valid"), "UNAUTHENTICATED")
            token = str(self.session.token)
            owned = True
        else:
            owned = False
        try:
            response = await self.http.get(f"{self.session.url}/auth/session",
                                           headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError as exc:
            raise ApiError(f"{PLAIN['NETWORK']} {self.session.url} ({type(exc).__name__})", "NETWORK") from None
        try:
            payload = response.json()
        except ValueError:
            payload = {}
        if response.status_code != 200:
            message = ((payload.get("errors") or [{}])[0].get("message")) or response.text[:200]
            raise ApiError(plain("UNAUTHENTICATED", message), "UNAUTHENTICATED")
        self.session.username = str(payload.get("username") or "")
        self.session.token = token
        self.session.roles = list(payload.get("roles") or [])
        self.session.unit = payload.get("unit")
        self.session.adopted = not owned
        self.schema = None
        return self.session

    async def sign_out(self) -> None:
        """End the session on the server (on quit); a failure to reach it changes nothing locally."""
        if not self.session.token or self.session.adopted:
            return
        expires_at = self.session.expires_at
        if self.session.refresh_token and expires_at is not None and time.monotonic() > expires_at - REFRESH_MARGIN:
            await self.renew(self.session.token)
        try:
            await self.http.post(f"{self.session.url}/auth/logout", timeout=3,
                                 headers={"Authorization": f"Bearer {self.session.token}"})
        except httpx.HTTPError:
            pass
        self.session.token = None

    async def execute(self, document: str, variables: dict[str, Any] | None = None
                      ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Data and errors as the gateway answered (partial data kept)."""
        _status, payload = await self._send("POST", "/graphql",
                                            json={"query": document, "variables": variables or {}})
        return payload.get("data") or {}, payload.get("errors") or []

    async def _send(self, method: str, path: str, **request: Any) -> tuple[int, dict[str, Any]]:
        """One authorised request to the gateway: its status and JSON body; ApiError when unreachable.

        The access token is renewed first when it is about to expire, and once more on a 401, so a screen
        never sees a short token run out while the session lives."""
        expires_at = self.session.expires_at
        if self.session.refresh_token and expires_at is not None and time.monotonic() > expires_at - REFRESH_MARGIN:
            await self.renew(self.session.token)
        token = self.session.token
        response = await self._request(method, path, **request)
        if response.status_code == 401 and self.session.refresh_token and await self.renew(token):
            response = await self._request(method, path, **request)
        try:
            return response.status_code, response.json()
        except ValueError:
            raise ApiError(plain("INTERNAL", response.text[:200]), "INTERNAL") from None

    async def _request(self, method: str, path: str, **request: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.session.token}"} if self.session.token else {}
        try:
            return await self.http.request(method, f"{self.session.url}{path}", headers=headers, **request)
        except httpx.HTTPError as exc:
            raise ApiError(f"{PLAIN['NETWORK']} ({type(exc).__name__})", "NETWORK") from None

    async def query(self, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        data, errors = await self.execute(document, variables)
        if errors:
            raise self.error(errors[0])
        return data

    async def query_people(self, document: str, keys_only: str, variables: dict[str, Any] | None = None
                           ) -> dict[str, Any]:
        """As `query`; when only people's names could not be fetched (personnel unavailable), ask again with
        `keys_only` (the same document with staff numbers alone), which the owning service answers by itself."""
        data, errors = await self.execute(document, variables)
        if not errors:
            return data
        nested = [e for e in errors if len(e.get("path") or []) > 1]
        if len(nested) == len(errors) and all(
                {"responsibleLeader", "assignee", "person"} & set(map(str, e["path"])) for e in nested):
            self.warnings = ["姓名暂不可用，仅显示工号 Names unavailable; staff numbers shown"]
            return await self.query(keys_only, variables)
        raise self.error(errors[0])

    @staticmethod
    def error(first: dict[str, Any]) -> ApiError:
        extensions = first.get("extensions") or {}
        code = str(extensions.get("code", ""))
        message = str(first.get("message", "refused"))
        current = extensions.get("currentVersion")
        current = current if isinstance(current, int) else None
        field = extensions.get("field") or (null_variable(message) if code == "GRAPHQL_VALIDATION_FAILED" else None)
        return ApiError(plain(code, message, field, current), code, extensions.get("rowErrors"), field, current)

    async def close(self) -> None:
        await self.http.aclose()

    # ---- the live schema -----------------------------------------------------------------------------

    async def load_schema(self) -> Schema:
        """The live schema, introspected once per session (callers at the same moment share the one request)."""
        if self.schema is not None:
            return self.schema
        async with self._introspecting:
            return self.schema if self.schema is not None else await self._introspect()

    async def _introspect(self) -> Schema:
        data = await self.query(INTROSPECTION)
        schema = Schema()
        for t in data["__schema"]["types"]:
            if not t.get("fields"):
                continue
            schema.fields[t["name"]] = {f["name"]: _named(f["type"]) for f in t["fields"]}
            if t["name"] in ("Query", "Mutation"):
                schema.args[t["name"]] = {f["name"]: [a["name"] for a in f["args"]] for f in t["fields"]}
        self.schema = schema
        return schema

    def has(self, type_name: str, field_name: str) -> bool:
        return self.schema is not None and self.schema.has(type_name, field_name)

    def selection(self, type_name: str, depth: int = 1) -> str:
        """Every scalar field of a type, and `{ staffNo name }` / `{ code }`-style keys of nested objects."""
        assert self.schema is not None
        parts = []
        for name, inner in self.schema.fields.get(type_name, {}).items():
            if inner not in self.schema.fields:
                parts.append(name)
            elif depth > 0 and inner in ("Person", "Unit"):
                parts.append(f"{name} {{ {'staffNo name' if inner == 'Person' else 'code'} }}")
            elif depth > 0 and inner not in ("Query", "Mutation"):
                nested = [n for n, t in self.schema.fields[inner].items() if t not in self.schema.fields]
                if nested:
                    parts.append(f"{name} {{ {' '.join(nested)} }}")
        return " ".join(parts)
