"""Every argument of a request is checked before any resolver runs; a bad one is BAD_USER_INPUT naming it.

One step for all three services (a schema extension) and the gateway (`check_request` on the supergraph):

1. Variables are coerced against the schema (the scalars parse strictly, kernel.scalars); a value that
   does not coerce is refused naming the argument it is given to (`extensions.field`, e.g. `asOf`,
   `input.points`, `leaders[0].unavailable[0]`) and the variable (`extensions.variable`).
2. Every field's arguments in the operation (inline literals and variables alike) are read and each value
   is checked against the column it is stored in or compared with (`InputLimits`, read from the service's
   Tortoise models by name): text no longer than the column, a decimal with no more digits than the
   column holds, a numeric id within the column's range.
3. A year (an Int named `year`) lies in 1990–2200.
4. No text anywhere in the arguments (JSON rows included) holds a control character: C0 (U+0000–U+001F),
   DEL, C1 (U+0080–U+009F) or an unpaired surrogate. Tab, line feed and carriage return are allowed only in
   free text — arguments stored in a TEXT column (reasons, notes, evidence, remarks) and cells of import
   rows; a name, title, code or staff number is one line.

Value errors in inline literals are found by the document's validation; `CoercionRule` gives them the same
code and field. Read docs/architecture.md ("Input checks") for the table of limits.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableDefinitionNode,
    VariableNode,
    get_operation_ast,
    specified_rules,
    type_from_ast,
)
from graphql.execution.values import get_argument_values, get_variable_values
from graphql.language import SKIP
from graphql.utilities.validate_input_value import validate_input_literal, validate_input_value
from graphql.validation import ValuesOfCorrectTypeRule, VariablesInAllowedPositionRule
from strawberry.types import ExecutionContext
from tortoise import fields as orm
from tortoise.models import Model

from kernel.errors import BadInput
from kernel.ids import record_id
from kernel.scalars import CONTROL, DEFAULT_TEXT, EXACT, MAX_TEXT, json_findings

DEFAULT_DECIMAL = (24, 6)
"""A decimal stored in no decimal column (e.g. kept as text): the precision of the targets' amounts."""
YEARS = (1990, 2200)
"""An assessment year (an argument or input field named `year`) lies within these, as in every service."""
FREE_TEXT_CONTROLS = frozenset("\t\n\r")

# Arguments named unlike the column they are stored in or compared with (checked after the name itself).
COLUMN_OF = {
    "override_reason": "stretch_override",
    "target_codes": "code",
    "staff_no": "responsible_leader",
    "text": "decision_text",
    "note": "execution_note",
}


@dataclass(frozen=True)
class Column:
    """What an argument's value must fit: text (length, one line or free text), decimal, or integer id."""

    kind: str  # "text", "decimal", "integer"
    max_length: int = DEFAULT_TEXT
    free_text: bool = False
    digits: int = 0
    places: int = 0

    def merged(self, other: Column) -> Column:
        """The looser of two columns with one name in different tables."""
        if self.kind != other.kind:
            return self if self.kind == "text" else other
        if self.kind == "decimal":
            whole = max(self.digits - self.places, other.digits - other.places)
            places = max(self.places, other.places)
            return Column("decimal", digits=whole + places, places=places)
        return Column(self.kind, max(self.max_length, other.max_length), self.free_text or other.free_text)


FREE_TEXT = Column("text", MAX_TEXT, free_text=True)


def column_of(model_field: orm.Field) -> Column | None:
    if isinstance(model_field, orm.TextField):
        return Column("text", MAX_TEXT, free_text=True)
    if isinstance(model_field, orm.CharField):
        return Column("text", model_field.max_length)
    if isinstance(model_field, orm.DecimalField):
        return Column("decimal", digits=model_field.max_digits, places=model_field.decimal_places)
    if isinstance(model_field, orm.IntField | orm.BigIntField | orm.SmallIntField):
        return Column("integer")
    return None


