"""/graphql over the composed supergraph, /metrics and /healthz."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from graphql import GraphQLError, OperationType, parse
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gateway import graphiql
from gateway.federation.raw_json import loads_keeping_variables
from gateway.web import authenticated, context, graphql_error_response, state
from kernel.auth import Caller
from kernel.errors import BadInput, Forbidden
from kernel.observability import COLLECTOR, HTTP, operation_var
from kernel.request_ids import RequestIds, forwarded_headers
from kernel.validation import may_hold_surrogate

ERRORS: Counter[str] = Counter()


def changes_data(query: str) -> bool:
    """True when a document holds a mutation (or subscription): read-only API keys may not send it."""
    try:
        document = parse(query)
    except GraphQLError:
        return False
    return any(getattr(d, "operation", OperationType.QUERY) != OperationType.QUERY for d in document.definitions)


async def healthz(request: Request) -> Response:
    ready = state(request).supergraph.executor is not None
    return JSONResponse({"status": "ok" if ready else "starting", "service": "gateway"},
                        status_code=200 if ready else 503)


async def explorer(request: Request) -> Response:
    """GraphiQL, from the assets the package ships (gateway/graphiql)."""
    return graphiql.page(request)


def _operation(raw: bytes) -> tuple[str, dict[str, Any] | None, str | None, dict[str, memoryview] | None]:
    """The query, variables and operation name of a body, and the bytes each variable came as (raw_json)."""
    try:
        body, variable_texts = loads_keeping_variables(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BadInput("the body must be JSON: {\"query\": …, \"variables\": …}") from None
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        raise BadInput("the body must be a JSON object with a 'query' string")
    variables, operation_name = body.get("variables"), body.get("operationName")
    if variables is not None and not isinstance(variables, dict):
        raise BadInput("'variables' must be an object")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadInput("'operationName' must be a string")
    return body["query"], variables, operation_name, variable_texts


@authenticated
async def graphql(request: Request, caller: Caller) -> Response:
    """POST /graphql: plan, fetch from the subgraphs (the caller's token and the signed request ids
    forwarded), merge."""
    gateway = state(request)
    ctx = context(request, caller)
    try:
        body = await request.body()
        query, variables, operation_name, variable_texts = _operation(body)
        operation_var.set((operation_name or "anonymous")[:64])
        if caller.claims.get("typ") == "apikey" and not caller.claims.get("rw") and changes_data(query):
            refusal = Forbidden("this API key is read-only: ask the security administrator for read-write")
            await gateway.refusals.refused(ctx, action="apiKeyWrite", username=caller.username, error=refusal)
            raise refusal
    except (BadInput, Forbidden) as exc:
        return graphql_error_response(exc)
    authorization = f"Bearer {caller.token}"
    ids = RequestIds(ctx.request_id, ctx.client_request_id, ctx.source)
    headers = {"Authorization": authorization, **forwarded_headers(gateway.settings.secret, ids, authorization)}
    executor = gateway.supergraph.executor
    assert executor is not None
    result = await executor.execute(query, variables, operation_name, headers,
                                    surrogate_free=not may_hold_surrogate(body), variable_texts=variable_texts)
    for error in result.get("errors") or ():
        ERRORS[str((error.get("extensions") or {}).get("code", "INTERNAL"))] += 1
    return JSONResponse(result)


@authenticated
async def metrics(request: Request, caller: Caller) -> Response:
    lines = ["# HELP mbo_graphql_errors_total GraphQL errors returned by the gateway, by code",
             "# TYPE mbo_graphql_errors_total counter"]
    lines += [f'mbo_graphql_errors_total{{service="gateway",code="{code}"}} {count}'
              for code, count in sorted(ERRORS.items())]
    executor = state(request).supergraph.executor
    if executor is not None:
        names = {spec.url: name for name, spec in executor.supergraph.subgraphs.items()}
        lines += executor.admission.metric_lines(names)
    return Response(HTTP.render("gateway") + COLLECTOR.render("gateway") + "\n".join(lines) + "\n",
                    media_type="text/plain; version=0.0.4")
