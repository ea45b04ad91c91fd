from tortoise import migrations
from tortoise.migrations import operations as ops
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
            options={'table': 'audit_entry', 'app': 'assessment', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='YearSetting',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('year', fields.IntField()),
                ('key', fields.CharField(max_length=96)),
                ('value', fields.CharField(max_length=64)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'year_setting', 'app': 'assessment', 'unique_together': (('year', 'key'),), 'pk_attr': 'id', 'table_description': 'One assessment setting of one year (settings.csv): weights, pass line, quotas, caps.'},
            bases=['Model'],
        ),
    ]
