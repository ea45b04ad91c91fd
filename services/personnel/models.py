"""The personnel service's tables."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from services.personnel.rules import MainLeaderRole as MainLeaderRole  # the rules' enumeration, stored as is


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
    left_on = fields.DateField(null=True)  # the day the person left the system (no stint from then on)
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
            "left_on": self.left_on.isoformat() if self.left_on else None,
        }


class UnitMembership(Model):
    """A person's unit history: one row per stint, with business dates (since/until) and system times."""

    # `since` empty: the stint began before any year in the system; `until` empty: it is held. `joined_at` and
    # `left_at` are when the system recorded the stint and when it closed it.

    id = fields.IntField(primary_key=True)
    staff_no = fields.CharField(max_length=32, db_index=True)
    unit_code = fields.CharField(max_length=32)
    position = fields.CharField(max_length=128, default="")
    leadership_member = fields.BooleanField(default=False, db_default=False)
    main_leader_role = fields.CharEnumField(MainLeaderRole, max_length=16, null=True)
    since = fields.DateField(null=True)
    until = fields.DateField(null=True)
    joined_at = fields.DatetimeField(auto_now_add=True)
    left_at = fields.DatetimeField(null=True)

    class Meta:
        table = "unit_membership"


class FilingStatus(StrEnum):
    DRAFT = "DRAFT"
    REVIEWED = "REVIEWED"
    TRANSFERRED = "TRANSFERRED"
    ARCHIVED = "ARCHIVED"
    WITHDRAWN = "WITHDRAWN"


class AdjustmentStatus(StrEnum):
    PROPOSED = "PROPOSED"
    DECIDED = "DECIDED"
    EXECUTED = "EXECUTED"
    WITHDRAWN = "WITHDRAWN"


class DecisionKind(StrEnum):
    TRANSFER = "TRANSFER"
    DEMOTION = "DEMOTION"
    REMOVAL = "REMOVAL"
    OTHER = "OTHER"


class HonourKind(StrEnum):
    UNIT = "UNIT"
    PERSON = "PERSON"


class ResultSnapshot(Model):
    """A published assessment revision exactly as it was read from the assessment service."""

    id = fields.IntField(primary_key=True)
    year = fields.IntField()
    revision = fields.IntField()
    published_at = fields.CharField(max_length=64, default="")
    reason = fields.TextField(default="")
    results = fields.JSONField()
    digest = fields.CharField(max_length=64)
    advanced_unit_award = fields.DecimalField(max_digits=12, decimal_places=2, default=0, db_default=0)
    advanced_leader_award = fields.DecimalField(max_digits=12, decimal_places=2, default=0, db_default=0)
    applied_at = fields.DatetimeField()
    applied_by = fields.CharField(max_length=128)

    class Meta:
        table = "result_snapshot"
        unique_together = (("year", "revision"),)


class AppliedRecord(Model):
    """What every record applyResults writes carries: the published revision and the reason of its last write."""

    revision = fields.IntField()
    reason = fields.TextField(default="")
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        abstract = True


class RewardLine(AppliedRecord):
    """The §4.3 reward outcome of one person in one year."""

    id = fields.IntField(primary_key=True)
    year = fields.IntField()
    staff_no = fields.CharField(max_length=32)
    person_name = fields.CharField(max_length=64)
    unit_code = fields.CharField(max_length=32, db_index=True)
    grade = fields.CharField(max_length=16)
    bonus_standard = fields.DecimalField(max_digits=12, decimal_places=2)
    bonus_paid = fields.DecimalField(max_digits=12, decimal_places=2)
    bonus_forfeited = fields.DecimalField(max_digits=12, decimal_places=2)
    extra_salary = fields.DecimalField(max_digits=12, decimal_places=2)
    one_time_award = fields.DecimalField(max_digits=12, decimal_places=2, default=0, db_default=0)
    total = fields.DecimalField(max_digits=12, decimal_places=2)
    rule_code = fields.CharField(max_length=48)
    rule_text = fields.CharField(max_length=128)

    class Meta:
        table = "reward_line"
        unique_together = (("year", "staff_no"),)
        indexes = (("year", "updated_at", "id"),)


class Honour(AppliedRecord):
    """A title awarded for a year to a unit (staff_no empty) or to a person, withdrawn by a later revision."""

    id = fields.IntField(primary_key=True)
    year = fields.IntField()
    kind = fields.CharEnumField(HonourKind, max_length=8)
    unit_code = fields.CharField(max_length=32)
    staff_no = fields.CharField(max_length=32, default="")
    title = fields.CharField(max_length=128)
    active = fields.BooleanField(default=True)

    class Meta:
        table = "honour"
        unique_together = (("year", "unit_code", "staff_no", "title"),)


