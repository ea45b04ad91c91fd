"""Strawberry glue shared by the services: error codes, the schema class, the GraphQL endpoint."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import json
import logging
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, TypeVar

import strawberry
from graphql import (
    ASTValidationRule,
    ExecutionResult,
    GraphQLError,
    GraphQLFieldResolver,
    GraphQLObjectType,
    GraphQLResolveInfo,
    default_field_resolver,
    parse,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.federation.schema import FederationAny
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext, validate_document
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry.types.field import StrawberryField
from strawberry.types.graphql import OperationType
from strawberry.types.info import Info
from tortoise.exceptions import DoesNotExist, IntegrityError

from kernel.audit import audit_refusal
from kernel.audit_query import audit_query_type
from kernel.context import RequestContext
from kernel.errors import AppError, Conflict, Forbidden, NotFound
from kernel.metrics import count_errors, count_operation
from kernel.permissions import MUTATION_ROLES, missing_entry_message, read_refusal
from kernel.scalars import SCALAR_OVERRIDES, checking_json
from kernel.validation import InputCheck, InputLimits, input_rules

log = logging.getLogger("mbo.graphql")


T = TypeVar("T")


@functools.cache
def _init_fields(cls: type) -> tuple[tuple[str, ...], frozenset[str]]:
    names = tuple(f.name for f in dataclasses.fields(cls) if f.init)
    return names, frozenset(names)


_ABSENT = object()


def type_from_row(cls: type[T], row: object, /, **given: Any) -> T:
    """The GraphQL type `cls` filled from a database row: every field from the row's attribute of the same name,
    except those `given` (renamed, converted or computed); a field the row lacks keeps its default."""
    fields, known = _init_fields(cls)
    if not known.issuperset(given):
        raise TypeError(f"{cls.__name__} has no field {', '.join(sorted(given.keys() - known))}")
    values: dict[str, Any] = {}
    for name in fields:
        value = given[name] if name in given else getattr(row, name, _ABSENT)
        if value is not _ABSENT:
            values[name] = value
    return cls(**values)


def _coded(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if isinstance(original, AppError):
        error.extensions = original.as_extensions()
        return error
    if isinstance(original, IntegrityError):
        coded = Conflict("the change clashes with an existing record")
    elif isinstance(original, DoesNotExist):
        coded = NotFound("no such record")
    elif original is None or isinstance(original, GraphQLError):
        extensions = dict(error.extensions or {})
        if isinstance(original, GraphQLError):  # a value that did not coerce (kernel.validation names it)
            extensions["code"] = "BAD_USER_INPUT"
        extensions.setdefault("code", "GRAPHQL_VALIDATION_FAILED")
        error.extensions = extensions
        return error
    else:
        log.error("unexpected error", exc_info=original)
        coded = AppError("internal error; the operators can find it in the log by the request id")
    return GraphQLError(
        coded.message, nodes=error.nodes, path=error.path, extensions=coded.as_extensions()
    )


async def audit_refusals(execution_context: ExecutionContext) -> None:
    """A mutation refused outside `audited` (the role gate, a role check, a bad argument) is audited here,
    under the mutation's field name (an alias in the request does not rename the audited action)."""
    result = execution_context.result
    context = execution_context.context
    operation = execution_context.operation_type
    if result is None or not result.errors or not isinstance(context, RequestContext):
        return
    if operation is not OperationType.MUTATION:
        await _audit_read_refusals(context, result.errors)
        return
    for error in result.errors:
        original = error.original_error
        if isinstance(original, AppError) and not getattr(original, "audited", False) and error.path:
            action = getattr(original, "mutation_field", None) or str(error.path[0])
            await audit_refusal(context, action=action, error=original)
            original.audited = True  # type: ignore[attr-defined]


async def _audit_read_refusals(context: RequestContext, errors: list[GraphQLError]) -> None:
    """A read refused for lack of a role or unit (a trail, a salary) is one audit entry per request,
    naming the refused fields, however many rows were refused."""
    refused = [e for e in errors if isinstance(e.original_error, Forbidden)]
    if not refused:
        return
    paths = sorted({".".join(str(p) for p in e.path if not isinstance(p, int)) for e in refused if e.path})
    first = refused[0].original_error
    assert isinstance(first, Forbidden)
    summary = Forbidden(f"{first.message} ({len(refused)}× at {', '.join(paths[:5]) or 'the query'})")
    await audit_refusal(context, action=f"read:{paths[0].split('.')[0] if paths else 'query'}"[:64], error=summary)


