"""MBO_WORKERS: a service and the gateway each run as several worker processes on one port and answer."""

from __future__ import annotations

from pathlib import Path

from tests.support.stack import RunningStack


def worker_pids(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def test_a_service_and_the_gateway_run_as_two_worker_processes_each(tmp_path: Path) -> None:
    stack = RunningStack(tmp_path).start()
    try:
        stack.add_user("office", "TARGET_OFFICE")
        stack.add_user("auditor", "AUDITOR")
        for name in ("targets", "gateway"):
            stack.stack.restart(name, {"MBO_WORKERS": "2"})
        for name in ("targets", "gateway"):
            workers = worker_pids(stack.stack.processes[name].pid)
            assert len(workers) >= 2, (name, workers)  # uvicorn's supervisor + its workers (+ its own helper)
        with stack.client("office") as office:
            for _ in range(12):  # connections land on either worker: every one answers the same
                result = office.execute("{ units { code } targetCounts(year: 2026) { total } }")
                assert result.errors == [], result.errors
                assert result.data == {"units": [], "targetCounts": {"total": 0}}
        with stack.client("auditor") as auditor:
            refused = auditor.execute("mutation { updateUnit(code: \"X\", version: 1, name: \"甲\") { version } }")
            assert refused.errors and refused.errors[0]["extensions"]["code"] == "FORBIDDEN"
    finally:
        stack.stop()
