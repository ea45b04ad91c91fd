from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from gateway.identity.sealing import is_sealed, seal


async def seal_existing_secrets(apps, schema_editor) -> None:
    """Seal every second-factor secret stored in the clear before this version (AES-GCM, gateway.identity.sealing)."""
    client = schema_editor.client
    mark = "$1" if client.capabilities.dialect == "postgres" else "?"
    other = "$2" if client.capabilities.dialect == "postgres" else "?"
    rows = await client.execute_query_dict("SELECT id, username, otp_secret FROM account WHERE otp_secret IS NOT NULL")
    for row in rows:
        if not is_sealed(row["otp_secret"]):
            await client.execute_query(f"UPDATE account SET otp_secret = {mark} WHERE id = {other}",
                                       [seal(row["otp_secret"], row["username"]), row["id"]])


class Migration(migrations.Migration):
    dependencies = [('identity', '0003_otp_last_step')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='User',
            name='otp_secret',
            field=fields.CharField(null=True, max_length=256),
        ),
        ops.AddField(
            model_name='User',
            name='otp_pending_secret',
            field=fields.CharField(null=True, max_length=256),
        ),
        ops.CreateModel(
            name='RefreshToken',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('session_id', fields.CharField(db_index=True, max_length=32)),
                ('issued_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('spent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'refresh_token', 'app': 'identity', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AccountRequest',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=16)),
                ('action', fields.CharField(max_length=32)),
                ('username', fields.CharField(db_index=True, max_length=64)),
                ('password_hash', fields.CharField(null=True, max_length=256)),
                ('reset_second_factor', fields.BooleanField(default=False)),
                ('reason', fields.CharField(default='', max_length=256)),
                ('status', fields.CharField(default='pending', db_index=True, max_length=16)),
                ('requested_by', fields.CharField(max_length=64)),
                ('requested_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('decided_by', fields.CharField(null=True, max_length=64)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'account_request', 'app': 'identity', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.RunPython(seal_existing_secrets),
    ]
