"""Accounts of the people and systems that sign in (the gateway's identity store)."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise import fields
from tortoise.models import Model

PERSON = "person"
MACHINE = "machine"


class User(Model):
    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    display_name = fields.CharField(max_length=128, default="")
    kind = fields.CharField(max_length=16, default=PERSON)
    password_hash = fields.CharField(max_length=256)
    roles = fields.CharField(max_length=256)
    unit = fields.CharField(max_length=32, null=True)
    active = fields.BooleanField(default=True)
    read_write = fields.BooleanField(default=False)
    failed_logins = fields.IntField(default=0)
    locked_until = fields.DatetimeField(null=True)
    otp_secret = fields.CharField(max_length=64, null=True)
    otp_last_step = fields.BigIntField(null=True)
    password_changed_at = fields.DatetimeField(null=True)
    last_login_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "account"

    @property
    def role_list(self) -> list[str]:
        return [r for r in self.roles.split(",") if r]

    def public(self) -> dict:
        """What administrators see of an account: never a hash or a secret."""
        return {
            "username": self.username,
            "displayName": self.display_name,
            "kind": self.kind,
            "roles": self.role_list,
            "unit": self.unit,
            "active": self.active,
            "readWrite": self.read_write,
            "secondFactor": self.otp_secret is not None,
            "locked": self.locked_until is not None and self.locked_until > datetime.now(UTC),
            "passwordChangedAt": self.password_changed_at.isoformat() if self.password_changed_at else None,
            "lastLoginAt": self.last_login_at.isoformat() if self.last_login_at else None,
        }


# The hashes of an account's earlier passwords: the last five may not be used again.
class PasswordHistory(Model):

    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, db_index=True)
    password_hash = fields.CharField(max_length=256)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "password_history"



# One sign-in: ends after 15 idle minutes, at its absolute limit, on sign-out or account change.
class Session(Model):

    id = fields.CharField(max_length=32, primary_key=True)
    username = fields.CharField(max_length=64, db_index=True)
    source = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField()
    last_seen_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)
    end_reason = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "session"


# A revocable key of a machine account; only its SHA-256 is stored.
class ApiKey(Model):

    id = fields.CharField(max_length=16, primary_key=True)
    username = fields.CharField(max_length=64, db_index=True)
    secret_hash = fields.CharField(max_length=64)
    label = fields.CharField(max_length=128, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    created_by = fields.CharField(max_length=64)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    revoked_by = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "api_key"

    def public(self) -> dict:
        return {
            "id": self.id,
            "username": self.username,
            "label": self.label,
            "createdAt": self.created_at.isoformat() if self.created_at else None,
            "createdBy": self.created_by,
            "lastUsedAt": self.last_used_at.isoformat() if self.last_used_at else None,
            "revokedAt": self.revoked_at.isoformat() if self.revoked_at else None,
            "revokedBy": self.revoked_by,
        }
