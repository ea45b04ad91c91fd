"""Year-end inputs, bundle import, the ranking and its revisions, adjustment items and appeals (the
assessment service)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mbo.bundle import KNOWN, SPECS, FileReport, FileSpec, header_problems, import_document, to_inputs
from tui.api.documents import (
    ADJUSTMENT_ITEMS,
    APPEALS,
    APPROVE_ADJUSTMENT,
    ASSESSED_TARGETS,
    ASSESSMENT_STATUS,
    BALLOTS,
    BULLETIN,
    BULLETIN_STATUS,
    CERTIFY,
    COMPUTE,
    DECIDE_APPEAL,
    FILE_APPEAL,
    FINALIZE,
    GRASSROOTS,
    INSPECTIONS,
    OPEN_CORRECTION,
    PROPOSE_ADJUSTMENT,
    PUBLISH,
    RANKING,
    REJECT_ADJUSTMENT,
    SET_BALLOTS,
    SET_GRASSROOTS,
    SET_INSPECTION,
)
from tui.api.transport import Transport


class AssessmentApi(Transport):

    async def assessed_targets(self, year: int, unit_code: str) -> list[dict[str, Any]]:
        document = ASSESSED_TARGETS
        return (await self.query(document, {"year": year, "unit": unit_code}))["assessedTargets"]

    async def ballots(self, year: int, unit_code: str) -> list[dict[str, Any]]:
        document = BALLOTS
        return (await self.query(document, {"year": year, "unit": unit_code}))["ballotTallies"]

    async def inspections(self, year: int, unit_code: str) -> list[dict[str, Any]]:
        document = INSPECTIONS
        return (await self.query(document, {"year": year, "unit": unit_code}))["inspectionScores"]

    async def grassroots(self, year: int, unit_code: str) -> list[dict[str, Any]]:
        document = GRASSROOTS
        return (await self.query(document, {"year": year, "unit": unit_code}))["grassrootsTallies"]

    async def certify(self, year: int, code: str, actual: str | None, completion: str | None) -> bool:
        document = CERTIFY
        await self.query(document, {"year": year, "code": code, "actual": actual, "completion": completion})
        return True

    async def set_ballots(self, year: int, unit_code: str, group: str, counts: dict[str, int]) -> bool:
        document = SET_BALLOTS
        await self.query(document, {"year": year, "unit": unit_code, "group": group, "e": counts["excellent"],
                                    "g": counts["good"], "f": counts["fair"], "p": counts["poor"]})
        return True

    async def set_inspection(self, year: int, unit_code: str, inspector: str, score: str) -> bool:
        document = SET_INSPECTION
        await self.query(document, {"year": year, "unit": unit_code, "inspector": inspector, "score": score})
        return True

    async def set_grassroots(self, year: int, unit_code: str, counts: dict[str, int]) -> bool:
        document = SET_GRASSROOTS
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
        document = BULLETIN_STATUS
        return (await self.query(document, {"year": year}))["bulletin"]

    async def open_correction(self, year: int, reason: str) -> dict[str, Any]:
        """更正: a new revision of a published year whose inputs may change; recompute and publish it after."""
        document = OPEN_CORRECTION
        return (await self.query(document, {"year": year, "reason": reason}))["openCorrection"]

    async def compute(self, year: int) -> dict[str, Any]:
        document = COMPUTE
        return (await self.query(document, {"year": year}))["computeAssessment"]

    async def publish(self, year: int) -> dict[str, Any]:
        document = PUBLISH
        return (await self.query(document, {"year": year}))["publishAssessment"]

    async def assessment_status(self, year: int) -> dict[str, Any] | None:
        document = ASSESSMENT_STATUS
        return (await self.query(document, {"year": year}))["assessment"]

    async def finalize(self, year: int) -> dict[str, Any]:
        document = FINALIZE
        return (await self.query(document, {"year": year}))["finalizeAssessment"]

    # ---- adjustment items (加减分) and appeals (申诉) -------------------------------------------------------

    async def adjustment_items(self, year: int) -> list[dict[str, Any]]:
        document = ADJUSTMENT_ITEMS
        return (await self.query(document, {"year": year}))["adjustmentItems"]

    async def propose_adjustment(self, year: int, unit_code: str, points: str, category: str, reason: str,
                                 evidence: str) -> dict[str, Any]:
        document = PROPOSE_ADJUSTMENT
        variables = {"year": year, "unit": unit_code, "points": points, "category": category, "reason": reason,
                     "evidence": evidence}
        return (await self.query(document, variables))["proposeAdjustment"]

    async def decide_adjustment(self, item: dict[str, Any], approve: bool, reason: str) -> dict[str, Any]:
        name, document = ("approveAdjustment", APPROVE_ADJUSTMENT) if approve else ("rejectAdjustment",
                                                                                     REJECT_ADJUSTMENT)
        variables = {"id": item["id"], "version": item["version"], "reason": reason if not approve else reason or None}
        return (await self.query(document, variables))[name]

    async def appeals(self, year: int) -> list[dict[str, Any]]:
        document = APPEALS
        return (await self.query(document, {"year": year}))["appeals"]

    async def file_appeal(self, year: int, unit_code: str, reason: str) -> dict[str, Any]:
        document = FILE_APPEAL
        return (await self.query(document, {"year": year, "unit": unit_code, "reason": reason}))["fileAppeal"]

    async def decide_appeal(self, appeal: dict[str, Any], accepted: bool, reason: str) -> dict[str, Any]:
        document = DECIDE_APPEAL
        variables = {"id": appeal["id"], "version": appeal["version"],
                     "decision": "ACCEPTED" if accepted else "REJECTED", "reason": reason}
        return (await self.query(document, variables))["decideAppeal"]
