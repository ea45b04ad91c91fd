"""Every GraphQL document the client sends that does not depend on the live schema, in one place."""

from __future__ import annotations

INTROSPECTION = """
{ __schema { types { name kind fields { name args { name } type { kind name ofType { kind name ofType { kind name
  ofType { kind name ofType { kind name } } } } } } } } }
"""

NAMED = "{ staffNo name }"
"""A person with the name (the gateway asks the personnel service)."""
KEYS_ONLY = "{ staffNo }"
"""A person by staff number alone (the owning service answers by itself: used when names are unavailable)."""


def target_fields(person: str) -> str:
    """The target fragment, its people selected as `person` (NAMED or KEYS_ONLY)."""
    return f"""
fragment T on Target {{
  id code title kind measure direction status version points baseline proposedValue agreedValue
  unitOfMeasure category additive noStretch uncoveredGap stretchOverrideReason responsibleDepartment
  responsibleLeader {person} assignee {person}
}}"""


TARGET_FIELDS = target_fields(NAMED)
TARGET_KEYS = target_fields(KEYS_ONLY)
TREE_QUERY = """
query Tree($code: ID!, $year: Int!) { unit(code: $code) { code name
  targets(year: $year) { ...T children { ...T children { ...T children { ...T children { ...T } } } } } } }"""
TREE = TARGET_FIELDS + TREE_QUERY
TREE_KEYS_ONLY = TARGET_KEYS + TREE_QUERY
TARGET_QUERY = """
query One($year: Int!, $code: String!) { target(year: $year, code: $code) { ...T } }"""
TARGET = TARGET_FIELDS + TARGET_QUERY
TARGET_KEYS_ONLY = TARGET_KEYS + TARGET_QUERY
UPDATE_TARGET = TARGET_KEYS + """
mutation Update($year: Int!, $code: String!, $version: Int!, $input: TargetChangeInput!) {
  updateTarget(year: $year, code: $code, version: $version, input: $input) { ...T } }"""
TARGET_DETAIL = """
query Detail($year: Int!, $code: String!) { target(year: $year, code: $code) {
  code version status agreedValue proposedValue
  negotiationRounds { action value reason actor role at }
  progressReports { period asOf actualToDate note reporter }
} }"""
RANKING = """
query Ranking($year: Int!) { assessment(year: $year) {
  year status revision advancedOverflow lastPlaceShortfall lastPlaceOverflow computedAt publishedAt
  final onNotice noticeEndsAt
  groups { group unitCount qualifiedCount advancedRatio advancedQuota advancedCount advancedOverflow
           advancedOverflowUnits lastPlaceCount lastPlaceUnits lastPlaceShortfall lastPlaceOverflow
           lastPlaceOverflowUnits }
  results { unit { code name } unitGroup departmentScore votingScore inspectionScore grassrootsScore
            compositeScore qualified grade rank missing adjustmentPoints adjustments { points category reason } }
} }"""
BULLETIN = """
query Bulletin($year: Int!) { bulletin(year: $year) { year revision title final onNotice noticeEndsAt
  entries { unitCode unitName unitGroup rank grade qualified compositeScore departmentScore votingScore
            inspectionScore grassrootsScore adjustmentPoints adjustments { points category reason } } } }"""
ASSESSMENT_RESULT = ("year status revision advancedOverflow lastPlaceShortfall final onNotice noticeEndsAt "
                     "groups { group advancedQuota advancedCount lastPlaceShortfall }")
ADJUSTMENT_ITEM = ("id year unitCode points category reason evidence status imported proposedBy proposedAt "
                   "decidedBy decidedAt decisionReason version")
APPEAL = "id year revision unitCode reason status filedBy filedAt decidedBy decidedAt decision version"


