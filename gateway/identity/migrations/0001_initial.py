from tortoise import fields, migrations
from tortoise.migrations import operations as ops


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
            options={'table': 'audit_entry', 'app': 'identity', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('username', fields.CharField(unique=True, max_length=64)),
                ('display_name', fields.CharField(default='', max_length=128)),
                ('password_hash', fields.CharField(max_length=256)),
                ('roles', fields.CharField(max_length=256)),
                ('unit', fields.CharField(null=True, max_length=32)),
                ('active', fields.BooleanField(default=True)),
                ('failed_logins', fields.IntField(default=0)),
                ('locked_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('otp_secret', fields.CharField(null=True, max_length=64)),
                ('password_changed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_login_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'account', 'app': 'identity', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
