"""The TUI's only way to the data: the gateway's sign-in, GraphQL and administration endpoints.

Screens never build HTTP requests; they call the methods here. Every refusal becomes an `ApiError` whose
message is in plain language (Chinese and English). The live schema is introspected once per session so a
screen can offer an action only when the server has it (`Api.has`).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from mbo.bundle import KNOWN, SPECS, FileReport, FileSpec, header_problems, import_document, to_inputs


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


@dataclass
class Session:
    url: str
    username: str = ""
    roles: list[str] = field(default_factory=list)
    unit: str | None = None
    token: str | None = None
    refresh_token: str | None = None
    expires_at: float | None = None  # monotonic time the access token expires
    second_factor: bool = False
    adopted: bool = False  # an access token handed over (MBO_TOKEN): the session is not ours to end

    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)


@dataclass
class Schema:
    """Field names per type of the live supergraph, and argument names per root field."""

    fields: dict[str, dict[str, str]] = field(default_factory=dict)
    args: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def has(self, type_name: str, field_name: str) -> bool:
        return field_name in self.fields.get(type_name, {})

    def type_of(self, type_name: str, field_name: str) -> str | None:
        return self.fields.get(type_name, {}).get(field_name)


INTROSPECTION = """
{ __schema { types { name kind fields { name args { name } type { kind name ofType { kind name ofType { kind name
  ofType { kind name ofType { kind name } } } } } } } } }