@dataclass(frozen=True)
class InputLimits:
    """Columns by snake_case name, read from a service's models (the loosest where tables differ)."""

    columns: dict[str, Column] = field(default_factory=dict)

    @classmethod
    def from_models(cls, *modules: str) -> InputLimits:
        columns: dict[str, Column] = {}
        for name in modules:
            module = importlib.import_module(name)
            for model in vars(module).values():
                if not (isinstance(model, type) and issubclass(model, Model) and model.__module__ == name):
                    continue
                for field_name, model_field in model._meta.fields_map.items():
                    found = column_of(model_field)
                    if found is not None:
                        columns[field_name] = columns[field_name].merged(found) if field_name in columns else found
        return cls(columns)

    @classmethod
    def for_service(cls, service: str) -> InputLimits:
        return cls.from_models(f"services.{service}.models", "kernel.audit")

    def column(self, argument: str) -> Column | None:
        name = snake(argument)
        for candidate in (name, name[:-1] if name.endswith("s") else None, COLUMN_OF.get(name)):
            if candidate and candidate in self.columns:
                return self.columns[candidate]
        return None


def clean_text(value: str | None, *, field: str, limit: int, required: bool = True, label: str | None = None,
               missing: str | None = None) -> str:
    """A free-text argument stripped of surrounding space: refused when required and empty (`missing`, or "a
    <label> is required") or longer than `limit` characters; "" when optional and empty."""
    label = label or field
    text = (value or "").strip()
    if required and not text:
        raise BadInput(missing or f"a {label} is required", field=field)
    if len(text) > limit:
        raise BadInput(f"the {label} is longer than {limit} characters", field=field)
    return text


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# ---- checking one value -------------------------------------------------------------------------


def control_character(text: str, *, free_text: bool) -> str | None:
    """The first control character not allowed in this kind of text, as U+XXXX."""
    for match in CONTROL.finditer(text):
        if not (free_text and match.group() in FREE_TEXT_CONTROLS):
            return f"U+{ord(match.group()):04X}"
    return None


def text_problem(text: str, column: Column | None, scalar: str) -> str | None:
    free_text = column.free_text if column else False
    limit = column.max_length if column and column.kind == "text" else MAX_TEXT if free_text else DEFAULT_TEXT
    if len(text) > limit:
        return f"is at most {limit} characters ({len(text)} given)"
    bad = control_character(text, free_text=free_text)
    if bad:
        allowed = "" if free_text else "; tab and line breaks only in free text such as a reason or a note"
        return f"contains a control character ({bad}){allowed}"
    if scalar == "ID" and column and column.kind == "integer":
        if record_id(text) is None:
            return "is not an id this service gives out (a whole number)"
    return None


def decimal_problem(number: Decimal, column: Column | None) -> str | None:
    digits, places = (column.digits, column.places) if column and column.kind == "decimal" else DEFAULT_DECIMAL
    exponent = number.normalize(EXACT).as_tuple().exponent
    assert isinstance(exponent, int)  # the scalar refused NaN and infinity
    if -exponent > places:
        return f"has more than {places} decimal places"
    whole = digits - places
    if abs(number) >= Decimal(10) ** whole:
        return f"is out of range (at most {whole} digits before the decimal point)"
    return None


