"""What only GraphQL execution knows about a request: the operation's kind and root
field, its outcome code, and the request id that every error must name."""

from collections.abc import Iterator

from graphql import DocumentNode, FieldNode, GraphQLError, InlineFragmentNode
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension

from graph.context import Context
from graph.observability.requests import current

INVALID = "(invalid)"


def root_field(document: DocumentNode | None, name: str | None) -> tuple[str, str]:
    """(kind, root field) of the operation that runs; a field name is the schema's, so the
    label stays bounded. ``(invalid)`` when there is no single operation to name."""
    operation = None if document is None else get_operation_ast(document, name)
    if operation is None:
        return "graphql", INVALID
    selections = list(operation.selection_set.selections)
    while selections:
        first = selections.pop(0)
        if isinstance(first, FieldNode):
            return operation.operation.value, first.name.value
        if isinstance(first, InlineFragmentNode):
            selections[:0] = first.selection_set.selections
    return operation.operation.value, "(fragment)"


class Observe(SchemaExtension):
    """Outermost extension: it sees the errors as the caller will (after shaping)."""

    def on_operation(self) -> Iterator[None]:
        yield
        execution = self.execution_context
        result = execution.result
        errors: list[GraphQLError] = list(result.errors or []) if result is not None else []
        context = execution.context
        record = current()
        request_id = context.request_id if isinstance(context, Context) else None
        if request_id is None and record is not None:
            request_id = record.id
        if request_id is not None:
            for error in errors:
                error.extensions = {**(error.extensions or {}), "requestId": str(request_id)}
        if record is None:
            return
        if execution.pre_execution_errors:
            record.kind, record.operation = "graphql", INVALID
        else:
            record.kind, record.operation = root_field(
                execution.graphql_document, execution.operation_name
            )
        record.operation_name = execution.operation_name
        if errors and record.code is None:
            record.code = str((errors[0].extensions or {}).get("code") or "INTERNAL_SERVER_ERROR")
