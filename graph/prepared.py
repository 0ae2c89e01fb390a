"""Documents prepared once: parsed, validated, and read for admission, by their text.

A caller sends the same few documents again and again with other variables. Parsing,
validating and walking a document for its input limits, cost and rate limits depend on
the document alone, except where an argument is a variable; so each is done once per
document text (and operation), and only what the variables decide is evaluated per
request. Bounded: the least recently used documents are forgotten past ``size``.

Only successes are kept: a document that does not parse, validate or pass admission is
refused again in full the next time, with the same error.
"""

import dataclasses
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLInputType,
    ListValueNode,
    ObjectValueNode,
    ValueNode,
    VariableNode,
)
from strawberry.extensions import SchemaExtension

from graph import cost, input_limits, rate_limits
from graph.documents import Operation

DOCUMENTS = 256
"""Documents kept (each at most ``max_query_length`` characters)."""


@dataclass(frozen=True)
class Position:
    """An argument whose value names a variable: checked against the input limits with
    each request's variables."""

    kind: GraphQLInputType
    value: ValueNode
    coordinate: str
    name: str


@dataclass(frozen=True)
class Plan:
    """What admission reads of one operation of a document: the input positions that
    depend on variables, and the cost, expensive-read tokens and registrations (``None``
    where the variables decide them)."""

    operation: Operation
    positions: tuple[Position, ...]
    cost: int | None
    expensive_reads: int | None
    registrations: int

    @classmethod
    def of(cls, operation: Operation) -> "Plan":
        """The plan of an operation that passed the input limits with its variables."""
        positions = tuple(p for p in _positions(operation) if _names_variable(p.value))
        sized = _names_variable_in(operation, cost.SIZE_ARGUMENTS)
        read = _names_variable_in(operation, rate_limits.ARGUMENTS)
        return cls(
            operation=operation,
            positions=positions,
            cost=None if sized else cost.estimate(operation),
            expensive_reads=None if read else rate_limits.expensive_reads(operation),
            registrations=rate_limits.registrations(operation),
        )

    def admit(self, variables: Mapping[str, Any] | None) -> "Admitted":
        """The request's figures: input limits checked (``BadUserInput`` on the first value
        over its limit), cost and tokens with its variables."""
        operation = dataclasses.replace(self.operation, variables=variables or {})
        for p in self.positions:
            input_limits.check_value(operation, p.kind, p.value, p.coordinate, p.name)
        return Admitted(
            cost=cost.estimate(operation) if self.cost is None else self.cost,
            expensive_reads=rate_limits.expensive_reads(operation)
            if self.expensive_reads is None
            else self.expensive_reads,
            registrations=self.registrations,
        )


@dataclass(frozen=True)
class Admitted:
    cost: int
    expensive_reads: int
    registrations: int


def admit(operation: Operation) -> Admitted:
    """Admission's figures for an operation read afresh (input limits checked)."""
    input_limits.check(operation)
    return Admitted(
        cost=cost.estimate(operation),
        expensive_reads=rate_limits.expensive_reads(operation),
        registrations=rate_limits.registrations(operation),
    )


def _positions(operation: Operation) -> Iterator[Position]:
    """Every argument of the operation, in the order ``input_limits.check`` reads them."""
    for f in operation.every_field():
        for argument in f.node.arguments or ():
            name = argument.name.value
            definition = f.definition.args.get(name)
            if definition is not None:
                coordinate = f"{f.coordinate}({name})"
                yield Position(definition.type, argument.value, coordinate, name)


def _names_variable(value: ValueNode) -> bool:
    if isinstance(value, VariableNode):
        return True
    if isinstance(value, ListValueNode):
        return any(_names_variable(v) for v in value.values)
    if isinstance(value, ObjectValueNode):
        return any(_names_variable(f.value) for f in value.fields)
    return False


def _names_variable_in(operation: Operation, names: frozenset[str]) -> bool:
    """An argument of one of ``names`` takes a variable somewhere in the operation."""
    return any(
        a.name.value in names and _names_variable(a.value)
        for f in operation.every_field()
        for a in f.node.arguments or ()
    )


@dataclass
class Entry:
    document: DocumentNode
    validated_with: tuple[type, ...] | None = None
    """The validation rules the document passed (``None``: not validated yet)."""
    plans: dict[str | None, Plan] = field(default_factory=dict)


class Documents:
    """The prepared documents of one schema, by text."""

    def __init__(self, size: int = DOCUMENTS) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[str, int | None], Entry] = OrderedDict()

    def get(self, query: str, max_tokens: int | None) -> Entry | None:
        key = (query, max_tokens)
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def add(self, query: str, max_tokens: int | None, document: DocumentNode) -> None:
        self._entries[(query, max_tokens)] = Entry(document)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)


class DocumentCache(SchemaExtension):
    """Parses and validates each document text once (see the module's docstring)."""

    def __init__(self, documents: Documents) -> None:
        self.documents = documents
        self.entry: Entry | None = None

    def _key(self) -> tuple[str, int | None] | None:
        context = self.execution_context
        if context.query is None:
            return None
        return context.query, context.parse_options.get("max_tokens")

    def on_parse(self) -> Iterator[None]:
        key = self._key()
        context = self.execution_context
        if key is not None and context.graphql_document is None:
            self.entry = self.documents.get(*key)
            if self.entry is not None:
                context.graphql_document = self.entry.document
        yield
        if key is not None and self.entry is None and context.graphql_document is not None:
            self.documents.add(*key, context.graphql_document)
            self.entry = self.documents.get(*key)

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        rules = tuple(context.validation_rules)
        entry = self.entry
        if entry is not None and entry.validated_with == rules:
            context.pre_execution_errors = []
        yield
        if entry is not None and context.pre_execution_errors == [] and rules:
            entry.validated_with = rules
