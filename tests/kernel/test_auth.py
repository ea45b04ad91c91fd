"""Token verification: a verified token is remembered, but its expiry and signature still decide."""

from __future__ import annotations

import time

import pytest

from kernel import auth
from kernel.auth import issue_token, verify_token
from kernel.errors import Unauthenticated

SECRET = "s" * 40


def test_a_remembered_token_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    token = issue_token(SECRET, username="u1", roles=["TARGET_OFFICE"], unit="JAQ", ttl_seconds=60)
    first = verify_token(SECRET, token)
    assert (SECRET, token) in auth._verified
    again = verify_token(SECRET, token)
    assert (again.username, again.roles, again.unit, again.token) == ("u1", frozenset({"TARGET_OFFICE"}), "JAQ",
                                                                      token)
    again.claims["roles"] = ["SYSADMIN"]  # a caller's claims are its own copy
    assert verify_token(SECRET, token).claims["roles"] == ["TARGET_OFFICE"] == first.claims["roles"]
    later = time.time() + 61
    monkeypatch.setattr(auth.time, "time", lambda: later)
    with pytest.raises(Unauthenticated, match="expired"):
        verify_token(SECRET, token)


def test_a_remembered_token_is_not_valid_under_another_secret_or_altered() -> None:
    token = issue_token(SECRET, username="u2", roles=["UNIT_OPERATOR"], unit="JAQ", ttl_seconds=60)
    verify_token(SECRET, token)
    with pytest.raises(Unauthenticated, match="not valid"):
        verify_token("t" * 40, token)
    head, body, signature = token.split(".")
    with pytest.raises(Unauthenticated, match="not valid"):
        verify_token(SECRET, f"{head}.{body}.{signature[:-2]}AA")


def test_the_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "VERIFIED_CACHE_SIZE", 3)
    auth._verified.clear()
    for n in range(5):
        verify_token(SECRET, issue_token(SECRET, username=f"u{n}", roles=[], unit=None, ttl_seconds=60))
    assert len(auth._verified) <= 3
