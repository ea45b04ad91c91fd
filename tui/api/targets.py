"""Units, target trees, negotiation, decomposition, letters and progress (the targets service)."""

from __future__ import annotations

from typing import Any

from tui.api.documents import (
    AGREED_STATUSES,
    ASSESSMENT_YEARS,
    CREATE_LETTER,
    DECOMPOSE,
    LAGGING,
    LAGGING_COUNT,
    LAGGING_FIRST,
    LAGGING_FIRST_NAMED,
    LAGGING_STAFF_NUMBERS,
    LAGGING_STATUSES,
    LETTERS,
    REPORT_PROGRESS,
    SIGN_LETTER,
    STAFF_COUNTS,
    STRETCH_FLAGS,
    TARGET,
    TARGET_COUNTS,
    TARGET_DETAIL,
    TARGET_KEYS,
    TARGET_KEYS_ONLY,
    TREE,
    TREE_KEYS_ONLY,
    UNIT_STAFF,
    UNITS,
    UPDATE_TARGET,
)
from tui.api.transport import Transport


class TargetsApi(Transport):

    async def units(self) -> list[dict[str, Any]]:
        return (await self.query(UNITS))["units"]

    async def staff_counts(self) -> dict[str, int]:
        """Unit code → number of staff (personnel; a separate, slower call for a whole city)."""
        await self.load_schema()
        if not self.has("Unit", "staff"):
            return {}
        data = await self.query(STAFF_COUNTS)
        return {u["code"]: len(u["staff"]) for u in data["units"]}

    async def unit_staff(self, unit_code: str) -> list[dict[str, Any]]:
        """One unit's staff (a unit's own roles read only their own unit's people)."""
        await self.load_schema()
        if not self.has("Unit", "staff"):
            return []
        document = UNIT_STAFF
        unit = (await self.query(document, {"code": unit_code}))["unit"]
        return (unit or {}).get("staff") or []

    async def years(self) -> list[dict[str, Any]]:
        await self.load_schema()
        if not self.has("Query", "assessmentYears"):
            return []
        return (await self.query(ASSESSMENT_YEARS))["assessmentYears"]

    async def tree(self, unit_code: str, year: int) -> dict[str, Any] | None:
        return (await self.query_people(TREE, TREE_KEYS_ONLY, {"code": unit_code, "year": year}))["unit"]

    async def target(self, year: int, code: str) -> dict[str, Any] | None:
        return (await self.query_people(TARGET, TARGET_KEYS_ONLY, {"year": year, "code": code}))["target"]

    async def target_detail(self, year: int, code: str) -> dict[str, Any] | None:
        return (await self.query(TARGET_DETAIL, {"year": year, "code": code}))["target"]

    async def update_target(self, year: int, code: str, version: int, change: dict[str, Any]) -> dict[str, Any]:
        return (await self.query(UPDATE_TARGET, {"year": year, "code": code, "version": version,
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
        document = TARGET_KEYS + f"""
        mutation Negotiate({', '.join(params)}) {{ {mutation}({', '.join(args)}) {{ ...T }} }}"""
        return (await self.query(document, variables))[mutation]

    async def stretch_flags(self, year: int, unit_code: str | None) -> list[dict[str, Any]]:
        document = STRETCH_FLAGS
        return (await self.query(document, {"year": year, "unit": unit_code}))["stretchFlags"]

    async def letters(self, year: int, unit_code: str | None = None) -> list[dict[str, Any]]:
        document = LETTERS
        return (await self.query(document, {"year": year, "unit": unit_code}))["letters"]

    async def create_letter(self, year: int, unit_code: str, level: str, issuer: str, receiver: str,
                            target_codes: list[str], parent_id: str | None, title: str | None) -> dict[str, Any]:
        document = CREATE_LETTER
        letter = {"year": year, "unitCode": unit_code, "level": level, "issuer": issuer, "receiver": receiver,
                  "targetCodes": target_codes, "parentId": parent_id, "title": title}
        return (await self.query(document, {"input": letter}))["createLetter"]

    async def decompose(self, year: int, code: str, child: dict[str, Any]) -> list[dict[str, Any]]:
        """分解细化: one child target under an agreed target (value, points, department, leader, assignee)."""
        document = DECOMPOSE
        return (await self.query(document, {"year": year, "code": code, "children": [child]}))["decomposeTarget"]

    async def sign_letter(self, letter_id: str, side: str, version: int) -> dict[str, Any]:
        document = SIGN_LETTER
        return (await self.query(document, {"id": letter_id, "side": side, "version": version}))["signLetter"]

    async def report_progress(self, year: int, code: str, period: str, as_of: str, actual: str,
                              note: str | None) -> dict[str, Any]:
        document = REPORT_PROGRESS
        return (await self.query(document, {"year": year, "code": code, "period": period, "asOf": as_of,
                                            "actual": actual, "note": note}))["reportProgress"]

    async def lagging(self, year: int, as_of: str, unit_code: str | None = None,
                      leader: str | None = None) -> list[dict[str, Any]]:
        """Targets behind schedule with their leaders' names; where the names cannot be fetched (personnel
        unavailable), with the leaders' staff numbers and a warning."""
        variables = {"year": year, "asOf": as_of, "unit": unit_code, "leader": leader}
        return (await self.query_people(LAGGING, LAGGING_STAFF_NUMBERS, variables))["laggingTargets"]

    async def lagging_first(self, year: int, as_of: str, unit_code: str | None, leader: str | None,
                            first: int, *, names: bool = False) -> list[dict[str, Any]]:
        """The `first` most urgent targets behind schedule: a screen's first page (leaders as staff numbers), or
        with `names` the leaders' names too (staff numbers and a warning where names cannot be fetched)."""
        variables = {"year": year, "asOf": as_of, "unit": unit_code, "leader": leader, "first": first}
        if names:
            return (await self.query_people(LAGGING_FIRST_NAMED, LAGGING_FIRST, variables))["laggingTargets"]
        return (await self.query(LAGGING_FIRST, variables))["laggingTargets"]

    async def lagging_count(self, year: int, as_of: str, unit_code: str | None = None) -> dict[str, int]:
        """How many targets are lagging and at risk: {"LAGGING": n, "AT_RISK": m} (two numbers, not a row each)."""
        found = (await self.query(LAGGING_COUNT, {"year": year, "asOf": as_of, "unit": unit_code}))["laggingCount"]
        return {"LAGGING": found["lagging"], "AT_RISK": found["atRisk"]}

    async def lagging_statuses(self, year: int, as_of: str, unit_code: str | None = None) -> list[str]:
        """Only the statuses (for counting on the home screen: far cheaper than the whole list)."""
        document = LAGGING_STATUSES
        rows = (await self.query(document, {"year": year, "asOf": as_of, "unit": unit_code}))["laggingTargets"]
        return [r["status"] for r in rows]

    async def target_counts(self, year: int, unit_code: str | None) -> dict[str, Any]:
        """The year's number of targets, in all and per status (one aggregate query)."""
        return (await self.query(TARGET_COUNTS, {"y": year, "u": unit_code}))["targetCounts"]

    async def agreed_statuses(self, year: int) -> list[str]:
        """Statuses of the year's top-level AGREED or SIGNED targets."""
        rows = (await self.query(AGREED_STATUSES, {"y": year}))
        return [r["status"] for r in rows["agreedTargets"]]
