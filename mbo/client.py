"""A small GraphQL client for the gateway, used by `mbo import`, the TUI and the tests."""

from __future__ import annotations

import contextlib
import getpass
import os
import sys
import time
from dataclasses import dataclass
from typing import Any

import httpx

DEFAULT_URL = "http://127.0.0.1:8000"
REFRESH_MARGIN = 30.0
"""Renew the access token when it has less than this many seconds left."""
REFRESH_PREFIX = "mbor_"


class SignInFailed(RuntimeError):
    pass


@dataclass
class GraphQLResult:
    data: dict[str, Any] | None
    errors: list[dict[str, Any]]

    @property
    def ok(self) -> bool:
        return not self.errors


def default_url() -> str:
    return os.environ.get("MBO_URL", DEFAULT_URL)


def credentials_from_env() -> tuple[str, str, str | None]:
    username = os.environ.get("MBO_USER") or input("username: ")
    password = os.environ.get("MBO_PASSWORD")
    if password is None:
        password = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    return username, password, os.environ.get("MBO_OTP")


class Client:
    """Signs in (or takes a credential), then renews its access token with the session's refresh token
    before it expires, transparently: a long import outlives any one 300-s access token."""

    def __init__(self, url: str, token: str | None = None, timeout: float = 600.0) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.refresh_token: str | None = None
        self.expires_at: float | None = None
        self.http = httpx.Client(timeout=timeout)

    def sign_in(self, username: str, password: str, otp: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"username": username, "password": password}
        if otp:
            body["otp"] = otp
        return self._take(self.http.post(f"{self.url}/auth/token", json=body))

    def refresh(self) -> dict[str, Any]:
        """A new access token and refresh token for the session (the old refresh token is spent)."""
        if not self.refresh_token:
            raise SignInFailed("no refresh token: sign in again")
        return self._take(self.http.post(f"{self.url}/auth/refresh", json={"refresh_token": self.refresh_token}))

    def _take(self, response: httpx.Response) -> dict[str, Any]:
        payload = response.json()
        if response.status_code != 200:
            raise SignInFailed(payload.get("message") or payload.get("error") or response.text)
        self.token = payload["access_token"]
        self.refresh_token = payload.get("refresh_token")
        self.expires_at = time.monotonic() + float(payload.get("expires_in") or 0)
        return payload

    def use_token(self, token: str) -> dict[str, Any]:
        """Work with a credential already held, as `MBO_TOKEN` gives it: a refresh token (`mbor_…`: spent at
        once for a session this client then renews itself), an API key (`mbok_…`), or an access token (used
        until it expires, at most 300 s: enough for a short job, not renewable). Checked first."""
        if token.startswith(REFRESH_PREFIX):
            self.refresh_token = token
            self.refresh()
            token = str(self.token)
        response = self.http.get(f"{self.url}/auth/session", headers={"Authorization": f"Bearer {token}"})
        payload = response.json()
        if response.status_code != 200:
            errors = payload.get("errors") or [{}]
            raise SignInFailed(errors[0].get("message") or response.text)
        self.token = token
        return payload

    def _renew_if_due(self) -> None:
        if self.refresh_token and self.expires_at is not None and time.monotonic() > self.expires_at - REFRESH_MARGIN:
            with contextlib.suppress(SignInFailed):  # the request then answers UNAUTHENTICATED itself
                self.refresh()

    def execute(self, query: str, variables: dict[str, Any] | None = None) -> GraphQLResult:
        self._renew_if_due()
        response = self._post_graphql(query, variables)
        if response.status_code == 401 and self.refresh_token:
            with contextlib.suppress(SignInFailed):
                self.refresh()
                response = self._post_graphql(query, variables)
        payload = response.json()
        return GraphQLResult(data=payload.get("data"), errors=payload.get("errors") or [])

    def _post_graphql(self, query: str, variables: dict[str, Any] | None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return self.http.post(f"{self.url}/graphql", json={"query": query, "variables": variables or {}},
                              headers=headers)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
