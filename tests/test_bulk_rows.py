"""kernel/bulk.py: plain-row inserts store what the ORM stores, inside the caller's transaction; the collector
pause nests. In-process, on SQLite or (MBO_TEST_DB=postgres) a fresh PostgreSQL database."""

from __future__ import annotations

import gc
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from tortoise import Tortoise, fields
from tortoise.exceptions import IntegrityError, ValidationError
from tortoise.transactions import in_transaction

from kernel import copy_text
from kernel.bulk import (
    YOUNG_GENERATION_THRESHOLD,
    _converter,
    dict_converter,
    freeze_startup_heap,
    gc_paused,
    insert_dicts,
    insert_names,
    insert_rows,
    select_rows,
)
from kernel.db import drop_database, ensure_database, tortoise_config
from services.personnel.app import MIGRATIONS, MODELS
from services.personnel.models import FilingRecord, MainLeaderRole, Person, UnitMembership
from services.targets.models import Target
from tests.support.stack import PG_BASE, backend

COMPARED = ("staff_no", "name", "unit_code", "position", "leadership_member", "main_leader_role", "on_establishment",
            "monthly_salary", "bonus_standard", "left_on", "version")


@pytest.fixture
async def database(tmp_path) -> AsyncIterator[None]:
    dsn = (f"{PG_BASE}/mbo_test_{uuid.uuid4().hex[:10]}_bulk" if backend() == "postgres"
           else f"sqlite://{tmp_path / 'bulk.sqlite3'}")
    await ensure_database(dsn)
    await Tortoise.init(config=tortoise_config("personnel", dsn, MODELS, MIGRATIONS), _enable_global_fallback=True)
    await Tortoise.generate_schemas()
    try:
        yield
    finally:
        await Tortoise.close_connections()
        await drop_database(dsn)


def person(n: int, **extra: object) -> dict[str, object]:
    return {"staff_no": f"P{n:05d}", "name": f"张{n}", "unit_code": "JAQ", "position": "科员" if n % 2 else "",
            "leadership_member": n % 3 == 0, "main_leader_role": MainLeaderRole.ADMIN_HEAD if n == 3 else None,
            "on_establishment": n % 5 != 0, "monthly_salary": Decimal("8123.4") + n,
            "bonus_standard": Decimal("30000.005") + n, **extra}


async def stored(prefix: str) -> list[tuple[object, ...]]:
    rows = await select_rows(Person, ("staff_no", *COMPARED[1:]), "staff_no LIKE {}", f"{prefix}%")
    return sorted((r[0][len(prefix):], *r[1:]) for r in rows)


def outcome(convert: object, value: object) -> tuple[str, str]:
    try:
        result = convert(value)  # type: ignore[operator]
    except Exception as exc:
        return type(exc).__name__, str(exc)
    return type(result).__name__, repr(result)


VALUES: tuple[object, ...] = (None, "", "x", "名" * 70, "HIGHER_IS_BETTER", "ADMIN_HEAD", "STRETCH", 0, 7, -1, True,
                              2.5, Decimal("1.005"), Decimal("-0"), Decimal("1E+3"), Decimal("12345678901234567.125"),
                              Decimal("NaN"), Decimal("Infinity"), "3.14159", "1e2", "abc")


@pytest.mark.parametrize("model", [Person, UnitMembership, Target])
def test_each_field_converts_a_value_as_the_orm_does(model: type[Person]) -> None:
    """`insert_dicts`' shortcuts (enum members, decimals, text, whole numbers) give what the ORM's
    to_python_value then to_db_value give, or raise what they raise."""
    for name in insert_names(model):
        field = model._meta.fields_map[name]
        members = tuple(getattr(field, "enum_type", ()))
        convert = _converter(field)

        def orm(value: object, field=field) -> object:  # as the ORM makes and saves an object
            return field.to_db_value(None if value is None else field.to_python_value(value), None)
        for value in (*VALUES, *members, *members):  # a member twice: the second is the one kept
            if value is None and not field.null:
                continue  # goes to the database as None, which refuses it (NOT NULL)
            assert outcome(convert, value) == outcome(orm, value), (name, value)


async def test_insert_dicts_stores_what_the_orm_stores(database: None) -> None:
    given = [person(n) for n in range(1, 8)]
    await Person.bulk_create([Person(**{**p, "staff_no": "O" + str(p["staff_no"])}) for p in given])
    await insert_dicts(Person, [{**p, "staff_no": "B" + str(p["staff_no"])} for p in given])
    by_orm, by_rows = await stored("O"), await stored("B")
    assert by_rows == by_orm
    assert len(by_rows) == 7
    read = await Person.get(staff_no="BP00001")
    # rounded to the column's places when the row is made, half-even, as the ORM does
    assert read.monthly_salary == Decimal("8124.40") and read.bonus_standard == Decimal("30001.00")
    assert read.version == 1 and read.left_on is None and read.created_at is not None
    assert read.created_at == read.updated_at


