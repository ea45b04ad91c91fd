from tortoise import migrations
from tortoise.migrations import operations as ops
from services.personnel.models import MainLeaderRole
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('actor', fields.CharField(max_length=128)),
                ('roles', fields.CharField(max_length=256)),
                ('unit', fields.CharField(null=True, max_length=64)),
                ('source', fields.CharField(null=True, max_length=64)),
                ('action', fields.CharField(max_length=64)),
                ('entity', fields.CharField(max_length=64)),
                ('entity_id', fields.CharField(null=True, max_length=256)),
                ('before', fields.TextField(null=True, unique=False)),
                ('after', fields.TextField(null=True, unique=False)),
                ('request_id', fields.CharField(null=True, max_length=64)),
                ('success', fields.BooleanField()),
                ('detail', fields.TextField(null=True, unique=False)),
                ('prev_hash', fields.CharField(max_length=64)),
                ('hash', fields.CharField(unique=True, max_length=64)),
            ],
            options={'table': 'audit_entry', 'app': 'personnel', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Person',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('staff_no', fields.CharField(unique=True, max_length=32)),
                ('name', fields.CharField(max_length=64)),
                ('unit_code', fields.CharField(db_index=True, max_length=32)),
                ('position', fields.CharField(default='', max_length=128)),
                ('leadership_member', fields.BooleanField(default=False)),
                ('main_leader_role', fields.CharEnumField(null=True, description='PARTY_SECRETARY: PARTY_SECRETARY\nADMIN_HEAD: ADMIN_HEAD', enum_type=MainLeaderRole, max_length=16)),
                ('on_establishment', fields.BooleanField(default=True)),
                ('monthly_salary', fields.DecimalField(max_digits=12, decimal_places=2)),
                ('bonus_standard', fields.DecimalField(max_digits=12, decimal_places=2)),
                ('version', fields.IntField(default=1)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(db_index=True, auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'person', 'app': 'personnel', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='UnitMembership',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('staff_no', fields.CharField(db_index=True, max_length=32)),
                ('unit_code', fields.CharField(max_length=32)),
                ('position', fields.CharField(default='', max_length=128)),
                ('joined_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('left_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'unit_membership', 'app': 'personnel', 'pk_attr': 'id', 'table_description': "A person's history of units: one row per stint, `left_at` empty for the current one."},
            bases=['Model'],
        ),
    ]
