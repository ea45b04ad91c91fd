"""Faults: concurrent edits of one record, a service killed in the middle of an import, then a retry."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.support.bundles import UNITS, people_for, write_csv
from tests.support.stack import PASSWORD, RunningStack

UPDATE = 'mutation($v: Int!, $n: String!) { updateUnit(code: "JA", version: $v, name: $n) { version name } }'


@pytest.fixture(scope="module")
def faults(stack: RunningStack) -> RunningStack:
    stack.add_user("office", "TARGET_OFFICE")
    with stack.client("office") as client:
        for code, name, kind, group in UNITS:
            created = client.execute(f'mutation {{ createUnit(code: "{code}", name: "{name}", kind: '
                                     f'{kind.upper()}, group: "{group}") {{ code }} }}')
            assert created.errors == []
    return stack


def test_twenty_clients_editing_one_record_exactly_one_wins_each_round(faults: RunningStack) -> None:
    token = faults.token("office", ["TARGET_OFFICE"])
    url = f"{faults.url}/graphql"
    version = 1
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        for round_ in range(5):
            barrier = threading.Barrier(20)

            def edit(client_no: int, seen: int = version, round_no: int = round_,
                     barrier: threading.Barrier = barrier) -> dict:
                barrier.wait()
                return http.post(url, json={"query": UPDATE, "variables": {
                    "v": seen, "n": f"江岸区 r{round_no} c{client_no}"}}).json()

            with ThreadPoolExecutor(20) as pool:
                answers = list(pool.map(edit, range(20)))
            winners = [a for a in answers if not a.get("errors")]
            losers = [a for a in answers if a.get("errors")]
            assert len(winners) == 1, answers
            assert {e["errors"][0]["extensions"]["code"] for e in losers} == {"CONFLICT"}
            version += 1
            assert winners[0]["data"]["updateUnit"]["version"] == version
            final = http.post(url, json={"query": '{ unit(code: "JA") { version name } }'}).json()
            assert final["data"]["unit"] == winners[0]["data"]["updateUnit"], "no lost update"


def test_a_service_killed_during_an_import_writes_nothing_and_a_retry_succeeds(faults: RunningStack,
                                                                            tmp_path: Path) -> None:
    units = [(f"K{i:03d}", f"测试单位{i}", "municipal", "") for i in range(40)]
    per_unit = 1000
    with faults.client("office") as client:
        for code, name, _kind, _group in units:
            assert client.execute(f'mutation {{ createUnit(code: "{code}", name: "{name}", kind: MUNICIPAL) '
                                  "{ code } }").errors == []
    write_csv(tmp_path / "people.csv",
              ["staff_no", "name", "unit_code", "position", "leadership_member", "main_leader_role",
               "on_establishment", "monthly_salary", "bonus_standard"], people_for(units, per_unit))
    env = {**os.environ, **faults.client_env("office", PASSWORD)}
    command = [sys.executable, "-m", "mbo.cli", "import", str(tmp_path)]
    importer = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    personnel = faults.stack.processes["personnel"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and importer.poll() is None:
        # wait until the personnel service is busy with the import, then kill it
        if personnel_busy(faults):
            break
        time.sleep(0.02)
    os.kill(personnel.pid, signal.SIGKILL)
    personnel.wait(10)
    _out, err = importer.communicate(timeout=120)
    assert importer.returncode != 0
    assert "people.csv" in err and "personnel" in err, err
    faults.stack.processes["personnel"] = faults.stack._spawn("personnel", faults.stack.ports()["personnel"])
    faults.stack._wait_healthy(["personnel"], 60)
    everyone = '{ units { staff { staffNo } } }'
    with faults.client("office") as client:
        staff = client.execute(everyone)
        assert staff.errors == []
        written = sum(len(u["staff"]) for u in staff.data["units"])
        assert written in (0, len(units) * per_unit), f"half-written: {written} people"
    retry = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert retry.returncode == 0, retry.stderr
    assert f"people.csv: {len(units) * per_unit - written} created" in retry.stdout
    with faults.client("office") as client:
        staff = client.execute(everyone).data["units"]
        assert sum(len(u["staff"]) for u in staff) == len(units) * per_unit


def personnel_busy(stack: RunningStack) -> bool:
    """The personnel process is using the CPU: the import request has arrived and is being worked on."""
    pid = stack.stack.processes["personnel"].pid
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return fields[0] == "R"


def test_a_hard_restart_of_every_process_loses_nothing_committed(faults: RunningStack) -> None:
    with faults.client("office") as client:
        before = client.execute('{ units { code name version } }')
        assert before.errors == []
        assert client.execute('mutation { createUnit(code: "RS01", name: "重启前单位", kind: MUNICIPAL) '
                              '{ code } }').errors == []
        token = client.token
    for process in faults.stack.processes.values():
        os.kill(process.pid, signal.SIGKILL)
    for process in faults.stack.processes.values():
        process.wait(10)
    faults.stack.start()
    headers = {"Authorization": f"Bearer {token}"}
    after = httpx.post(f"{faults.url}/graphql", json={"query": '{ units { code name version } }'}, headers=headers)
    assert after.status_code == 200, "the session survives a restart: it is in the identity store"
    units = {u["code"]: u for u in after.json()["data"]["units"]}
    assert units["RS01"]["name"] == "重启前单位"
    assert all(units[u["code"]] == u for u in before.data["units"]), "every committed change is still there"
    verify = subprocess.run([sys.executable, "-m", "mbo.cli", "audit", "verify", "--data-dir", str(faults.data_dir)],
                            env={**os.environ, **faults.env}, capture_output=True, text=True, check=False)
    assert verify.returncode == 0, verify.stdout + verify.stderr
