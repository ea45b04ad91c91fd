from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """The X-Request-ID a client sent, kept apart from the request id the system gave (hashed only when set)."""

    dependencies = [('personnel', '0002_apply_results')]

    initial = False

    operations = [
        ops.AddField(
            model_name='AuditEntry',
            name='client_request_id',
            field=fields.CharField(null=True, max_length=64),
        ),
    ]
