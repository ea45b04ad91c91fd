"""Request counters in Prometheus text format, per service and root field."""

from __future__ import annotations

from collections import Counter

from graphql import FieldNode, OperationDefinitionNode
from strawberry.types import ExecutionContext

from kernel.observability import operation_var

OPERATIONS: Counter[tuple[str, str]] = Counter()
ERRORS: Counter[str] = Counter()


def count_operation(execution_context: ExecutionContext) -> None:
    """Name the request's operation for the access log and count its root fields (before execution)."""
    operation_var.set(execution_context.operation_name or "")
    document = execution_context.graphql_document
    if document is not None:
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                for selection in definition.selection_set.selections:
                    if isinstance(selection, FieldNode):
                        OPERATIONS[(definition.operation.value, selection.name.value)] += 1


def count_errors(execution_context: ExecutionContext) -> None:
    """Count the errors of the executed result by code (after execution)."""
    result = execution_context.result
    if result is not None and result.errors:
        for error in result.errors:
            ERRORS[str((error.extensions or {}).get("code", "INTERNAL"))] += 1


def render(service: str) -> str:
    lines = [
        "# HELP mbo_graphql_root_fields_total GraphQL root fields executed",
        "# TYPE mbo_graphql_root_fields_total counter",
    ]
    for (operation, field), count in sorted(OPERATIONS.items()):
        lines.append(
            f'mbo_graphql_root_fields_total{{service="{service}",operation="{operation}",field="{field}"}} {count}'
        )
    lines += ["# HELP mbo_graphql_errors_total GraphQL errors by code", "# TYPE mbo_graphql_errors_total counter"]
    for code, count in sorted(ERRORS.items()):
        lines.append(f'mbo_graphql_errors_total{{service="{service}",code="{code}"}} {count}')
    return "\n".join(lines) + "\n"
