"""Every key binding, with an id so a site can remap keys (`MBO_KEYMAP="reload=f5,help=f1"`).

The same key does the same thing on every screen: `r` reloads, `/` searches, `enter` opens, `e` edits,
`ctrl+s` saves, `escape` goes back, `?` shows the help, `ctrl+p` opens the command palette.
"""

from __future__ import annotations

import os

from textual.binding import Binding

APP = [
    Binding("question_mark", "app.help", "帮助 Help", id="help"),
    Binding("f2", "app.home", "主页 Home", id="home"),
    Binding("ctrl+y", "app.choose_year", "年度 Year", id="year"),
    Binding("ctrl+q", "app.quit", "退出 Quit", id="quit", priority=True),
]
BACK = Binding("escape", "app.back", "返回 Back", id="back")
RELOAD = Binding("r", "reload", "刷新 Reload", id="reload")
SEARCH = Binding("slash", "search", "搜索 Search", id="search")
SORT = Binding("s", "sort", "排序 Sort", id="sort")
OPEN = Binding("enter", "open", "打开 Open", id="open", show=False)
EDIT = Binding("e", "edit", "编辑 Edit", id="edit")
NEGOTIATE = Binding("n", "negotiate", "磋商 Negotiate", id="negotiate")
PROGRESS = Binding("g", "progress", "进度 Progress", id="progress")
SIGN_ISSUER = Binding("i", "sign('ISSUER')", "签发 Sign as issuer", id="sign-issuer")
SIGN_RECEIVER = Binding("v", "sign('RECEIVER')", "签收 Sign as receiver", id="sign-receiver")
SAVE = Binding("ctrl+s", "save", "保存 Save", id="save", priority=True)
UNIT = Binding("u", "choose_unit", "单位 Unit", id="unit")
COMPUTE = Binding("c", "compute", "计算 Compute", id="compute")
PUBLISH = Binding("p", "publish", "发布 Publish", id="publish")
FINALIZE = Binding("F", "finalize", "定稿 Finalise", id="finalize")
STAFF = Binding("p", "staff", "人员 Staff", id="staff")
CORRECT = Binding("o", "correct", "更正 Correction", id="correct")
DECOMPOSE = Binding("d", "decompose", "分解 Decompose", id="decompose")
ASSIGN = Binding("a", "assign", "指派 Assign", id="assign")
NEW_LETTER = Binding("n", "new_letter", "新建责任书 New letter", id="new-letter")
OPEN_LETTER = Binding("enter", "open", "查看 View", id="view-letter", show=False)
NEW = Binding("n", "new", "新建 New", id="new")
APPLY = Binding("a", "apply", "兑现 Apply results", id="apply")
EXPORT = Binding("x", "export", "导出 Export XLSX", id="export")
DOCUMENT = Binding("d", "document", "公文 DOCX", id="document")
FILTER = Binding("f", "filter", "筛选 Filter", id="filter")
WORKFLOW = Binding("w", "workflow", "流转 Workflow", id="workflow")
TRANSFER = Binding("t", "transfer", "调动 Transfer", id="transfer")
IMPORT = Binding("ctrl+o", "load", "导入 Import", id="import", priority=True)
NEW_ACCOUNT = Binding("n", "new_account", "新建 New", id="new-account")
RESET_PASSWORD = Binding("p", "reset_password", "重置密码 Password", id="reset-password")
SECOND_FACTOR = Binding("o", "second_factor", "动态口令 2FA", id="second-factor")
TOGGLE_ACTIVE = Binding("d", "toggle_active", "停用/启用 On/off", id="toggle-active")
UNLOCK = Binding("l", "unlock", "解锁 Unlock", id="unlock")
ISSUE_KEY = Binding("k", "issue_key", "签发密钥 Key", id="issue-key")
REVOKE_KEY = Binding("delete", "revoke_key", "吊销密钥 Revoke", id="revoke-key")
GRANTS = Binding("g", "grants", "授权 Grants", id="grants")
APPROVE_REQUEST = Binding("a", "approve_request", "批准复核 Approve", id="approve-request")
REFUSE_REQUEST = Binding("x", "refuse_request", "驳回复核 Refuse", id="refuse-request")
AUDIT = Binding("t", "audit", "身份审计 Audit", id="identity-audit")
MORE = Binding("m", "more", "更早 Older", id="more")


def keymap_from_env() -> dict[str, str]:
    """`MBO_KEYMAP="reload=f5,help=f1"` → {"reload": "f5", "help": "f1"} for `App.set_keymap`."""
    pairs = (item.split("=", 1) for item in os.environ.get("MBO_KEYMAP", "").split(",") if "=" in item)
    return {key.strip(): value.strip() for key, value in pairs}