async def test_a_row_with_a_date_and_an_enum_reads_back_through_the_orm(database: None) -> None:
    await insert_dicts(UnitMembership, [{"staff_no": "P1", "unit_code": "JAQ", "position": "区长",
                                         "leadership_member": True, "main_leader_role": MainLeaderRole.ADMIN_HEAD,
                                         "since": date(2026, 3, 1)}])
    stint = await UnitMembership.get(staff_no="P1")
    assert (stint.main_leader_role, stint.since, stint.until, stint.leadership_member) == (
        MainLeaderRole.ADMIN_HEAD, date(2026, 3, 1), None, True)
    assert stint.joined_at is not None


async def test_text_longer_than_its_column_is_refused_as_the_orm_refuses_it(database: None) -> None:
    with pytest.raises(ValidationError):
        await insert_dicts(Person, [person(1, name="名" * 65)])
    assert await Person.all().count() == 0


async def test_rows_written_in_a_transaction_that_fails_are_not_kept(database: None) -> None:
    with pytest.raises(RuntimeError):
        async with in_transaction():
            await insert_dicts(Person, [person(n) for n in range(1, 6001)])  # more than one slice of 5,000
            assert await Person.all().count() == 6000
            raise RuntimeError("refused after writing")
    assert await Person.all().count() == 0
    await insert_dicts(Person, [person(1)])
    with pytest.raises(IntegrityError):  # the unique staff number, checked by the database as for the ORM
        async with in_transaction():
            await insert_dicts(Person, [person(2), person(1, name="重复")])
    assert [p.name for p in await Person.all()] == ["张1"]


async def test_plain_tuples_go_in_as_given(database: None) -> None:
    names = ("staff_no", "name", "unit_code", "position", "leadership_member", "on_establishment",
             "monthly_salary", "bonus_standard", "version", "created_at", "updated_at")
    postgres = backend() == "postgres"
    when = Person._meta.fields_map["created_at"].to_db_value(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), None)
    money = Decimal if postgres else str
    await insert_rows(Person, names, [("T1", "李四", "JAQ", "", True, False, money("1.50"), money("2.00"), 1,
                                       when if postgres else when.isoformat(" "),
                                       when if postgres else when.isoformat(" "))])
    read = await Person.get(staff_no="T1")
    assert (read.name, read.leadership_member, read.on_establishment, read.monthly_salary, read.bonus_standard,
            read.created_at) == ("李四", True, False, Decimal("1.50"), Decimal("2.00"),
                                 datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))


def test_the_collector_pause_nests_and_ends_with_the_last_request() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # turned off by someone else before: left off
    finally:
        gc.enable()


def test_the_startup_heap_is_frozen_once() -> None:
    held = [[n] for n in range(1000)]  # alive now: moved to the permanent generation
    freeze_startup_heap()
    frozen = gc.get_freeze_count()
    assert frozen >= len(held)
    later = [[n] for n in range(1000)]
    freeze_startup_heap()  # a second app's lifespan in the same process freezes nothing more
    assert gc.get_freeze_count() <= frozen  # (a frozen object freed since leaves the count)
    assert len(later) == len(held)
    assert gc.get_threshold()[0] == YOUNG_GENERATION_THRESHOLD  # a request's objects are collected less often


AWKWARD = ("tab\there", "two\nlines", "back\\slash", "cr\rhere", "\\N", "", "名字\t\\n末尾\\", " 空格 ", "'\"")


