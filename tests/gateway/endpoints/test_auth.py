"""/auth under attack, on a stack with the default limits: concurrent wrong passwords lock the account and every
refusal is accounted for in the audit trail (one entry each, or a flood summary's count); past the per-account
or per-source rate the answer is 429 with Retry-After on every credential endpoint."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.stack import PASSWORD, RELAXED_RATES, RunningStack


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    running = RunningStack(Path(tmp_path_factory.mktemp("limits")))
    for name in RELAXED_RATES:
        running.env.pop(name)
    running.start()
    for name in ("auditor", "sysadmin"):
        running.add_user(name, name.upper())
    for name in ("limited", "twenty", "hundred"):
        running.add_user(name, "LEADER")
    try:
        yield running
    finally:
        running.stop()


def wrong(stack: RunningStack, username: str) -> httpx.Response:
    return httpx.post(f"{stack.url}/auth/token", json={"username": username, "password": "Wrong-pass-1"}, timeout=60)


async def flood(stack: RunningStack, username: str, count: int) -> list[int]:
    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=count)) as client:
        responses = await asyncio.gather(*(client.post(f"{stack.url}/auth/token", json={
            "username": username, "password": f"Wrong-pass-{n}"}) for n in range(count)))
    return [r.status_code for r in responses]


def refusals_of(stack: RunningStack, username: str) -> tuple[int, int]:
    """(refused sign-ins on record for `username`, of which counted in flood summaries)."""
    bearer = stack.session_token("auditor")
    entries: list[dict[str, Any]] = httpx.get(f"{stack.url}/admin/audit?limit=1000", timeout=30,
                                              headers={"Authorization": f"Bearer {bearer}"}).json()["entries"]
    total = summarised = 0
    for entry in entries:
        if entry["action"] == "signIn" and entry["entityId"] == username and not entry["success"]:
            after = httpx.Response(200, content=entry["after"] or "null").json() or {}
            count = int(after.get("count", 1)) if after.get("summary") else 1
            total += count
            summarised += count if after.get("summary") else 0
    return total, summarised


def accounted(stack: RunningStack, username: str, expected: int) -> tuple[int, int]:
    """Poll until the trail accounts for `expected` refusals (summaries are written each second)."""
    deadline = time.monotonic() + 15
    while True:
        found = refusals_of(stack, username)
        if found[0] >= expected or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def locked(stack: RunningStack, username: str) -> bool:
    bearer = stack.session_token("sysadmin")
    accounts = httpx.get(f"{stack.url}/admin/accounts", headers={"Authorization": f"Bearer {bearer}"}).json()
    return next(a for a in accounts["accounts"] if a["username"] == username)["locked"]


def test_the_account_limit_answers_429_with_retry_after(limited: RunningStack) -> None:
    statuses = [wrong(limited, "limited").status_code for _ in range(12)]
    assert statuses[:4] == [401] * 4 and statuses[4] == 423, "the fifth failure locks"
    assert statuses[5:10] == [423] * 5 and statuses[10:] == [429, 429], "10 a minute per account"
    refused = wrong(limited, "limited")
    assert refused.status_code == 429 and refused.json()["error"] == "RATE_LIMITED"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60 and "this account" in refused.json()["message"]
    assert accounted(limited, "limited", 13)[0] == 13, "every refusal is on record"


@pytest.mark.parametrize(("username", "count"), [("twenty", 20), ("hundred", 100)])
def test_concurrent_wrong_passwords_lock_the_account_and_every_one_is_accounted_for(
        limited: RunningStack, username: str, count: int) -> None:
    statuses = asyncio.run(flood(limited, username, count))
    assert set(statuses) <= {401, 423, 429}, statuses
    assert statuses.count(401) <= 4, "at most four failures before the lock, however many run at once"
    assert locked(limited, username)
    right = httpx.post(f"{limited.url}/auth/token", json={"username": username, "password": PASSWORD})
    assert right.status_code in (423, 429), "the right password does not open it"
    total, summarised = accounted(limited, username, count + 1)
    assert total == count + 1, (total, statuses)
    if count == 100:
        assert summarised > 0, "a flood is summarised instead of one entry per request"


def test_the_source_limit_holds_on_every_credential_endpoint(limited: RunningStack) -> None:
    for n in range(70):  # a different account each time: only the source limit can stop these
        if wrong(limited, f"nobody{n}").status_code == 429:
            break
    for path, body in [("/auth/token", {"username": "x", "password": "y"}),
                       ("/auth/password", {"username": "x", "password": "y", "new_password": "z"}),
                       ("/auth/refresh", {"refresh_token": "mbor_nothing"})]:
        response = httpx.post(f"{limited.url}{path}", json=body)
        assert response.status_code == 429, path
        assert int(response.headers["Retry-After"]) >= 1 and "this address" in response.json()["message"]
