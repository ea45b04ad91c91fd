"""Executes query plans over HTTP, merges subgraph data and errors, and shapes the response."""

from __future__ import annotations

import asyncio
import enum
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLNonNull,
    GraphQLResolveInfo,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    validate,
)

from gateway.federation.admission import Admission
from gateway.federation.compose import Supergraph
from gateway.federation.inflight import InflightReads
from gateway.federation.limits import LimitError, Limits, check_body_size, check_limits, token_limit_message
from gateway.federation.planner import EntityFetch, EntityNode, Plan, PlanningError, QueryPlanner, RootFetch
from gateway.federation.shape import NeedsExecutor, Projector
from gateway.federation.transport import SubgraphUnreachable, Transport, transport_for
from kernel.scalars import harden
from kernel.validation import RULES, check_request, holds_surrogate

logger = logging.getLogger("gateway.federation")

UNAVAILABLE = "SUBGRAPH_UNAVAILABLE"
MAX_CACHED_QUERY_CHARS = 100_000
DROPPED_HEADERS = frozenset({"content-length", "content-type", "host", "connection", "transfer-encoding",
                             "accept-encoding", "keep-alive", "upgrade", "te", "trailer"})
DROPPED_EXTENSIONS = frozenset({"exception", "stacktrace", "stackTrace"})


def _error(message: str, code: str, **extensions: Any) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": code, **extensions}}


@dataclass(frozen=True)
class _Refusal:
    """A request refused before planning; cached like a plan."""

    errors: tuple[dict[str, Any], ...]

    def response(self) -> dict[str, Any]:
        return {"errors": json.loads(json.dumps(list(self.errors)))}


class ErrorMarker:
    """Stored in merged data where a subgraph reported an error; raised again while shaping."""

    __slots__ = ("errors", "path", "reported")

    def __init__(self, errors: list[dict[str, Any]], path: list[str | int] | None = None) -> None:
        self.errors = errors
        self.path = path
        self.reported = False

    def trigger(self, info: GraphQLResolveInfo, run: _Run) -> None:
        nullable = not isinstance(info.return_type, GraphQLNonNull)
        if self.reported and nullable:
            return None
        if not self.reported:
            self.reported = True
            run.extras.extend(self.errors[1:])
        first = self.errors[0]
        path = self.path or first.get("path") or info.path.as_list()
        raise GraphQLError(first.get("message", "subgraph error"), path=path, extensions=first.get("extensions"))


def _resolve(source: Any, info: GraphQLResolveInfo, **_args: Any) -> Any:
    if source.__class__ is not dict:
        return None
    value = source.get(info.path.key)
    cls = value.__class__
    if cls is ErrorMarker:
        return value.trigger(info, info.context)
    if cls is list and info.context.list_markers:
        return info.context.clean_list(value, info)
    return value


def _resolve_type(value: Any, _info: GraphQLResolveInfo, _abstract: Any) -> str | None:
    return value.get("__typename") if isinstance(value, dict) else None


def _objects_at(value: Any, keys: tuple[str, ...], index: int, path: list[str | int]
                ) -> Iterator[tuple[dict[str, Any], list[str | int]]]:
    cls = value.__class__
    if cls is list:
        for position, item in enumerate(value):
            yield from _objects_at(item, keys, index, [*path, position])
    elif cls is dict:
        if index == len(keys):
            yield value, path
        else:
            key = keys[index]
            yield from _objects_at(value.get(key), keys, index + 1, [*path, key])


