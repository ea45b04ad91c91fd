from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('identity', '0002_security')]

    initial = False

    operations = [
        ops.AddField(
            model_name='User',
            name='otp_last_step',
            field=fields.BigIntField(null=True),
        ),
    ]
