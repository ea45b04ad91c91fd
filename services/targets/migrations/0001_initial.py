from tortoise import migrations
from tortoise.migrations import operations as ops
from services.targets.models import UnitKind
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
            options={'table': 'audit_entry', 'app': 'targets', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Unit',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('name', fields.CharField(max_length=128)),
                ('kind', fields.CharEnumField(description='DISTRICT: DISTRICT\nMUNICIPAL: MUNICIPAL', enum_type=UnitKind, max_length=16)),
                ('group', fields.CharField(default='', max_length=64)),
                ('version', fields.IntField(default=1)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'unit', 'app': 'targets', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
