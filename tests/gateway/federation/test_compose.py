from __future__ import annotations

import pytest
from graphql import print_ast, print_schema

from gateway.federation import CompositionError, SubgraphSpec, Supergraph, compose

LINK = 'schema @link(url: "https://specs.apollo.dev/federation/v2.11", import: ["@key", "@shareable", "@requires", '\
       '"@external", "@inaccessible", "@override"]) { query: Query }\n'


def spec(name: str, body: str) -> SubgraphSpec:
    return SubgraphSpec(name=name, url=f"http://{name}.invalid/graphql", sdl=LINK + body)


def test_real_subgraphs_compose_into_a_clean_api_schema(supergraph: Supergraph) -> None:
    printed = print_schema(supergraph.api_schema)
    for machinery in ("_entities", "_service", "_Any", "_Entity", "_Service", "@key", "@shareable", "@link"):
        assert machinery not in printed
    product = supergraph.api_schema.get_type("Product")
    assert set(product.fields) >= {"upc", "name", "price", "reviews", "reviewCount"}  # type: ignore[union-attr]
    assert product.fields["reviews"].args["first"].type.name == "Int"  # type: ignore[union-attr]
    mutation = supergraph.api_schema.mutation_type
    assert mutation is not None
    assert {"addProduct", "logShop", "logReviews", "renameUser", "logAccounts"} <= set(mutation.fields)
    assert supergraph.field_owners("Product", "reviews") == ["reviews"]
    assert supergraph.field_owners("Query", "version") == ["shop", "accounts"]
    assert sorted(supergraph.field_owners("User", "id")) == ["accounts", "reviews"]
    assert {k.subgraph: k.resolvable for k in supergraph.keys["Product"]} == {
        "shop": True, "reviews": True, "accounts": False}
    assert set(supergraph.subgraphs) == {"shop", "reviews", "accounts"}
    assert supergraph.api_schema.get_type("Decimal") is not None
    category = supergraph.api_schema.get_type("Category")
    assert set(category.values) == {"BOOK", "GAME"}  # type: ignore[union-attr]


def test_descriptions_and_deprecations_survive() -> None:
    sg = compose([spec("a", '''
        """A thing"""
        type Query { thing: Thing old: String @deprecated(reason: "use thing") }
        type Thing @key(fields: "id") { id: ID! "its label" label(lang: String = "en"): String }
        enum Mood { HAPPY SAD @deprecated(reason: "cheer up") }
        type Extra { mood: Mood }
    ''')])
    query = sg.api_schema.query_type
    assert query is not None
    assert query.fields["old"].deprecation_reason == "use thing"
    thing = sg.api_schema.get_type("Thing")
    assert thing.fields["label"].description == "its label"  # type: ignore[union-attr]
    assert print_ast(thing.fields["label"].args["lang"].ast_node.default_value) == '"en"'  # type: ignore[union-attr]
    mood = sg.api_schema.get_type("Mood")
    assert mood.values["SAD"].deprecation_reason == "cheer up"  # type: ignore[union-attr]


def test_incompatible_field_types_are_rejected() -> None:
    with pytest.raises(CompositionError) as raised:
        compose([
            spec("a", 'type Query { a: Int } type Thing @key(fields: "id") { id: ID! size: Int @shareable }'),
            spec("b", 'type Query { b: Int } type Thing @key(fields: "id") { id: ID! size: String @shareable }'),
        ])
    message = str(raised.value)
    assert "Thing.size" in message and "subgraph a" in message and "subgraph b" in message
    assert "Int" in message and "String" in message
    assert raised.value.messages


def test_unshareable_duplicate_field_is_rejected() -> None:
    with pytest.raises(CompositionError) as raised:
        compose([
            spec("a", 'type Query { a: Int } type Thing @key(fields: "id") { id: ID! size: Int }'),
            spec("b", 'type Query { b: Int } type Thing @key(fields: "id") { id: ID! size: Int @shareable }'),
        ])
    message = str(raised.value)
    assert "Thing.size" in message and "not @shareable in a" in message and "b" in message


def test_duplicate_root_field_needs_shareable() -> None:
    with pytest.raises(CompositionError, match=r"Query\.now .*not @shareable"):
        compose([spec("a", "type Query { now: String }"), spec("b", "type Query { now: String }")])
    sg = compose([spec("a", "type Query { now: String @shareable }"),
                  spec("b", "type Query { now: String @shareable }")])
    assert sg.field_owners("Query", "now") == ["a", "b"]


