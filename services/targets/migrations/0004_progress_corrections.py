"""A progress report is one per target and period; a second report corrects it (with a version).

Reports made twice for one period before this migration are merged: the latest stays, numbered with how many
there were; the earlier values remain in the audit trail (one `reportProgress` entry per report).
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint

LATEST = "SELECT MAX(id) FROM progress_report GROUP BY target_id, period"


class Migration(migrations.Migration):
    dependencies = [('targets', '0003_client_request_id')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ProgressReport',
            name='version',
            field=fields.IntField(default=1, db_default=1),
        ),
        ops.RunSQL([
            "UPDATE progress_report SET version = (SELECT COUNT(*) FROM progress_report AS earlier "
            "WHERE earlier.target_id = progress_report.target_id AND earlier.period = progress_report.period) "
            f"WHERE id IN ({LATEST})",
            f"DELETE FROM progress_report WHERE id NOT IN ({LATEST})",
        ], reverse_sql=[]),
        ops.AddConstraint(
            model_name='ProgressReport',
            constraint=UniqueConstraint(fields=('target_id', 'period'), name=None),
        ),
    ]
