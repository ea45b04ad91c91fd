"""Accounts of the people and systems that sign in (the gateway's identity store)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class User(Model):
    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    display_name = fields.CharField(max_length=128, default="")
    password_hash = fields.CharField(max_length=256)
    roles = fields.CharField(max_length=256)
    unit = fields.CharField(max_length=32, null=True)
    active = fields.BooleanField(default=True)
    failed_logins = fields.IntField(default=0)
    locked_until = fields.DatetimeField(null=True)
    otp_secret = fields.CharField(max_length=64, null=True)
    password_changed_at = fields.DatetimeField(null=True)
    last_login_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "account"

    @property
    def role_list(self) -> list[str]:
        return [r for r in self.roles.split(",") if r]