def json_problems(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Text in a JSON value (import rows): free text, at most MAX_TEXT characters; keys are one line.

    The texts come from the walk the JSON scalar made when it parsed the value (kernel.scalars.json_findings)."""
    for where, text, is_key in json_findings(value):
        at = path + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in where)
        if is_key:
            bad = control_character(text, free_text=False)
            yield at, f"has a key that is not a column name ({bad or 'too long'})"
        else:
            yield at, text_problem(text, FREE_TEXT, "JSON") or "is not text"


def value_problems(value: Any, type_: GraphQLInputType, path: str, name: str,
                   limits: InputLimits) -> Iterator[tuple[str, str]]:
    """(field, problem) for every part of a coerced argument value that does not fit."""
    if value is None:
        return
    if isinstance(type_, GraphQLNonNull):
        yield from value_problems(value, type_.of_type, path, name, limits)
    elif isinstance(type_, GraphQLList):
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            yield from value_problems(item, type_.of_type, f"{path}[{index}]", name, limits)
    elif isinstance(type_, GraphQLInputObjectType):
        for field_name, input_field in type_.fields.items():
            key = input_field.out_name or field_name
            if isinstance(value, dict) and key in value:
                yield from value_problems(value[key], input_field.type, f"{path}.{field_name}", field_name, limits)
    elif isinstance(type_, GraphQLScalarType):
        if type_.name == "JSON":
            yield from json_problems(value, path)
        elif isinstance(value, str):
            problem = text_problem(value, limits.column(name), type_.name)
            if problem:
                yield path, problem
        elif isinstance(value, Decimal):
            problem = decimal_problem(value, limits.column(name))
            if problem:
                yield path, problem
        elif type_.name == "Int" and name == "year" and not YEARS[0] <= value <= YEARS[1]:
            yield path, f"must be between {YEARS[0]} and {YEARS[1]}"


# ---- checking a request -------------------------------------------------------------------------


SURROGATE = re.compile("[\ud800-\udfff]")
SURROGATE_IN_BODY = re.compile(rb"\xed[\xa0-\xbf]|\\u[dD][89a-fA-F]")
"""Where a UTF-8 JSON body can bring a surrogate: one encoded as such (ED A0–BF …) or escaped (`\\ud800`)."""


def may_hold_surrogate(body: bytes) -> bool:
    """False when a JSON body cannot decode to text holding a surrogate (`json.loads` decodes with
    surrogatepass): UTF-8 with neither form of SURROGATE_IN_BODY. One scan of the bytes instead of a walk of
    every decoded value; True (look with `holds_surrogate`) on any doubt, an escaped backslash included.
    Both forms start with ED or `\\u`: a body with neither (a UTF-8 client's import) is not searched further."""
    if json.detect_encoding(body) != "utf-8":
        return True
    if b"\xed" not in body and b"\\u" not in body:  # two byte searches: a quarter of the pattern's time
        return False
    return SURROGATE_IN_BODY.search(body) is not None


def holds_surrogate(value: Any) -> bool:
    """Whether a decoded JSON value holds an unpaired surrogate (`"\\ud800"`): text no UTF-8 answer can echo."""
    if isinstance(value, str):
        return SURROGATE.search(value) is not None
    if isinstance(value, list):
        return any(holds_surrogate(item) for item in value)
    if isinstance(value, dict):
        return any(holds_surrogate(key) or holds_surrogate(item) for key, item in value.items())
    return False



def refusal(message: str, *, field: str | None, variable: str | None = None, nodes: Any = None,
            path: list[str | int] | None = None) -> GraphQLError:
    extensions = {"variable": variable} if variable else {}
    error = BadInput(message, field=field, **extensions)
    return GraphQLError(message, nodes=nodes, path=path, original_error=error, extensions=error.as_extensions())


def variable_usages(operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]
                    ) -> dict[str, str]:
    """Variable name → the argument path where it is first used (`input.code`, `leaders[0]`)."""
    found: dict[str, str] = {}
    _selection_usages(operation.selection_set, fragments, frozenset(), found)
    return found


# Plain functions rather than closures of `variable_usages`: a nested function that calls itself is a reference
# cycle (function → its cell → function), left for the cyclic collector after every request with variables.
def _value_usages(node: ValueNode, path: str, found: dict[str, str]) -> None:
    if isinstance(node, VariableNode):
        found.setdefault(node.name.value, path)
    elif isinstance(node, ListValueNode):
        for index, item in enumerate(node.values):
            _value_usages(item, f"{path}[{index}]", found)
    elif isinstance(node, ObjectValueNode):
        for item in node.fields:
            _value_usages(item.value, f"{path}.{item.name.value}", found)


def _selection_usages(selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode],
                      seen: frozenset[str], found: dict[str, str]) -> None:
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            for argument in selection.arguments or ():
                _value_usages(argument.value, argument.name.value, found)
            _selection_usages(selection.selection_set, fragments, seen, found)
        elif isinstance(selection, InlineFragmentNode):
            _selection_usages(selection.selection_set, fragments, seen, found)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            fragment = fragments.get(selection.name.value)
            if fragment:
                _selection_usages(fragment.selection_set, fragments, seen | {selection.name.value}, found)