def code_errors(execution_context: ExecutionContext) -> None:
    """Give every error an `extensions.code`; never let a stack trace or internal message leave."""
    result = execution_context.result
    if result is not None and result.errors:
        result.errors = [_coded(error) for error in result.errors]


@strawberry.federation.type(shareable=True, description="What a bulk import did")
class ImportReport:
    file: str
    created: int
    updated: int
    unchanged: int


# The services' own request limits (the gateway has stricter ones), as validation rules built once, so
# that the validation cache recognises them from one request to the next. (Strawberry's depth rule skips
# introspection; graphql-core's MaxIntrospectionDepthRule, among its default rules, bounds it.)
LIMIT_RULES = (depth_rule(max_depth=15, should_ignore=None, callback=None), aliases_rule(max_alias_count=50))
MAX_TOKENS = 20000
CACHED_DOCUMENTS = 512
parse_cached = functools.lru_cache(maxsize=CACHED_DOCUMENTS)(parse)
validate_cached = functools.lru_cache(maxsize=CACHED_DOCUMENTS)(validate_document)


@functools.lru_cache(maxsize=8)
def service_rules(rules: tuple[type[ASTValidationRule], ...]) -> tuple[type[ASTValidationRule], ...]:
    """The validation rules giving input errors their code (kernel.validation) and the request limits, in place of
    Strawberry's `rules` (the same tuple on every request: made once)."""
    return input_rules(rules) + LIMIT_RULES


class _Stage:
    """One stage of an operation (`async with` around it in Strawberry's `Schema.execute`); nothing by default."""

    __slots__ = ("context",)

    def __init__(self, context: ExecutionContext) -> None:
        self.context = context

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        traceback: TracebackType | None) -> None:
        return None

    def __enter__(self) -> None:
        raise RuntimeError("a service's operations run asynchronously (the refusal audit writes to the database)")

    def __exit__(self, *exc_info: object) -> None:
        return None


class _Operation(_Stage):
    """Before: the validation rules giving input errors their code (kernel.validation) and the request limits
    (LIMIT_RULES, at most MAX_TOKENS tokens). After: refusals audited (`audit_refusals`), then every error coded
    (`code_errors`)."""

    __slots__ = ()

    async def __aenter__(self) -> None:
        context = self.context
        context.validation_rules = service_rules(tuple(context.validation_rules))
        context.parse_options["max_tokens"] = MAX_TOKENS

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        traceback: TracebackType | None) -> None:
        if exc_type is None:
            await audit_refusals(self.context)
            code_errors(self.context)


class _Parsing(_Stage):
    """The document parsed once per query text (CACHED_DOCUMENTS texts kept)."""

    __slots__ = ()

    async def __aenter__(self) -> None:
        context = self.context
        context.graphql_document = parse_cached(context.query, **context.parse_options)


class _Validation(_Stage):
    """The document validated once per document and set of rules (CACHED_DOCUMENTS kept)."""

    __slots__ = ()

    async def __aenter__(self) -> None:
        context = self.context
        context.pre_execution_errors = validate_cached(context.schema._schema, context.graphql_document,
                                                       context.validation_rules)


class _Execution(_Stage):
    """Before: the input check (kernel.validation.InputCheck), within `checking_json` until the result is
    complete, and the operation counted for the metrics and the access log; after: its errors counted."""

    __slots__ = ("check", "json")

    def __init__(self, context: ExecutionContext, check: InputCheck) -> None:
        super().__init__(context)
        self.check = check
        self.json = checking_json()

    async def __aenter__(self) -> None:
        self.json.__enter__()
        try:
            self.check.on_execute(self.context)
            count_operation(self.context)
        except BaseException as error:
            self.json.__exit__(type(error), error, error.__traceback__)
            raise

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        traceback: TracebackType | None) -> None:
        try:
            if exc_type is None:
                count_errors(self.context)
        finally:
            self.json.__exit__(exc_type, exc, traceback)


