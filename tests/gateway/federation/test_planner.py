"""Plan shapes: what the planner fetches from which subgraph, in which order, printed in Apollo's format."""

from __future__ import annotations

import textwrap

import pytest
from graphql import get_operation_ast, parse

from gateway.federation import Supergraph
from gateway.federation.planner import Plan, QueryPlanner
from mbo.plan import plan_text, service_supergraph


def plan_of(supergraph: Supergraph, query: str) -> Plan:
    document = parse(query)
    operation = get_operation_ast(document)
    assert operation is not None
    return QueryPlanner(supergraph).plan(document, operation)


def flatten(service: str, path: str, type_name: str, key: str, wanted: str) -> str:
    wanted = textwrap.indent(textwrap.dedent(wanted).strip(), " " * 8)
    return f"""Flatten(path: "{path}") {{
  Fetch(service: "{service}") {{
    {{
      ... on {type_name} {{
        __typename
        {key}
      }}
    }} =>
    {{
      ... on {type_name} {{
{wanted}
      }}
    }}
  }},
}}"""


def expected(*nodes: str, kind: str = "Sequence") -> str:
    body = ",\n".join(textwrap.indent(n, "    ") for n in nodes)
    return f"QueryPlan {{\n  {kind} {{\n{body},\n  }},\n}}"


def test_single_subgraph_query_is_one_fetch(supergraph: Supergraph) -> None:
    plan = plan_of(supergraph, "{ products(first: 3) { upc name price weight category } }")
    assert plan.passthrough and plan.fetch_count() == 1
    assert str(plan) == textwrap.dedent("""\
        QueryPlan {
          Fetch(service: "shop") {
            {
              products(first: 3) {
                upc
                name
                price
                weight
                category
              }
            }
          },
        }""")


def test_three_subgraphs_are_a_sequence_of_flattened_entity_fetches(supergraph: Supergraph) -> None:
    plan = plan_of(supergraph, "{ products(first: 10) { upc name reviews { body author { name } } } }")
    assert not plan.passthrough and plan.fetch_count() == 3
    root = """Fetch(service: "shop") {
  {
    products(first: 10) {
      __typename
      upc
      name
    }
  }
}"""
    reviews = flatten("reviews", "products.@", "Product", "upc", """
        reviews {
          body
          author {
            __typename
            id
          }
        }""")
    accounts = flatten("accounts", "products.@.reviews.@.author", "User", "id", "name")
    assert str(plan) == expected(root, reviews, accounts)


def test_root_fields_of_two_subgraphs_run_in_parallel(supergraph: Supergraph) -> None:
    plan = plan_of(supergraph, "{ topReviews(first: 12) { author { name } } me { username } "
                               "users { favoriteProduct { name } } }")
    text = str(plan)
    assert text.startswith("QueryPlan {\n  Sequence {\n    Parallel {\n      Fetch(service: \"reviews\")")
    assert [len(p.roots) for p in plan.phases] == [2]
    assert [[f.subgraph for f in step] for step in plan.phases[0].steps] == [["accounts", "shop"]]
    assert 'Flatten(path: "topReviews.@.author")' in text and 'Flatten(path: "users.@.favoriteProduct")' in text
    assert text.count("Parallel {") == 2


def test_mutation_fields_are_a_sequence_in_document_order(supergraph: Supergraph) -> None:
    plan = plan_of(supergraph, 'mutation { a: logShop(message: "1") b: logAccounts(message: "2") '
                               'c: logShop(message: "3") renamed: renameUser(id: "u5", name: "R") '
                               '{ name reviews { id } } }')
    assert [p.roots[0].subgraph for p in plan.phases] == ["shop", "accounts", "shop", "accounts"]
    text = str(plan)
    assert "Parallel" not in text
    services = [line.strip() for line in text.splitlines() if "Fetch(service" in line]
    assert services == [f'Fetch(service: "{s}") {{' for s in ("shop", "accounts", "shop", "accounts", "reviews")]
    assert 'Flatten(path: "renamed")' in text


def test_local_fields_need_no_fetch(supergraph: Supergraph) -> None:
    plan = plan_of(supergraph, '{ __typename __type(name: "Product") { name } }')
    assert plan.fetch_count() == 0
    assert str(plan) == "QueryPlan {\n}"


def test_keys_the_client_asked_for_are_not_fetched_twice(supergraph: Supergraph) -> None:
    plan = plan_of(supergraph, "{ products(first: 2) { upc reviews { id } } }")
    root = plan.phases[0].roots[0].operation
    assert root.count("upc") == 1


@pytest.fixture(scope="module")
def services() -> Supergraph:
    return service_supergraph()


def test_units_staff_and_result_fan_out_from_targets(services: Supergraph) -> None:
    plan = plan_of(services, "{ units { code name staff { staffNo name } result(year: 2026) { grade } } }")
    text = str(plan)
    root = """Fetch(service: "targets") {
  {
    units {
      __typename
      code
      name
    }
  }
}"""
    staff = flatten("personnel", "units.@", "Unit", "code", """
        staff {
          staffNo
          name
        }""")
    result = flatten("assessment", "units.@", "Unit", "code", """
        result(year: 2026) {
          grade
        }""")
    parallel = "Parallel {\n" + ",\n".join(textwrap.indent(n, "  ") for n in (staff, result)) + ",\n}"
    assert text == expected(root, parallel)


def test_mbo_plan_prints_the_plan_or_the_refusal() -> None:
    text, errors = plan_text("{ units { code name kind } }")
    assert errors == [] and text.splitlines()[:2] == ["QueryPlan {", '  Fetch(service: "targets") {']
    text, errors = plan_text("{ units { nope } }")
    assert text == "" and "Cannot query field 'nope'" in errors[0]
