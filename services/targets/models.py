"""The targets service's tables."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class UnitKind(StrEnum):
    DISTRICT = "DISTRICT"
    MUNICIPAL = "MUNICIPAL"


class Unit(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=128)
    kind = fields.CharEnumField(UnitKind, max_length=16)
    group = fields.CharField(max_length=64, default="")
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "unit"
        ordering = ["code"]

    def snapshot(self) -> dict[str, object]:
        return {"code": self.code, "name": self.name, "kind": self.kind.value, "group": self.group,
                "version": self.version}
