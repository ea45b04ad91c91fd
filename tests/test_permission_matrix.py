"""Every mutation × every role through the gateway, checked against the permissions table (kernel.permissions).

The cases are generated from `MUTATION_ROLES` × `Role`, and each request's arguments from the introspected
supergraph, so neither the table nor the schema can drift from this test: a role outside the table must be
refused by the role gate (FORBIDDEN, audited), a role inside it must get past the gate (whatever the service
then says about the minimal arguments: NOT_FOUND, BAD_USER_INPUT, CONFLICT, success …).
"""

from __future__ import annotations

import importlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from kernel.auth import Caller
from kernel.context import RequestContext
from kernel.errors import Forbidden
from kernel.graphql import role_gate
from kernel.permissions import (
    ASSESSMENT_MUTATIONS,
    AUDIT_TRAIL_FIELDS,
    MUTATION_ROLES,
    PERSONNEL_MUTATIONS,
    TARGETS_MUTATIONS,
    gate_message,
    missing_entry_message,
    read_refusal,
)
from kernel.roles import ADMIN_ROLES, SERVICE_ROLE, Role
from tests.support.stack import RunningStack

SERVICES = {"targets": TARGETS_MUTATIONS, "assessment": ASSESSMENT_MUTATIONS, "personnel": PERSONNEL_MUTATIONS}
CASES = [(mutation, role) for mutation in sorted(MUTATION_ROLES) for role in Role]
UNITS = {Role.UNIT_OPERATOR: "JA", Role.ASSESSOR: "TJJ"}
DEFAULT_UNIT = "JA"
SCALARS: dict[str, Any] = {"Boolean": False, "Float": 0.0, "Decimal": "1", "Date": "2099-01-01",
                           "DateTime": "2099-01-01T00:00:00+00:00", "JSON": {}}

TYPE_REF = "kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }"
INTROSPECTION = f"""{{ __schema {{
  mutationType {{ fields {{ name args {{ name defaultValue type {{ {TYPE_REF} }} }} type {{ {TYPE_REF} }} }} }}
  queryType {{ fields {{ name args {{ name defaultValue type {{ {TYPE_REF} }} }} type {{ {TYPE_REF} }} }} }}
  types {{ kind name enumValues {{ name }} inputFields {{ name defaultValue type {{ {TYPE_REF} }} }} }}
}} }}"""
TRAILS = """query($actor: String!) {
  targetsAuditTrail(first: 100, actor: $actor, success: false) { edges { node { action detail } } }
  assessmentAuditTrail(first: 100, actor: $actor, success: false) { edges { node { action detail } } }
  personnelAuditTrail(first: 100, actor: $actor, success: false) { edges { node { action detail } } }
}"""


def actor(role: Role) -> str:
    return f"matrix-{role.value.lower()}"


# ---- building a type-valid minimal call from the introspected schema ----------------------------------


def type_text(ref: dict[str, Any]) -> str:
    if ref["kind"] == "NON_NULL":
        return f"{type_text(ref['ofType'])}!"
    if ref["kind"] == "LIST":
        return f"[{type_text(ref['ofType'])}]"
    return ref["name"]


def named(ref: dict[str, Any]) -> dict[str, Any]:
    while ref["kind"] in ("NON_NULL", "LIST"):
        ref = ref["ofType"]
    return ref


def required(entry: dict[str, Any]) -> bool:
    return entry["type"]["kind"] == "NON_NULL" and entry["defaultValue"] is None


@dataclass
class Supergraph:
    mutations: dict[str, dict[str, Any]]
    types: dict[str, dict[str, Any]]
    queries: dict[str, dict[str, Any]]

    def value(self, ref: dict[str, Any], name: str, unit: str) -> Any:
        if ref["kind"] == "NON_NULL":
            return self.value(ref["ofType"], name, unit)
        if ref["kind"] == "LIST":
            return []
        kind, type_name = ref["kind"], ref["name"]
        if kind == "ENUM":
            return self.types[type_name]["enumValues"][0]["name"]
        if kind == "INPUT_OBJECT":
            return {f["name"]: self.value(f["type"], f["name"], unit)
                    for f in self.types[type_name]["inputFields"] if required(f)}
        if type_name == "Int":
            return 2099 if "year" in name.lower() else 0
        if type_name == "ID" and name == "id":
            return "1"  # a record id is a whole number (kernel.validation)
        if type_name in ("String", "ID"):
            return unit if "unit" in name.lower() else "X"
        if type_name not in SCALARS:
            pytest.fail(f"the matrix has no literal for scalar {type_name}; add one to SCALARS")
        return SCALARS[type_name]

    def request(self, mutation: str, unit: str, alias: str | None = None, operation: str = "mutation"
                ) -> dict[str, Any]:
        field = (self.mutations if operation == "mutation" else self.queries)[mutation]
        args = [a for a in field["args"] if required(a)]
        declared = ", ".join(f"${a['name']}: {type_text(a['type'])}" for a in args)
        passed = ", ".join(f"{a['name']}: ${a['name']}" for a in args)
        selection = " { __typename }" if named(field["type"])["kind"] in ("OBJECT", "INTERFACE", "UNION") else ""
        head = f"{operation} Matrix({declared})" if args else f"{operation} Matrix"
        call = f"{alias}: {mutation}" if alias else mutation
        query = f"{head} {{ {call}{f'({passed})' if args else ''}{selection} }}"
        return {"query": query, "variables": {a["name"]: self.value(a["type"], a["name"], unit) for a in args}}