class ServiceSteps(SchemaExtensionsRunner):
    """What a service does around every operation, stage by stage (`_Operation`, `_Parsing`, `_Validation`,
    `_Execution`): the work of a schema extension per step, without Strawberry building a context manager for
    each hook of each extension on every request."""

    def __init__(self, execution_context: ExecutionContext, check: InputCheck) -> None:
        super().__init__(execution_context)
        self.check = check

    def operation(self) -> _Stage:  # type: ignore[override]
        return _Operation(self.execution_context)

    def parsing(self) -> _Stage:  # type: ignore[override]
        return _Parsing(self.execution_context)

    def validation(self) -> _Stage:  # type: ignore[override]
        return _Validation(self.execution_context)

    def executing(self) -> _Stage:  # type: ignore[override]
        return _Execution(self.execution_context, self.check)


def _tagged(error: AppError, field: str) -> AppError:
    if getattr(error, "mutation_field", None) is None:
        error.mutation_field = field  # type: ignore[attr-defined]
    return error


async def _tag_refusal(result: Awaitable[Any], field: str) -> Any:
    try:
        return await result
    except AppError as error:
        raise _tagged(error, field) from None


def role_gate(field: str, resolve: GraphQLFieldResolver | None) -> GraphQLFieldResolver:
    """Wrap one mutation resolver: check the permissions table before the resolver runs (fail closed)."""
    roles = MUTATION_ROLES.get(field)
    allowed = tuple(sorted(roles)) if roles else ()

    def gated(source: Any, info: GraphQLResolveInfo, **arguments: Any) -> Any:
        context = info.context
        try:
            if roles is None:
                raise Forbidden(missing_entry_message(field))
            if not isinstance(context, RequestContext):
                raise Forbidden("sign in first")
            context.require(*allowed)
        except AppError as error:
            raise _tagged(error, field) from None
        result = resolve(source, info, **arguments) if resolve else getattr(source, info.field_name, None)
        return _tag_refusal(result, field) if inspect.isawaitable(result) else result

    gated.role_gate = field  # type: ignore[attr-defined]
    return gated


def gate_mutations(schema: strawberry.federation.Schema) -> strawberry.federation.Schema:
    """Put the permissions-table gate (kernel.permissions.MUTATION_ROLES) in front of every mutation."""
    mutation_type = schema._schema.mutation_type
    if mutation_type is not None:
        for name, field in mutation_type.fields.items():
            if not hasattr(field.resolve, "role_gate"):
                field.resolve = role_gate(name, field.resolve)
    return schema


