"""Every read the assessment resolvers and loaders run, and the one scope per kind of record behind them.

`readable_<records>(ctx)` is the query of what the caller may read of one kind of record, following `access.py`:
a caller without the right is refused; the offices read every unit and revision, a unit operator its own unit's
rows of the published revisions, an assessor the targets its department assesses. The other reads start from
them, except: the bulletin's results (public to whoever may read the published revision), the year's settings
(one role check), the certifications of targets already scoped, and what a mutation answers with after its own
role check (`current_view`, `source_row`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

from kernel import clock
from kernel.bulk import select_rows
from kernel.context import RequestContext
from kernel.errors import Conflict, Forbidden, NotFound
from services.assessment import access, rules
from services.assessment.models import (
    AdjustmentItem,
    AdjustmentStatus,
    Appeal,
    AppealStatus,
    Assessment,
    Certification,
    Revision,
    SnapshotTarget,
    Status,
    UnitResult,
    YearSetting,
)
from services.assessment.snapshot import check_year

M = TypeVar("M", bound=Model)


# --------------------------------------------------------------------------------------------------
# Scopes: what the caller may read of one kind of record
# --------------------------------------------------------------------------------------------------


def _in_unit(query: QuerySet[M], unit: str | None) -> QuerySet[M]:
    return query if unit is None else query.filter(unit_code=unit)


def readable_revisions(ctx: RequestContext, readers: tuple[str, ...] = access.RESULT_READERS) -> QuerySet[Revision]:
    """Every revision for the offices; the published ones for every other reader."""
    ctx.require(*readers)
    query = Revision.all()
    return query if access.is_office(ctx) else query.filter(published_at__isnull=False)


def readable_results(ctx: RequestContext) -> QuerySet[UnitResult]:
    """Every unit's results for the offices; a unit operator's own unit's (of the revisions it may read)."""
    ctx.require(*access.RESULT_READERS)
    return _in_unit(UnitResult.all(), access.own_unit(ctx))


def readable_targets(ctx: RequestContext) -> QuerySet[SnapshotTarget]:
    """Every snapshotted target for the offices and evaluators; an assessor's department's for an assessor."""
    caller = ctx.require(*access.TARGET_READERS)
    if access.reads_every_target(ctx):
        return SnapshotTarget.all()
    return SnapshotTarget.filter(assessing_department=caller.unit or "")


def readable_sources(ctx: RequestContext, model: type[M]) -> QuerySet[M]:
    """The ballots, inspection scores or grassroots responses (`model`): the offices and evaluators read them all."""
    ctx.require(*access.SOURCE_READERS)
    return model.all()


def readable_adjustment_items(ctx: RequestContext) -> QuerySet[AdjustmentItem]:
    """Every item for the offices; a unit operator's own unit's approved items."""
    ctx.require(*access.RESULT_READERS)
    unit = access.own_unit(ctx)
    query = _in_unit(AdjustmentItem.all(), unit)
    return query if unit is None else query.filter(status=AdjustmentStatus.APPROVED)


def readable_appeals(ctx: RequestContext) -> QuerySet[Appeal]:
    """Every appeal for the offices; a unit operator's own unit's."""
    ctx.require(*access.RESULT_READERS)
    return _in_unit(Appeal.all(), access.own_unit(ctx))


# --------------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------------


async def stored_settings(year: int) -> dict[str, str]:
    """The year's stored key → value text (keys as stored), read as plain rows: read on every request that needs
    the settings, where the ORM's query building and model objects cost more than the query."""
    return {str(key): str(value) for key, value in await select_rows(YearSetting, ("key", "value"), '"year" = {}',
                                                                      year)}


async def settings_for(year: int) -> rules.Settings:
    """The year's settings (defaults where not set); CONFLICT when the stored values do not agree."""
    try:
        return rules.settings_from_pairs((await stored_settings(check_year(year))).items())
    except rules.SettingsError as exc:
        raise Conflict(f"the {year} settings are inconsistent: {exc}", field="settings") from None


async def readable_settings(ctx: RequestContext, year: int) -> rules.Settings:
    """The year's settings, for every business role."""
    ctx.require(*access.READERS)
    return await settings_for(year)


# --------------------------------------------------------------------------------------------------
# The assessment and its revisions
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    """One revision of one year as a caller may see it (`unit` limits the results to one unit)."""

    assessment: Assessment
    revision: Revision
    unit: str | None = None

    @property
    def status(self) -> Status:
        if self.revision.published_at is not None:
            return Status.PUBLISHED
        return Status(self.assessment.status)

    async def results(self) -> list[UnitResult]:
        query = UnitResult.filter(year=self.revision.year, revision=self.revision.number)
        return await _in_unit(query, self.unit).order_by("position")

    def groups(self) -> list[dict[str, Any]]:
        return json.loads(self.revision.groups)

    @property
    def final(self) -> bool:
        return self.revision.final_at is not None

    @property
    def on_notice(self) -> bool:
        return self.revision.published_at is not None and not self.final and rules.on_notice(
            self.revision.notice_ends_on, clock.today())