# ---- the stack, called once per case -------------------------------------------------------------------


@dataclass
class Matrix:
    supergraph: Supergraph
    answers: dict[tuple[str, str], dict[str, Any]]
    trails: dict[Role, dict[str, list[dict[str, Any]]]]
    aliased: dict[str, Any]


def post(client: httpx.Client, stack: RunningStack, body: dict[str, Any], roles: list[str], username: str,
         unit: str | None = None) -> dict[str, Any]:
    token = stack.service_token() if roles == [SERVICE_ROLE] else stack.token(username, roles, unit)
    response = client.post(f"{stack.url}/graphql", json=body, headers={"Authorization": f"Bearer {token}"})
    return response.json()


@pytest.fixture(scope="module")
def matrix(stack: RunningStack) -> Matrix:
    with httpx.Client(timeout=60) as client:
        schema = post(client, stack, {"query": INTROSPECTION}, [Role.TARGET_OFFICE], "matrix-introspect")
        assert not schema.get("errors"), schema["errors"]
        data = schema["data"]["__schema"]
        supergraph = Supergraph(mutations={f["name"]: f for f in data["mutationType"]["fields"]},
                                queries={f["name"]: f for f in data["queryType"]["fields"]},
                                types={t["name"]: t for t in data["types"]})

        def call(case: tuple[str, str]) -> dict[str, Any]:
            mutation, role = case
            unit = UNITS.get(role)
            body = supergraph.request(mutation, unit or DEFAULT_UNIT)
            return post(client, stack, body, [role], f"matrix-{role.lower()}", unit)

        cases = [(m, r) for m in sorted(supergraph.mutations) for r in [*Role, SERVICE_ROLE]]
        with ThreadPoolExecutor(max_workers=12) as pool:
            answers = dict(zip(cases, pool.map(call, cases), strict=True))
        # A refusal under an alias is audited under the mutation's own name.
        aliased = post(client, stack, supergraph.request("createUnit", DEFAULT_UNIT, alias="renamed"),
                       [Role.LEADER.value], "matrix-alias")
        trails = {}
        for who in [*Role, None]:
            name = actor(who) if who else "matrix-alias"
            body = post(client, stack, {"query": TRAILS, "variables": {"actor": name}}, [Role.AUDITOR.value],
                        "matrix-auditor-reader")
            assert not body.get("errors"), body["errors"]
            trails[who] = {service: [e["node"] for e in body["data"][f"{service}AuditTrail"]["edges"]]
                           for service in SERVICES}
    return Matrix(supergraph, answers, trails, aliased)


def test_the_supergraph_mutations_are_exactly_the_tables_entries(matrix: Matrix) -> None:
    composed = set(matrix.supergraph.mutations)
    assert composed - set(MUTATION_ROLES) == set(), "mutations without an entry in kernel.permissions"
    assert set(MUTATION_ROLES) - composed == set(), "entries in kernel.permissions for no mutation"


@pytest.mark.parametrize(("mutation", "role"), CASES, ids=[f"{m}-{r.value}" for m, r in CASES])
def test_mutation_as_role(matrix: Matrix, mutation: str, role: Role) -> None:
    answer = matrix.answers[(mutation, role)]
    errors = answer.get("errors") or []
    gate = gate_message(MUTATION_ROLES[mutation])
    # Every error comes from the resolver (it has the mutation's path), never from the arguments we built.
    for error in errors:
        assert error.get("path", [None])[0] == mutation, error
        assert error["extensions"]["code"] != "INTERNAL", error
    if role in MUTATION_ROLES[mutation]:
        assert not [e for e in errors if e["extensions"]["code"] == "FORBIDDEN" and e["message"] == gate], errors
    else:
        assert errors, answer
        assert (errors[0]["extensions"]["code"], errors[0]["message"]) == ("FORBIDDEN", gate)
        assert (answer.get("data") or {}).get(mutation) is None


