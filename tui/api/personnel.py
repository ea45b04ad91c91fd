"""Rewards, transfers, filing records, leader adjustments and cadre files (the personnel service)."""

from __future__ import annotations

from typing import Any

from tui.api.documents import (
    CADRE_FILE,
    DECIDE_LEADER_ADJUSTMENT,
    EXECUTE_LEADER_ADJUSTMENT,
    FILING_RECORDS,
    FILING_RECORDS_WITH_PAY,
    FILING_STEPS,
    LEADER_ADJUSTMENTS,
    REWARD_LINES,
    TRANSFER_PERSON,
    UNIT_AWARDS,
)
from tui.api.transport import Transport


class PersonnelApi(Transport):

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
            award = self.has("RewardLine", "oneTimeAward")
            data = (await self.query_people(REWARD_LINES[award, True], REWARD_LINES[award, False],
                                            variables))["rewardLines"]
            lines += [edge["node"] for edge in data["edges"]]
            if not data["pageInfo"]["hasNextPage"]:
                return lines
            after = data["pageInfo"]["endCursor"]

    async def unit_awards(self, year: int) -> list[dict[str, Any]]:
        """一次性物质奖励 of the year's advanced units ([] from a server without them)."""
        await self.load_schema()
        if not self.has("Query", "unitAwards"):
            return []
        document = UNIT_AWARDS
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
        document = TRANSFER_PERSON
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
        document = DECIDE_LEADER_ADJUSTMENT
        variables = {"id": case["id"], "version": case["version"], "kind": kind, "text": text}
        return (await self.query(document, variables))["decideLeaderAdjustment"]

    async def execute_leader_adjustment(self, case: dict[str, Any], note: str | None) -> dict[str, Any]:
        document = EXECUTE_LEADER_ADJUSTMENT
        variables = {"id": case["id"], "version": case["version"], "note": note or None}
        return (await self.query(document, variables))["executeLeaderAdjustment"]