def reward_lines(person: str, award: bool) -> str:
    """Reward lines, people as `person`, with the one-time award column when the server has it."""
    award_field = " oneTimeAward" if award else ""
    return f"""
query Rewards($year: Int!, $first: Int, $after: String) {{ rewardLines(year: $year, first: $first, after: $after) {{
  edges {{ node {{ person {person} unit {{ code }} grade bonusPaid bonusForfeited extraSalary{award_field} total }} }}
  pageInfo {{ hasNextPage endCursor }} }} }}"""


REWARD_LINES = {(award, named): reward_lines(NAMED if named else KEYS_ONLY, award)
                for award in (False, True) for named in (False, True)}
"""(with the one-time award, with names) → the document."""


FILING_FIELDS = """
fragment Filing on FilingRecord {
  id year personName unitName position teamRole grade compositeScore rank rewardRule rewardText remarks status
  reviewedBy reviewedAt transferredBy transferredAt archivedBy archivedAt needsReview reviewNote revision reason
  version updatedAt adjustmentPoints honours person { staffNo } unit { code }
  adjustments { points category reason } signatures { step user office at }
}"""
FILING_PAY = """
fragment FilingPay on FilingRecord { bonusPaid bonusForfeited extraSalary }"""
FILING_RECORDS = FILING_FIELDS + """
query F($year: Int, $status: FilingStatus, $first: Int, $after: String) {
  filingRecords(year: $year, status: $status, first: $first, after: $after) {
    edges { node { ...Filing } } pageInfo { hasNextPage endCursor } } }"""
FILING_RECORDS_WITH_PAY = FILING_FIELDS + FILING_PAY + """
query F($year: Int, $status: FilingStatus, $first: Int, $after: String) {
  filingRecords(year: $year, status: $status, first: $first, after: $after) {
    edges { node { ...Filing ...FilingPay } } pageInfo { hasNextPage endCursor } } }"""
FILING_STEPS = {
    "review": ("reviewFilingRecord", FILING_FIELDS + """
mutation R($id: ID!, $version: Int!, $remarks: String) {
  reviewFilingRecord(id: $id, version: $version, remarks: $remarks) { ...Filing } }"""),
    "transfer": ("transferFilingRecord", FILING_FIELDS + """
mutation T($id: ID!, $version: Int!) { transferFilingRecord(id: $id, version: $version) { ...Filing } }"""),
    "archive": ("archiveFilingRecord", FILING_FIELDS + """
mutation A($id: ID!, $version: Int!) { archiveFilingRecord(id: $id, version: $version) { ...Filing } }"""),
}
ADJUSTMENT_FIELDS = """
fragment Case on LeaderAdjustment {
  id year personName position mainLeaderRole compositeScore rank status decisionKind decisionText decidedBy
  decidedAt executedBy executedAt executionNote needsReview reviewNote revision reason version updatedAt
  person { staffNo } unit { code }
}"""
LEADER_ADJUSTMENTS = ADJUSTMENT_FIELDS + """
query L($year: Int!) { leaderAdjustments(year: $year) { ...Case } }"""
CADRE_FILE = FILING_FIELDS + ADJUSTMENT_FIELDS + """
query C($staffNo: ID!) { person(staffNo: $staffNo) { staffNo name position
  cadreFile { filingRecords { ...Filing } leaderAdjustments { ...Case } } } }"""


LAGGING = """query Lagging($year: Int!, $asOf: Date!, $unit: String, $leader: String) {
  laggingTargets(year: $year, asOf: $asOf, unitCode: $unit, responsibleLeader: $leader) {
    code unitCode title progress elapsed status reported actualToDate responsibleLeader { staffNo name } } }"""
LAGGING_STAFF_NUMBERS = """query Lagging($year: Int!, $asOf: Date!, $unit: String, $leader: String) {
  laggingTargets(year: $year, asOf: $asOf, unitCode: $unit, responsibleLeader: $leader) {
    code unitCode title progress elapsed status reported actualToDate responsibleLeader { staffNo } } }"""
