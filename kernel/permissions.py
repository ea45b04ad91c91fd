"""Access control: the permissions table — which roles may call each GraphQL mutation at all (等保 level 3).

`MUTATION_ROLES` maps every Mutation field of the three services (camelCase, as in the SDL) to the roles
of DESIGN.md §7 allowed to call it. `kernel.graphql.build_schema` wraps every mutation resolver with a
gate that checks this table before the resolver runs: a caller holding none of the roles is refused with
FORBIDDEN ("this needs one of the roles …"), and the refusal is audited like any other. A mutation with no
entry is refused for everyone, service tokens included (fail closed). A service token (role SERVICE)
passes every gate, as it passes `RequestContext.require`.

The table is the coarse role gate only. The services keep their own checks (defence in depth), including
the finer, data-dependent ones the table cannot express: a UNIT_OPERATOR acts only for its own unit, an
ASSESSOR certifies only the targets its department assesses, a city → unit letter's issuer side is signed
by a LEADER or the target office. The administrator roles (SYSADMIN, SECURITY_ADMIN, AUDITOR) hold no
business mutation at all (三员分立); they work through the CLI and the audit-trail queries.

`tests/test_permission_matrix.py` calls every mutation of the composed supergraph as every role and checks
the outcome against this table; a mutation added without an entry here fails that test.

Reads have a gate of their own, `read_refusal`, in front of every Query root field of every service
(`_entities` and `_service` included): the 三员 administrators read no business data. The AUDITOR reads the
services' audit trails (`<service>AuditTrail`) and nothing else; SYSADMIN and SECURITY_ADMIN read nothing
through GraphQL (they work through the gateway's /admin API). A caller holding an administrator role is held
to this whatever else its token claims, and a caller with no business role at all is refused (fail closed).
"""

from __future__ import annotations

from kernel.auth import Caller
from kernel.roles import ADMIN_ROLES, BUSINESS_ROLES, Role


def _roles(*roles: Role) -> frozenset[str]:
    return frozenset(roles)


OFFICE = _roles(Role.TARGET_OFFICE)
OFFICE_OR_UNIT = _roles(Role.TARGET_OFFICE, Role.UNIT_OPERATOR)
UNIT = _roles(Role.UNIT_OPERATOR)
LEADER = _roles(Role.LEADER)
SIGNERS = _roles(Role.TARGET_OFFICE, Role.LEADER, Role.UNIT_OPERATOR)
CERTIFIERS = _roles(Role.TARGET_OFFICE, Role.ASSESSOR)
EVALUATORS = _roles(Role.TARGET_OFFICE, Role.EVALUATOR)
PERSONNEL_EDITORS = _roles(Role.TARGET_OFFICE, Role.ORGANIZATION_DEPT)
REVIEWERS = _roles(Role.SUPERVISION_OFFICE, Role.TARGET_OFFICE)
UNIT_APPELLANTS = _roles(Role.UNIT_OPERATOR, Role.LEADER)
ORGANIZATION = _roles(Role.ORGANIZATION_DEPT)

# ---- targets service -----------------------------------------------------------------------------

TARGETS_MUTATIONS: dict[str, frozenset[str]] = {
    # The unit register and the assessment year: the target office runs the year.
    "createUnit": OFFICE,
    "updateUnit": OFFICE,
    "importUnits": OFFICE,
    "createYear": OFFICE,
    "advanceYear": OFFICE,
    # The target catalogue: the office creates and imports; a unit operator edits its own unit's targets
    # (responsibility fields of top-level ones, decomposed ones fully) and decomposes them (分解细化).
    "importTargets": OFFICE,
    "createTarget": OFFICE,
    "updateTarget": OFFICE_OR_UNIT,
    "decomposeTarget": OFFICE_OR_UNIT,
    # Negotiation (磋商): the office proposes and schedules, the unit accepts or counters, a leader agrees.
    "proposeTarget": OFFICE,
    "acceptProposal": UNIT,
    "counterPropose": UNIT,
    "agreeTarget": LEADER,
    "scheduleNegotiations": OFFICE,
    # Responsibility letters: city → unit letters are drafted and amended by the office, lower levels by
    # the unit too; the issuer side of a city → unit letter is signed by a leader or the office, the other
    # sides by the unit (or the office).
    "createLetter": OFFICE_OR_UNIT,
    "amendLetter": OFFICE_OR_UNIT,
    "signLetter": SIGNERS,
    # The same in batches (each letter checked as one): drafts of a level, a stack of signatures.
    "createLetters": OFFICE_OR_UNIT,
    "signLetters": SIGNERS,
    # Progress reports: the unit on its own targets, or the office.
    "reportProgress": OFFICE_OR_UNIT,
    "reportProgressBatch": OFFICE_OR_UNIT,
}

