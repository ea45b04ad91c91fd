from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """Each unit's count of tracked targets per latest progress figure, and what those figures were computed
    from: the home screen's lagging count of a day after the latest report reads them with one aggregate query
    (the tables start empty; the first count after this migration fills them)."""

    dependencies = [('targets', '0004_progress_corrections')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ProgressStanding',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('year', fields.IntField(unique=True)),
                ('fingerprint', fields.CharField(max_length=128)),
                ('reported_to', fields.DateField(null=True)),
                ('within_units', fields.BooleanField(default=True)),
            ],
            options={'table': 'progress_standing', 'app': 'targets', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='UnitProgress',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('year', fields.IntField()),
                ('unit_code', fields.CharField(max_length=32)),
                ('rolled', fields.CharField(max_length=64)),
                ('target_count', fields.IntField()),
            ],
            options={'table': 'unit_progress', 'app': 'targets', 'indexes': [Index(fields=['year', 'unit_code'])],
                     'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
