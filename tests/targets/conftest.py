from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.stack import RunningStack
from tests.targets.harness import Api, loaded_ok, start, write_units_and_people


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The stack with the five test units and their people imported (JA, JH, QK, FGW, CZJ; JA-001…)."""
    running: RunningStack = start(Path(tmp_path_factory.mktemp("stack")))
    try:
        client = Api(running)
        running.add_user("office", "TARGET_OFFICE")
        loaded_ok(client, client.load(write_units_and_people(Path(tmp_path_factory.mktemp("bundle")))))
        yield client
    finally:
        running.stop()
