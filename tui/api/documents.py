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


# ---- the documents of single calls, named after the client method that sends them ----

UNIT_STAFF = "query S($code: ID!) { unit(code: $code) { staff { staffNo name position } } }"
STRETCH_FLAGS = """query Flags($year: Int!, $unit: String) { stretchFlags(year: $year, unitCode: $unit) {
          target { code title unitCode } value baseline overridden overrideReason } }"""
LETTERS = """query Letters($year: Int!, $unit: String) { letters(year: $year, unitCode: $unit) {
          id year unitCode level title issuer receiver parentId status version
          issuerSignedBy issuerSignedAt receiverSignedBy receiverSignedAt targets { code } } }"""
CREATE_LETTER = """mutation L($input: NewLetterInput!) { createLetter(input: $input) { id status version } }"""
DECOMPOSE = """mutation D($year: Int!, $code: String!, $children: [ChildTargetInput!]!) {
          decomposeTarget(year: $year, code: $code, children: $children) { code version } }"""
SIGN_LETTER = """mutation Sign($id: ID!, $side: LetterSide!, $version: Int!) {
          signLetter(id: $id, side: $side, version: $version) { id status version } }"""
REPORT_PROGRESS = """mutation Report($year: Int!, $code: String!, $period: String!, $asOf: Date!,
          $actual: Decimal!, $note: String) { reportProgress(year: $year, code: $code, period: $period,
          asOf: $asOf, actualToDate: $actual, note: $note) { id period actualToDate } }"""
LAGGING_FIRST = """query Lagging($year: Int!, $asOf: Date!, $unit: String, $leader: String, $first: Int) {
  laggingTargets(year: $year, asOf: $asOf, unitCode: $unit, responsibleLeader: $leader, first: $first) {
    code unitCode title progress elapsed status reported actualToDate responsibleLeader { staffNo } } }"""
LAGGING_FIRST_NAMED = """query Lagging($year: Int!, $asOf: Date!, $unit: String, $leader: String, $first: Int) {
  laggingTargets(year: $year, asOf: $asOf, unitCode: $unit, responsibleLeader: $leader, first: $first) {
    code unitCode title progress elapsed status reported actualToDate responsibleLeader { staffNo name } } }"""
LAGGING_COUNT = """query LaggingCount($year: Int!, $asOf: Date!, $unit: String) {
          laggingCount(year: $year, asOf: $asOf, unitCode: $unit) { lagging atRisk } }"""
LAGGING_STATUSES = """query Lagging($year: Int!, $asOf: Date!, $unit: String) {
          laggingTargets(year: $year, asOf: $asOf, unitCode: $unit) { status } }"""
ASSESSED_TARGETS = """query Assessed($year: Int!, $unit: ID) { assessedTargets(year: $year, unitCode: $unit) {
          code kind measure direction agreedValue points assessingDepartment
          certification { actualValue completion note } } }"""
BALLOTS = """query B($year: Int!, $unit: ID) { ballotTallies(year: $year, unitCode: $unit) {
          voterGroup excellent good fair poor } }"""
INSPECTIONS = """query I($year: Int!, $unit: ID) { inspectionScores(year: $year, unitCode: $unit) {
          inspector score } }"""
GRASSROOTS = """query G($year: Int!, $unit: ID) { grassrootsTallies(year: $year, unitCode: $unit) {
          satisfied basicallySatisfied dissatisfied } }"""
CERTIFY = """mutation C($year: Int!, $code: ID!, $actual: Decimal, $completion: Decimal) {
          certifyTarget(year: $year, targetCode: $code, actualValue: $actual, completion: $completion) { code } }"""
SET_BALLOTS = """mutation S($year: Int!, $unit: ID!, $group: String!, $e: Int!, $g: Int!, $f: Int!, $p: Int!) {
          setBallots(year: $year, unitCode: $unit, voterGroup: $group, excellent: $e, good: $g, fair: $f,
                     poor: $p) { voterGroup } }"""
SET_INSPECTION = """mutation S($year: Int!, $unit: ID!, $inspector: String!, $score: Decimal!) {
          setInspectionScore(year: $year, unitCode: $unit, inspector: $inspector, score: $score) { inspector } }"""
SET_GRASSROOTS = """mutation S($year: Int!, $unit: ID!, $s: Int!, $b: Int!, $d: Int!) {
          setGrassroots(year: $year, unitCode: $unit, satisfied: $s, basicallySatisfied: $b,
                        dissatisfied: $d) { unitCode } }"""
