"""Per-year settings (settings.csv, `setAssessmentSetting`): stored as canonical key → text, read back as
`rules.Settings` through the one parser of `rules.settings`.

Settings are inputs of the year's assessment: a change marks computed results stale (compute again), and a
change to a year whose current revision is published is refused (open a correction first).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kernel.audit import audited
from kernel.context import RequestContext
from kernel.errors import BadInput, Conflict
from kernel.roles import Role
from kernel.tabular import RowErrors
from services.assessment import rules
from services.assessment.inputs import mark_changed
from services.assessment.models import Assessment, Status, YearSetting
from services.assessment.repository import stored_settings
from services.assessment.snapshot import MAX_YEAR, MIN_YEAR, check_year


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


def _merged(current: dict[str, str], incoming: dict[str, Decimal | int]) -> dict[str, str]:
    """Stored values with the incoming ones laid over them, every key in its canonical spelling."""
    merged = {rules.canonical_key(k): v for k, v in current.items()}
    merged.update({k: str(v) for k, v in incoming.items()})
    return merged


async def _refuse_if_published(year: int) -> None:
    assessment = await Assessment.get_or_none(year=year)
    if assessment is not None and assessment.status == Status.PUBLISHED:
        raise Conflict(f"revision {assessment.revision} of {year} is published and its settings are frozen with it; "
                       "the target office opens a correction to change them", year=year)


async def _write(year: int, current: dict[str, str], incoming: dict[str, Decimal | int],
                 on_change: list[tuple[str, str | None, str]]) -> tuple[int, int, int]:
    """Store the incoming values (canonical keys; other spellings of the same key removed); mark the year's
    results stale when anything changed. Inside the caller's transaction."""
    created = updated = unchanged = 0
    for key, value in incoming.items():
        text = str(value)
        variants = [k for k in current if k != key and rules.canonical_key(k) == key]
        before = current.get(key, current[variants[0]] if variants else None)
        if variants:
            await YearSetting.filter(year=year, key__in=variants).delete()
        if key not in current:
            await YearSetting.create(year=year, key=key, value=text)
            created += 1
        elif rules.parse_setting(key, current[key])[1] != value:  # "0.50" and "0.5" are the same value
            await YearSetting.filter(year=year, key=key).update(value=text)
            updated += 1
        else:
            unchanged += 1
            continue
        on_change.append((key, before, text))
    if on_change and await Assessment.exists(year=year):
        await _refuse_if_published(year)
        await mark_changed([year])
    return created, updated, unchanged


async def set_setting(ctx: RequestContext, *, year: int, key: str, value: str) -> rules.Settings:
    """Set one key of one year (target office only); the year must stay consistent."""
    ctx.require(Role.TARGET_OFFICE)
    check_year(year)
    try:
        canonical, parsed = rules.parse_setting(key, value)
    except rules.SettingsError as exc:
        raise BadInput(str(exc), field=exc.field) from None
    async with audited(ctx, action="setAssessmentSetting", entity="YearSetting") as audit:
        audit.entity_id = f"{year}:{canonical}"
        current = await stored_settings(year)
        try:
            result = rules.settings_from_pairs(_merged(current, {canonical: parsed}).items())
        except rules.SettingsError as exc:
            raise BadInput(str(exc), field="value") from None
        changes: list[tuple[str, str | None, str]] = []
        await _write(year, current, {canonical: parsed}, changes)
        audit.before = {canonical: changes[0][1]} if changes and changes[0][1] is not None else None
        audit.after = {canonical: str(parsed)}
    return result


async def import_settings(ctx: RequestContext, rows: list[SettingRow]) -> ImportResult:
    """Load settings.csv rows, all or nothing; every year touched must stay consistent."""
    ctx.require(Role.TARGET_OFFICE)
    if not rows:
        raise BadInput("settings.csv has no rows", field="rows")
    errors = RowErrors("settings.csv")
    parsed: dict[tuple[int, str], tuple[int, Decimal | int]] = {}
    for r in rows:
        year = errors.integer(r.row, "year", r.year, minimum=MIN_YEAR, maximum=MAX_YEAR)
        key = errors.text(r.row, "key", r.key, max_length=rules.MAX_KEY_LENGTH + 8)
        raw = errors.text(r.row, "value", r.value, max_length=rules.MAX_VALUE_LENGTH)
        if key is None or raw is None:
            continue
        try:
            canonical, value = rules.parse_setting(key, raw)
        except rules.SettingsError as exc:
            errors.add(r.row, exc.field, str(exc))
            continue
        if year is None:
            continue
        if (year, canonical) in parsed:
            errors.add(r.row, "key", f"{canonical} for {year} is also on row {parsed[(year, canonical)][0]}")
            continue
        parsed[(year, canonical)] = (r.row, value)
    errors.raise_if_any()
    created = updated = unchanged = 0
    async with audited(ctx, action="importSettings", entity="YearSetting") as audit:
        for year in sorted({y for y, _ in parsed}):
            current = await stored_settings(year)
            incoming = {k: v for (y, k), (_, v) in parsed.items() if y == year}
            try:
                rules.settings_from_pairs(_merged(current, incoming).items())
            except rules.SettingsError as exc:
                last_row = max(row for (y, _), (row, _) in parsed.items() if y == year)
                errors.add(last_row, "value", f"{year}: {exc}")
                continue
            changes: list[tuple[str, str | None, str]] = []
            done = await _write(year, current, incoming, changes)
            created, updated, unchanged = created + done[0], updated + done[1], unchanged + done[2]
            for key, before, after in changes:
                audit.also("importSettings.set", "YearSetting", f"{year}:{key}",
                           {key: before} if before is not None else None, {key: after})
        errors.raise_if_any()
        audit.after = {"created": created, "updated": updated, "unchanged": unchanged}
    return ImportResult(created=created, updated=updated, unchanged=unchanged)