def _variable_refusals(schema: GraphQLSchema, definitions: list[VariableDefinitionNode], raw: dict[str, Any],
                       usages: dict[str, str], coercion_errors: list[GraphQLError]) -> list[GraphQLError]:
    """The coercion errors again, each naming the argument and the place in the value that is wrong."""
    errors: list[GraphQLError] = []
    for definition in definitions:
        name = definition.variable.name.value
        type_ = type_from_ast(schema, definition.type)
        if type_ is None or name not in raw:
            continue
        base = usages.get(name, name)

        def on_error(error: GraphQLError, path: list[str | int], base: str = base, name: str = name,
                     definition: VariableDefinitionNode = definition) -> None:
            where = base + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
            errors.append(refusal(f"{where}: {error.message}", field=where, variable=name, nodes=[definition]))

        try:
            validate_input_value(raw[name], type_, on_error)
        except RecursionError:
            errors.append(refusal(f"{base}: the value is nested too deeply", field=base, variable=name))
    if errors:
        return errors
    # Missing required variables and the like: the message says which variable.
    return [refusal(e.message, field=_named_in(e, usages), variable=_variable_in(e)) for e in coercion_errors]


def _variable_in(error: GraphQLError) -> str | None:
    match = re.search(r"Variable '\$(\w+)'", error.message)
    return match.group(1) if match else None


def _named_in(error: GraphQLError, usages: dict[str, str]) -> str | None:
    variable = _variable_in(error)
    return usages.get(variable, variable) if variable else None


