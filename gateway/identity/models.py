"""Accounts of the people and systems that sign in (the gateway's identity store)."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise import fields
from tortoise.models import Model

from kernel.roles import SECOND_FACTOR_ROLES

PERSON = "person"
MACHINE = "machine"


def needs_second_factor(roles: list[str]) -> bool:
    return bool(set(roles) & {r.value for r in SECOND_FACTOR_ROLES})


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
    otp_secret = fields.CharField(max_length=256, null=True)  # sealed (gateway.identity.sealing)
    otp_pending_secret = fields.CharField(max_length=256, null=True)  # offered at sign-in, not yet confirmed
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


# One refresh token of a session; only its SHA-256 is stored. A spent one presented again ends the session.
class RefreshToken(Model):

    id = fields.CharField(max_length=64, primary_key=True)
    session_id = fields.CharField(max_length=32, db_index=True)
    issued_at = fields.DatetimeField()
    spent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "refresh_token"


PENDING = "pending"
APPROVED = "approved"
REFUSED = "refused"
EXPIRED = "expired"


# 双人复核: a dangerous change to an account, requested by a SYSADMIN, in effect once a SECURITY_ADMIN approves.
class AccountRequest(Model):

    id = fields.CharField(max_length=16, primary_key=True)
    action = fields.CharField(max_length=32)
    username = fields.CharField(max_length=64, db_index=True)
    password_hash = fields.CharField(max_length=256, null=True)  # the proposed temporary password
    reset_second_factor = fields.BooleanField(default=False)
    reason = fields.CharField(max_length=256, default="")
    status = fields.CharField(max_length=16, default=PENDING, db_index=True)
    requested_by = fields.CharField(max_length=64)
    requested_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    decided_by = fields.CharField(max_length=64, null=True)
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "account_request"

    def public(self) -> dict:
        """What the administrators see of a request: never the proposed password."""
        return {
            "id": self.id,
            "action": self.action,
            "username": self.username,
            "secondFactor": self.reset_second_factor,
            "reason": self.reason,
            "status": self.status,
            "requestedBy": self.requested_by,
            "requestedAt": self.requested_at.isoformat(),
            "expiresAt": self.expires_at.isoformat(),
            "decidedBy": self.decided_by,
            "decidedAt": self.decided_at.isoformat() if self.decided_at else None,
        }
