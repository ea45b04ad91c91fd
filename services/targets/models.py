"""The targets service's tables."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from kernel.vocabulary import Direction, Measure, TargetKind


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


class YearStatus(StrEnum):
    PLANNING = "PLANNING"
    NEGOTIATING = "NEGOTIATING"
    SIGNED = "SIGNED"
    EXECUTING = "EXECUTING"
    CLOSED = "CLOSED"


class TargetStatus(StrEnum):
    DRAFT = "DRAFT"
    PROPOSED = "PROPOSED"
    NEGOTIATING = "NEGOTIATING"
    AGREED = "AGREED"
    SIGNED = "SIGNED"


class RoundAction(StrEnum):
    PROPOSE = "PROPOSE"
    ACCEPT = "ACCEPT"
    COUNTER = "COUNTER"
    AGREE = "AGREE"


class LetterLevel(StrEnum):
    CITY_UNIT = "CITY_UNIT"
    UNIT_DEPARTMENT = "UNIT_DEPARTMENT"
    DEPARTMENT_PERSON = "DEPARTMENT_PERSON"


class LetterStatus(StrEnum):
    DRAFT = "DRAFT"
    SIGNED = "SIGNED"
    SUPERSEDED = "SUPERSEDED"


def amount() -> fields.DecimalField:
    return fields.DecimalField(max_digits=24, decimal_places=6, null=True)


class AssessmentYear(Model):
    id = fields.IntField(primary_key=True)
    year = fields.IntField(unique=True)
    status = fields.CharEnumField(YearStatus, max_length=16, default=YearStatus.PLANNING)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "assessment_year"
        ordering = ["year"]

    def snapshot(self) -> dict[str, object]:
        return {"year": self.year, "status": self.status.value, "version": self.version}


class Target(Model):
    id = fields.IntField(primary_key=True)
    year = fields.IntField()
    code = fields.CharField(max_length=64)
    unit_code = fields.CharField(max_length=32)
    parent_code = fields.CharField(max_length=64, null=True)
    title = fields.CharField(max_length=256)
    category = fields.CharField(max_length=64, default="")
    kind = fields.CharEnumField(TargetKind, max_length=16)
    measure = fields.CharEnumField(Measure, max_length=16)
    direction = fields.CharEnumField(Direction, max_length=20)
    unit_of_measure = fields.CharField(max_length=32, default="")
    baseline = amount()
    proposed_value = amount()
    agreed_value = amount()
    points = fields.DecimalField(max_digits=12, decimal_places=4, default=0)
    benchmark_city = fields.CharField(max_length=64, default="")
    benchmark_value = amount()
    assessing_department = fields.CharField(max_length=128, default="")
    responsible_leader = fields.CharField(max_length=32, null=True)
    responsible_department = fields.CharField(max_length=128, default="")
    assignee = fields.CharField(max_length=32, null=True)
    additive = fields.BooleanField(default=True)
    status = fields.CharEnumField(TargetStatus, max_length=16, default=TargetStatus.DRAFT)
    stretch_override = fields.TextField(null=True)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "target"
        unique_together = (("year", "code"),)
        # (year, parent_code, status): the top-level count by status (targetCounts) reads the index alone
        indexes = (("year", "unit_code"), ("year", "parent_code", "status"))
        ordering = ["year", "code"]


class NegotiationRound(Model):
    id = fields.IntField(primary_key=True)
    target_id = fields.IntField(db_index=True)
    action = fields.CharEnumField(RoundAction, max_length=16)
    value = amount()
    reason = fields.TextField(default="")
    actor = fields.CharField(max_length=128)
    role = fields.CharField(max_length=256)
    at = fields.DatetimeField()

    class Meta:
        table = "negotiation_round"
        ordering = ["id"]


class NegotiationSession(Model):
    id = fields.IntField(primary_key=True)
    year = fields.IntField(db_index=True)
    day = fields.DateField()
    slot = fields.IntField()
    room = fields.IntField(default=1)
    unit_code = fields.CharField(max_length=32)
    leaders = fields.TextField(default="")

    class Meta:
        table = "negotiation_session"
        ordering = ["day", "slot", "room"]


class Letter(Model):
    id = fields.IntField(primary_key=True)
    year = fields.IntField()
    unit_code = fields.CharField(max_length=32)
    level = fields.CharEnumField(LetterLevel, max_length=24)
    title = fields.CharField(max_length=256, default="")
    issuer = fields.CharField(max_length=128)
    receiver = fields.CharField(max_length=128)
    parent_id = fields.IntField(null=True)
    amends_id = fields.IntField(null=True)
    changes = fields.TextField(null=True)
    reason = fields.TextField(default="")
    status = fields.CharEnumField(LetterStatus, max_length=16, default=LetterStatus.DRAFT)
    issuer_signed_by = fields.CharField(max_length=128, null=True)
    issuer_signed_at = fields.DatetimeField(null=True)
    receiver_signed_by = fields.CharField(max_length=128, null=True)
    receiver_signed_at = fields.DatetimeField(null=True)
    content_hash = fields.CharField(max_length=64, null=True)
    superseded_by = fields.IntField(null=True)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "responsibility_letter"
        indexes = (("year", "unit_code"),)
        ordering = ["id"]


class LetterTarget(Model):
    id = fields.IntField(primary_key=True)
    letter_id = fields.IntField(db_index=True)
    target_id = fields.IntField(db_index=True)

    class Meta:
        table = "letter_target"
        unique_together = (("letter_id", "target_id"),)


class ProgressReport(Model):
    id = fields.IntField(primary_key=True)
    target_id = fields.IntField(db_index=True)
    year = fields.IntField(db_index=True)
    period = fields.CharField(max_length=32)
    as_of = fields.DateField()
    actual_to_date = amount()
    note = fields.TextField(default="")
    evidence = fields.TextField(default="")
    reporter = fields.CharField(max_length=128)
    at = fields.DatetimeField()
    version = fields.IntField(default=1, db_default=1)

    class Meta:
        table = "progress_report"
        unique_together = (("target_id", "period"),)
        ordering = ["id"]


# What a year's stored progress figures (`UnitProgress`) were computed from: the year's fingerprint then
# (services.targets.standing), the latest day reported, and whether every tree of tracked targets lies within
# one unit (then a unit's figures are the same rolled up alone or with the whole year).
class ProgressStanding(Model):

    id = fields.IntField(primary_key=True)
    year = fields.IntField(unique=True)
    fingerprint = fields.CharField(max_length=128)
    reported_to = fields.DateField(null=True)
    within_units = fields.BooleanField(default=True)

    class Meta:
        table = "progress_standing"


# How many of a unit's tracked targets stand at one progress figure (rolled up through their trees, every report
# counted); `rolled` is the exact decimal, as text.
class UnitProgress(Model):

    id = fields.IntField(primary_key=True)
    year = fields.IntField()
    unit_code = fields.CharField(max_length=32)
    rolled = fields.CharField(max_length=64)
    target_count = fields.IntField()

    class Meta:
        table = "unit_progress"
        indexes = (("year", "unit_code"),)
