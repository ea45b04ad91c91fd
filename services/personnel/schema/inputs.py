"""What the personnel mutations take: the columns of the files they load, and GraphQL values turned into the
domain's (stored enumerations, transfer rows, a person's change)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry

from kernel.rows import import_rows
from services.personnel import history, roster
from services.personnel import models as m

PEOPLE_COLUMNS = ("staff_no", "name", "unit_code", "position", "leadership_member", "main_leader_role",
                  "on_establishment", "monthly_salary", "bonus_standard", "since")
ROWS_HELP = "rows of people.csv: one JSON object per row, {\"row\": n, \"<column>\": \"<text>\", …} (DESIGN §5)"
TRANSFER_COLUMNS = ("staff_no", "unit_code", "position", "leadership_member", "main_leader_role", "effective_date")
TRANSFER_ROWS_HELP = "rows of transfers.csv: one JSON object per row, {\"row\": n, \"<column>\": \"<text>\", …}"


def stored_role(role: Any) -> m.MainLeaderRole | None:
    """The stored main-leader role of a GraphQL MainLeaderRole (None and UNSET: none)."""
    return None if role in (None, strawberry.UNSET) else m.MainLeaderRole(role.value)


def stored_status(status: Any) -> m.FilingStatus | None:
    return m.FilingStatus(status.value) if status else None


def people_rows(rows: list[Any]) -> list[roster.PersonRow]:
    return import_rows(rows, PEOPLE_COLUMNS, "people.csv", make=roster.PersonRow)


def transfer_rows(rows: list[Any]) -> list[history.TransferRow]:
    return [history.TransferRow(row=r.row, staff_no=r.staff_no, unit_code=r.unit_code, position=r.position,
                                leadership_member=r.leadership_member, main_leader_role=r.main_leader_role,
                                effective_date=r.effective_date)
            for r in import_rows(rows, TRANSFER_COLUMNS, "transfers.csv")]


def person_change(*, name: str | None, unit_code: str | None, position: str | None, leadership_member: bool | None,
                  main_leader_role: Any, on_establishment: bool | None, monthly_salary: Decimal | None,
                  bonus_standard: Decimal | None) -> roster.PersonChange:
    """updatePerson's arguments as a change: an explicit null main leader role clears it, an absent one keeps it."""
    return roster.PersonChange(
        name=name, unit_code=unit_code, position=position, leadership_member=leadership_member,
        main_leader_role=stored_role(main_leader_role), clear_main_leader_role=main_leader_role is None,
        on_establishment=on_establishment, monthly_salary=monthly_salary, bonus_standard=bonus_standard,
    )