def check_request(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None,
                  variables: dict[str, Any] | None, limits: InputLimits | None) -> list[GraphQLError]:
    """The refusals for a valid document's variables and arguments; empty when every value fits.

    Without `limits` (the gateway, which knows no columns) only the variables' coercion is checked."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return []
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    raw = variables if isinstance(variables, dict) else {}
    usages = variable_usages(operation, fragments)
    definitions = list(operation.variable_definitions or ())
    coerced = get_variable_values(schema, definitions, raw, max_errors=20)
    if isinstance(coerced, list):
        return _variable_refusals(schema, definitions, raw, usages, coerced)
    if limits is None:
        return []
    root = {"query": schema.query_type, "mutation": schema.mutation_type,
            "subscription": schema.subscription_type}[operation.operation.value]
    errors: list[GraphQLError] = []
    _check_selections(schema, root, operation.selection_set, fragments, coerced, limits, [], errors, frozenset())
    return errors[:20]


def _check_selections(schema: GraphQLSchema, parent: Any, selection_set: SelectionSetNode | None,
                      fragments: dict[str, FragmentDefinitionNode], variables: Any, limits: InputLimits,
                      path: list[str | int], errors: list[GraphQLError], seen: frozenset[str]) -> None:
    if selection_set is None or not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        return
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            definition = parent.fields.get(selection.name.value)
            if definition is None:
                continue
            key = selection.alias.value if selection.alias else selection.name.value
            where = [*path, key]
            if definition.args:
                _check_arguments(definition, selection, variables, limits, where, errors)
            child = definition.type
            while isinstance(child, GraphQLNonNull | GraphQLList):
                child = child.of_type
            _check_selections(schema, child, selection.selection_set, fragments, variables, limits, where, errors,
                              seen)
        elif isinstance(selection, InlineFragmentNode):
            condition = schema.get_type(selection.type_condition.name.value) if selection.type_condition else parent
            _check_selections(schema, condition, selection.selection_set, fragments, variables, limits, path,
                              errors, seen)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                condition = schema.get_type(fragment.type_condition.name.value)
                _check_selections(schema, condition, fragment.selection_set, fragments, variables, limits, path,
                                  errors, seen | {selection.name.value})


def _check_arguments(definition: Any, node: FieldNode, variables: Any, limits: InputLimits,
                     path: list[str | int], errors: list[GraphQLError]) -> None:
    response_path = path if len(path) == 1 else None
    try:
        values = get_argument_values(definition, node, variables)
    except GraphQLError as error:
        named = re.search(r"\((\w+):\)", error.message)
        argument = named.group(1) if named else None
        errors.append(refusal(error.message, field=argument, nodes=[node], path=response_path))
        return
    given = {a.name.value: a.value.name.value for a in node.arguments or () if isinstance(a.value, VariableNode)}
    for name, argument in definition.args.items():
        if name in values:
            for where, problem in value_problems(values[name], argument.type, name, name, limits):
                errors.append(refusal(f"{where} {problem}", field=where, variable=given.get(name), nodes=[node],
                                      path=response_path))


# ---- literals in the document ---------------------------------------------------------------------


class CoercionRule(ValuesOfCorrectTypeRule):
    """A literal of the wrong value (`asOf: "2026-13-45"`) is BAD_USER_INPUT naming the argument."""

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.argument: str | None = None

    def enter_argument(self, node: Any, *_args: Any) -> None:
        self.argument = node.name.value

    def leave_argument(self, *_args: Any) -> None:
        self.argument = None

    def is_valid_value_node(self, node: ValueNode, input_type: Any) -> Any:
        if input_type:
            def on_error(error: GraphQLError, path: list[str | int]) -> None:
                where = (self.argument or "") + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
                extensions = {**(error.extensions or {}), "code": "BAD_USER_INPUT"}
                if where:
                    extensions["field"] = where
                self.report_error(GraphQLError(error.message, error.nodes or node, extensions=extensions))

            validate_input_literal(node, input_type, on_error, None, None, self.context.hide_suggestions)
        return SKIP


class VariablePositionRule(VariablesInAllowedPositionRule):
    """A variable declared with a type its argument does not take is BAD_USER_INPUT naming the variable."""

    def report_error(self, error: GraphQLError) -> None:
        match = re.search(r"Variable '\$(\w+)'", error.message)
        extensions = {**(error.extensions or {}), "code": "BAD_USER_INPUT"}
        if match:
            extensions["variable"] = match.group(1)
        super().report_error(GraphQLError(error.message, error.nodes, extensions=extensions))


def input_rules(rules: Any) -> tuple[Any, ...]:
    """Validation rules with the two that judge values replaced by ones giving the input error code."""
    replaced = {ValuesOfCorrectTypeRule: CoercionRule, VariablesInAllowedPositionRule: VariablePositionRule}
    return tuple(replaced.get(rule, rule) for rule in rules)


RULES = input_rules(specified_rules)


CLEAN_DOCUMENTS = 512
"""How many documents without variables `InputCheck` remembers as passing (per schema)."""


class InputCheck:
    """The services' step: refuse bad arguments after validation, before the first resolver.

    A document without variables passes or fails the same way every time (its arguments are all literals), so
    one that passed is remembered (by the parsed document, which the parser cache gives out again for the same
    text) and not walked again; one that failed is checked afresh each time, as its refusals are new errors."""

    def __init__(self, limits: InputLimits) -> None:
        self.limits = limits
        self.clean: dict[tuple[int, str | None], DocumentNode] = {}

    def refusals(self, schema: GraphQLSchema, document: DocumentNode, operation_name: str | None,
                 variables: dict[str, Any] | None) -> list[GraphQLError]:
        if variables:
            return check_request(schema, document, operation_name, variables, self.limits)
        key = (id(document), operation_name)
        if self.clean.get(key) is document:
            return []
        errors = check_request(schema, document, operation_name, variables, self.limits)
        if not errors:
            if len(self.clean) >= CLEAN_DOCUMENTS:
                self.clean.clear()
            self.clean[key] = document
        return errors

    def on_execute(self, context: ExecutionContext) -> None:
        """Put the refusals, if any, as the result (the executor then does not run); call within
        `checking_json` (the rows are walked once: here, not again when the executor coerces them)."""
        document = context.graphql_document
        if document is not None and not context.result:
            errors = self.refusals(context.schema._schema, document, context.operation_name, context.variables)
            if errors:
                context.result = ExecutionResult(data=None, errors=errors)
