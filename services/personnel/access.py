"""Who may read what in the personnel service (DESIGN.md §7): people, pay, and each kind of record by unit."""

from __future__ import annotations

from kernel.context import RequestContext
from kernel.errors import Forbidden
from kernel.roles import Role

PAY_ROLES = (Role.TARGET_OFFICE, Role.ORGANIZATION_DEPT)


def may_see_pay(ctx: RequestContext, unit_code: str) -> bool:
    """Salaries and bonuses: the target office, the organisation department, the unit's own leadership."""
    caller = ctx.caller
    if caller is None:
        return False
    if caller.has(*PAY_ROLES):
        return True
    return caller.has(Role.LEADER) and caller.unit == unit_code


# Who reads the people (Person, every field but pay, and the staff lists) of every unit: the offices that run the
# year and the cadre process, and the city's leaders. The other business roles read the people of the unit their
# account is bound to, and nobody else: a unit operator keeps its own unit's roster, an assessor or evaluator
# certifies and scores units and targets, never people. The administrators read no business data at all.
PEOPLE_READERS = (Role.TARGET_OFFICE, Role.LEADER, Role.ORGANIZATION_DEPT, Role.SUPERVISION_OFFICE)
UNIT_PEOPLE_READERS = (Role.UNIT_OPERATOR, Role.ASSESSOR, Role.EVALUATOR)


def sees_all_people(ctx: RequestContext) -> bool:
    return ctx.caller is not None and ctx.caller.has(*PEOPLE_READERS)


def may_see_people_of(ctx: RequestContext, unit_code: str) -> bool:
    """The people of `unit_code`: the city-wide readers, or a unit-bound role of that very unit."""
    caller = ctx.caller
    if caller is None:
        return False
    return caller.has(*PEOPLE_READERS) or (caller.unit is not None and caller.unit == unit_code
                                           and bool(caller.roles.intersection(UNIT_PEOPLE_READERS)))


def own_people_unit(ctx: RequestContext) -> str | None:
    """The one unit whose people a unit-bound caller reads; None for a city-wide reader and for a caller who reads
    no people at all (tell them apart with `sees_all_people`)."""
    caller = ctx.caller
    if caller is None or caller.has(*PEOPLE_READERS) or not caller.unit:
        return None
    return caller.unit if caller.roles.intersection(UNIT_PEOPLE_READERS) else None


def own_unit_only(ctx: RequestContext) -> Forbidden:
    """The one refusal for a person outside the caller's unit, whether or not the staff number exists."""
    unit = ctx.caller.unit if ctx.caller is not None else None
    return Forbidden(f"you may see only the people of your own unit ({unit or 'none'})")


def unit_scope(ctx: RequestContext, office_roles: tuple[str, ...], unit_roles: tuple[str, ...], what: str
               ) -> str | None:
    """None when the caller may see every unit's records, else the one unit it may see; FORBIDDEN otherwise."""
    caller = ctx.caller
    if caller is None:
        raise Forbidden("sign in first")
    if caller.has(*office_roles):
        return None
    if caller.unit and caller.roles.intersection(unit_roles):
        return caller.unit
    allowed = ", ".join([*office_roles, *(f"{r} of the unit" for r in unit_roles)])
    raise Forbidden(f"{what} are visible only to {allowed}")


REWARD_OFFICES = (Role.TARGET_OFFICE, Role.ORGANIZATION_DEPT)
REWARD_UNIT_ROLES = (Role.LEADER, Role.UNIT_OPERATOR)
FILING_OFFICES = (Role.TARGET_OFFICE, Role.ORGANIZATION_DEPT, Role.SUPERVISION_OFFICE)
FILING_UNIT_ROLES = (Role.LEADER,)
HONOUR_READERS = (Role.TARGET_OFFICE, Role.ORGANIZATION_DEPT, Role.SUPERVISION_OFFICE, Role.LEADER,
                  Role.UNIT_OPERATOR, Role.ASSESSOR, Role.EVALUATOR)


def reward_scope(ctx: RequestContext) -> str | None:
    return unit_scope(ctx, REWARD_OFFICES, REWARD_UNIT_ROLES, "reward lines")


def filing_scope(ctx: RequestContext) -> str | None:
    return unit_scope(ctx, FILING_OFFICES, FILING_UNIT_ROLES, "filing records and leader adjustments")


def may_see_cadre_file(ctx: RequestContext, unit_code: str) -> bool:
    """A person's cadre file (every year's forms and cases, whichever unit they were in): the filing offices, or
    the leadership of the unit the person is in now."""
    caller = ctx.caller
    return caller is not None and (caller.has(*FILING_OFFICES) or (
        caller.has(Role.LEADER) and caller.unit is not None and caller.unit == unit_code))
