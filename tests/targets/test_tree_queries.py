"""`Unit.targets(year)` loads a unit's whole tree with a constant number of SQL queries (in-process)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from tortoise import Tortoise

from kernel.auth import Caller
from kernel.context import RequestContext
from kernel.db import tortoise_config
from kernel.settings import ServiceSettings
from services.targets import repository
from services.targets.app import MIGRATIONS, MODELS
from services.targets.loaders import make_loaders
from services.targets.models import Direction, Measure, Target, TargetKind, TargetStatus, Unit, UnitKind
from services.targets.schema import schema

TREE = """{ units { code targets(year: 2026) { code points agreedValue uncoveredGap assignee { staffNo }
  children { code uncoveredGap children { code uncoveredGap assignee { staffNo } children { code } } } } } }"""


class Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.queries: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.lstrip().upper().startswith("SELECT"):
            self.queries.append(message)


@contextmanager
def counting() -> Iterator[Counter]:
    logger = logging.getLogger("tortoise.db_client")
    handler, level = Counter(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.fixture
async def database() -> AsyncIterator[None]:
    await Tortoise.init(config=tortoise_config("targets", "sqlite://:memory:", MODELS, MIGRATIONS),
                        _enable_global_fallback=True)
    await Tortoise.generate_schemas()
    try:
        yield
    finally:
        await Tortoise.close_connections()


async def city(units: int, tops: int, depth: int) -> None:
    await Unit.bulk_create([Unit(code=f"U{u:03d}", name=f"单位{u}", kind=UnitKind.MUNICIPAL) for u in range(units)])
    rows = []
    for u in range(units):
        for t in range(tops):
            code = f"U{u:03d}-{t:02d}"
            rows.append(_target(f"U{u:03d}", code, None))
            parents = [code]
            for level in range(depth):
                parents = [f"{p}-{level}{i}" for p in parents for i in range(2)]
                rows += [_target(f"U{u:03d}", c, c.rsplit("-", 1)[0]) for c in parents]
    await Target.bulk_create(rows, batch_size=1000)


def _target(unit: str, code: str, parent: str | None) -> Target:
    return Target(year=2026, code=code, unit_code=unit, parent_code=parent, title=code, kind=TargetKind.BASE,
                  measure=Measure.QUANTITATIVE, direction=Direction.HIGHER_IS_BETTER, agreed_value=Decimal(10),
                  points=Decimal(1), status=TargetStatus.AGREED, assignee="P-1")


async def run_tree() -> tuple[dict, int]:
    ctx = RequestContext(caller=Caller("office", frozenset({"TARGET_OFFICE"})), request_id="t", source=None,
                         settings=ServiceSettings(name="targets", dsn="sqlite://:memory:", secret="s"))
    ctx.loaders = make_loaders(ctx)
    with counting() as counter:
        result = await schema.execute(TREE, context_value=ctx)
    assert result.errors is None, result.errors
    return result.data, len(counter.queries)


async def test_tree_queries_do_not_grow_with_units_targets_or_depth(database: None) -> None:
    await city(units=2, tops=2, depth=1)
    data, small = await run_tree()
    first = data["units"][0]["targets"][0]
    assert [c["code"] for c in first["children"]] == ["U000-00-00", "U000-00-01"]
    await Tortoise.close_connections()
    await Tortoise.init(config=tortoise_config("targets", "sqlite://:memory:", MODELS, MIGRATIONS),
                        _enable_global_fallback=True)
    await Tortoise.generate_schemas()
    await city(units=12, tops=6, depth=3)
    data, large = await run_tree()
    leaf = data["units"][11]["targets"][5]["children"][1]["children"][0]["children"][0]
    assert leaf["code"] == "U011-05-01-10-20"
    assert data["units"][0]["targets"][0]["uncoveredGap"] == "-10"
    assert small == large <= 3


async def test_a_tree_read_as_values_holds_what_the_orm_reads(database: None) -> None:
    await Unit.create(code="V01", name="单位", kind=UnitKind.MUNICIPAL)
    await Target.create(year=2026, code="V01-01", unit_code="V01", title="增长", category="经济", kind=TargetKind.VETO,
                        measure=Measure.QUANTITATIVE, direction=Direction.LOWER_IS_BETTER, unit_of_measure="%",
                        baseline=Decimal("7.25"), proposed_value=Decimal("6.5"), agreed_value=Decimal("0.000001"),
                        points=Decimal("2.5"), benchmark_city="成都", benchmark_value=Decimal("123456789.5"),
                        assessing_department="统计局", responsible_leader="P-9", responsible_department="发改委",
                        assignee="P-1", additive=False, status=TargetStatus.SIGNED, stretch_override="因疫情",
                        version=3)
    await Target.create(year=2026, code="V01-01-1", unit_code="V01", parent_code="V01-01", title="子",
                        kind=TargetKind.STRETCH, measure=Measure.QUALITATIVE, direction=Direction.HIGHER_IS_BETTER)
    [root] = (await repository.unit_year_trees([("V01", 2026)]))[0]
    values = [root.data, root.children[0].data]
    orm = await Target.filter(year=2026).order_by("code")
    for read, expected in zip(values, orm, strict=True):
        for name in repository.TARGET_VALUE_COLUMNS:
            got, want = getattr(read, name), getattr(expected, name)
            assert (got, type(got)) == (want, type(want)), name
            assert str(got) == str(want), name
