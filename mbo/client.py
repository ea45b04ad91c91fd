"""A small GraphQL client for the gateway, used by `mbo import`, the TUI and the tests."""

from __future__ import annotations

import getpass
import os
import sys
from dataclasses import dataclass
from typing import Any

import httpx

DEFAULT_URL = "http://127.0.0.1:8000"


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
    def __init__(self, url: str, token: str | None = None, timeout: float = 600.0) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.http = httpx.Client(timeout=timeout)

    def sign_in(self, username: str, password: str, otp: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"username": username, "password": password}
        if otp:
            body["otp"] = otp
        response = self.http.post(f"{self.url}/auth/token", json=body)
        payload = response.json()
        if response.status_code != 200:
            raise SignInFailed(payload.get("message") or payload.get("error") or response.text)
        self.token = payload["access_token"]
        return payload

    def use_token(self, token: str) -> dict[str, Any]:
        """Work with a bearer credential already held (a session token, an API key); check it first."""
        response = self.http.get(f"{self.url}/auth/session", headers={"Authorization": f"Bearer {token}"})
        payload = response.json()
        if response.status_code != 200:
            errors = payload.get("errors") or [{}]
            raise SignInFailed(errors[0].get("message") or response.text)
        self.token = token
        return payload

    def execute(self, query: str, variables: dict[str, Any] | None = None) -> GraphQLResult:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = self.http.post(f"{self.url}/graphql", json={"query": query, "variables": variables or {}},
                                  headers=headers)
        payload = response.json()
        return GraphQLResult(data=payload.get("data"), errors=payload.get("errors") or [])

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