@pytest.mark.parametrize("mutation", sorted(MUTATION_ROLES))
def test_a_service_token_is_never_refused(matrix: Matrix, mutation: str) -> None:
    errors = matrix.answers[(mutation, SERVICE_ROLE)].get("errors") or []
    assert [e for e in errors if e["extensions"]["code"] in ("FORBIDDEN", "INTERNAL")] == []
    assert all(e.get("path", [None])[0] == mutation for e in errors), errors


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_every_refusal_is_audited(matrix: Matrix, role: Role) -> None:
    for service, entries in SERVICES.items():
        refused = {m for m, roles in entries.items() if role not in roles}
        audited = [n["action"] for n in matrix.trails[role][service]
                   if n["detail"] == f"FORBIDDEN: {gate_message(MUTATION_ROLES[n['action']])}"]
        assert sorted(audited) == sorted(refused), service  # each refusal once


def test_an_alias_does_not_rename_the_audited_action(matrix: Matrix) -> None:
    assert matrix.aliased["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert [n["action"] for n in matrix.trails[None]["targets"]] == ["createUnit"]


# ---- reads: the 三员 administrators read no business data --------------------------------------------

ADMINS = sorted(ADMIN_ROLES)
READERS = [Role.TARGET_OFFICE, Role.UNIT_OPERATOR]
SERVICE_PORT_READS = {  # the federation fields a router uses, and one business field, on each service port
    "_entities": '{ _entities(representations: [{__typename: "Unit", code: "JA"}]) { __typename } }',
    "_service": "{ _service { sdl } }",
    "targets": "{ units { code } }",
    "assessment": "{ assessment(year: 2026) { year } }",
    "personnel": '{ person(staffNo: "JA-001") { name } }',
}


@dataclass
class Reads:
    gateway: dict[tuple[str, str], dict[str, Any]]
    ports: dict[tuple[str, str, str], dict[str, Any]]
    trails: dict[str, dict[str, list[dict[str, Any]]]]


def read_actor(role: str) -> str:
    return f"reader-{role.lower()}"


@pytest.fixture(scope="module")
def reads(stack: RunningStack, matrix: Matrix) -> Reads:
    """Every Query root field of the supergraph through the gateway, and the federation fields on every service
    port, as each administrator (and two business roles, which the read gate must let through)."""
    queries = sorted(matrix.supergraph.queries)
    with httpx.Client(timeout=60) as client:
        def call(case: tuple[str, str]) -> dict[str, Any]:
            field, role = case
            body = matrix.supergraph.request(field, DEFAULT_UNIT, operation="query")
            return post(client, stack, body, [role], read_actor(role), UNITS.get(Role(role)))

        cases = [(q, r.value) for q in queries for r in [*ADMINS, *READERS]]
        with ThreadPoolExecutor(max_workers=12) as pool:
            gateway = dict(zip(cases, pool.map(call, cases), strict=True))
        ports = {}
        for service in SERVICES:
            for name, query in SERVICE_PORT_READS.items():
                if name in SERVICES and name != service:
                    continue
                for role in [*ADMINS, SERVICE_ROLE]:
                    token = stack.service_token() if role == SERVICE_ROLE else stack.token(read_actor(role), [role])
                    ports[(service, name, role)] = client.post(
                        f"{stack.service_url(service)}/graphql", json={"query": query},
                        headers={"Authorization": f"Bearer {token}"}).json()
        trails = {}
        for role in ADMINS:
            body = post(client, stack, {"query": TRAILS, "variables": {"actor": read_actor(role)}},
                        [Role.AUDITOR.value], "matrix-auditor-reader")
            assert not body.get("errors"), body["errors"]
            trails[role] = {service: [e["node"] for e in body["data"][f"{service}AuditTrail"]["edges"]]
                            for service in SERVICES}
    return Reads(gateway, ports, trails)


@pytest.mark.parametrize("role", ADMINS)
def test_administrators_read_no_business_data_through_the_gateway(reads: Reads, role: str) -> None:
    for (field, who), answer in reads.gateway.items():
        if who != role:
            continue
        if role == Role.AUDITOR and field in AUDIT_TRAIL_FIELDS:
            assert not answer.get("errors"), answer
            assert answer["data"][field] == {"__typename": "AuditRecordConnection"}
            continue
        assert answer.get("errors"), (field, answer)
        assert (answer["errors"][0]["extensions"]["code"], answer["errors"][0]["path"]) == ("FORBIDDEN", [field])
        assert answer["errors"][0]["message"] == read_refusal(Caller(username="x", roles=frozenset({role})), field)
        assert not (answer.get("data") or {}).get(field)


@pytest.mark.parametrize("role", [r.value for r in READERS])
def test_the_read_gate_lets_business_roles_through(reads: Reads, role: str) -> None:
    messages = {read_refusal(Caller(username="x", roles=frozenset({a})), "units") for a in ADMINS}
    for (field, who), answer in reads.gateway.items():
        if who == role:
            assert not [e for e in answer.get("errors") or [] if e["message"] in messages], (field, answer)


@pytest.mark.parametrize("role", ADMINS)
def test_administrators_read_nothing_on_the_service_ports(reads: Reads, role: str) -> None:
    for (service, name, who), answer in reads.ports.items():
        if who != role:
            continue
        assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN", (service, name, answer)
        assert not (answer.get("data") or {}).get(answer["errors"][0]["path"][0])


def test_a_service_token_still_reads_the_federation_fields(reads: Reads) -> None:
    for (service, name, who), answer in reads.ports.items():
        if who == SERVICE_ROLE and name in ("_entities", "_service"):
            assert not answer.get("errors"), (service, name, answer)
    assert reads.ports[("personnel", "_entities", SERVICE_ROLE)]["data"]["_entities"] == [{"__typename": "Unit"}]


@pytest.mark.parametrize("role", ADMINS)
def test_each_refused_read_is_one_audit_entry(reads: Reads, role: str) -> None:
    entries = [n for service in SERVICES for n in reads.trails[role][service]]
    assert all(n["detail"].startswith("FORBIDDEN: ") for n in entries)
    refused = [f"read:{field}" for (field, who), answer in reads.gateway.items()
               if who == role and answer.get("errors")]
    refused += [f"read:{answer['errors'][0]['path'][0]}" for (_s, _n, who), answer in reads.ports.items()
                if who == role and answer.get("errors")]
    assert sorted(n["action"] for n in entries) == sorted(refused)


# ---- the gate itself, without the stack ----------------------------------------------------------------


def context(*roles: str) -> RequestContext:
    caller = Caller(username="someone", roles=frozenset(roles), unit="JA")
    return RequestContext(caller=caller, request_id="r", source=None, settings=None)  # type: ignore[arg-type]


def info(ctx: RequestContext | None, field: str) -> Any:
    return SimpleNamespace(context=ctx, field_name=field)


def test_a_mutation_missing_from_the_table_is_refused_even_for_a_service_token() -> None:
    gate = role_gate("noSuchMutation", lambda source, info, **kw: "ran")
    with pytest.raises(Forbidden) as refused:
        gate(None, info(context(SERVICE_ROLE), "noSuchMutation"))
    assert refused.value.message == missing_entry_message("noSuchMutation")


@pytest.mark.parametrize("mutation", sorted(MUTATION_ROLES))
def test_a_service_token_passes_every_gate_and_admins_pass_none(mutation: str) -> None:
    gate = role_gate(mutation, lambda source, info, **kw: "ran")
    assert gate(None, info(context(SERVICE_ROLE), mutation)) == "ran"
    for admin in ADMIN_ROLES:
        with pytest.raises(Forbidden):
            gate(None, info(context(admin), mutation))
    with pytest.raises(Forbidden):
        gate(None, info(None, mutation))


def test_every_service_mutation_is_gated() -> None:
    for service, entries in SERVICES.items():
        schema = importlib.import_module(f"services.{service}.schema").schema
        fields = schema._schema.mutation_type.fields
        assert set(fields) == set(entries), service
        assert all(getattr(f.resolve, "role_gate", None) == name for name, f in fields.items()), service


def test_every_service_query_field_is_read_gated() -> None:
    for service in SERVICES:
        schema = importlib.import_module(f"services.{service}.schema").schema
        fields = schema._schema.query_type.fields
        assert {"_entities", "_service", f"{service}AuditTrail"} <= set(fields), service
        assert all(getattr(f.resolve, "read_gate", None) == name for name, f in fields.items()), service


def test_the_read_gate_fails_closed() -> None:
    def refusal(*roles: str, field: str = "units") -> str | None:
        return read_refusal(Caller(username="x", roles=frozenset(roles)), field)

    assert refusal(SERVICE_ROLE) is None and refusal(SERVICE_ROLE, field="_service") is None
    assert refusal(Role.LEADER) is None and refusal(Role.AUDITOR, field="targetsAuditTrail") is None
    assert refusal() == "this needs a business role"  # an account granted nothing yet
    assert refusal(Role.AUDITOR, Role.TARGET_OFFICE) is not None  # a token breaking 三员分立 reads as the admin
    assert refusal(Role.SYSADMIN, field="targetsAuditTrail") is not None
    assert read_refusal(None, "units") == "sign in first"
