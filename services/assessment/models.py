"""The assessment service's tables."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class YearSetting(Model):
    """One assessment setting of one year (settings.csv): weights, pass line, quotas, caps."""

    id = fields.IntField(primary_key=True)
    year = fields.IntField()
    key = fields.CharField(max_length=96)
    value = fields.CharField(max_length=64)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "year_setting"
        unique_together = (("year", "key"),)
