"""`mbo user add`: accounts are written straight into the identity store, running stack or not."""

from __future__ import annotations

import asyncio
import getpass
import sys
from pathlib import Path

from gateway.identity.events import record
from gateway.identity.store import MIGRATIONS, MODELS, create_user
from kernel.db import close_database, open_database, tortoise_config
from kernel.settings import dsn_for


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


async def add_user(data_dir: Path, username: str, password: str, roles: list[str], unit: str | None,
                   display_name: str = "") -> str | None:
    """Create the account; return its `otpauth://` URI when its roles need a second factor."""
    config = tortoise_config("identity", dsn_for("identity", data_dir), MODELS, MIGRATIONS)
    await open_database(config)
    actor = f"cli:{getpass.getuser()}"
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


def add_user_sync(data_dir: Path, username: str, password: str, roles: list[str], unit: str | None,
                  display_name: str = "") -> str | None:
    return asyncio.run(add_user(data_dir, username, password, roles, unit, display_name))