def _clean_error(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        return {"message": str(raw)}
    error: dict[str, Any] = {"message": str(raw.get("message", "subgraph error"))}
    path = raw.get("path")
    if isinstance(path, list) and path:
        error["path"] = path
    extensions = raw.get("extensions")
    if isinstance(extensions, dict):
        kept = {k: v for k, v in extensions.items() if k not in DROPPED_EXTENSIONS}
        if kept:
            error["extensions"] = kept
    return error


def _rerooted(error: dict[str, Any], path: list[str | int]) -> dict[str, Any]:
    return {**error, "path": path}


def _pathless(error: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in error.items() if k != "path"}


class Owner(enum.Enum):
    """Whom an error of one `_entities` item (path `["_entities", i, …]`) is about."""

    ENTITY = "entity"
    """The object as a whole (the path ends at the item): reported without a path."""
    FIELD = "field"
    """A field this node asked for: placed at its path in the response."""
    OTHER_NODE = "other node"
    """A field another node of the same batched fetch asked for: that node places it."""


@dataclass(frozen=True)
class ErrorPlace:
    kind: Owner
    path: list[str | int]
    """The response path of the error (FIELD), else the path of the object."""


def _entity_error_place(node: EntityNode, path: list[str | int], error: dict[str, Any]) -> ErrorPlace:
    rest = error["path"][2:]
    if not rest:
        return ErrorPlace(Owner.ENTITY, path)
    key = node.alias_to_key.get(rest[0])
    if key is None:
        return ErrorPlace(Owner.OTHER_NODE, path)
    return ErrorPlace(Owner.FIELD, [*path, key, *rest[1:]])


class _Run:
    """State of one request: merged data, error markers and errors that have no place in the data."""

    def __init__(self, executor: FederatedExecutor, plan: Plan, variables: dict[str, Any],
                 headers: dict[str, str], variable_texts: dict[str, memoryview] | None = None) -> None:
        self.executor = executor
        self.plan = plan
        self.variables = variables
        self.variable_texts = variable_texts
        self.headers = headers
        self.data: dict[str, Any] = {}
        self.extras: list[dict[str, Any]] = []
        self.markers: list[ErrorMarker] = []
        self.list_markers = False

    async def run(self) -> dict[str, Any]:
        for phase in self.plan.phases:
            await _gather([self._root(fetch) for fetch in phase.roots])
            for step in phase.steps:
                await _gather([self._entities(fetch) for fetch in step])
        if not self.markers and not self.extras:
            if self.plan.passthrough:
                return {"data": self.data}
            projector = self.plan.projector
            if projector is None:
                usable = Projector.usable(self.plan)
                projector = self.plan.projector = (Projector(self.executor.supergraph.api_schema, self.plan)
                                                   if usable else False)
            if projector:
                try:
                    return {"data": projector.project(self.data)}
                except NeedsExecutor:
                    pass
        return self._shape()

    async def _fetch(self, subgraph: str, operation: str, variables: dict[str, Any], *, as_sent: bool = False
                     ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """`as_sent`: `variables` are the client's own (a root fetch), so a mutation's may go as their text."""
        executor = self.executor
        spec = executor.supergraph.subgraphs[subgraph]
        mutation = self.plan.operation.operation is OperationType.MUTATION
        timeout = executor.limits.mutation_timeout if mutation else executor.limits.subgraph_timeout
        texts = self.variable_texts if as_sent and mutation else None
        body, headers = _payload(operation, variables, texts), executor.outgoing_headers(self.headers)
        try:
            if mutation:
                status, raw = await executor.admission.post(spec.url, body, headers, timeout)
            else:
                status, raw = await executor.inflight.post(executor.admission, spec.url, body, headers, timeout)
        except SubgraphUnreachable as exc:
            reason = f"no answer within {timeout:g} s" if exc.timed_out else exc.reason
            return None, [_unavailable(subgraph, reason)]
        try:
            body = json.loads(raw)
        except ValueError:
            return None, [_unavailable(subgraph, f"HTTP {status} without a GraphQL response")]
        if not isinstance(body, dict) or ("data" not in body and "errors" not in body):
            return None, [_unavailable(subgraph, f"HTTP {status} without a GraphQL response")]
        errors = [_clean_error(e) for e in body.get("errors") or ()]
        if status >= 400 and not errors:
            return None, [_unavailable(subgraph, f"HTTP {status}")]
        data = body.get("data")
        return (data if isinstance(data, dict) else None), errors

    def _fetch_variables(self, names: tuple[str, ...]) -> dict[str, Any]:
        return {name: self.variables[name] for name in names if name in self.variables}

    async def _root(self, fetch: RootFetch) -> None:
        data, errors = await self._fetch(fetch.subgraph, fetch.operation, self._fetch_variables(fetch.variables),
                                         as_sent=True)
        if data is None:
            for key in fetch.response_keys:
                self.data[key] = None
        else:
            self.data.update(data)
        pathless: list[dict[str, Any]] = []
        for error in errors:
            path = error.get("path")
            if path:
                self._place(self.data, path, error)
            elif data is None:
                pathless.append(error)
            else:
                self.extras.append(error)
        if pathless:
            marker = self._marker(pathless)
            for key in fetch.response_keys:
                if self.data.get(key) is None:
                    self.data[key] = marker

    async def _entities(self, fetch: EntityFetch) -> None:
        reps, locations = self._representations(fetch)
        if not reps:
            return
        variables = self._fetch_variables(fetch.variables)
        variables[fetch.representations_var] = reps
        data, errors = await self._fetch(fetch.subgraph, fetch.operation, variables)
        entities = data.get("_entities") if data else None
        if not isinstance(entities, list) or len(entities) != len(reps):
            entities = None
            if not errors:
                errors = [_error(f"subgraph '{fetch.subgraph}' returned an invalid _entities result", "INTERNAL")]
        by_item: dict[int, list[dict[str, Any]]] = {}
        general: list[dict[str, Any]] = []
        for error in errors:
            path = error.get("path") or ()
            if len(path) >= 2 and path[0] == "_entities" and isinstance(path[1], int) and path[1] < len(reps):
                by_item.setdefault(path[1], []).append(error)
            else:
                general.append(error)
        failure = self._marker(general) if general and entities is None else None
        if general and failure is None:
            self.extras.extend(general)
        for index, located in enumerate(locations):
            item = entities[index] if entities is not None else None
            for node, obj, path in located:
                self._merge_item(node, obj, path, item, by_item.get(index, ()), failure)

    def _representations(self, fetch: EntityFetch
                         ) -> tuple[list[dict[str, Any]], list[list[tuple[EntityNode, dict[str, Any], list]]]]:
        reps: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        locations: list[list[tuple[EntityNode, dict[str, Any], list]]] = []
        for node in fetch.nodes:
            for obj, path in _objects_at(self.data, node.path, 0, []):
                if obj.get("__typename") != node.type_name:
                    continue
                rep = node.representation(obj)
                if rep is None:
                    continue
                identity = json.dumps(rep, sort_keys=True, separators=(",", ":"))
                index = seen.get(identity)
                if index is None:
                    index = seen[identity] = len(reps)
                    reps.append(rep)
                    locations.append([])
                locations[index].append((node, obj, path))
        return reps, locations

    def _merge_item(self, node: EntityNode, obj: dict[str, Any], path: list[str | int], item: Any,
                    errors: Any, failure: ErrorMarker | None) -> None:
        located = [(error, _entity_error_place(node, path, error)) for error in errors]
        mine = [(error, place) for error, place in located if place.kind is not Owner.OTHER_NODE]
        if not isinstance(item, dict):
            placed = [_rerooted(e, place.path) if place.kind is Owner.FIELD else _pathless(e) for e, place in mine]
            marker = failure or (self._marker(placed) if placed else None)
            for _alias, key in node.key_map:
                if obj.get(key) is None:
                    obj[key] = marker
            return
        for alias, key in node.key_map:
            if alias in item:
                obj[key] = item[alias]
        for error, place in mine:
            if place.kind is Owner.FIELD:
                self._place(obj, place.path[len(path):], _rerooted(error, place.path))
            else:
                self.extras.append(_pathless(error))

    def _marker(self, errors: list[dict[str, Any]], path: list[str | int] | None = None) -> ErrorMarker:
        marker = ErrorMarker(errors, path)
        self.markers.append(marker)
        return marker

    def _place(self, container: Any, segments: list[str | int], error: dict[str, Any]) -> None:
        current = container
        last = len(segments) - 1
        for position, segment in enumerate(segments):
            value = _child(current, segment)
            if value is _MISSING:
                self.extras.append(error)
                return
            if value.__class__ is ErrorMarker:
                self.extras.append(error)
                return
            if value is None:
                if isinstance(current, list):
                    self.list_markers = True
                current[segment] = self._marker([error], error.get("path"))
                return
            if position == last:
                self.extras.append(error)
                return
            current = value

    def clean_list(self, value: list[Any], info: GraphQLResolveInfo) -> Any:
        if not any(item.__class__ is ErrorMarker for item in value):
            return value
        item_type = info.return_type.of_type if isinstance(info.return_type, GraphQLNonNull) else info.return_type
        nullable_items = not isinstance(getattr(item_type, "of_type", None), GraphQLNonNull)
        cleaned: list[Any] = []
        for item in value:
            if item.__class__ is not ErrorMarker:
                cleaned.append(item)
                continue
            if not nullable_items:
                return item.trigger(info, self)
            if not item.reported:
                item.reported = True
                self.extras.extend(item.errors)
            cleaned.append(None)
        return cleaned

    def _shape(self) -> dict[str, Any]:
        result = execute(self.executor.supergraph.api_schema, self.plan.document, root_value=self.data,
                         context_value=self, variable_values=self.variables,
                         operation_name=self.plan.operation_name, field_resolver=_resolve,
                         type_resolver=_resolve_type)
        if asyncio.iscoroutine(result) or not hasattr(result, "data"):
            raise RuntimeError("shaping unexpectedly became asynchronous")
        errors = [_format(e) for e in result.errors or ()]
        for marker in self.markers:
            if not marker.reported:
                errors.extend(marker.errors)
        errors.extend(self.extras)
        response: dict[str, Any] = {"data": result.data}
        unique = _dedupe(errors)
        if unique:
            response["errors"] = unique
        return response


def _payload(operation: str, variables: dict[str, Any], texts: dict[str, memoryview] | None) -> bytes:
    """The body of a subgraph request. With `texts` (the bytes of each variable in the client's body, raw_json)
    the variables are forwarded as those bytes — the same values, not decoded and encoded again (a city's
    targets.csv is ~9 MB of JSON); otherwise, or when one of them has no text, they are encoded."""
    if texts is None or not variables or not all(name in texts for name in variables):
        payload: dict[str, Any] = {"query": operation}
        if variables:
            payload["variables"] = variables
        return json.dumps(payload).encode()
    parts: list[bytes | memoryview] = [f'{{"query":{json.dumps(operation)},"variables":{{'.encode()]
    for position, name in enumerate(variables):
        parts += [b"," if position else b"", f"{json.dumps(name)}:".encode(), texts[name]]
    parts.append(b"}}")
    return b"".join(parts)


_MISSING = object()


def _child(container: Any, segment: str | int) -> Any:
    if isinstance(container, dict) and isinstance(segment, str):
        return container.get(segment, _MISSING) if segment in container else _MISSING
    if isinstance(container, list) and isinstance(segment, int) and 0 <= segment < len(container):
        return container[segment]
    return _MISSING


def _format(error: GraphQLError) -> dict[str, Any]:
    formatted = dict(error.formatted)
    if not formatted.get("extensions"):
        formatted.pop("extensions", None)
    return formatted


def _dedupe(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    unique: list[dict[str, Any]] = []
    for error in errors:
        identity = json.dumps([error.get("message"), error.get("path")], default=str)
        if identity not in seen:
            seen.add(identity)
            unique.append(error)
    return unique


def _unavailable(subgraph: str, reason: str) -> dict[str, Any]:
    return _error(f"subgraph '{subgraph}' is unavailable: {reason}", UNAVAILABLE, subgraph=subgraph)


async def _gather(coroutines: list[Any]) -> None:
    if len(coroutines) == 1:
        await coroutines[0]
    elif coroutines:
        await asyncio.gather(*coroutines)


class FederatedExecutor:
    """Answers GraphQL requests against the composed supergraph by fetching from its subgraphs."""

    def __init__(self, supergraph: Supergraph, client: httpx.AsyncClient | Transport, limits: Limits,
                 plan_cache_size: int = 1000) -> None:
        self.supergraph = supergraph
        harden(supergraph.api_schema)
        self.transport = transport_for(client)
        self.admission = Admission(self.transport, limits.subgraph_concurrency)
        self.limits = limits
        self.planner = QueryPlanner(supergraph, plan_cache_size)
        self.inflight = InflightReads()

    @property
    def plan_cache_hits(self) -> int:
        return self.planner.hits

    @property
    def plan_cache_misses(self) -> int:
        return self.planner.misses

    def reset_stats(self) -> None:
        self.planner.hits = 0
        self.planner.misses = 0

    def outgoing_headers(self, headers: dict[str, str]) -> dict[str, str]:
        out = {k: v for k, v in headers.items() if k.lower() not in DROPPED_HEADERS}
        out["content-type"] = "application/json"
        out["accept"] = "application/json"
        return out

    async def execute(self, query: str, variables: dict[str, Any] | None, operation_name: str | None,
                      headers: dict[str, str], *, surrogate_free: bool = False,
                      variable_texts: dict[str, memoryview] | None = None) -> dict[str, Any]:
        """`surrogate_free`: the caller knows the request holds no surrogate (kernel.validation.may_hold_surrogate
        of its body), so the values need not be walked for one. `variable_texts`: the text each of `variables`
        came as (gateway.federation.raw_json), forwarded as it is by a mutation's root fetches."""
        if not surrogate_free and holds_surrogate([query, variables, operation_name]):
            return {"errors": [_error("the request holds text that is not Unicode (an unpaired surrogate such as "
                                      "\\ud800); send UTF-8 text", "BAD_USER_INPUT")]}
        try:
            prepared = self.prepare(query, operation_name)
            if isinstance(prepared, _Refusal):
                return prepared.response()
            values = variables if isinstance(variables, dict) else {}
            refusals = (check_request(self.supergraph.api_schema, prepared.document, operation_name, values, None)
                        if prepared.operation.variable_definitions else None)  # nothing to coerce without
            if refusals:
                return {"errors": [_format_request_error(e, "BAD_USER_INPUT") for e in refusals]}
            texts = variable_texts if values is variables else None
            return await _Run(self, prepared, values, headers, texts).run()
        except Exception:
            logger.exception("federated execution failed")
            return {"errors": [_error("internal error", "INTERNAL")]}

    def prepare(self, query: str, operation_name: str | None) -> Plan | _Refusal:
        """Parse, check, validate and plan a request, using the plan cache."""
        if not isinstance(query, str):
            return _Refusal((_error("query must be a string", "BAD_USER_INPUT"),))
        key = (query, operation_name)
        cached = self.planner.cached(key)
        if cached is not None:
            return cached
        try:
            check_body_size(len(query.encode()), self.limits)
        except LimitError as exc:
            return _Refusal((_error(exc.message, "BAD_USER_INPUT"),))
        prepared = self._prepare_uncached(query, operation_name)
        if len(query) <= MAX_CACHED_QUERY_CHARS:
            self.planner.store(key, prepared)
        return prepared

    def _prepare_uncached(self, query: str, operation_name: str | None) -> Plan | _Refusal:
        document_or_refusal = self._parse(query)
        if isinstance(document_or_refusal, _Refusal):
            return document_or_refusal
        document = document_or_refusal
        try:
            check_limits(document, self.limits)
        except LimitError as exc:
            return _Refusal((_error(exc.message, "BAD_USER_INPUT"),))
        errors = validate(self.supergraph.api_schema, document, RULES, max_errors=20)
        if errors:
            return _Refusal(tuple(_format_request_error(e, "GRAPHQL_VALIDATION_FAILED") for e in errors))
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            message = (f"Unknown operation named '{operation_name}'." if operation_name
                       else "Must provide operation name if query contains multiple operations.")
            return _Refusal((_error(message, "GRAPHQL_VALIDATION_FAILED"),))
        if operation.operation is OperationType.SUBSCRIPTION:
            return _Refusal((_error("subscriptions are not supported by the gateway",
                                    "GRAPHQL_VALIDATION_FAILED"),))
        return self._plan(document, operation, operation_name)

    def _parse(self, query: str) -> DocumentNode | _Refusal:
        try:
            return parse(query, max_tokens=self.limits.max_tokens)
        except GraphQLSyntaxError as exc:
            if "tokens. Parsing aborted" in exc.message:
                return _Refusal((_error(token_limit_message(self.limits), "BAD_USER_INPUT"),))
            return _Refusal((_format_request_error(exc, "GRAPHQL_PARSE_FAILED"),))

    def _plan(self, document: DocumentNode, operation: OperationDefinitionNode,
              operation_name: str | None) -> Plan | _Refusal:
        try:
            return self.planner.plan(document, operation, operation_name)
        except PlanningError as exc:
            return _Refusal((_error(f"the gateway cannot plan this query: {exc}", "GRAPHQL_VALIDATION_FAILED"),))


def _format_request_error(error: GraphQLError, code: str) -> dict[str, Any]:
    formatted: dict[str, Any] = {"message": error.message}
    if error.locations:
        formatted["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    formatted["extensions"] = {"code": code, **(error.extensions or {})}
    return formatted