# ---- assessment service --------------------------------------------------------------------------

ASSESSMENT_MUTATIONS: dict[str, frozenset[str]] = {
    # Year settings and the assessment life cycle (open, compute, publish, correct): the target office.
    "setAssessmentSetting": OFFICE,
    "importSettings": OFFICE,
    "openAssessment": OFFICE,
    "computeAssessment": OFFICE,
    "publishAssessment": OFFICE,
    "openCorrection": OFFICE,
    # Public notice and appeals (公示与申诉): a unit's operator or a leader of the unit appeals against its own
    # result (the service checks the unit); the target office decides and makes the revision final.
    "fileAppeal": UNIT_APPELLANTS,
    "decideAppeal": OFFICE,
    "finalizeAssessment": OFFICE,
    # Adjustment items (加减分): proposed by the supervision office or the target office, approved or rejected
    # by a different target-office account (the service checks the account); imported by the office.
    "proposeAdjustment": REVIEWERS,
    "approveAdjustment": OFFICE,
    "rejectAdjustment": OFFICE,
    "importAdjustments": OFFICE,
    # Certification: an assessor for its department's targets, or the office (bundle import).
    "importCertifications": CERTIFIERS,
    "certifyTarget": CERTIFIERS,
    # Ballots, inspection scores, grassroots responses: the evaluators, or the office (bundle import).
    "importBallots": EVALUATORS,
    "importInspections": EVALUATORS,
    "importGrassroots": EVALUATORS,
    "setBallots": EVALUATORS,
    "setInspectionScore": EVALUATORS,
    "setGrassroots": EVALUATORS,
}

# ---- personnel service ---------------------------------------------------------------------------

PERSONNEL_MUTATIONS: dict[str, frozenset[str]] = {
    # People and pay, and applying a published assessment to them: the office or the organisation dept.
    "importPeople": PERSONNEL_EDITORS,
    "updatePerson": PERSONNEL_EDITORS,
    # Unit moves with an effective date (调动): one at a time or a transfers.csv, by the same two offices.
    "transferPerson": PERSONNEL_EDITORS,
    "importTransfers": PERSONNEL_EDITORS,
    "applyResults": PERSONNEL_EDITORS,
    # Filing forms: reviewed and transferred by the supervision office (or the target office), archived
    # into the cadre file by the organisation department.
    "reviewFilingRecord": REVIEWERS,
    "transferFilingRecord": REVIEWERS,
    "archiveFilingRecord": ORGANIZATION,
    # Leader adjustments: decided and executed by the organisation department.
    "decideLeaderAdjustment": ORGANIZATION,
    "executeLeaderAdjustment": ORGANIZATION,
}

MUTATION_ROLES: dict[str, frozenset[str]] = {**TARGETS_MUTATIONS, **ASSESSMENT_MUTATIONS, **PERSONNEL_MUTATIONS}

if len(MUTATION_ROLES) != len(TARGETS_MUTATIONS) + len(ASSESSMENT_MUTATIONS) + len(PERSONNEL_MUTATIONS):
    raise RuntimeError("a mutation name appears in two services' groups of the permissions table")
if any(roles & ADMIN_ROLES for roles in MUTATION_ROLES.values()):
    raise RuntimeError("三员分立: SYSADMIN, SECURITY_ADMIN and AUDITOR get no business mutation")


def gate_message(roles: frozenset[str]) -> str:
    """The message of the role gate's refusal (what `RequestContext.require` says for these roles)."""
    return f"this needs one of the roles {', '.join(sorted(roles))}"


def missing_entry_message(field: str) -> str:
    return f"mutation {field} has no entry in the permissions table (kernel.permissions.MUTATION_ROLES); refused"


# ---- reads ------------------------------------------------------------------------------------------

AUDIT_TRAIL_FIELDS = frozenset({"targetsAuditTrail", "assessmentAuditTrail", "personnelAuditTrail"})


def read_refusal(caller: Caller | None, field: str) -> str | None:
    """Why `caller` may not read the Query root field `field` at all, or None when the service's own checks
    decide (a service token, a business role, the AUDITOR on an audit trail)."""
    if caller is None:
        return "sign in first"
    if caller.is_service:
        return None
    admin = caller.roles & ADMIN_ROLES
    if not admin and caller.roles & BUSINESS_ROLES:
        return None
    if Role.AUDITOR in admin and field in AUDIT_TRAIL_FIELDS:
        return None
    if Role.AUDITOR in admin:
        return (f"the AUDITOR reads the audit trails ({', '.join(sorted(AUDIT_TRAIL_FIELDS))}) and nothing else "
                "(三员分立)")
    if admin:
        return (f"{', '.join(sorted(admin))} reads no business data; accounts, grants and keys are administered "
                "through the gateway's /admin API (三员分立)")
    return "this needs a business role"
