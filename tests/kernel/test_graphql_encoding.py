"""How the services encode their answers: compact UTF-8 JSON, escaped only when UTF-8 cannot hold the text."""

from __future__ import annotations

import json

import strawberry

from kernel.graphql import GraphQLEndpoint


@strawberry.type
class Query:
    hello: str = "你好"


ENDPOINT = GraphQLEndpoint(strawberry.federation.Schema(query=Query), lambda request: None)


def test_chinese_text_is_written_as_itself() -> None:
    body = ENDPOINT.encode_json({"data": {"name": "江岸区", "values": [1, "2.50", None]}})
    assert body == '{"data":{"name":"江岸区","values":[1,"2.50",null]}}'.encode()


def test_an_unpaired_surrogate_goes_out_escaped_instead_of_failing() -> None:
    body = ENDPOINT.encode_json({"data": {"name": "江\ud800岸"}})
    assert body == b'{"data":{"name":"\\u6c5f\\ud800\\u5cb8"}}'
    assert json.loads(body) == {"data": {"name": "江\ud800岸"}}