class UnitAward(AppliedRecord):
    """一次性物质奖励 of an advanced unit for a year, withdrawn (inactive) by a later revision that drops it."""

    id = fields.IntField(primary_key=True)
    year = fields.IntField()
    unit_code = fields.CharField(max_length=32)
    title = fields.CharField(max_length=128)
    amount = fields.DecimalField(max_digits=12, decimal_places=2)
    active = fields.BooleanField(default=True)

    class Meta:
        table = "unit_award"
        unique_together = (("year", "unit_code"),)


class ReviewedRecord(AppliedRecord):
    """A record applyResults writes that people then take through a workflow: the flag for a change the workflow
    froze out (needs_review and why) and the version the workflow's steps lock on."""

    needs_review = fields.BooleanField(default=False)
    review_note = fields.TextField(default="")
    version = fields.IntField(default=1)

    class Meta:
        abstract = True


class FilingRecord(ReviewedRecord):
    """领导干部目标考核结果备案表: what the paper form holds, with the signatures of both offices."""

    id = fields.IntField(primary_key=True)
    year = fields.IntField()
    staff_no = fields.CharField(max_length=32, db_index=True)
    person_name = fields.CharField(max_length=64)
    unit_code = fields.CharField(max_length=32, db_index=True)
    unit_name = fields.CharField(max_length=128, default="")
    position = fields.CharField(max_length=128, default="")
    team_role = fields.CharField(max_length=32)
    grade = fields.CharField(max_length=16)
    composite_score = fields.DecimalField(max_digits=8, decimal_places=2, null=True)
    rank = fields.IntField(null=True)
    reward_rule = fields.CharField(max_length=48)
    reward_text = fields.CharField(max_length=128)
    bonus_paid = fields.DecimalField(max_digits=12, decimal_places=2)
    bonus_forfeited = fields.DecimalField(max_digits=12, decimal_places=2)
    extra_salary = fields.DecimalField(max_digits=12, decimal_places=2)
    honours = fields.CharField(max_length=256, default="")
    adjustment_points = fields.DecimalField(max_digits=6, decimal_places=2, default=0, db_default=0)
    adjustments = fields.JSONField(default=list, db_default=[])  # the unit's 加减分 items: points, category, reason
    remarks = fields.TextField(default="")
    status = fields.CharEnumField(FilingStatus, max_length=12, default=FilingStatus.DRAFT)
    reviewed_by = fields.CharField(max_length=128, null=True)
    reviewed_role = fields.CharField(max_length=32, null=True)
    reviewed_at = fields.DatetimeField(null=True)
    transferred_by = fields.CharField(max_length=128, null=True)
    transferred_role = fields.CharField(max_length=32, null=True)
    transferred_at = fields.DatetimeField(null=True)
    archived_by = fields.CharField(max_length=128, null=True)
    archived_at = fields.DatetimeField(null=True)

    class Meta:
        table = "filing_record"
        unique_together = (("year", "staff_no"),)
        indexes = (("updated_at", "id"),)


class LeaderAdjustment(ReviewedRecord):
    """A case for adjusting a main leader of a last-place unit (末位调整)."""

    id = fields.IntField(primary_key=True)
    year = fields.IntField()
    staff_no = fields.CharField(max_length=32, db_index=True)
    person_name = fields.CharField(max_length=64)
    unit_code = fields.CharField(max_length=32)
    position = fields.CharField(max_length=128, default="")
    main_leader_role = fields.CharField(max_length=16)
    composite_score = fields.DecimalField(max_digits=8, decimal_places=2, null=True)
    rank = fields.IntField(null=True)
    status = fields.CharEnumField(AdjustmentStatus, max_length=12, default=AdjustmentStatus.PROPOSED)
    decision_kind = fields.CharEnumField(DecisionKind, max_length=12, null=True)
    decision_text = fields.TextField(default="")
    decided_by = fields.CharField(max_length=128, null=True)
    decided_at = fields.DatetimeField(null=True)
    executed_by = fields.CharField(max_length=128, null=True)
    executed_at = fields.DatetimeField(null=True)
    execution_note = fields.TextField(default="")

    class Meta:
        table = "leader_adjustment"
        unique_together = (("year", "staff_no"),)