async def test_awkward_text_times_and_json_store_what_the_orm_stores(database: None) -> None:
    """The PostgreSQL COPY goes in the text format (kernel.copy_text): text with tabs, line breaks, backslashes and
    a literal `\\N`, times in other offsets and JSON read back as the ORM stores them; NULL stays NULL."""
    east = timezone(timedelta(hours=8))
    given = [{**person(n, name=text, position=text[::-1]), "left_on": date(2026, 12, 31) if n % 2 else None}
             for n, text in enumerate(AWKWARD, start=1)]
    await Person.bulk_create([Person(**{**p, "staff_no": "O" + str(p["staff_no"])}) for p in given])
    await insert_dicts(Person, [{**p, "staff_no": "B" + str(p["staff_no"])} for p in given])
    assert await stored("B") == await stored("O")
    assert sorted(p[1] for p in await stored("B")) == sorted(AWKWARD)
    forms = [{"year": 2026, "staff_no": f"{prefix}{n}", "person_name": text, "unit_code": "JAQ",
              "team_role": "MEMBER", "grade": "ADVANCED", "reward_rule": "R", "reward_text": text,
              "bonus_paid": Decimal("1.5"), "bonus_forfeited": Decimal(0),
              "extra_salary": Decimal("1E+3"), "composite_score": None if n % 2 else Decimal("97.125"),
              "adjustments": [{"reason": text, "points": "-0.5"}], "revision": 1,
              "created_at": datetime(2026, 12, 31, 23, 30, 0, 123456, tzinfo=east),
              "updated_at": datetime(2026, 12, 31, 15, 30, 0, 123456, tzinfo=UTC)}
             for prefix in ("O", "B") for n, text in enumerate(AWKWARD, start=1)]
    await FilingRecord.bulk_create([FilingRecord(**f) for f in forms if f["staff_no"].startswith("O")])
    await insert_dicts(FilingRecord, [f for f in forms if f["staff_no"].startswith("B")])
    read = {r.staff_no: r for r in await FilingRecord.all()}
    assert len(read) == 2 * len(AWKWARD)
    for n, text in enumerate(AWKWARD, start=1):
        by_orm, by_rows = read[f"O{n}"], read[f"B{n}"]
        compared = ("person_name", "reward_text", "bonus_paid", "extra_salary", "composite_score", "adjustments",
                    "created_at", "updated_at", "status", "reviewed_at")
        assert [getattr(by_rows, c) for c in compared] == [getattr(by_orm, c) for c in compared]
        assert by_rows.adjustments == [{"reason": text, "points": "-0.5"}]
        assert by_rows.created_at == by_rows.updated_at  # 23:30 at +08:00 is 15:30 UTC
        assert by_rows.extra_salary == Decimal("1000.00") and by_rows.reviewed_at is None


async def test_rows_that_fail_while_being_made_leave_nothing(database: None) -> None:
    """A row source that raises halfway through (a rule refusing a value) ends the COPY; the error reaches the
    caller, nothing of it is kept and the connection goes on working."""
    convert = dict_converter(Person, insert_names(Person))

    def rows() -> Iterator[tuple[object, ...]]:
        for n in range(1, 5001):
            if n == 4321:
                raise ValueError("bonus_standard of P04321 must be a finite amount ≥ 0")
            yield convert(person(n))
    with pytest.raises(ValueError, match="P04321"):
        async with in_transaction():
            await insert_rows(Person, insert_names(Person), rows())
    assert await Person.all().count() == 0
    await insert_dicts(Person, [person(1)])
    assert [p.name for p in await Person.all()] == ["张1"]


def test_the_text_format_escapes_what_it_must_and_nothing_else() -> None:
    formats = copy_text.formatters([Person._meta.fields_map[n] for n in
                                    ("name", "version", "leadership_member", "bonus_standard", "left_on",
                                     "created_at")])
    assert formats is not None
    moment = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=8)))
    rows = [("a\tb\nc\\d\re", 7, True, Decimal("12.50"), date(2026, 12, 31), moment),
            ("\\N", 0, False, Decimal("-0.00"), None, moment),
            ("名", None, None, None, None, None)]
    data = b"".join(copy_text.lines(rows, formats)).decode()
    assert data.split("\n") == [
        "a\\tb\\nc\\\\d\\re\t7\tt\t12.50\t2026-12-31\t2026-01-01T19:04:05.000006+00:00",
        "\\\\N\t0\tf\t-0.00\t\\N\t2026-01-01T19:04:05.000006+00:00",
        "名\t\\N\t\\N\t\\N\t\\N\t\\N",
        ""]
    many = list(copy_text.lines([("x", 1, True, Decimal(1), None, None)] * (copy_text.CHUNK_ROWS + 1), formats))
    assert [chunk.count(b"\n") for chunk in many] == [copy_text.CHUNK_ROWS, 1]
    # a value of the wrong type cannot start a row of its own: text is escaped, a non-number refused by int()
    assert copy_text.number("1\n2026\tx") == "1\\n2026\\tx"
    with pytest.raises(ValueError):
        copy_text.integer("1\n2")
    binary_only = copy_text.formatters([Person._meta.fields_map["name"], fields.UUIDField()])
    assert binary_only is None  # such rows go in the binary format