"""


def _named(t: dict[str, Any] | None) -> str:
    while t and t.get("ofType") is not None:
        t = t["ofType"]
    return (t or {}).get("name") or ""


TARGET_FIELDS = """
fragment T on Target {
  id code title kind measure direction status version points baseline proposedValue agreedValue
  unitOfMeasure category additive noStretch uncoveredGap stretchOverrideReason responsibleDepartment
  responsibleLeader { staffNo name } assignee { staffNo name }
}"""
PERSON_KEYS_ONLY = ("{ staffNo name }", "{ staffNo }")
TREE = TARGET_FIELDS + """
query Tree($code: ID!, $year: Int!) { unit(code: $code) { code name
  targets(year: $year) { ...T children { ...T children { ...T children { ...T children { ...T } } } } } } }"""
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
REWARD_LINES = """
query Rewards($year: Int!, $first: Int, $after: String) { rewardLines(year: $year, first: $first, after: $after) {
  edges { node { person { staffNo name } unit { code } grade bonusPaid bonusForfeited extraSalary total } }
  pageInfo { hasNextPage endCursor } } }"""


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


REFRESH_MARGIN = 30.0
"""Renew the access token (300 s) when it has less than this left, before the request that needs it."""
REFRESH_PREFIX = "mbor_"


class Api:
    def __init__(self, url: str, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.session = Session(url=url.rstrip("/"))
        self.http = httpx.AsyncClient(timeout=120, transport=transport)
        self.schema: Schema | None = None
        self.warnings: list[str] = []
        self._renewing = asyncio.Lock()

    # ---- transport ---------------------------------------------------------------------------------

    async def sign_in(self, username: str, password: str, otp: str | None = None) -> Session:
        return await self._sign_in("/auth/token", username, {"username": username, "password": password}, otp)

    async def change_password(self, username: str, password: str, otp: str | None, new_password: str) -> Session:
        """The holder's own change (forced after expiry or an administrator's reset); signs in with the new one."""
        body = {"username": username, "password": password, "new_password": new_password}
        return await self._sign_in("/auth/password", username, body, otp)

    async def _sign_in(self, path: str, username: str, body: dict[str, Any], otp: str | None) -> Session:
        if otp:
            body["otp"] = otp
        try:
            response = await self.http.post(f"{self.session.url}{path}", json=body)
        except httpx.HTTPError as exc:
            raise ApiError(f"{PLAIN['NETWORK']} {self.session.url} ({type(exc).__name__})", "NETWORK") from None
        try:
            payload = response.json()
        except ValueError:
            payload = {"message": response.text}
        if response.status_code != 200:
            code = str(payload.get("error") or "")
            message = str(payload.get("message") or "sign-in refused")
            if code not in SIGN_IN_PLAIN and (
                    "otp" in code.lower() or "second factor" in message.lower() or "one-time" in message.lower()):
                code = "otp_required"
            if response.status_code == 423:
                code = "account_locked"
            head = SIGN_IN_PLAIN.get(code)
            error = ApiError(f"{head}\n{message}" if head else message, code)
            error.details = [{"otpauthUri": payload["otpauth_uri"]}] if payload.get("otpauth_uri") else []
            raise error
        self._keep(payload)
        self.session.username = username
        self.session.second_factor = bool(otp)
        self.session.adopted = False
        self.schema = None
        return self.session

    def _keep(self, payload: dict[str, Any]) -> None:
        self.session.token = payload["access_token"]
        self.session.refresh_token = payload.get("refresh_token")
        self.session.expires_at = time.monotonic() + float(payload.get("expires_in") or 0)
        self.session.roles = list(payload.get("roles") or [])
        self.session.unit = payload.get("unit")

    async def renew(self, stale: str | None = None) -> bool:
        """Renew the access token with the session's refresh token (one renewal at a time: a refresh token
        spent twice would end the session). True when a usable token is held afterwards."""
        async with self._renewing:
            if self.session.token != stale and stale is not None:
                return True  # another worker renewed it meanwhile
            if not self.session.refresh_token:
                return False
            try:
                response = await self.http.post(f"{self.session.url}/auth/refresh",
                                                json={"refresh_token": self.session.refresh_token})
            except httpx.HTTPError:
                return False
            if response.status_code != 200:
                self.session.refresh_token = None
                return False
            self._keep(response.json())
            return True

    async def adopt(self, token: str) -> Session:
        """Work in a session already held (MBO_TOKEN): a refresh token (`mbor_…`, spent at once; the session is
        then ours, renewed and ended like our own), an access token (until it expires), or an API key."""
        if token.startswith(REFRESH_PREFIX):
            self.session.refresh_token = token
            if not await self.renew():
                raise ApiError(plain("UNAUTHENTICATED", "the refresh token is not valid"), "UNAUTHENTICATED")
            token = str(self.session.token)
            owned = True
        else:
            owned = False
        try:
            response = await self.http.get(f"{self.session.url}/auth/session",
                                           headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError as exc:
            raise ApiError(f"{PLAIN['NETWORK']} {self.session.url} ({type(exc).__name__})", "NETWORK") from None
        try:
            payload = response.json()
        except ValueError:
            payload = {}
        if response.status_code != 200:
            message = ((payload.get("errors") or [{}])[0].get("message")) or response.text[:200]
            raise ApiError(plain("UNAUTHENTICATED", message), "UNAUTHENTICATED")
        self.session.username = str(payload.get("username") or "")
        self.session.token = token
        self.session.roles = list(payload.get("roles") or [])
        self.session.unit = payload.get("unit")
        self.session.adopted = not owned
        self.schema = None
        return self.session

    async def sign_out(self) -> None:
        """End the session on the server (on quit); a failure to reach it changes nothing locally."""
        if not self.session.token or self.session.adopted:
            return
        expires_at = self.session.expires_at
        if self.session.refresh_token and expires_at is not None and time.monotonic() > expires_at - REFRESH_MARGIN:
            await self.renew(self.session.token)
        try:
            await self.http.post(f"{self.session.url}/auth/logout", timeout=3,
                                 headers={"Authorization": f"Bearer {self.session.token}"})
        except httpx.HTTPError:
            pass
        self.session.token = None

    async def execute(self, document: str, variables: dict[str, Any] | None = None
                      ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Data and errors as the gateway answered (partial data kept)."""
        _status, payload = await self._send("POST", "/graphql",
                                            json={"query": document, "variables": variables or {}})
        return payload.get("data") or {}, payload.get("errors") or []

    async def _send(self, method: str, path: str, **request: Any) -> tuple[int, dict[str, Any]]:
        """One authorised request to the gateway: its status and JSON body; ApiError when unreachable.

        The access token is renewed first when it is about to expire, and once more on a 401, so a screen
        never sees a short token run out while the session lives."""
        expires_at = self.session.expires_at
        if self.session.refresh_token and expires_at is not None and time.monotonic() > expires_at - REFRESH_MARGIN:
            await self.renew(self.session.token)
        token = self.session.token
        response = await self._request(method, path, **request)
        if response.status_code == 401 and self.session.refresh_token and await self.renew(token):
            response = await self._request(method, path, **request)
        try:
            return response.status_code, response.json()
        except ValueError:
            raise ApiError(plain("INTERNAL", response.text[:200]), "INTERNAL") from None

    async def _request(self, method: str, path: str, **request: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.session.token}"} if self.session.token else {}
        try:
            return await self.http.request(method, f"{self.session.url}{path}", headers=headers, **request)
        except httpx.HTTPError as exc:
            raise ApiError(f"{PLAIN['NETWORK']} ({type(exc).__name__})", "NETWORK") from None

    async def query(self, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        data, errors = await self.execute(document, variables)
        if errors:
            raise self.error(errors[0])
        return data

    async def query_people(self, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """As `query`; when only people's names could not be fetched (personnel unavailable), ask again for
        their staff numbers alone, which the owning service answers by itself."""
        data, errors = await self.execute(document, variables)
        if not errors:
            return data
        nested = [e for e in errors if len(e.get("path") or []) > 1]
        if len(nested) == len(errors) and all(
                {"responsibleLeader", "assignee", "person"} & set(map(str, e["path"])) for e in nested):
            self.warnings = ["姓名暂不可用，仅显示工号 Names unavailable; staff numbers shown"]
            return await self.query(document.replace(*PERSON_KEYS_ONLY), variables)
        raise self.error(errors[0])

    @staticmethod
    def error(first: dict[str, Any]) -> ApiError:
        extensions = first.get("extensions") or {}
        code = str(extensions.get("code", ""))
        message = str(first.get("message", "refused"))
        current = extensions.get("currentVersion")
        current = current if isinstance(current, int) else None
        field = extensions.get("field") or (null_variable(message) if code == "GRAPHQL_VALIDATION_FAILED" else None)
        return ApiError(plain(code, message, field, current), code, extensions.get("rowErrors"), field, current)

    async def close(self) -> None:
        await self.http.aclose()

    # ---- the live schema -----------------------------------------------------------------------------

    async def load_schema(self) -> Schema:
        if self.schema is not None:
            return self.schema
        data = await self.query(INTROSPECTION)
        schema = Schema()
        for t in data["__schema"]["types"]:
            if not t.get("fields"):
                continue
            schema.fields[t["name"]] = {f["name"]: _named(f["type"]) for f in t["fields"]}
            if t["name"] in ("Query", "Mutation"):
                schema.args[t["name"]] = {f["name"]: [a["name"] for a in f["args"]] for f in t["fields"]}
        self.schema = schema
        return schema

    def has(self, type_name: str, field_name: str) -> bool:
        return self.schema is not None and self.schema.has(type_name, field_name)

    def selection(self, type_name: str, depth: int = 1) -> str:
        """Every scalar field of a type, and `{ staffNo name }` / `{ code }`-style keys of nested objects."""
        assert self.schema is not None
        parts = []
        for name, inner in self.schema.fields.get(type_name, {}).items():
            if inner not in self.schema.fields:
                parts.append(name)
            elif depth > 0 and inner in ("Person", "Unit"):
                parts.append(f"{name} {{ {'staffNo name' if inner == 'Person' else 'code'} }}")
            elif depth > 0 and inner not in ("Query", "Mutation"):
                nested = [n for n, t in self.schema.fields[inner].items() if t not in self.schema.fields]
                if nested:
                    parts.append(f"{name} {{ {' '.join(nested)} }}")
        return " ".join(parts)

    # ---- targets -------------------------------------------------------------------------------------

    async def units(self) -> list[dict[str, Any]]:
        await self.load_schema()
        return (await self.query("{ units { code name kind group } }"))["units"]

    async def staff_counts(self) -> dict[str, int]:
        """Unit code → number of staff (personnel; a separate, slower call for a whole city)."""
        await self.load_schema()
        if not self.has("Unit", "staff"):
            return {}
        data = await self.query("{ units { code staff { staffNo } } }")
        return {u["code"]: len(u["staff"]) for u in data["units"]}

    async def unit_staff(self, unit_code: str) -> list[dict[str, Any]]:
        """One unit's staff (a unit's own roles read only their own unit's people)."""
        await self.load_schema()
        if not self.has("Unit", "staff"):
            return []
        document = "query S($code: ID!) { unit(code: $code) { staff { staffNo name position } } }"
        unit = (await self.query(document, {"code": unit_code}))["unit"]
        return (unit or {}).get("staff") or []

    async def years(self) -> list[dict[str, Any]]:
        await self.load_schema()
        if not self.has("Query", "assessmentYears"):
            return []
        return (await self.query("{ assessmentYears { year status version } }"))["assessmentYears"]

    async def tree(self, unit_code: str, year: int) -> dict[str, Any] | None:
        return (await self.query_people(TREE, {"code": unit_code, "year": year}))["unit"]

    async def target(self, year: int, code: str) -> dict[str, Any] | None:
        document = TARGET_FIELDS + """
        query One($year: Int!, $code: String!) { target(year: $year, code: $code) { ...T } }"""
        return (await self.query_people(document, {"year": year, "code": code}))["target"]

    async def target_detail(self, year: int, code: str) -> dict[str, Any] | None:
        return (await self.query(TARGET_DETAIL, {"year": year, "code": code}))["target"]

    async def update_target(self, year: int, code: str, version: int, change: dict[str, Any]) -> dict[str, Any]:
        document = TARGET_FIELDS.replace(*PERSON_KEYS_ONLY) + """
        mutation Update($year: Int!, $code: String!, $version: Int!, $input: TargetChangeInput!) {
          updateTarget(year: $year, code: $code, version: $version, input: $input) { ...T } }"""
        return (await self.query(document, {"year": year, "code": code, "version": version,
                                            "input": change}))["updateTarget"]

    async def negotiate(self, action: str, year: int, code: str, version: int, value: str | None,
                        reason: str | None, override_reason: str | None = None) -> dict[str, Any]:
        mutation = {"propose": "proposeTarget", "accept": "acceptProposal", "counter": "counterPropose",
                    "agree": "agreeTarget"}[action]
        variables: dict[str, Any] = {"year": year, "code": code, "version": version}
        params = ["$year: Int!", "$code: String!", "$version: Int!"]
        args = ["year: $year", "code: $code", "version: $version"]
        if action in ("propose", "counter", "agree") and (value or action != "agree"):
            params.append("$value: Decimal!" if action != "agree" else "$value: Decimal")
            args.append("value: $value")
            variables["value"] = value
        params.append("$reason: String" + ("!" if action == "counter" else ""))
        args.append("reason: $reason")
        variables["reason"] = reason or ("" if action == "counter" else None)
        if action == "agree" and override_reason:
            params.append("$override: String")
            args.append("overrideReason: $override")
            variables["override"] = override_reason
        document = TARGET_FIELDS.replace(*PERSON_KEYS_ONLY) + f"""
        mutation Negotiate({', '.join(params)}) {{ {mutation}({', '.join(args)}) {{ ...T }} }}"""
        return (await self.query(document, variables))[mutation]

    async def stretch_flags(self, year: int, unit_code: str | None) -> list[dict[str, Any]]:
        document = """query Flags($year: Int!, $unit: String) { stretchFlags(year: $year, unitCode: $unit) {
          target { code title unitCode } value baseline overridden overrideReason } }"""
        return (await self.query(document, {"year": year, "unit": unit_code}))["stretchFlags"]

    async def letters(self, year: int, unit_code: str | None = None) -> list[dict[str, Any]]:
        document = """query Letters($year: Int!, $unit: String) { letters(year: $year, unitCode: $unit) {
          id year unitCode level title issuer receiver parentId status version
          issuerSignedBy issuerSignedAt receiverSignedBy receiverSignedAt targets { code } } }"""
        return (await self.query(document, {"year": year, "unit": unit_code}))["letters"]

    async def create_letter(self, year: int, unit_code: str, level: str, issuer: str, receiver: str,
                            target_codes: list[str], parent_id: str | None, title: str | None) -> dict[str, Any]:
        document = """mutation L($input: NewLetterInput!) { createLetter(input: $input) { id status version } }"""
        letter = {"year": year, "unitCode": unit_code, "level": level, "issuer": issuer, "receiver": receiver,
                  "targetCodes": target_codes, "parentId": parent_id, "title": title}
        return (await self.query(document, {"input": letter}))["createLetter"]

    async def decompose(self, year: int, code: str, child: dict[str, Any]) -> list[dict[str, Any]]:
        """分解细化: one child target under an agreed target (value, points, department, leader, assignee)."""
        document = """mutation D($year: Int!, $code: String!, $children: [ChildTargetInput!]!) {
          decomposeTarget(year: $year, code: $code, children: $children) { code version } }"""
        return (await self.query(document, {"year": year, "code": code, "children": [child]}))["decomposeTarget"]

    async def sign_letter(self, letter_id: str, side: str, version: int) -> dict[str, Any]:
        document = """mutation Sign($id: ID!, $side: LetterSide!, $version: Int!) {
          signLetter(id: $id, side: $side, version: $version) { id status version } }"""
        return (await self.query(document, {"id": letter_id, "side": side, "version": version}))["signLetter"]

    async def report_progress(self, year: int, code: str, period: str, as_of: str, actual: str,
                              note: str | None) -> dict[str, Any]:
        document = """mutation Report($year: Int!, $code: String!, $period: String!, $asOf: Date!,
          $actual: Decimal!, $note: String) { reportProgress(year: $year, code: $code, period: $period,
          asOf: $asOf, actualToDate: $actual, note: $note) { id period actualToDate } }"""
        return (await self.query(document, {"year": year, "code": code, "period": period, "asOf": as_of,
                                            "actual": actual, "note": note}))["reportProgress"]

    async def lagging(self, year: int, as_of: str, unit_code: str | None = None,
                      leader: str | None = None, *, names: bool = True) -> list[dict[str, Any]]:
        """Targets behind schedule; without `names` the leaders come as staff numbers only, which spares the
        gateway a person lookup per row (a city's 14,600 rows: well under a second instead of several)."""
        document = LAGGING if names else LAGGING_STAFF_NUMBERS
        variables = {"year": year, "asOf": as_of, "unit": unit_code, "leader": leader}
        if names:
            return (await self.query_people(document, variables))["laggingTargets"]
        return (await self.query(document, variables))["laggingTargets"]

    async def lagging_statuses(self, year: int, as_of: str, unit_code: str | None = None) -> list[str]:
        """Only the statuses (for counting on the home screen: far cheaper than the whole list)."""
        document = """query Lagging($year: Int!, $asOf: Date!, $unit: String) {
          laggingTargets(year: $year, asOf: $asOf, unitCode: $unit) { status } }"""
        rows = (await self.query(document, {"year": year, "asOf": as_of, "unit": unit_code}))["laggingTargets"]
        return [r["status"] for r in rows]

    async def agreed_statuses(self, year: int) -> list[str]:
        """Statuses of the year's top-level AGREED or SIGNED targets."""
        rows = (await self.query("query A($y: Int!) { agreedTargets(year: $y) { status } }", {"y": year}))
        return [r["status"] for r in rows["agreedTargets"]]

    # ---- year-end --------------------------------------------------------------------------------------

    async def assessed_targets(self, year: int, unit_code: str) -> list[dict[str, Any]]:
        document = """query Assessed($year: Int!, $unit: ID) { assessedTargets(year: $year, unitCode: $unit) {
          code kind measure direction agreedValue points assessingDepartment
          certification { actualValue completion note } } }"""
        return (await self.query(document, {"year": year, "unit": unit_code}))["assessedTargets"]

    async def ballots(self, year: int, unit_code: str) -> list[dict[str, Any]]:
        document = """query B($year: Int!, $unit: ID) { ballotTallies(year: $year, unitCode: $unit) {
          voterGroup excellent good fair poor } }"""
        return (await self.query(document, {"year": year, "unit": unit_code}))["ballotTallies"]

    async def inspections(self, year: int, unit_code: str) -> list[dict[str, Any]]:
        document = """query I($year: Int!, $unit: ID) { inspectionScores(year: $year, unitCode: $unit) {
          inspector score } }"""
        return (await self.query(document, {"year": year, "unit": unit_code}))["inspectionScores"]

    async def grassroots(self, year: int, unit_code: str) -> list[dict[str, Any]]:
        document = """query G($year: Int!, $unit: ID) { grassrootsTallies(year: $year, unitCode: $unit) {
          satisfied basicallySatisfied dissatisfied } }"""
        return (await self.query(document, {"year": year, "unit": unit_code}))["grassrootsTallies"]

    async def certify(self, year: int, code: str, actual: str | None, completion: str | None) -> bool:
        document = """mutation C($year: Int!, $code: ID!, $actual: Decimal, $completion: Decimal) {
          certifyTarget(year: $year, targetCode: $code, actualValue: $actual, completion: $completion) { code } }"""
        await self.query(document, {"year": year, "code": code, "actual": actual, "completion": completion})
        return True

    async def set_ballots(self, year: int, unit_code: str, group: str, counts: dict[str, int]) -> bool:
        document = """mutation S($year: Int!, $unit: ID!, $group: String!, $e: Int!, $g: Int!, $f: Int!, $p: Int!) {
          setBallots(year: $year, unitCode: $unit, voterGroup: $group, excellent: $e, good: $g, fair: $f,
                     poor: $p) { voterGroup } }"""
        await self.query(document, {"year": year, "unit": unit_code, "group": group, "e": counts["excellent"],
                                    "g": counts["good"], "f": counts["fair"], "p": counts["poor"]})
        return True

    async def set_inspection(self, year: int, unit_code: str, inspector: str, score: str) -> bool:
        document = """mutation S($year: Int!, $unit: ID!, $inspector: String!, $score: Decimal!) {
          setInspectionScore(year: $year, unitCode: $unit, inspector: $inspector, score: $score) { inspector } }"""
        await self.query(document, {"year": year, "unit": unit_code, "inspector": inspector, "score": score})
        return True

    async def set_grassroots(self, year: int, unit_code: str, counts: dict[str, int]) -> bool:
        document = """mutation S($year: Int!, $unit: ID!, $s: Int!, $b: Int!, $d: Int!) {
          setGrassroots(year: $year, unitCode: $unit, satisfied: $s, basicallySatisfied: $b,
                        dissatisfied: $d) { unitCode } }"""
        await self.query(document, {"year": year, "unit": unit_code, "s": counts["satisfied"],
                                    "b": counts["basicallySatisfied"], "d": counts["dissatisfied"]})
        return True

    async def import_file(self, spec: FileSpec, rows: list[dict[str, str]]) -> FileReport:
        """One bundle file through its import mutation, all or nothing (as `mbo import` does)."""
        header = list(rows[0].keys()) if rows else list(spec.columns)
        problems = header_problems(spec, rows, header)
        if problems:
            return FileReport(spec.name, ok=False, message=f"{spec.name}: missing columns", row_errors=problems)
        document = import_document(spec)
        data, errors = await self.execute(document, {"rows": to_inputs(spec, rows)})
        if errors:
            error = self.error(errors[0])
            if error.code == "UNAUTHENTICATED":
                raise error
            return FileReport(spec.name, ok=False, message=error.message, row_errors=list(error.details))
        report = data[spec.mutation]
        return FileReport(spec.name, ok=True, created=report["created"], updated=report["updated"],
                          unchanged=report["unchanged"])

    async def import_bundle(self, files: dict[str, list[dict[str, str]]],
                            progress: Callable[[str, str], None] = lambda name, state: None) -> list[FileReport]:
        reports = []
        for spec in SPECS:
            if spec.name not in files:
                continue
            progress(spec.name, "loading")
            report = await self.import_file(KNOWN[spec.name], files[spec.name])
            progress(spec.name, "ok" if report.ok else "refused")
            reports.append(report)
            if not report.ok:
                break
        return reports

    async def ranking(self, year: int) -> dict[str, Any] | None:
        return (await self.query(RANKING, {"year": year}))["assessment"]

    async def bulletin(self, year: int) -> dict[str, Any] | None:
        return (await self.query(BULLETIN, {"year": year}))["bulletin"]

    async def bulletin_status(self, year: int) -> dict[str, Any] | None:
        """Whether the year is published, for every role that reads the bulletin (no entries)."""
        document = "query B($year: Int!) { bulletin(year: $year) { year revision final onNotice noticeEndsAt } }"
        return (await self.query(document, {"year": year}))["bulletin"]

    async def open_correction(self, year: int, reason: str) -> dict[str, Any]:
        """更正: a new revision of a published year whose inputs may change; recompute and publish it after."""
        document = f"""mutation O($year: Int!, $reason: String!) {{ openCorrection(year: $year, reason: $reason) {{
          {ASSESSMENT_RESULT} }} }}"""
        return (await self.query(document, {"year": year, "reason": reason}))["openCorrection"]

    async def compute(self, year: int) -> dict[str, Any]:
        document = f"mutation C($year: Int!) {{ computeAssessment(year: $year) {{ {ASSESSMENT_RESULT} }} }}"
        return (await self.query(document, {"year": year}))["computeAssessment"]

    async def publish(self, year: int) -> dict[str, Any]:
        document = f"mutation P($year: Int!) {{ publishAssessment(year: $year) {{ {ASSESSMENT_RESULT} }} }}"
        return (await self.query(document, {"year": year}))["publishAssessment"]

    async def assessment_status(self, year: int) -> dict[str, Any] | None:
        document = """query S($year: Int!) { assessment(year: $year) { status revision final onNotice noticeEndsAt
          results { unit { code } missing } } }"""
        return (await self.query(document, {"year": year}))["assessment"]

    async def finalize(self, year: int) -> dict[str, Any]:
        document = f"mutation F($year: Int!) {{ finalizeAssessment(year: $year) {{ {ASSESSMENT_RESULT} }} }}"
        return (await self.query(document, {"year": year}))["finalizeAssessment"]

    # ---- adjustment items (加减分) and appeals (申诉) -------------------------------------------------------

    async def adjustment_items(self, year: int) -> list[dict[str, Any]]:
        document = f"query A($year: Int!) {{ adjustmentItems(year: $year) {{ {ADJUSTMENT_ITEM} }} }}"
        return (await self.query(document, {"year": year}))["adjustmentItems"]

    async def propose_adjustment(self, year: int, unit_code: str, points: str, category: str, reason: str,
                                 evidence: str) -> dict[str, Any]:
        document = f"""mutation P($year: Int!, $unit: ID!, $points: Decimal!, $category: String!, $reason: String!,
          $evidence: String!) {{ proposeAdjustment(year: $year, unitCode: $unit, points: $points, category: $category,
          reason: $reason, evidence: $evidence) {{ {ADJUSTMENT_ITEM} }} }}"""
        variables = {"year": year, "unit": unit_code, "points": points, "category": category, "reason": reason,
                     "evidence": evidence}
        return (await self.query(document, variables))["proposeAdjustment"]

    async def decide_adjustment(self, item: dict[str, Any], approve: bool, reason: str) -> dict[str, Any]:
        name = "approveAdjustment" if approve else "rejectAdjustment"
        kind = "String" if approve else "String!"
        document = f"""mutation D($id: ID!, $version: Int!, $reason: {kind}) {{ {name}(id: $id, version: $version,
          reason: $reason) {{ {ADJUSTMENT_ITEM} }} }}"""
        variables = {"id": item["id"], "version": item["version"], "reason": reason if not approve else reason or None}
        return (await self.query(document, variables))[name]

    async def appeals(self, year: int) -> list[dict[str, Any]]:
        document = f"query A($year: Int!) {{ appeals(year: $year) {{ {APPEAL} }} }}"
        return (await self.query(document, {"year": year}))["appeals"]

    async def file_appeal(self, year: int, unit_code: str, reason: str) -> dict[str, Any]:
        document = f"""mutation F($year: Int!, $unit: ID!, $reason: String!) {{ fileAppeal(year: $year,
          unitCode: $unit, reason: $reason) {{ {APPEAL} }} }}"""
        return (await self.query(document, {"year": year, "unit": unit_code, "reason": reason}))["fileAppeal"]

    async def decide_appeal(self, appeal: dict[str, Any], accepted: bool, reason: str) -> dict[str, Any]:
        document = f"""mutation D($id: ID!, $version: Int!, $decision: AppealDecision!, $reason: String!) {{
          decideAppeal(id: $id, version: $version, decision: $decision, reason: $reason) {{ {APPEAL} }} }}"""
        variables = {"id": appeal["id"], "version": appeal["version"],
                     "decision": "ACCEPTED" if accepted else "REJECTED", "reason": reason}
        return (await self.query(document, variables))["decideAppeal"]

    # ---- personnel ---------------------------------------------------------------------------------------

    async def apply_results(self, year: int) -> dict[str, Any]:
        await self.load_schema()
        assert self.schema is not None
        report_type = self.schema.type_of("Mutation", "applyResults") or "ApplyReport"
        fields = self.selection(report_type, depth=0) or "__typename"
        document = f"mutation A($year: Int!) {{ applyResults(year: $year) {{ {fields} }} }}"
        return (await self.query(document, {"year": year}))["applyResults"]

    async def reward_lines(self, year: int, page: int = 1000) -> list[dict[str, Any]]:
        lines: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            variables = {"year": year, "first": page, "after": after}
            document = REWARD_LINES if not self.has("RewardLine", "oneTimeAward") else REWARD_LINES.replace(
                "extraSalary total", "extraSalary oneTimeAward total")
            data = (await self.query_people(document, variables))["rewardLines"]
            lines += [edge["node"] for edge in data["edges"]]
            if not data["pageInfo"]["hasNextPage"]:
                return lines
            after = data["pageInfo"]["endCursor"]

    async def unit_awards(self, year: int) -> list[dict[str, Any]]:
        """一次性物质奖励 of the year's advanced units ([] from a server without them)."""
        await self.load_schema()
        if not self.has("Query", "unitAwards"):
            return []
        document = "query U($year: Int!) { unitAwards(year: $year) { unit { code name } amount title } }"
        return (await self.query(document, {"year": year}))["unitAwards"]

    async def person_history(self, staff_no: str) -> dict[str, Any] | None:
        """A person with their version and dated unit history (任职经历), for the cadre file and transfers."""
        await self.load_schema()
        dated = "since until leadershipMember mainLeaderRole" if self.has("UnitStint", "since") else "joinedAt leftAt"
        left = "leftOn" if self.has("Person", "leftOn") else ""
        document = f"""query H($staffNo: ID!) {{ person(staffNo: $staffNo) {{ staffNo name position version
          leadershipMember mainLeaderRole {left} unit {{ code name }}
          unitHistory {{ unit {{ code name }} position {dated} }} }} }}"""
        return (await self.query(document, {"staffNo": staff_no}))["person"]

    async def transfer_person(self, staff_no: str, version: int, unit_code: str | None, position: str,
                              leadership_member: bool, main_leader_role: str | None, effective_date: str
                              ) -> dict[str, Any]:
        """调动: the person moves to `unit_code` (None: leaves the system) from `effective_date`."""
        document = """mutation T($staffNo: ID!, $version: Int!, $unit: String, $position: String, $member: Boolean!,
          $role: MainLeaderRole, $day: Date!) { transferPerson(staffNo: $staffNo, version: $version,
          unitCode: $unit, position: $position, leadershipMember: $member, mainLeaderRole: $role,
          effectiveDate: $day) { staffNo version unit { code } leftOn } }"""
        return (await self.query(document, {"staffNo": staff_no, "version": version, "unit": unit_code,
                                            "position": position, "member": leadership_member,
                                            "role": main_leader_role, "day": effective_date}))["transferPerson"]

    async def filing_records(self, year: int | None, status: str | None, page: int = 500, *,
                             pay: bool = False) -> list[dict[str, Any]]:
        """The year's filing records; the bonus fields only when asked (`pay`: the roles that may read them),
        so the supervision office reads its records without a refusal."""
        document = FILING_RECORDS_WITH_PAY if pay else FILING_RECORDS
        records: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            data = (await self.query(document, {"year": year, "status": status, "first": page,
                                                "after": after}))["filingRecords"]
            records += [edge["node"] for edge in data["edges"]]
            if not data["pageInfo"]["hasNextPage"]:
                return records
            after = data["pageInfo"]["endCursor"]

    async def leader_adjustments(self, year: int) -> list[dict[str, Any]]:
        return (await self.query(LEADER_ADJUSTMENTS, {"year": year}))["leaderAdjustments"]

    async def cadre_file(self, staff_no: str) -> dict[str, Any] | None:
        """A person's filing records and adjustment cases across years (no pay fields: a history to read)."""
        return (await self.query(CADRE_FILE, {"staffNo": staff_no}))["person"]

    async def filing_step(self, step: str, record: dict[str, Any], remarks: str | None = None) -> dict[str, Any]:
        """审核 review / 移交 transfer / 归档 archive a filing record at the version shown."""
        mutation, document = FILING_STEPS[step]
        variables: dict[str, Any] = {"id": record["id"], "version": record["version"]}
        if step == "review":
            variables["remarks"] = remarks or None
        return (await self.query(document, variables))[mutation]

    async def decide_leader_adjustment(self, case: dict[str, Any], kind: str, text: str) -> dict[str, Any]:
        document = ADJUSTMENT_FIELDS + """
        mutation D($id: ID!, $version: Int!, $kind: AdjustmentDecisionKind!, $text: String!) {
          decideLeaderAdjustment(id: $id, version: $version, kind: $kind, text: $text) { ...Case } }"""
        variables = {"id": case["id"], "version": case["version"], "kind": kind, "text": text}
        return (await self.query(document, variables))["decideLeaderAdjustment"]

    async def execute_leader_adjustment(self, case: dict[str, Any], note: str | None) -> dict[str, Any]:
        document = ADJUSTMENT_FIELDS + """
        mutation E($id: ID!, $version: Int!, $note: String) {
          executeLeaderAdjustment(id: $id, version: $version, note: $note) { ...Case } }"""
        variables = {"id": case["id"], "version": case["version"], "note": note or None}
        return (await self.query(document, variables))["executeLeaderAdjustment"]

    # ---- 三员 administration (JSON under /admin) -------------------------------------------------------

    async def admin(self, method: str, path: str, body: dict[str, Any] | None = None,
                    params: dict[str, Any] | None = None) -> dict[str, Any]:
        """One call of the gateway's administration API; a refusal becomes an ApiError like GraphQL's."""
        status, payload = await self._send(method, f"/admin{path}", json=body, params=params)
        if 200 <= status < 300:
            return payload
        if payload.get("errors"):  # the gateway's GraphQL-style refusal
            raise self.error(payload["errors"][0])
        code = str(payload.get("error") or "INTERNAL")
        raise ApiError(plain(code, str(payload.get("message") or "")), code, field=payload.get("field"))

    async def accounts(self) -> list[dict[str, Any]]:
        return (await self.admin("GET", "/accounts"))["accounts"]

    async def create_account(self, username: str, display_name: str, kind: str, password: str) -> dict[str, Any]:
        body = {"username": username, "displayName": display_name, "kind": kind}
        if kind == "person":
            body["password"] = password
        return (await self.admin("POST", "/accounts", body))["account"]

    async def reset_password(self, username: str, password: str, second_factor: bool = False) -> dict[str, Any]:
        """Done at once (`mustChange`), or a dual-control request (`request`) a SECURITY_ADMIN decides."""
        return await self.admin("POST", f"{_account(username)}/password",
                                {"password": password, "secondFactor": second_factor})

    async def reset_second_factor(self, username: str) -> dict[str, Any]:
        """Always a dual-control request; once approved, the holder enrols a new factor at the next sign-in."""
        return await self.admin("POST", f"{_account(username)}/second-factor", {})

    async def account_requests(self) -> list[dict[str, Any]]:
        return (await self.admin("GET", "/requests"))["requests"]

    async def decide_request(self, request_id: str, approve: bool) -> dict[str, Any]:
        verb = "approve" if approve else "refuse"
        return (await self.admin("POST", f"/requests/{quote(request_id, safe='')}/{verb}", {}))["request"]

    async def set_active(self, username: str, active: bool) -> dict[str, Any]:
        return await self.admin("POST", f"{_account(username)}/active", {"active": active})

    async def unlock(self, username: str) -> dict[str, Any]:
        return await self.admin("POST", f"{_account(username)}/unlock")

    async def set_grants(self, username: str, roles: list[str], unit: str | None, read_write: bool
                         ) -> dict[str, Any]:
        return await self.admin("PUT", f"{_account(username)}/grants",
                                {"roles": roles, "unit": unit, "readWrite": read_write})

    async def api_keys(self, username: str) -> list[dict[str, Any]]:
        return (await self.admin("GET", f"{_account(username)}/keys"))["keys"]

    async def issue_api_key(self, username: str, label: str) -> tuple[dict[str, Any], str]:
        """The new key's record and the key itself, which the server shows this once."""
        done = await self.admin("POST", f"{_account(username)}/keys", {"label": label})
        return done["key"], str(done["apiKey"])

    async def revoke_api_key(self, key_id: str) -> dict[str, Any]:
        return await self.admin("DELETE", f"/keys/{quote(str(key_id), safe='')}")

    async def identity_audit(self, limit: int = 200, before: int | None = None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"limit": limit}
        if before is not None:
            params["before"] = before
        return (await self.admin("GET", "/audit", params=params))["entries"]


def _account(username: str) -> str:
    return f"/accounts/{quote(username, safe='')}"

