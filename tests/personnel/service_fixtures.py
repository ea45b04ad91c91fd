"""Test support for the personnel service: a real personnel process and a small real upstream HTTP server.

The upstream server answers on loopback the GraphQL questions personnel asks other services —
`units { code }` (targets), `publishedRevision(year)` and the look at its fields (assessment) — from data the
test sets, and can forward every other request to a real service (so a full stack can run with it in front
of assessment). It serves the revision as the notice-and-appeals contract has it (`final`, `noticeEndsAt`,
the award settings, each unit's adjustment items), or, with `before_notice`, as an assessment service from
before that contract (none of those fields).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from kernel.auth import issue_token, service_token
from kernel.db import drop_database
from tests.support.stack import PG_BASE, backend, free_port_block

BEFORE_NOTICE_FIELDS = ("year", "revision", "publishedAt", "reason", "results")
NOTICE_FIELDS = ("final", "noticeEndsAt", "advancedUnitAward", "advancedLeaderAward")


@dataclass
class UpstreamState:
    units: list[str] = field(default_factory=list)
    published: dict[int, dict[str, Any] | None] = field(default_factory=dict)
    forward_to: str | None = None
    before_notice: bool = False
    failing: bool = False  # the published revision answers 503 (the assessment service in trouble)
    calls: list[str] = field(default_factory=list)


class FakeUpstream:
    """A real HTTP server on loopback speaking just enough GraphQL for the personnel service."""

    def __init__(self) -> None:
        self.state = UpstreamState()
        state = self.state

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                payload = json.loads(body or b"{}")
                query = payload.get("query") or ""
                if '__type(name: "PublishedRevision")' in query:
                    state.calls.append("publishedRevision fields")
                    names = [*BEFORE_NOTICE_FIELDS, *([] if state.before_notice else NOTICE_FIELDS)]
                    self._send({"data": {"__type": {"fields": [{"name": n} for n in names]}}})
                elif "publishedRevision" in query and state.failing:
                    state.calls.append("publishedRevision failed")
                    self._send({"errors": [{"message": "service unavailable"}]}, 503)
                elif "publishedRevision" in query:
                    state.calls.append("publishedRevision")
                    year = int((payload.get("variables") or {}).get("year"))
                    self._send({"data": {"publishedRevision": state.published.get(year)}})
                elif state.forward_to:
                    headers = {k: v for k, v in self.headers.items()
                               if k.lower() in {"authorization", "content-type", "x-request-id"}}
                    answer = httpx.post(state.forward_to, content=body, headers=headers, timeout=60)
                    self._send(answer.json(), answer.status_code)
                elif "units" in query:
                    state.calls.append("units")
                    self._send({"data": {"units": [{"code": c} for c in state.units]}})
                else:
                    self._send({"errors": [{"message": "not served by the fake upstream"}]}, 400)

            def do_GET(self) -> None:
                self._send({"status": "ok"})

            def _send(self, answer: dict[str, Any], status: int = 200) -> None:
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port_block(1)), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/graphql"

    def start(self) -> FakeUpstream:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def publish(self, year: int, revision: int, grades: dict[str, str], *, reason: str = "",
                scores: dict[str, str] | None = None, names: dict[str, str] | None = None, final: bool = True,
                notice_ends_at: str | None = None, unit_award: str = "0", leader_award: str = "0",
                adjustments: dict[str, list[tuple[str, str, str]]] | None = None) -> None:
        """Publish a revision; `adjustments`: unit → [(points, category, reason)], summed (clamped at ±5)."""
        ordered = sorted(grades, key=lambda c: ["ADVANCED", "QUALIFIED", "UNQUALIFIED", "LAST_PLACE"].index(
            grades[c]))

        def items(code: str) -> dict[str, Any]:
            own = (adjustments or {}).get(code, [])
            total = max(Decimal(-5), min(Decimal(5), sum((Decimal(p) for p, _, _ in own), Decimal(0))))
            return {"adjustmentPoints": str(total.quantize(Decimal("0.01"))),
                    "adjustments": [{"points": p, "category": c, "reason": r} for p, c, r in own]}

        revision_ = {
            "year": year, "revision": revision, "publishedAt": f"{year + 1}-01-15T09:00:00+08:00", "reason": reason,
            "final": final, "noticeEndsAt": notice_ends_at, "advancedUnitAward": unit_award,
            "advancedLeaderAward": leader_award,
            "results": [
                {"unitCode": code, "unitName": (names or {}).get(code, f"{code}单位"), "unitGroup": "",
                 "grade": grades[code], "compositeScore": (scores or {}).get(code, f"{90 - i * 5}.25"),
                 "rank": i + 1, "qualified": grades[code] in {"ADVANCED", "QUALIFIED"}, **items(code)}
                for i, code in enumerate(ordered)
            ],
        }
        if self.state.before_notice:
            for key in NOTICE_FIELDS:
                revision_.pop(key)
            for result in revision_["results"]:
                result.pop("adjustmentPoints")
                result.pop("adjustments")
        self.state.published[year] = revision_


@dataclass
class GraphQLAnswer:
    data: dict[str, Any] | None
    errors: list[dict[str, Any]]

    @property
    def codes(self) -> list[str]:
        return [e.get("extensions", {}).get("code") for e in self.errors]


class PersonnelProcess:
    """The real personnel service as its own process on loopback, on SQLite or a fresh PostgreSQL database."""

    def __init__(self, tmp: Path, upstream_url: str, extra_env: dict[str, str] | None = None) -> None:
        self.tmp = tmp
        self.port = free_port_block(1)
        self.secret = secrets.token_urlsafe(32)
        self.dsn = (f"{PG_BASE}/mbo_test_{uuid.uuid4().hex[:10]}_personnel" if backend() == "postgres"
                    else f"sqlite://{tmp / 'personnel.sqlite3'}")
        self.env = {
            **os.environ, "MBO_DATA_DIR": str(tmp), "MBO_SECRET": self.secret, "MBO_PERSONNEL_DSN": self.dsn,
            "MBO_TARGETS_URL": upstream_url, "MBO_ASSESSMENT_URL": upstream_url, "MBO_UPSTREAM_RETRIES": "2",
            "MBO_UPSTREAM_TIMEOUT": "30", "PYTHONUNBUFFERED": "1", **(extra_env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.http = httpx.Client(timeout=120)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> PersonnelProcess:
        log = open(self.tmp / "personnel.log", "ab")
        self.process = subprocess.Popen([sys.executable, "-m", "mbo.serve", "personnel", "--port", str(self.port)],
                                        env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"personnel exited: {(self.tmp / 'personnel.log').read_text()[-3000:]}")
            try:
                if self.http.get(f"{self.url}/healthz").status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("personnel did not become healthy")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.http.close()
        asyncio.run(drop_database(self.dsn))

    def token(self, username: str, *roles: str, unit: str | None = None) -> str:
        return issue_token(self.secret, username=username, roles=list(roles), unit=unit, ttl_seconds=600)

    def service_token(self) -> str:
        return service_token(self.secret, "tests")

    def gql(self, query: str, variables: dict[str, Any] | None = None, *, as_: tuple[str, ...] = ("office",
            "TARGET_OFFICE"), unit: str | None = None) -> GraphQLAnswer:
        token = self.token(as_[0], *as_[1:], unit=unit)
        response = self.http.post(f"{self.url}/graphql", json={"query": query, "variables": variables or {}},
                                  headers={"Authorization": f"Bearer {token}"})
        body = response.json()
        return GraphQLAnswer(data=body.get("data"), errors=body.get("errors") or [])

    def audit(self) -> list[dict[str, Any]]:
        query = "SELECT actor, action, entity, entity_id, success, detail, after FROM audit_entry ORDER BY id"
        if backend() != "postgres":
            import sqlite3

            with sqlite3.connect(self.tmp / "personnel.sqlite3") as connection:
                connection.row_factory = sqlite3.Row
                return [dict(r) for r in connection.execute(query)]

        async def fetch() -> list[dict[str, Any]]:
            import asyncpg

            connection = await asyncpg.connect(self.dsn.replace("postgres://", "postgresql://", 1))
            try:
                return [dict(r) for r in await connection.fetch(query)]
            finally:
                await connection.close()

        return asyncio.run(fetch())


PEOPLE_HEADER = ["staff_no", "name", "unit_code", "position", "leadership_member", "main_leader_role",
                 "on_establishment", "monthly_salary", "bonus_standard", "since"]

IMPORT = """mutation($rows: [JSON!]!) { importPeople(rows: $rows) { created updated unchanged } }"""


def person_input(row: int, staff_no: str, name: str, unit: str, position: str, member: bool, role: str,
                 established: bool, salary: str, bonus: str, since: str | None = None) -> dict[str, Any]:
    return {"row": row, "staff_no": staff_no, "name": name, "unit_code": unit, "position": position,
            "leadership_member": "yes" if member else "no", "main_leader_role": role or None,
            "on_establishment": "yes" if established else "no", "monthly_salary": salary, "bonus_standard": bonus,
            "since": since}
