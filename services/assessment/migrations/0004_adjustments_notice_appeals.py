from tortoise import migrations
from tortoise.migrations import operations as ops
from services.assessment.models import AdjustmentStatus, AppealStatus
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('assessment', '0003_client_request_id')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AdjustmentItem',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('year', fields.IntField()),
                ('unit_code', fields.CharField(db_index=True, max_length=32)),
                ('points', fields.CharField(max_length=16)),
                ('category', fields.CharField(max_length=64)),
                ('reason', fields.TextField(unique=False)),
                ('evidence', fields.TextField(default='', unique=False)),
                ('status', fields.CharEnumField(default=AdjustmentStatus.PROPOSED, description='PROPOSED: PROPOSED\nAPPROVED: APPROVED\nREJECTED: REJECTED', enum_type=AdjustmentStatus, max_length=16)),
                ('imported', fields.BooleanField(default=False)),
                ('proposed_by', fields.CharField(max_length=128)),
                ('proposed_role', fields.CharField(max_length=32)),
                ('proposed_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('decided_by', fields.CharField(null=True, max_length=128)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decision_reason', fields.TextField(null=True, unique=False)),
                ('version', fields.IntField(default=1)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'assessment_adjustment', 'app': 'assessment', 'pk_attr': 'id', 'table_description': 'One adjustment item (加减分) of a unit for a year: a bonus (> 0) or a deduction (< 0).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Appeal',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('year', fields.IntField()),
                ('revision', fields.IntField()),
                ('unit_code', fields.CharField(db_index=True, max_length=32)),
                ('reason', fields.TextField(unique=False)),
                ('status', fields.CharEnumField(default=AppealStatus.FILED, description='FILED: FILED\nACCEPTED: ACCEPTED\nREJECTED: REJECTED', enum_type=AppealStatus, max_length=16)),
                ('filed_by', fields.CharField(max_length=128)),
                ('filed_role', fields.CharField(max_length=32)),
                ('filed_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('decided_by', fields.CharField(null=True, max_length=128)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decision', fields.TextField(null=True, unique=False)),
                ('version', fields.IntField(default=1)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'assessment_appeal', 'app': 'assessment', 'pk_attr': 'id', 'table_description': "A unit's appeal (申诉) against its result in a revision on public notice."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Revision',
            name='blocking_appeals',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Revision',
            name='final_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Revision',
            name='finalized_by',
            field=fields.CharField(null=True, max_length=128),
        ),
        ops.AddField(
            model_name='Revision',
            name='notice_days',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Revision',
            name='notice_ends_on',
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name='Revision',
            name='published_on',
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name='UnitResult',
            name='adjustment_points',
            field=fields.CharField(default='0.00', db_default='0.00', max_length=24),
        ),
        ops.AddField(
            model_name='UnitResult',
            name='adjustments',
            field=fields.TextField(default='[]', db_default='[]', unique=False),
        ),
        # Revisions published before notices existed were final at publication.
        ops.RunSQL(
            "UPDATE assessment_revision SET final_at = published_at, finalized_by = published_by "
            "WHERE published_at IS NOT NULL AND final_at IS NULL",
            reverse_sql="",
        ),
    ]