class ServiceExecution(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, which drops its resolver helpers once the operation's result is complete.

    graphql-core keeps `async_helpers` as bound methods of the executor itself: a reference cycle through which
    every operation's executor, its context and everything the resolvers read stayed alive until the cyclic
    collector ran, rather than being freed as soon as the answer was made."""

    def execute_operation(self, serially: bool | None = None) -> Any:
        result = super().execute_operation(serially)
        if self.is_awaitable(result):
            return self._completed(result)
        return self._complete(result)

    async def _completed(self, pending: Awaitable[Any]) -> Any:
        return self._complete(await pending)

    def _complete(self, result: Any) -> Any:
        if isinstance(result, ExecutionResult):  # nothing incremental still to come: no resolver runs again
            self.async_helpers = None
        return result


class ServiceSchema(strawberry.federation.Schema):
    """A subgraph schema whose refusals are answers, not failures.

    Strawberry logs every error of a result at ERROR with its traceback. A refusal (bad input, a role or unit
    check, a conflict) is part of the answer and audited where it matters; logging each one as a failure made a
    screen of refused rows write a thousand tracebacks. Unexpected errors are logged, once and with their
    traceback, by `code_errors` (`_coded`) before they are turned into INTERNAL.
    """

    def __init__(self, *args: Any, check: InputCheck, **kwargs: Any) -> None:
        kwargs.setdefault("execution_context_class", ServiceExecution)
        super().__init__(*args, **kwargs)
        self.check = check

    def entities_resolver(self, info: Info, representations: list[FederationAny]) -> list[FederationAny]:
        """Strawberry's `_entities`, given copies of the representations: it writes the resolver's `info` into
        each, and the originals are the request's variables, which the executor holds — a reference cycle that
        kept every entity fetch's executor and rows for the cyclic collector."""
        copies = [dict(r) if isinstance(r, dict) else r for r in representations]  # anything else fails as before
        return super().entities_resolver(info, copies)  # type: ignore[arg-type]

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        for error in errors:
            log.debug("refused: %s", error.message)

    def create_extensions_runner(self, execution_context: ExecutionContext,
                                 extensions: list[SchemaExtension]) -> SchemaExtensionsRunner:
        """The services' own steps (ServiceSteps) run each operation; the schema takes no other extension."""
        if extensions:
            raise TypeError("a service schema runs its own steps (ServiceSteps), not schema extensions")
        return ServiceSteps(execution_context, self.check)


def read_gate(field: str, resolve: GraphQLFieldResolver | None) -> GraphQLFieldResolver:
    """Wrap one Query root field: the 三员 administrators read no business data (kernel.permissions.read_refusal);
    a refusal is FORBIDDEN, audited with the request's other refused reads."""

    def gated(source: Any, info: GraphQLResolveInfo, **arguments: Any) -> Any:
        context = info.context
        refusal = read_refusal(context.caller if isinstance(context, RequestContext) else None, field)
        if refusal is not None:
            raise Forbidden(refusal)
        return (resolve or default_field_resolver)(source, info, **arguments)

    gated.read_gate = field  # type: ignore[attr-defined]
    return gated


def gate_queries(schema: strawberry.federation.Schema) -> strawberry.federation.Schema:
    """Put the read gate in front of every Query root field, `_entities` and `_service` included."""
    for name, field in schema._schema.query_type.fields.items():
        if not hasattr(field.resolve, "read_gate"):
            field.resolve = read_gate(name, field.resolve)
    return schema


def _attribute(name: str) -> GraphQLFieldResolver:
    def read(source: Any, info: GraphQLResolveInfo, **arguments: Any) -> Any:
        return getattr(source, name)

    return read


def read_attributes(schema: strawberry.federation.Schema) -> strawberry.federation.Schema:
    """Resolve every field Strawberry reads straight off its object (no resolver, no field extension, the default
    `getattr`) with one attribute read, as Strawberry's resolver does it but without its three calls a field: it is
    run for every field of every row of a list."""
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        for graphql_field in graphql_type.fields.values():
            definition = (graphql_field.extensions or {}).get("strawberry-definition")
            if (getattr(graphql_field.resolve, "_is_default", False) and isinstance(definition, StrawberryField)
                    and definition.is_basic_field and definition.default_resolver is getattr):
                graphql_field.resolve = _attribute(definition.python_name)
    return schema


def build_schema(query: type, mutation: type | None, types: list[type]) -> strawberry.federation.Schema:
    service = query.__module__.split(".")[1] if query.__module__.startswith("services.") else None
    if service:
        query = merge_types("Query", (query, audit_query_type(service)))
    limits = InputLimits.for_service(service) if service else InputLimits()
    check = InputCheck(limits)
    schema = ServiceSchema(
        query=query,
        mutation=mutation,
        types=types,
        scalar_overrides=SCALAR_OVERRIDES,
        check=check,
    )
    return gate_queries(gate_mutations(read_attributes(schema)))


CONTEXT_KEY = "mbo.request_context"  # the request's RequestContext in its ASGI scope, released after the answer


class GraphQLEndpoint(GraphQL):
    """The GraphQL route; the caller was verified by the auth layer and put in the ASGI scope."""

    def __init__(self, schema: strawberry.federation.Schema, make_context: Callable[[Request], Any]) -> None:
        super().__init__(schema, graphql_ide=None, allow_queries_via_get=False)
        self._make_context = make_context

    async def get_context(self, request: Request, response: Response) -> RequestContext:  # type: ignore[override]
        context: RequestContext = self._make_context(request)
        context.response = response
        request.scope[CONTEXT_KEY] = context
        return context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            context = scope.pop(CONTEXT_KEY, None)
            if context is not None:
                context.release()

    def encode_json(self, data: object) -> bytes:
        """Compact JSON in UTF-8, Chinese text as itself rather than `\\u` escapes: a unit's tree of 150 targets
        is 27.8 KB instead of 38.6, encoded in 218 µs instead of 349 and read back by the gateway in 129 µs
        instead of 174. Input holding an unpaired surrogate is refused, but should an answer still hold one,
        it goes out escaped as before rather than failing."""
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        try:
            return text.encode()
        except UnicodeEncodeError:
            return json.dumps(data, separators=(",", ":")).encode()
