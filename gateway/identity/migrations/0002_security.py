from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('identity', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ApiKey',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=16)),
                ('username', fields.CharField(db_index=True, max_length=64)),
                ('secret_hash', fields.CharField(max_length=64)),
                ('label', fields.CharField(default='', max_length=128)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('created_by', fields.CharField(max_length=64)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_by', fields.CharField(null=True, max_length=64)),
            ],
            options={'table': 'api_key', 'app': 'identity', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PasswordHistory',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('username', fields.CharField(db_index=True, max_length=64)),
                ('password_hash', fields.CharField(max_length=256)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'password_history', 'app': 'identity', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Session',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32)),
                ('username', fields.CharField(db_index=True, max_length=64)),
                ('source', fields.CharField(null=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_seen_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('end_reason', fields.CharField(null=True, max_length=64)),
            ],
            options={'table': 'session', 'app': 'identity', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='User',
            name='kind',
            field=fields.CharField(default='person', max_length=16),
        ),
        ops.AddField(
            model_name='User',
            name='read_write',
            field=fields.BooleanField(default=False),
        ),
    ]
