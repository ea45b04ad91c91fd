from __future__ import annotations

import pytest

from tests.support.stack import RunningStack
from tests.tui.bundle import write_year_bundle
from tests.tui.helpers import run_import

USERS = [("office", ("TARGET_OFFICE",), None), ("leader", ("LEADER",), None), ("evaluator", ("EVALUATOR",), None),
         ("jaop", ("UNIT_OPERATOR",), "JA"), ("orgdept", ("ORGANIZATION_DEPT",), None),
         ("supervision", ("SUPERVISION_OFFICE",), None)]


@pytest.fixture(scope="module")
def loaded(stack: RunningStack, tmp_path_factory: pytest.TempPathFactory) -> RunningStack:
    """The stack with the test users and the year's units, people, targets and settings (no year-end inputs)."""
    for name, roles, unit in USERS:
        stack.add_user(name, *roles, unit=unit)
    run_import(stack, write_year_bundle(tmp_path_factory.mktemp("bundle"), inputs=False))
    return stack
