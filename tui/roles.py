"""What each role may do (DESIGN.md §7), so a screen offers only the actions the caller may perform.

The server is the authority (it refuses with FORBIDDEN); this table only keeps refused actions out of menus,
key hints and the command palette.
"""

from __future__ import annotations

from dataclasses import dataclass

OFFICE = "TARGET_OFFICE"
LEADER = "LEADER"
UNIT_OPERATOR = "UNIT_OPERATOR"
ASSESSOR = "ASSESSOR"
EVALUATOR = "EVALUATOR"
SUPERVISION = "SUPERVISION_OFFICE"
ORG_DEPT = "ORGANIZATION_DEPT"
SYSADMIN = "SYSADMIN"
SECURITY_ADMIN = "SECURITY_ADMIN"
AUDITOR = "AUDITOR"

READERS = (OFFICE, LEADER, UNIT_OPERATOR, ASSESSOR, EVALUATOR, SUPERVISION, ORG_DEPT)
ADMINS = (SYSADMIN, SECURITY_ADMIN, AUDITOR)  # 三员: they administer accounts and read no business data
ALL_ROLES = READERS + ADMINS

PERMISSIONS: dict[str, tuple[str, ...]] = {
    "units": READERS,
    "staff_counts": (OFFICE, LEADER, SUPERVISION, ORG_DEPT),  # every unit's people; others see only their own
    "tree": READERS,
    "edit_target": (OFFICE, UNIT_OPERATOR),
    "propose": (OFFICE,),
    "accept": (UNIT_OPERATOR,),
    "counter": (UNIT_OPERATOR,),
    "agree": (LEADER,),
    "report_progress": (OFFICE, UNIT_OPERATOR),
    "letters": READERS,
    "sign_letter": (OFFICE, LEADER, UNIT_OPERATOR),
    "lagging": (OFFICE, LEADER, SUPERVISION, UNIT_OPERATOR),
    "stretch": (OFFICE, LEADER),
    "entry_certifications": (OFFICE, ASSESSOR),
    "entry_ballots": (OFFICE, EVALUATOR),
    "entry_inspections": (OFFICE, EVALUATOR),
    "entry_grassroots": (OFFICE, EVALUATOR),
    "import": (OFFICE,),
    "ranking": (OFFICE, LEADER, SUPERVISION, ORG_DEPT),
    "charts": (OFFICE, LEADER, SUPERVISION, ORG_DEPT),
    "bulletin": (OFFICE, LEADER, SUPERVISION, ORG_DEPT, UNIT_OPERATOR, ASSESSOR, EVALUATOR),
    "compute": (OFFICE,),
    "publish": (OFFICE,),
    "finalize": (OFFICE,),
    "correct": (OFFICE,),
    "decompose": (OFFICE, UNIT_OPERATOR),
    "create_letter": (OFFICE, UNIT_OPERATOR),
    "adjustment_items": (OFFICE, SUPERVISION, LEADER, ORG_DEPT),
    "propose_adjustment": (OFFICE, SUPERVISION),
    "decide_adjustment_item": (OFFICE,),
    "appeals": (OFFICE, LEADER, UNIT_OPERATOR, SUPERVISION, ORG_DEPT),
    "file_appeal": (UNIT_OPERATOR, LEADER),
    "decide_appeal": (OFFICE,),
    "apply_results": (OFFICE, ORG_DEPT),
    "rewards": (OFFICE, ORG_DEPT),
    "filings": (OFFICE, SUPERVISION, ORG_DEPT),
    "review_filing": (OFFICE, SUPERVISION),
    "transfer_filing": (OFFICE, SUPERVISION),
    "archive_filing": (ORG_DEPT,),
    "adjustments": (OFFICE, ORG_DEPT),
    "decide_adjustment": (ORG_DEPT,),
    "cadre_file": (OFFICE, ORG_DEPT, SUPERVISION),
    "transfer_person": (OFFICE, ORG_DEPT),
    "accounts": ADMINS,
    "administer_accounts": (SYSADMIN,),
    "set_grants": (SECURITY_ADMIN,),
    "decide_requests": (SECURITY_ADMIN,),
    "revoke_key": (SYSADMIN, SECURITY_ADMIN),
    "identity_audit": (AUDITOR,),
}


def reads_business_data(roles: list[str]) -> bool:
    return any(role in READERS for role in roles)


def may(roles: list[str], action: str) -> bool:
    allowed = PERMISSIONS.get(action)
    return allowed is None or any(role in allowed for role in roles)


@dataclass(frozen=True)
class Destination:
    """A screen reachable from the home menu and the command palette."""

    action: str
    label: str
    help: str


DESTINATIONS: tuple[Destination, ...] = (
    Destination("units", "单位与目标 Units and targets", "Browse units; open a unit's target tree"),
    Destination("letters", "目标责任书 Responsibility letters", "Sign letters level by level"),
    Destination("lagging", "进度督办 Lagging targets", "Targets behind schedule, with filters"),
    Destination("stretch", "跳起来摘桃子 Stretch flags", "Targets whose value does not beat the baseline"),
    Destination("entry_certifications", "专项目标考核 Certifications", "Certify actual values of targets"),
    Destination("entry_ballots", "投票测评 Ballots", "Enter ballots per voter group"),
    Destination("entry_inspections", "年终检查 Inspections", "Enter inspection scores"),
    Destination("entry_grassroots", "基层评议 Grassroots review", "Enter grassroots responses"),
    Destination("import", "导入年度数据包 Import a year bundle", "Load CSV files or an XLSX workbook"),
    Destination("ranking", "考核排名 Ranking", "Compute, review and publish the ranking"),
    Destination("bulletin", "考核通报 Bulletin", "The published ranking, on public notice or final"),
    Destination("charts", "图表 Charts", "Composites by grade, a unit's rank over the years, progress against time"),
    Destination("adjustment_items", "加减分 Adjustment points", "Bonus and deduction items: propose, approve"),
    Destination("appeals", "申诉 Appeals", "Appeals during the public notice; decide; make final"),
    Destination("rewards", "奖惩兑现 Rewards", "Apply results; reward sheet per unit; export"),
    Destination("filings", "备案表 Filing records", "Review, transfer and archive filing forms"),
    Destination("adjustments", "末位调整 Leader adjustments", "Cases for main leaders of last-place units"),
    Destination("cadre_file", "干部档案 Cadre file", "A person's filing records across years"),
    Destination("accounts", "账户管理 Accounts", "Accounts, grants, second factors and API keys"),
    Destination("identity_audit", "身份审计 Identity audit", "Sign-ins, lockouts and account changes"),
)


def destinations(roles: list[str]) -> list[Destination]:
    return [d for d in DESTINATIONS if may(roles, d.action)]
