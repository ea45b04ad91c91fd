"""The roles of DESIGN.md §7 and the separation-of-duties rule (三员分立)."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    TARGET_OFFICE = "TARGET_OFFICE"
    LEADER = "LEADER"
    UNIT_OPERATOR = "UNIT_OPERATOR"
    ASSESSOR = "ASSESSOR"
    EVALUATOR = "EVALUATOR"
    SUPERVISION_OFFICE = "SUPERVISION_OFFICE"
    ORGANIZATION_DEPT = "ORGANIZATION_DEPT"
    AUDITOR = "AUDITOR"
    SYSADMIN = "SYSADMIN"
    SECURITY_ADMIN = "SECURITY_ADMIN"


SERVICE_ROLE = "SERVICE"
ADMIN_ROLES = frozenset({Role.SYSADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})
BUSINESS_ROLES = frozenset(Role) - ADMIN_ROLES
ROLES_NEEDING_UNIT = frozenset({Role.UNIT_OPERATOR})
SECOND_FACTOR_ROLES = frozenset(
    {Role.SYSADMIN, Role.SECURITY_ADMIN, Role.AUDITOR, Role.TARGET_OFFICE, Role.ORGANIZATION_DEPT}
)


def parse_roles(names: Iterable[str]) -> list[Role]:
    roles: list[Role] = []
    for name in names:
        key = name.strip().upper().replace("-", "_")
        try:
            role = Role(key)
        except ValueError:
            allowed = ", ".join(r.value for r in Role)
            raise ValueError(f"unknown role {name!r}; roles are {allowed}") from None
        if role not in roles:
            roles.append(role)
    return roles


def check_role_combination(roles: Iterable[Role], unit: str | None) -> None:
    """Raise ValueError when roles break 三员分立 or a unit-bound role has no unit."""
    held = set(roles)
    if not held:
        raise ValueError("an account needs at least one role")
    admin = held & ADMIN_ROLES
    if len(admin) > 1:
        raise ValueError("SYSADMIN, SECURITY_ADMIN and AUDITOR are never held by one account (三员分立)")
    if admin and held - ADMIN_ROLES:
        raise ValueError(f"{next(iter(admin))} cannot be combined with a business role (三员分立)")
    if held & ROLES_NEEDING_UNIT and not unit:
        raise ValueError("UNIT_OPERATOR accounts need --unit")
