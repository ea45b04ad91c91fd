"""Unit history with business dates (DESIGN.md §4.3), one-time awards, adjustment items on filing forms.

Existing stints become dated ones: a person's first recorded stint began "before any year in the system"
(`since` empty); a later one — a move recorded with a system time before this change — began on the day
it was recorded (Beijing time, UTC+8), and the stint before it ended the day before. The held stint takes
the person's leadership-team membership and main-leader role; earlier stints did not record them.
"""

from datetime import date, datetime, timedelta, timezone
from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from services.personnel.models import MainLeaderRole
from tortoise import fields

BEIJING = timezone(timedelta(hours=8))


def _day(value: Any) -> date:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(BEIJING).date()


async def date_the_stints(apps: Any, schema_editor: Any) -> None:
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    _, rows = await client.execute_query(
        "SELECT m.id, m.staff_no, m.joined_at, m.left_at, p.leadership_member, p.main_leader_role "
        "FROM unit_membership m LEFT JOIN person p ON p.staff_no = m.staff_no ORDER BY m.staff_no, m.joined_at, m.id")
    by_person: dict[str, list[Any]] = {}
    for row in rows:
        by_person.setdefault(row["staff_no"], []).append(row)
    updates = []
    for stints in by_person.values():
        starts: list[date | None] = [None] + [_day(s["joined_at"]) for s in stints[1:]]
        for index, stint in enumerate(stints):
            last = index == len(stints) - 1
            until = None if last else starts[index + 1] - timedelta(days=1)  # type: ignore[operator]
            member = bool(stint["leadership_member"]) if last and stint["left_at"] is None else False
            role = stint["main_leader_role"] if last and stint["left_at"] is None else None
            since = starts[index]
            if not postgres:
                since = since.isoformat() if since else None
                until = until.isoformat() if until else None
            updates.append([since, until, member, role, stint["id"]])
    marks = ("$1", "$2", "$3", "$4", "$5") if postgres else ("?",) * 5
    sql = (f"UPDATE unit_membership SET since = {marks[0]}, until = {marks[1]}, leadership_member = {marks[2]}, "
           f"main_leader_role = {marks[3]} WHERE id = {marks[4]}")
    if updates:
        await client.execute_many(sql, updates)
    await client.execute_script(
        "INSERT INTO unit_membership (staff_no, unit_code, position, leadership_member, main_leader_role, since, "
        "until, joined_at) SELECT p.staff_no, p.unit_code, p.position, p.leadership_member, p.main_leader_role, "
        "NULL, NULL, p.created_at FROM person p WHERE NOT EXISTS "
        "(SELECT 1 FROM unit_membership m WHERE m.staff_no = p.staff_no)")


class Migration(migrations.Migration):
    dependencies = [('personnel', '0003_client_request_id')]

    initial = False

    operations = [
        ops.CreateModel(
            name='UnitAward',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('year', fields.IntField()),
                ('unit_code', fields.CharField(max_length=32)),
                ('title', fields.CharField(max_length=128)),
                ('amount', fields.DecimalField(max_digits=12, decimal_places=2)),
                ('active', fields.BooleanField(default=True)),
                ('revision', fields.IntField()),
                ('reason', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'unit_award', 'app': 'personnel', 'unique_together': (('year', 'unit_code'),), 'pk_attr': 'id', 'table_description': '一次性物质奖励 of an advanced unit for a year, withdrawn (inactive) by a later revision that drops it.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='FilingRecord',
            name='adjustment_points',
            field=fields.DecimalField(default=0, db_default=0, max_digits=6, decimal_places=2),
        ),
        ops.AddField(
            model_name='FilingRecord',
            name='adjustments',
            field=fields.JSONField(default=list, db_default=[], encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Person',
            name='left_on',
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name='ResultSnapshot',
            name='advanced_leader_award',
            field=fields.DecimalField(default=0, db_default=0, max_digits=12, decimal_places=2),
        ),
        ops.AddField(
            model_name='ResultSnapshot',
            name='advanced_unit_award',
            field=fields.DecimalField(default=0, db_default=0, max_digits=12, decimal_places=2),
        ),
        ops.AddField(
            model_name='RewardLine',
            name='one_time_award',
            field=fields.DecimalField(default=0, db_default=0, max_digits=12, decimal_places=2),
        ),
        ops.AlterModelOptions(
            name='UnitMembership',
            options={'table': 'unit_membership', 'app': 'personnel', 'pk_attr': 'id', 'table_description': "A person's unit history: one row per stint, with business dates (since/until) and system times."},
        ),
        ops.AddField(
            model_name='UnitMembership',
            name='leadership_member',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='UnitMembership',
            name='main_leader_role',
            field=fields.CharEnumField(null=True, description='PARTY_SECRETARY: PARTY_SECRETARY\nADMIN_HEAD: ADMIN_HEAD', enum_type=MainLeaderRole, max_length=16),
        ),
        ops.AddField(
            model_name='UnitMembership',
            name='since',
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name='UnitMembership',
            name='until',
            field=fields.DateField(null=True),
        ),
        ops.RunPython(date_the_stints, ops.RunPython.noop),
    ]
