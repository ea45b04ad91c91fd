"""双人复核 (dual control): which account changes need a second administrator, and who may take each step.

Resetting the password or the second factor of, disabling, or unlocking an account that holds an
administrator or office role — and resetting anyone's second factor — is a request by a SYSADMIN that takes
effect only when a SECURITY_ADMIN approves it within 24 hours. Neither may be the account concerned, and the
approver is never the requester. Plain functions over plain values: the service applies them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from kernel.errors import Forbidden
from kernel.roles import Role

RESET_PASSWORD = "resetPassword"
RESET_SECOND_FACTOR = "resetSecondFactor"
DISABLE = "disableAccount"
UNLOCK = "unlockAccount"
ACTIONS = (RESET_PASSWORD, RESET_SECOND_FACTOR, DISABLE, UNLOCK)
PROTECTED_ROLES = frozenset({Role.SYSADMIN, Role.SECURITY_ADMIN, Role.AUDITOR, Role.TARGET_OFFICE,
                             Role.ORGANIZATION_DEPT})
LIFETIME = timedelta(hours=24)


def protected(roles: Iterable[str]) -> bool:
    """True when an account holds a role whose takeover would void 三员分立 or the year's control."""
    return bool(set(roles) & {r.value for r in PROTECTED_ROLES})


def needs_approval(action: str, roles: Iterable[str], *, second_factor: bool = False) -> bool:
    """Whether `action` on an account holding `roles` waits for a SECURITY_ADMIN's approval."""
    if action == RESET_SECOND_FACTOR or second_factor:
        return True
    return action in ACTIONS and protected(roles)


def check_requester(requester: str, username: str) -> None:
    if requester == username:
        raise Forbidden("nobody asks for a reset, disabling or unlocking of their own account")


def check_approver(approver: str, *, requested_by: str, username: str) -> None:
    if approver == username:
        raise Forbidden("nobody approves a request about their own account")
    if approver == requested_by:
        raise Forbidden("the approver must be another administrator than the requester (双人复核)")


def expired(expires_at: datetime, now: datetime) -> bool:
    return now >= expires_at