BULLETIN_STATUS = "query B($year: Int!) { bulletin(year: $year) { year revision final onNotice noticeEndsAt } }"
OPEN_CORRECTION = f"""mutation O($year: Int!, $reason: String!) {{ openCorrection(year: $year, reason: $reason) {{
          {ASSESSMENT_RESULT} }} }}"""
COMPUTE = f"mutation C($year: Int!) {{ computeAssessment(year: $year) {{ {ASSESSMENT_RESULT} }} }}"
PUBLISH = f"mutation P($year: Int!) {{ publishAssessment(year: $year) {{ {ASSESSMENT_RESULT} }} }}"
ASSESSMENT_STATUS = """query S($year: Int!) { assessment(year: $year) { status revision final onNotice noticeEndsAt
          results { unit { code } missing } } }"""
FINALIZE = f"mutation F($year: Int!) {{ finalizeAssessment(year: $year) {{ {ASSESSMENT_RESULT} }} }}"
ADJUSTMENT_ITEMS = f"query A($year: Int!) {{ adjustmentItems(year: $year) {{ {ADJUSTMENT_ITEM} }} }}"
PROPOSE_ADJUSTMENT = f"""mutation P($year: Int!, $unit: ID!, $points: Decimal!, $category: String!, $reason: String!,
          $evidence: String!) {{ proposeAdjustment(year: $year, unitCode: $unit, points: $points, category: $category,
          reason: $reason, evidence: $evidence) {{ {ADJUSTMENT_ITEM} }} }}"""
APPEALS = f"query A($year: Int!) {{ appeals(year: $year) {{ {APPEAL} }} }}"
FILE_APPEAL = f"""mutation F($year: Int!, $unit: ID!, $reason: String!) {{ fileAppeal(year: $year,
          unitCode: $unit, reason: $reason) {{ {APPEAL} }} }}"""
DECIDE_APPEAL = f"""mutation D($id: ID!, $version: Int!, $decision: AppealDecision!, $reason: String!) {{
          decideAppeal(id: $id, version: $version, decision: $decision, reason: $reason) {{ {APPEAL} }} }}"""
UNIT_AWARDS = "query U($year: Int!) { unitAwards(year: $year) { unit { code name } amount title } }"
TRANSFER_PERSON = """mutation T($staffNo: ID!, $version: Int!, $unit: String, $position: String, $member: Boolean!,
          $role: MainLeaderRole, $day: Date!) { transferPerson(staffNo: $staffNo, version: $version,
          unitCode: $unit, position: $position, leadershipMember: $member, mainLeaderRole: $role,
          effectiveDate: $day) { staffNo version unit { code } leftOn } }"""
DECIDE_LEADER_ADJUSTMENT = ADJUSTMENT_FIELDS + """
        mutation D($id: ID!, $version: Int!, $kind: AdjustmentDecisionKind!, $text: String!) {
          decideLeaderAdjustment(id: $id, version: $version, kind: $kind, text: $text) { ...Case } }"""
EXECUTE_LEADER_ADJUSTMENT = ADJUSTMENT_FIELDS + """
        mutation E($id: ID!, $version: Int!, $note: String) {
          executeLeaderAdjustment(id: $id, version: $version, note: $note) { ...Case } }"""
UNITS = "{ units { code name kind group } }"
STAFF_COUNTS = "{ units { code staff { staffNo } } }"
ASSESSMENT_YEARS = "{ assessmentYears { year status version } }"
AGREED_STATUSES = "query A($y: Int!) { agreedTargets(year: $y) { status } }"
APPROVE_ADJUSTMENT = f"""mutation D($id: ID!, $version: Int!, $reason: String) {{ approveAdjustment(id: $id,
  version: $version, reason: $reason) {{ {ADJUSTMENT_ITEM} }} }}"""
REJECT_ADJUSTMENT = f"""mutation D($id: ID!, $version: Int!, $reason: String!) {{ rejectAdjustment(id: $id,
  version: $version, reason: $reason) {{ {ADJUSTMENT_ITEM} }} }}"""
TARGET_COUNTS = ("query T($y: Int!, $u: String) { targetCounts(year: $y, unitCode: $u) "
                 "{ total byStatus { status count } } }")
