"""Units: create, update, import (the targets service's logic; resolvers stay thin)."""

from __future__ import annotations

from dataclasses import dataclass

from kernel.audit import audited
from kernel.context import RequestContext
from kernel.errors import BadInput, Conflict, NotFound
from kernel.roles import Role
from kernel.tabular import RowErrors
from kernel.validation import clean_text
from services.targets.models import Unit, UnitKind

UNIT_KINDS = {"district": UnitKind.DISTRICT.value, "municipal": UnitKind.MUNICIPAL.value,
              "区": UnitKind.DISTRICT.value, "市直": UnitKind.MUNICIPAL.value}
CODE_MAX = 32


@dataclass(frozen=True)
class UnitRow:
    row: int
    code: str | None
    name: str | None
    kind: str | None
    group: str | None


@dataclass(frozen=True)
class UnitFields:
    name: str
    kind: UnitKind
    group: str


def _check_fields(name: str | None, kind: str | None, group: str | None) -> UnitFields:
    name = clean_text(name, field="name", limit=128, missing="a unit needs a name")
    try:
        unit_kind = UnitKind((kind or "").upper())
    except ValueError:
        raise BadInput("kind must be DISTRICT or MUNICIPAL", field="kind") from None
    return UnitFields(name=name, kind=unit_kind, group=(group or "").strip()[:64])


def _check_code(code: str | None) -> str:
    cleaned = (code or "").strip()
    if not cleaned or len(cleaned) > CODE_MAX or any(ch.isspace() for ch in cleaned):
        raise BadInput(f"a unit code is 1–{CODE_MAX} characters without spaces", field="code")
    return cleaned


async def create_unit(ctx: RequestContext, *, code: str, name: str, kind: str, group: str | None) -> Unit:
    """Create one unit (target office only)."""
    ctx.require(Role.TARGET_OFFICE)
    code = _check_code(code)
    checked = _check_fields(name, kind, group)
    async with audited(ctx, action="createUnit", entity="Unit") as audit:
        audit.entity_id = code
        if await Unit.filter(code=code).exists():
            raise Conflict(f"unit {code} exists already", field="code")
        unit = await Unit.create(code=code, name=checked.name, kind=checked.kind, group=checked.group)
        audit.after = unit.snapshot()
    return unit


async def update_unit(ctx: RequestContext, *, code: str, version: int, name: str | None, kind: str | None,
                      group: str | None) -> Unit:
    """Change a unit's name, kind or group, if nobody else changed it since `version`."""
    ctx.require(Role.TARGET_OFFICE)
    async with audited(ctx, action="updateUnit", entity="Unit") as audit:
        audit.entity_id = code
        unit = await Unit.get_or_none(code=code)
        if unit is None:
            raise NotFound(f"no unit {code}")
        audit.before = unit.snapshot()
        checked = _check_fields(
            name if name is not None else unit.name,
            kind if kind is not None else unit.kind.value,
            group if group is not None else unit.group,
        )
        changed = await Unit.filter(code=code, version=version).update(
            name=checked.name, kind=checked.kind, group=checked.group, version=version + 1
        )
        if not changed:
            raise Conflict(
                f"unit {code} was changed by someone else (you saw version {version}, it is now "
                f"{unit.version}); reload and try again",
                field="version",
                currentVersion=unit.version,
            )
        unit = await Unit.get(code=code)
        audit.after = unit.snapshot()
    return unit


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def validate_unit_rows(rows: list[UnitRow]) -> list[tuple[str, UnitFields]]:
    """Every bad row reported at once (row, column, reason); raise when any is bad."""
    errors = RowErrors("units.csv")
    seen: dict[str, int] = {}
    good: list[tuple[str, UnitFields]] = []
    for row in rows:
        code = errors.text(row.row, "code", row.code, max_length=CODE_MAX)
        if code and any(ch.isspace() for ch in code):
            errors.add(row.row, "code", "must not contain spaces")
            code = None
        if code and not errors.first_time(seen, code, row.row, "code", f"{code} is also"):
            code = None
        name = errors.text(row.row, "name", row.name, max_length=128)
        kind = errors.choice(row.row, "kind", row.kind, UNIT_KINDS)
        group = errors.text(row.row, "group", row.group, required=False, max_length=64) or ""
        if code and name and kind:
            good.append((code, UnitFields(name=name, kind=UnitKind(kind), group=group)))
    errors.raise_if_any()
    return good


async def import_units(ctx: RequestContext, rows: list[UnitRow]) -> ImportResult:
    """Create or update units from units.csv rows, all or nothing."""
    ctx.require(Role.TARGET_OFFICE)
    if not rows:
        raise BadInput("units.csv has no rows", field="rows")
    checked = validate_unit_rows(rows)
    created = updated = unchanged = 0
    async with audited(ctx, action="importUnits", entity="Unit") as audit:
        existing = {u.code: u for u in await Unit.filter(code__in=[code for code, _ in checked])}
        new_units = []
        for code, fields in checked:
            unit = existing.get(code)
            if unit is None:
                new_units.append(Unit(code=code, name=fields.name, kind=fields.kind, group=fields.group))
                created += 1
                audit.also("importUnits.create", "Unit", code, None,
                           {"code": code, "name": fields.name, "kind": fields.kind.value, "group": fields.group})
                continue
            if (unit.name, unit.kind, unit.group) == (fields.name, fields.kind, fields.group):
                unchanged += 1
                continue
            before = unit.snapshot()
            unit.name, unit.kind, unit.group = fields.name, fields.kind, fields.group
            unit.version += 1
            await unit.save(update_fields=["name", "kind", "group", "version", "updated_at"])
            audit.also("importUnits.update", "Unit", code, before, unit.snapshot())
            updated += 1
        if new_units:
            await Unit.bulk_create(new_units, batch_size=500)
        audit.after = {"created": created, "updated": updated, "unchanged": unchanged}
    return ImportResult(created=created, updated=updated, unchanged=unchanged)
