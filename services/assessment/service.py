"""Per-year settings: read, set one, import settings.csv (the assessment service's logic)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kernel.audit import audited
from kernel.context import RequestContext
from kernel.errors import BadInput
from kernel.roles import Role
from kernel.tabular import RowErrors
from services.assessment import year_settings
from services.assessment.models import YearSetting
from services.assessment.year_settings import YearSettings

MIN_YEAR, MAX_YEAR = 1990, 2200


@dataclass(frozen=True)
class SettingRow:
    row: int
    year: str | None
    key: str | None
    value: str | None


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def check_year(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise BadInput(f"year must be between {MIN_YEAR} and {MAX_YEAR}", field="year")
    return year


async def stored_values(year: int) -> dict[str, Decimal]:
    return {s.key: Decimal(s.value) for s in await YearSetting.filter(year=year)}


async def settings_for(year: int) -> YearSettings:
    return year_settings.build(await stored_values(check_year(year)))


async def set_setting(ctx: RequestContext, *, year: int, key: str, value: str) -> YearSettings:
    """Set one key of one year (target office only); the year must stay consistent."""
    ctx.require(Role.TARGET_OFFICE)
    check_year(year)
    key = key.strip()
    try:
        parsed = year_settings.parse_value(key, value)
    except ValueError as exc:
        raise BadInput(str(exc), field="value" if "key" not in str(exc) else "key") from None
    async with audited(ctx, action="setAssessmentSetting", entity="YearSetting") as audit:
        audit.entity_id = f"{year}:{key}"
        values = await stored_values(year)
        audit.before = {key: str(values[key])} if key in values else None
        values[key] = parsed
        try:
            result = year_settings.build(values)
        except ValueError as exc:
            raise BadInput(str(exc), field="value") from None
        await YearSetting.update_or_create(defaults={"value": str(parsed)}, year=year, key=key)
        audit.after = {key: str(parsed)}
    return result


async def import_settings(ctx: RequestContext, rows: list[SettingRow]) -> ImportResult:
    """Load settings.csv rows, all or nothing; every year touched must stay consistent."""
    ctx.require(Role.TARGET_OFFICE)
    if not rows:
        raise BadInput("settings.csv has no rows", field="rows")
    errors = RowErrors("settings.csv")
    parsed: dict[tuple[int, str], tuple[int, Decimal]] = {}
    for r in rows:
        year = errors.integer(r.row, "year", r.year, minimum=MIN_YEAR, maximum=MAX_YEAR)
        key = errors.text(r.row, "key", r.key, max_length=year_settings.MAX_KEY)
        raw = errors.text(r.row, "value", r.value, max_length=64)
        if key is None or raw is None:
            continue
        try:
            value = year_settings.parse_value(key, raw)
        except ValueError as exc:
            errors.add(r.row, "key" if "key" in str(exc) else "value", str(exc))
            continue
        if year is None:
            continue
        if (year, key) in parsed:
            errors.add(r.row, "key", f"{key} for {year} is also on row {parsed[(year, key)][0]}")
            continue
        parsed[(year, key)] = (r.row, value)
    errors.raise_if_any()
    created = updated = unchanged = 0
    async with audited(ctx, action="importSettings", entity="YearSetting") as audit:
        for year in sorted({y for y, _ in parsed}):
            values = await stored_values(year)
            incoming = {k: v for (y, k), (_, v) in parsed.items() if y == year}
            try:
                year_settings.build({**values, **incoming})
            except ValueError as exc:
                last_row = max(row for (y, _), (row, _) in parsed.items() if y == year)
                errors.add(last_row, "value", f"{year}: {exc}")
                continue
            for key, value in incoming.items():
                if key not in values:
                    await YearSetting.create(year=year, key=key, value=str(value))
                    created += 1
                elif values[key] != value:
                    await YearSetting.filter(year=year, key=key).update(value=str(value))
                    updated += 1
                else:
                    unchanged += 1
                    continue
                audit.also("importSettings.set", "YearSetting", f"{year}:{key}",
                           {key: str(values[key])} if key in values else None, {key: str(value)})
        errors.raise_if_any()
        audit.after = {"created": created, "updated": updated, "unchanged": unchanged}
    return ImportResult(created=created, updated=updated, unchanged=unchanged)
