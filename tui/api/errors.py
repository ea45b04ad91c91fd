"""Refusals in plain language: every error the gateway answers becomes an `ApiError` whose message says, in
Chinese and English, what happened (and which field or version it concerns)."""

from __future__ import annotations

import re
from typing import Any


class ApiError(Exception):
    """A refusal in plain language, with the server's code, the field it concerns and any row errors."""

    def __init__(self, message: str, code: str = "", details: list[dict[str, Any]] | None = None,
                 field: str | None = None, current_version: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details or []
        self.field = field
        self.current_version = current_version


PLAIN = {
    "UNAUTHENTICATED": "会话已过期，请重新登录。Your session has ended; please sign in again.",
    "FORBIDDEN": "无此操作权限。Your role may not do this.",
    "CONFLICT": "数据已被他人修改或状态不允许，请刷新后重试。Someone else saved first or the record is frozen; "
                "reload and try again.",
    "NOT_FOUND": "记录不存在。That record no longer exists.",
    "BAD_USER_INPUT": "输入有误。The input was refused.",
    "INTERNAL": "服务器内部错误，请稍后重试。The server failed; try again later.",
    "GRAPHQL_VALIDATION_FAILED": "服务器暂不支持此功能。This server does not offer that yet.",
    "NETWORK": "无法连接网关。Cannot reach the gateway.",
}
SIGN_IN_PLAIN = {
    "account_locked": "账户已锁定。This account is locked after too many failed attempts.",
    "invalid_credentials": "用户名或密码错误。Wrong username or password.",
    "otp_required": "请输入动态口令。Enter the one-time code from your authenticator.",
    "invalid_otp": "动态口令错误。The one-time code is wrong.",
    "otp_not_enrolled": "此账户需要动态口令但尚未登记，请联系系统管理员。This account needs a second factor; ask the "
                        "system administrator to enrol one.",
    "no_roles": "此账户尚未授权，请联系安全管理员。No roles have been granted to this account yet.",
    "password_expired": "密码已过期或为临时密码，请设置新密码。The password has expired or was set by an "
                        "administrator: choose a new one.",
    "otp_enrolment_required": "请登记动态口令：在手机身份验证器中添加下面的文本，然后输入显示的口令。Enrol your second "
                              "factor: add the text below to your authenticator app, then enter its code.",
    "password_policy": "新密码不符合要求。The new password is not acceptable.",
}


STALE = "数据已被他人修改，请刷新后重试。Someone else saved first; reload and try again."
WRONG_STEP = "记录当前状态不允许此操作。The record's current state does not allow this step."
PUBLISHED = ("已发布，数据只读；如需修改请目标办开启更正。Published: read only until the target office opens a "
             "correction.")
EMPTY_REQUIRED = "必填项为空。A required field is empty."
NULL_VARIABLE = re.compile(r"Variable '\$(\w+)'.*(must not be null|of required type|was not provided)")


def plain(code: str, message: str, field: str | None = None, current_version: int | None = None) -> str:
    """The server's message after a plain-language line for its code; a CONFLICT says whether someone else
    saved first (and which version is current) or the record's state refuses the step; an empty required
    argument is named instead of "not offered"."""
    head = PLAIN.get(code)
    if code == "CONFLICT":
        stale = field == "version" or current_version is not None or "changed by someone else" in message \
            or "changed meanwhile" in message
        head = STALE if stale else PUBLISHED if "is published" in message else WRONG_STEP
        if current_version is not None:
            head += f"（当前版本 current version {current_version}）"
    if code == "GRAPHQL_VALIDATION_FAILED":
        empty = NULL_VARIABLE.search(message)
        if empty:
            head = f"{EMPTY_REQUIRED}（{empty.group(1)}）"
    return f"{head}\n{message}" if head and message else head or message


def null_variable(message: str) -> str | None:
    """The name of a required argument sent empty, from the gateway's validation message."""
    found = NULL_VARIABLE.search(message)
    return found.group(1) if found else None
