"""The assessment service's tables."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class YearRecord(Model):
    """A row of one year's assessment (every table here but the assessment itself, which is one per year)."""

    id = fields.IntField(primary_key=True)
    year = fields.IntField()

    class Meta:
        abstract = True


class YearSetting(YearRecord):
    """One assessment setting of one year (settings.csv): weights, pass line, quotas, caps."""

    key = fields.CharField(max_length=96)
    value = fields.CharField(max_length=64)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "year_setting"
        unique_together = (("year", "key"),)


class Status(StrEnum):
    OPEN = "OPEN"  # inputs editable; results missing or stale
    COMPUTED = "COMPUTED"  # results match the inputs; may be published
    PUBLISHED = "PUBLISHED"  # the current revision is frozen; inputs are read-only


class Assessment(Model):
    """One year's year-end assessment, with its working (or last published) revision number."""

    id = fields.IntField(primary_key=True)
    year = fields.IntField(unique=True)
    status = fields.CharEnumField(Status, max_length=16, default=Status.OPEN)
    revision = fields.IntField(default=1)
    inputs_version = fields.IntField(default=1)
    opened_at = fields.DatetimeField(auto_now_add=True)
    opened_by = fields.CharField(max_length=128)
    snapshot_source = fields.TextField(default="{}")

    class Meta:
        table = "assessment"


class Revision(YearRecord):
    """One revision of a year's results, computed, then frozen when published."""

    number = fields.IntField()
    reason = fields.TextField(null=True)
    opened_at = fields.DatetimeField(auto_now_add=True)
    opened_by = fields.CharField(max_length=128)
    computed_at = fields.DatetimeField(null=True)
    computed_by = fields.CharField(max_length=128, null=True)
    published_at = fields.DatetimeField(null=True)
    published_by = fields.CharField(max_length=128, null=True)
    advanced_overflow = fields.IntField(default=0)
    last_place_shortfall = fields.IntField(default=0)
    last_place_overflow = fields.IntField(default=0)
    groups = fields.TextField(default="[]")
    settings = fields.TextField(default="{}")
    published_on = fields.DateField(null=True)  # the business date of publication (the bulletin's date)
    notice_days = fields.IntField(default=0, db_default=0)
    notice_ends_on = fields.DateField(null=True)  # last day of the public notice (公示); null: no notice
    final_at = fields.DatetimeField(null=True)  # final: at publication with no notice, else by finalizeAssessment
    finalized_by = fields.CharField(max_length=128, null=True)
    blocking_appeals = fields.IntField(default=0, db_default=0)  # appeals filed or accepted: not final yet

    class Meta:
        table = "assessment_revision"
        unique_together = (("year", "number"),)


class SnapshotUnit(YearRecord):
    """A unit as the targets service described it when the year's assessment was opened."""

    code = fields.CharField(max_length=32)
    name = fields.CharField(max_length=128)
    kind = fields.CharField(max_length=16)
    group = fields.CharField(max_length=64, default="")

    class Meta:
        table = "assessment_unit"
        unique_together = (("year", "code"),)


class SnapshotTarget(YearRecord):
    """An agreed top-level target as snapshotted from the targets service, with its source version."""

    code = fields.CharField(max_length=64)
    unit_code = fields.CharField(max_length=32, db_index=True)
    kind = fields.CharField(max_length=16)
    measure = fields.CharField(max_length=16)
    direction = fields.CharField(max_length=24)
    agreed_value = fields.CharField(max_length=48, null=True)
    points = fields.CharField(max_length=48)
    assessing_department = fields.CharField(max_length=64, default="")
    source_version = fields.IntField()

    class Meta:
        table = "assessment_target"
        unique_together = (("year", "code"),)


class SourceEntry(YearRecord):
    """A value entered for a year's assessment (one of the year-end sources), with who entered it last and when."""

    entered_by = fields.CharField(max_length=128)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        abstract = True


class UnitEntry(SourceEntry):
    """A source's value for one unit."""

    unit_code = fields.CharField(max_length=32)

    class Meta:
        abstract = True


class Certification(SourceEntry):
    """An assessing department's certified actual value (quantitative) or completion (qualitative)."""

    target_code = fields.CharField(max_length=64)
    actual_value = fields.CharField(max_length=48, null=True)
    completion = fields.CharField(max_length=48, null=True)
    note = fields.TextField(null=True)

    class Meta:
        table = "assessment_certification"
        unique_together = (("year", "target_code"),)


