"""`mbo user add` and `mbo user reset`: the host's audited break-glass path, written straight into the identity
store, running stack or not (audited as `cli:<host user>`)."""

from __future__ import annotations

import asyncio
import getpass
import sys
from pathlib import Path

from gateway.identity import sealing, service
from gateway.identity.events import record
from gateway.identity.store import MIGRATIONS, MODELS, create_user
from kernel.auth import Caller
from kernel.context import RequestContext
from kernel.db import close_database, open_database, tortoise_config
from kernel.errors import AppError
from kernel.request_ids import new_id
from kernel.settings import dsn_for, signing_secret


def read_new_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        second = getpass.getpass("password again: ")
    else:
        first = sys.stdin.readline().rstrip("\r\n")
        second = sys.stdin.readline().rstrip("\r\n")
    if first != second:
        raise ValueError("the two passwords differ")
    return first


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


async def _open(data_dir: Path) -> None:
    sealing.configure(signing_secret(data_dir))
    await open_database(tortoise_config("identity", dsn_for("identity", data_dir), MODELS, MIGRATIONS))


async def add_user(data_dir: Path, username: str, password: str, roles: list[str], unit: str | None,
                   display_name: str = "") -> str | None:
    """Create the account; return its `otpauth://` URI when its roles need a second factor."""
    await _open(data_dir)
    actor = _actor()
    try:
        try:
            user, otp_uri = await create_user(username, password, roles, unit, display_name)
        except ValueError as exc:
            await record(actor=actor, action="createUser", entity_id=username, success=False,
                         detail=f"BAD_USER_INPUT: {exc}")
            raise
        await record(actor=actor, action="createUser", entity_id=username, success=True,
                     after={"username": user.username, "roles": user.role_list, "unit": user.unit,
                            "secondFactor": otp_uri is not None})
    finally:
        await close_database()
    return otp_uri


async def reset_user(data_dir: Path, username: str, password: str, second_factor: bool) -> None:
    """Break glass: a temporary password now (changed at next sign-in), the account unlocked and its sessions
    ended; with `second_factor`, the holder enrols a new one at next sign-in. ValueError when refused."""
    await _open(data_dir)
    context = RequestContext(caller=Caller(username=_actor(), roles=frozenset()), request_id=new_id(), source=None)
    try:
        await service.break_glass_reset(context, username=username, password=password, second_factor=second_factor)
    except AppError as exc:
        if not getattr(exc, "audited", False):
            await record(actor=_actor(), action="breakGlassReset", entity_id=username[:64], success=False,
                         detail=f"{exc.code}: {exc.message}")
        raise ValueError(exc.message) from None
    finally:
        await close_database()


def add_user_sync(data_dir: Path, username: str, password: str, roles: list[str], unit: str | None,
                  display_name: str = "") -> str | None:
    return asyncio.run(add_user(data_dir, username, password, roles, unit, display_name))


def reset_user_sync(data_dir: Path, username: str, password: str, second_factor: bool) -> None:
    asyncio.run(reset_user(data_dir, username, password, second_factor))


async def add_unit_systems(data_dir: Path, units: list[tuple[str, str]]) -> dict[str, str]:
    """Machine accounts (UNIT_OPERATOR of one unit each) for units' own systems, with one API key each; return
    unit code → key for the accounts created now (an existing account keeps its keys and is left out)."""
    from gateway.identity.apikeys import issue_key
    from gateway.identity.models import MACHINE, User

    await _open(data_dir)
    actor = _actor()
    keys: dict[str, str] = {}
    try:
        for code, name in units:
            username = f"{code.lower()}-system"
            try:
                user, _uri = await create_user(username, "", ["UNIT_OPERATOR"], code, f"{name}目标管理系统接口",
                                               kind=MACHINE)
            except ValueError as exc:
                if "exists already" in str(exc):
                    continue
                raise
            await User.filter(id=user.id).update(read_write=True)  # it signs and reports for its unit
            _key, keys[code] = await issue_key(user, "demo year", actor)
            await record(actor=actor, action="createUser", entity_id=username, success=True,
                         after={"username": username, "roles": user.role_list, "unit": code, "kind": MACHINE,
                                "readWrite": True})
    finally:
        await close_database()
    return keys


def add_unit_systems_sync(data_dir: Path, units: list[tuple[str, str]]) -> dict[str, str]:
    return asyncio.run(add_unit_systems(data_dir, units))
