"""The personnel service's tables."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class MainLeaderRole(StrEnum):
    PARTY_SECRETARY = "PARTY_SECRETARY"
    ADMIN_HEAD = "ADMIN_HEAD"


class Person(Model):
    id = fields.IntField(primary_key=True)
    staff_no = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=64)
    unit_code = fields.CharField(max_length=32, db_index=True)
    position = fields.CharField(max_length=128, default="")
    leadership_member = fields.BooleanField(default=False)
    main_leader_role = fields.CharEnumField(MainLeaderRole, max_length=16, null=True)
    on_establishment = fields.BooleanField(default=True)
    monthly_salary = fields.DecimalField(max_digits=12, decimal_places=2)
    bonus_standard = fields.DecimalField(max_digits=12, decimal_places=2)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True, db_index=True)

    class Meta:
        table = "person"
        ordering = ["staff_no"]

    def snapshot(self) -> dict[str, object]:
        return {
            "staff_no": self.staff_no, "name": self.name, "unit_code": self.unit_code,
            "position": self.position, "leadership_member": self.leadership_member,
            "main_leader_role": self.main_leader_role.value if self.main_leader_role else None,
            "on_establishment": self.on_establishment, "monthly_salary": str(self.monthly_salary),
            "bonus_standard": str(self.bonus_standard), "version": self.version,
        }


class UnitMembership(Model):
    """A person's history of units: one row per stint, `left_at` empty for the current one."""

    id = fields.IntField(primary_key=True)
    staff_no = fields.CharField(max_length=32, db_index=True)
    unit_code = fields.CharField(max_length=32)
    position = fields.CharField(max_length=128, default="")
    joined_at = fields.DatetimeField(auto_now_add=True)
    left_at = fields.DatetimeField(null=True)

    class Meta:
        table = "unit_membership"