class BallotTally(UnitEntry):
    """Ballots of one voter group for one unit: 优秀 / 良好 / 一般 / 差."""

    voter_group = fields.CharField(max_length=64)
    excellent = fields.IntField()
    good = fields.IntField()
    fair = fields.IntField()
    poor = fields.IntField()

    class Meta:
        table = "assessment_ballot"
        unique_together = (("year", "unit_code", "voter_group"),)


class InspectionScore(UnitEntry):
    """One inspector's year-end inspection score (0–100) for one unit."""

    inspector = fields.CharField(max_length=64)
    score = fields.CharField(max_length=48)

    class Meta:
        table = "assessment_inspection"
        unique_together = (("year", "unit_code", "inspector"),)


class GrassrootsTally(UnitEntry):
    """Grassroots review responses for one unit: 满意 / 基本满意 / 不满意."""

    satisfied = fields.IntField()
    basically_satisfied = fields.IntField()
    dissatisfied = fields.IntField()

    class Meta:
        table = "assessment_grassroots"
        unique_together = (("year", "unit_code"),)


class UnitResult(YearRecord):
    """One unit's result in one revision, frozen once the revision is published."""

    revision = fields.IntField()
    position = fields.IntField()
    unit_code = fields.CharField(max_length=32)
    unit_name = fields.CharField(max_length=128)
    unit_group = fields.CharField(max_length=64, default="")
    department = fields.CharField(max_length=24)
    voting = fields.CharField(max_length=24)
    inspection = fields.CharField(max_length=24)
    grassroots = fields.CharField(max_length=24)
    composite = fields.CharField(max_length=24)
    qualified = fields.BooleanField()
    grade = fields.CharField(max_length=16)
    rank = fields.IntField()
    missing = fields.TextField(default="[]")
    adjustment_points = fields.CharField(max_length=24, default="0.00", db_default="0.00")  # the clamped sum (§4.2)
    adjustments = fields.TextField(default="[]", db_default="[]")  # the approved items behind it (frozen)

    class Meta:
        table = "assessment_result"
        unique_together = (("year", "revision", "unit_code"),)


class DecidedRecord(YearRecord):
    """A unit's row a decision is taken on (an adjustment item, an appeal): who took it and when, and the row's
    version (services/assessment/decisions.py)."""

    unit_code = fields.CharField(max_length=32, db_index=True)
    decided_by = fields.CharField(max_length=128, null=True)
    decided_at = fields.DatetimeField(null=True)
    version = fields.IntField(default=1)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        abstract = True


class AdjustmentStatus(StrEnum):
    PROPOSED = "PROPOSED"  # 待审核: proposed, not yet counted
    APPROVED = "APPROVED"  # 已批准: counted from the next computation on
    REJECTED = "REJECTED"  # 已驳回, with the reason


class AdjustmentItem(DecidedRecord):
    """One adjustment item (加减分) of a unit for a year: a bonus (> 0) or a deduction (< 0)."""

    points = fields.CharField(max_length=16)
    category = fields.CharField(max_length=64)
    reason = fields.TextField()
    evidence = fields.TextField(default="")
    status = fields.CharEnumField(AdjustmentStatus, max_length=16, default=AdjustmentStatus.PROPOSED)
    imported = fields.BooleanField(default=False)  # from adjustments.csv: approved as imported
    proposed_by = fields.CharField(max_length=128)
    proposed_role = fields.CharField(max_length=32)
    proposed_at = fields.DatetimeField(auto_now_add=True)
    decision_reason = fields.TextField(null=True)

    class Meta:
        table = "assessment_adjustment"


class AppealStatus(StrEnum):
    FILED = "FILED"  # 待处理
    ACCEPTED = "ACCEPTED"  # 已采纳: answered by a corrected revision
    REJECTED = "REJECTED"  # 已驳回, with the written reason


class Appeal(DecidedRecord):
    """A unit's appeal (申诉) against its result in a revision on public notice."""

    revision = fields.IntField()
    reason = fields.TextField()
    status = fields.CharEnumField(AppealStatus, max_length=16, default=AppealStatus.FILED)
    filed_by = fields.CharField(max_length=128)
    filed_role = fields.CharField(max_length=32)
    filed_at = fields.DatetimeField(auto_now_add=True)
    decision = fields.TextField(null=True)

    class Meta:
        table = "assessment_appeal"
