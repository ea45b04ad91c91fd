"""Bilingual labels of the codes the server sends (statuses, roles, decisions), so no screen shows a raw code."""

from __future__ import annotations

from typing import Any

FILING_STATUS = {"DRAFT": "待审核 Draft", "REVIEWED": "已审核 Reviewed", "TRANSFERRED": "已移交 Transferred",
                 "ARCHIVED": "已归档 Archived", "WITHDRAWN": "已撤回 Withdrawn"}
ADJUSTMENT_STATUS = {"PROPOSED": "待决定 Proposed", "DECIDED": "已决定 Decided", "EXECUTED": "已执行 Executed",
                     "WITHDRAWN": "已撤回 Withdrawn"}
TEAM_ROLE = {"PARTY_SECRETARY": "党委（党组）书记 Party secretary", "ADMIN_HEAD": "行政主要负责人 Administrative head",
             "MEMBER": "班子成员 Team member", "STAFF": "工作人员 Staff"}
MAIN_LEADER_ROLE = {"PARTY_SECRETARY": TEAM_ROLE["PARTY_SECRETARY"], "ADMIN_HEAD": TEAM_ROLE["ADMIN_HEAD"]}
DECISION_KIND = {"TRANSFER": "调任 Transfer", "DEMOTION": "降职 Demotion", "REMOVAL": "免职 Removal",
                 "OTHER": "其他 Other"}
SIGNATURE_STEP = {"REVIEWED": "审核 Reviewed", "TRANSFERRED": "移交 Transferred", "ARCHIVED": "归档 Archived"}
ROLE = {"TARGET_OFFICE": "目标办 Target office", "LEADER": "领导 Leader", "UNIT_OPERATOR": "单位操作员 Unit operator",
        "ASSESSOR": "考核处室 Assessor", "EVALUATOR": "测评员 Evaluator", "SUPERVISION_OFFICE": "督查室 Supervision",
        "ORGANIZATION_DEPT": "组织部 Organisation dept", "SYSADMIN": "系统管理员 System admin",
        "SECURITY_ADMIN": "安全管理员 Security admin", "AUDITOR": "安全审计员 Auditor"}
TARGET_KIND = {"BASE": "基本 Base", "STRETCH": "争取 Stretch", "VETO": "否决 Veto"}
MEASURE = {"QUANTITATIVE": "定量 Quantitative", "QUALITATIVE": "定性 Qualitative"}
DIRECTION = {"HIGHER_IS_BETTER": "越高越好 Higher is better", "LOWER_IS_BETTER": "越低越好 Lower is better"}
NEGOTIATION_ACTION = {"PROPOSE": "提出 Propose", "ACCEPT": "接受 Accept", "COUNTER": "反提议 Counter",
                      "AGREE": "商定 Agree"}


def label(table: dict[str, str], code: Any) -> str:
    """The bilingual label of a code ("—" when absent; the code itself only if the table does not know it)."""
    if code is None or code == "":
        return "—"
    return table.get(str(code), str(code))


def roles(codes: list[str]) -> str:
    return "、".join(label(ROLE, c) for c in codes)