async def assessment_of(year: int) -> Assessment:
    """The year's assessment; NOT_FOUND before it is opened."""
    assessment = await Assessment.get_or_none(year=check_year(year))
    if assessment is None:
        raise NotFound(f"no assessment is open for {year}; compute it first", field="year")
    return assessment


async def current_view(year: int) -> View:
    """The working (or last published) revision with every unit, as the target office sees it."""
    assessment = await assessment_of(year)
    revision = await Revision.get(year=year, number=assessment.revision)
    return View(assessment, revision)


async def _revision(query: QuerySet[Revision], number: int | None) -> Revision | None:
    """The revision numbered `number` among `query`, or the latest of them."""
    if number is None:
        return await query.order_by("-number").first()
    return await query.get_or_none(number=number)


async def visible(ctx: RequestContext, year: int, number: int | None = None) -> View | None:
    """The revision the caller may read (the working one by default for the offices, the latest published one
    for a unit), with its results limited to the caller's unit."""
    revisions = readable_revisions(ctx)
    check_year(year)
    assessment = await Assessment.get_or_none(year=year)
    if assessment is None:
        return None
    unit = access.own_unit(ctx)
    if unit is None:
        number = number or assessment.revision
    revision = await _revision(revisions.filter(year=year), number)
    return View(assessment, revision, unit=unit) if revision else None


async def revisions(ctx: RequestContext, year: int) -> list[Revision]:
    """Every revision of the year the caller may read, oldest first."""
    query = readable_revisions(ctx)
    return await query.filter(year=check_year(year)).order_by("number")


async def published(ctx: RequestContext, year: int, number: int | None = None,
                    readers: tuple[str, ...] = access.PUBLISHED_READERS) -> tuple[Revision, list[UnitResult]] | None:
    """A published revision (the latest by default) with all its results."""
    query = readable_revisions(ctx, readers)
    check_year(year)
    revision = await _revision(query.filter(year=year, published_at__isnull=False), number)
    if revision is None:
        return None
    return revision, await UnitResult.filter(year=year, revision=revision.number).order_by("position")


async def bulletin_revision(ctx: RequestContext, year: int,
                            number: int | None = None) -> tuple[Revision, list[UnitResult]] | None:
    """The published revision of the bulletin (the latest by default) with every unit's result: the bulletin is
    public to every business role."""
    return await published(ctx, year, number, readers=access.BULLETIN_READERS)


async def results_for_units(ctx: RequestContext, keys: list[tuple[int, str]]) -> list[UnitResult | None]:
    """Batch loader of `Unit.result(year)`: the caller's visible revision per year, one query per year."""
    if ctx.caller is None:
        raise Forbidden("sign in first")
    unit = access.own_unit(ctx)
    found: dict[tuple[int, str], UnitResult] = {}
    for year in sorted({y for y, _ in keys}):
        codes = sorted({c for y, c in keys if y == year and unit in (None, c)})
        if not codes:
            continue
        view = await visible(ctx, year)
        if view is None:
            continue
        rows = readable_results(ctx).filter(year=year, revision=view.revision.number, unit_code__in=codes)
        for row in await rows:
            found[(year, row.unit_code)] = row
    return [found.get(key) for key in keys]


# --------------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------------


async def snapshot_targets(ctx: RequestContext, year: int, unit_code: str | None) -> list[
        tuple[SnapshotTarget, Certification | None]]:
    """The year's snapshotted targets with their certifications (an assessor sees its own department's)."""
    query = readable_targets(ctx).filter(year=check_year(year))
    targets = await _in_unit(query, unit_code or None).order_by("unit_code", "code")
    certified = {c.target_code: c for c in await Certification.filter(
        year=year, target_code__in=[t.code for t in targets])} if targets else {}
    return [(t, certified.get(t.code)) for t in targets]


async def source_rows(ctx: RequestContext, model: type[M], year: int, unit_code: str | None) -> list[M]:
    """One source's rows of the year (all units, or one), by unit."""
    query = readable_sources(ctx, model).filter(year=check_year(year))
    return await _in_unit(query, unit_code or None).order_by("unit_code", "id")


async def source_row(model: type[M], **key: Any) -> M:
    """The one row of a source with this key (year, unit and the source's own key)."""
    return await model.get(**key)


async def adjustment_items(ctx: RequestContext, *, year: int, unit_code: str | None = None,
                           status: AdjustmentStatus | None = None) -> list[AdjustmentItem]:
    """A year's items; a unit operator sees its own unit's approved items only."""
    query = readable_adjustment_items(ctx).filter(year=check_year(year))
    query = _in_unit(query, unit_code or None)
    if status is not None:
        query = query.filter(status=status)
    return await query.order_by("unit_code", "id")


async def appeals(ctx: RequestContext, *, year: int, status: AppealStatus | None = None) -> list[Appeal]:
    """A year's appeals, oldest first; a unit operator sees its own unit's only."""
    query = readable_appeals(ctx).filter(year=check_year(year))
    if status is not None:
        query = query.filter(status=status)
    return await query.order_by("id")
