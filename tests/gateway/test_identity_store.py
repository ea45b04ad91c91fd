"""The identity rules on a real store: password policy and history, expiry, lockout, second factor, sessions."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest

from gateway.identity import sealing, service, totp
from gateway.identity import store as identity_store
from gateway.identity.models import PasswordHistory, Session, User
from gateway.identity.passwords import expired, hash_password, policy_problems, reused
from gateway.identity.sessions import (
    RECENT,
    SessionEnded,
    check_session,
    check_session_recent,
    end_session,
    end_sessions,
    open_session,
)
from gateway.identity.store import MIGRATIONS, MODELS, SignInError, create_user, prepare_password, store_password
from gateway.settings import GatewaySettings
from kernel.context import RequestContext
from kernel.db import close_database, drop_database, open_database, tortoise_config
from tests.support.stack import PG_BASE, backend

PASSWORD = "Mbo-test-2026!"
SECRET = "identity-store-test-secret-0123456789abcdef"
SETTINGS = GatewaySettings(port=0, secret=SECRET, identity_dsn="")
CTX = RequestContext(caller=None, request_id="test", source="127.0.0.1")


async def sign_in(username: str, password: str, otp: str | None = None, now: datetime | None = None) -> User:
    """The store's sign-in at a chosen moment (the service's own clock is now)."""
    checked = await identity_store.check_credentials(username, password, otp, now or datetime.now(UTC))
    await identity_store.forgive_failures(checked.user)
    identity_store.check_not_expired(checked.user, now or datetime.now(UTC))
    await identity_store.admit(checked, now or datetime.now(UTC))
    return checked.user


async def change_password(username: str, password: str, otp: str | None, new_password: str) -> User:
    tokens = await service.change_password(CTX, username=username, password=password, otp=otp,
                                           new_password=new_password, settings=SETTINGS)
    return await User.get(username=tokens.username)


@pytest.fixture(scope="module")
async def store(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[None]:
    if backend() == "postgres":
        dsn = f"{PG_BASE}/mbo_test_{uuid.uuid4().hex[:10]}_identity"
    else:
        dsn = f"sqlite://{Path(tmp_path_factory.mktemp('identity')) / 'identity.sqlite3'}"
    sealing.configure(SECRET)
    await open_database(tortoise_config("identity", dsn, MODELS, MIGRATIONS))
    try:
        yield
    finally:
        await close_database()
        await drop_database(dsn)


def code(uri: str, at: datetime) -> str:
    return totp.current_code(uri, at)


def test_password_policy_names_every_problem() -> None:
    assert policy_problems("Abc-1234", "zhang") == []
    assert len(policy_problems("short", "x")) == 2
    assert policy_problems("abcdefgh1", "x") == ["at least 3 of: lower-case, upper-case, digits, symbols"]
    assert policy_problems("Zhang-2026", "zhang") == ["must not contain the username"]


def test_reuse_looks_at_the_last_five_only() -> None:
    hashes = [hash_password(f"Old-pass-{n}") for n in range(6, 0, -1)]  # newest first: 6, 5, …, 1
    assert reused("Old-pass-6", hashes) and reused("Old-pass-2", hashes)
    assert not reused("Old-pass-1", hashes), "the sixth-newest password is allowed again"


def test_expiry_after_ninety_days_or_when_set_by_an_administrator() -> None:
    now = datetime(2026, 11, 27, tzinfo=UTC)
    assert not expired(now - timedelta(days=90), now)
    assert expired(now - timedelta(days=90, seconds=1), now)
    assert expired(None, now)


def test_totp_accepts_one_step_of_drift_and_nothing_else() -> None:
    secret = totp.new_secret()
    now = datetime(2026, 11, 27, 9, 0, 15, tzinfo=UTC)
    generator = pyotp.TOTP(secret)
    assert totp.code_ok(secret, generator.at(now), now)
    assert totp.code_ok(secret, generator.at(now - timedelta(seconds=30)), now)
    assert not totp.code_ok(secret, generator.at(now - timedelta(seconds=90)), now)
    assert not totp.code_ok(secret, "12345a", now) and not totp.code_ok(secret, "", now)
    uri = totp.provisioning_uri("zhangsan", secret)
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    assert totp.secret_of(uri) == secret


async def test_office_accounts_get_a_second_factor_and_need_its_code(store: None) -> None:
    user, uri = await create_user("office1", PASSWORD, ["TARGET_OFFICE"], None)
    assert uri is not None and user.otp_secret and totp.secret_of(uri) not in user.otp_secret, "stored sealed"
    _, none = await create_user("leader1", PASSWORD, ["LEADER"], None)
    assert none is None, "a leader needs no second factor"
    now = datetime.now(UTC)
    with pytest.raises(SignInError) as missing:
        await sign_in("office1", PASSWORD, None, now)
    assert missing.value.code == "otp_required"
    with pytest.raises(SignInError) as wrong:
        await sign_in("office1", PASSWORD, "000000" if code(uri, now) != "000000" else "111111", now)
    assert wrong.value.code == "invalid_otp"
    signed = await sign_in("office1", PASSWORD, code(uri, now), now)
    assert signed.role_list == ["TARGET_OFFICE"]
    with pytest.raises(SignInError, match="used already"):
        await sign_in("office1", PASSWORD, code(uri, now), now)
    earlier = now - timedelta(seconds=30)
    with pytest.raises(SignInError, match="used already"):
        await sign_in("office1", PASSWORD, code(uri, earlier), now)
    following = now + timedelta(seconds=30)
    assert (await sign_in("office1", PASSWORD, code(uri, following), following)).username == "office1"
    assert (await User.get(username="office1")).failed_logins == 0


async def test_wrong_codes_count_towards_the_lockout(store: None) -> None:
    _, uri = await create_user("office2", PASSWORD, ["ORGANIZATION_DEPT"], None)
    assert uri
    now = datetime.now(UTC)
    bad = "000000" if code(uri, now) != "000000" else "111111"
    for _ in range(4):
        with pytest.raises(SignInError):
            await sign_in("office2", PASSWORD, bad, now)
    with pytest.raises(SignInError) as fifth:
        await sign_in("office2", PASSWORD, bad, now)
    assert fifth.value.locked and fifth.value.status == 423
    with pytest.raises(SignInError) as still:
        await sign_in("office2", PASSWORD, code(uri, now), now + timedelta(minutes=5))
    assert still.value.locked, "locked for at least five minutes"
    later = now + timedelta(minutes=16)
    assert (await sign_in("office2", PASSWORD, code(uri, later), later)).username == "office2"


async def test_a_new_password_may_not_repeat_the_last_five(store: None) -> None:
    await create_user("wang", PASSWORD, ["LEADER"], None)
    current = PASSWORD
    for n in range(1, 6):
        new = f"Hua-mima-{n}!"
        await change_password("wang", current, None, new)
        current = new
    for earlier in ("Hua-mima-1!", "Hua-mima-5!", "Hua-mima-3!"):
        with pytest.raises(service.PasswordRefused, match="last 5"):
            await change_password("wang", current, None, earlier)
    await change_password("wang", current, None, PASSWORD)  # the sixth-newest: allowed again
    assert await PasswordHistory.filter(username="wang").count() == 7


async def test_an_expired_or_administrator_set_password_must_be_changed(store: None) -> None:
    user, _ = await create_user("lisi", PASSWORD, ["EVALUATOR"], None)
    later = datetime.now(UTC) + timedelta(days=91)
    with pytest.raises(SignInError) as old:
        await sign_in("lisi", PASSWORD, None, later)
    assert old.value.code == "password_expired" and old.value.status == 403
    await store_password(user, await prepare_password(user, "Temp-pass-77"), now=datetime.now(UTC), by_holder=False)
    with pytest.raises(SignInError) as temporary:
        await sign_in("lisi", "Temp-pass-77")
    assert temporary.value.code == "password_expired"
    with pytest.raises(service.PasswordRefused, match="password needs"):
        await change_password("lisi", "Temp-pass-77", None, "weak")
    assert (await change_password("lisi", "Temp-pass-77", None, "Li-new-pass-1")).username == "lisi"
    assert (await sign_in("lisi", "Li-new-pass-1")).username == "lisi"


async def test_sessions_end_when_idle_at_their_limit_and_on_demand(store: None) -> None:
    now = datetime.now(UTC)
    idle = timedelta(minutes=15)
    session = await open_session("zhao", "127.0.0.1", now, timedelta(hours=8))
    await check_session(session.id, now + timedelta(minutes=14), idle)
    touched = await Session.get(id=session.id)
    assert touched.last_seen_at > now, "activity moves the idle clock"
    await check_session(session.id, now + timedelta(minutes=28), idle)
    with pytest.raises(SessionEnded, match="without activity"):
        await check_session(session.id, now + timedelta(minutes=44), idle)
    with pytest.raises(SessionEnded, match="ended"):
        await check_session(session.id, now + timedelta(minutes=45), idle)

    busy = await open_session("zhao", None, now, timedelta(hours=8))
    moment = now
    while moment < now + timedelta(hours=8) - timedelta(minutes=10):
        moment += timedelta(minutes=10)
        await check_session(busy.id, moment, idle)
    with pytest.raises(SessionEnded, match="time limit"):
        await check_session(busy.id, now + timedelta(hours=8, minutes=1), idle)

    third = await open_session("zhao", None, now, timedelta(hours=8))
    assert await end_sessions("zhao", now, "account disabled") == 1
    with pytest.raises(SessionEnded, match="account disabled"):
        await check_session(third.id, now, idle)


async def test_a_recently_checked_session_is_forgotten_at_once_when_ended_here(store: None) -> None:
    RECENT.configure(60)  # long enough that only an end in this process can explain a refusal below
    try:
        now = datetime.now(UTC)
        idle = timedelta(minutes=15)
        first = await open_session("qian", None, now, timedelta(hours=8))
        await check_session_recent(first.id, now, idle)
        await Session.filter(id=first.id).update(ended_at=now, end_reason="ended elsewhere")
        await check_session_recent(first.id, now, idle)  # remembered: another process's end is not read yet
        RECENT.configure(0)
        with pytest.raises(SessionEnded, match="ended elsewhere"):
            await check_session_recent(first.id, now, idle)
        RECENT.configure(60)

        signed_out = await open_session("qian", None, now, timedelta(hours=8))
        await check_session_recent(signed_out.id, now, idle)
        assert await end_session(signed_out.id, now, "signed out")
        with pytest.raises(SessionEnded, match="signed out"):
            await check_session_recent(signed_out.id, now, idle)

        disabled = [await open_session("qian", None, now, timedelta(hours=8)) for _ in range(2)]
        for session in disabled:
            await check_session_recent(session.id, now, idle)
        assert await end_sessions("qian", now, "account disabled") == 2
        for session in disabled:
            with pytest.raises(SessionEnded, match="account disabled"):
                await check_session_recent(session.id, now, idle)

        # a check that read the store just before an end was written cannot bring the session back
        late = await open_session("qian", None, now, timedelta(hours=8))
        read_at = time.monotonic()
        stale = await Session.get(id=late.id)
        await end_sessions("qian", now, "grants changed")
        RECENT.put(stale, stale.last_seen_at, read_at)
        with pytest.raises(SessionEnded, match="grants changed"):
            await check_session_recent(late.id, now, idle)

        # idle expiry is unchanged: a touch that falls due goes to the store
        idler = await open_session("qian", None, now, timedelta(hours=8))
        await check_session_recent(idler.id, now, idle)
        await check_session_recent(idler.id, now + timedelta(minutes=14), idle)
        assert (await Session.get(id=idler.id)).last_seen_at > now, "activity still moves the idle clock"
        with pytest.raises(SessionEnded, match="without activity"):
            await check_session_recent(idler.id, now + timedelta(minutes=30), idle)
    finally:
        RECENT.configure(0)


async def test_three_admin_roles_never_share_an_account(store: None) -> None:
    for roles in (["SYSADMIN", "AUDITOR"], ["SECURITY_ADMIN", "SYSADMIN"], ["AUDITOR", "TARGET_OFFICE"]):
        with pytest.raises(ValueError, match="三员分立"):
            await create_user(f"x{uuid.uuid4().hex[:6]}", PASSWORD, roles, None)