def test_key_fields_are_implicitly_shareable() -> None:
    sg = compose([
        spec("a", 'type Query { a: Thing } type Thing @key(fields: "id") { id: ID! name: String }'),
        spec("b", 'type Query { b: Thing } type Thing @key(fields: "id") { id: ID! size: Int }'),
    ])
    assert sg.field_owners("Thing", "id") == ["a", "b"]


def test_requires_is_rejected_as_unsupported() -> None:
    with pytest.raises(CompositionError) as raised:
        compose([
            spec("a", 'type Query { a: Thing } type Thing @key(fields: "id") { id: ID! weight: Int }'),
            spec("b", 'type Query { b: Int } type Thing @key(fields: "id") { id: ID! weight: Int @external '
                      'shipping: Int @requires(fields: "weight") }'),
        ])
    assert "[b] Thing.shipping: @requires is unsupported" in str(raised.value)


def test_conflicting_enums_and_kinds_are_rejected() -> None:
    with pytest.raises(CompositionError) as raised:
        compose([
            spec("a", "type Query { a: Mood } enum Mood { HAPPY SAD } scalar Money"),
            spec("b", "type Query { b: Mood } enum Mood { HAPPY } type Money { cents: Int }"),
        ])
    messages = raised.value.messages
    assert any("type Money is a scalar in subgraph a but a object in subgraph b" in m for m in messages)


def test_conflicting_enum_values_are_rejected() -> None:
    with pytest.raises(CompositionError, match=r"enum Mood has values \['HAPPY', 'SAD'\] in subgraph a"):
        compose([spec("a", "type Query { a: Mood } enum Mood { HAPPY SAD }"),
                 spec("b", "type Query { b: Mood } enum Mood { HAPPY }")])


def test_conflicting_inputs_are_rejected() -> None:
    with pytest.raises(CompositionError, match=r"input Filter differs between subgraph a"):
        compose([spec("a", "type Query { a(f: Filter): Int } input Filter { x: Int }"),
                 spec("b", "type Query { b(f: Filter): Int } input Filter { x: String }")])


def test_unreachable_field_is_rejected() -> None:
    with pytest.raises(CompositionError, match=r"Thing\.size .* cannot be reached from subgraph a"):
        compose([
            spec("a", 'type Query { a: Thing } type Thing @key(fields: "id") { id: ID! }'),
            spec("b", 'type Query { b: Int } type Thing @key(fields: "id", resolvable: false) { id: ID! '
                      'size: Int }'),
        ])


def test_invalid_sdl_names_the_subgraph() -> None:
    with pytest.raises(CompositionError, match=r"\[broken\] invalid SDL"):
        compose([SubgraphSpec("broken", "http://x", "type Query {")])


def test_inaccessible_and_override_and_renamed_imports() -> None:
    renamed = ('schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: [{name: "@key", '
               'as: "@primaryKey"}, "@shareable"]) { query: Query }\n')
    sg = compose([
        spec("a", 'type Query { a: Thing } type Thing @key(fields: "id") { id: ID! hidden: Int @inaccessible '
                  'moved: Int }'),
        SubgraphSpec("b", "http://b", renamed + 'type Query { b: Int } '
                     'type Thing @primaryKey(fields: "id") { id: ID! extra: Int }'),
        spec("c", 'type Query { c: Int } type Thing @key(fields: "id") { id: ID! moved: Int @override(from: "a") }'),
    ])
    thing = sg.api_schema.get_type("Thing")
    assert "hidden" not in thing.fields  # type: ignore[union-attr]
    assert sg.field_owners("Thing", "moved") == ["c"]
    assert any(k.subgraph == "b" for k in sg.keys["Thing"])


def test_federation_one_style_extensions_compose() -> None:
    sg = compose([
        SubgraphSpec("a", "http://a", 'type Query { top: Thing } type Thing @key(fields: "id") { id: ID! n: Int }'),
        SubgraphSpec("b", "http://b", 'extend type Query { other: Int } '
                     'extend type Thing @key(fields: "id") { id: ID! @external size: Int }'),
    ])
    assert sg.field_owners("Thing", "size") == ["b"]
    assert sg.field_owners("Query", "other") == ["b"]
