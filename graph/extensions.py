"""Schema extensions: the unit of work, and how errors leave the service."""

from collections.abc import AsyncIterator, Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from graph.context import Context
from graph.errors import INTERNAL, INTERNAL_MESSAGE, shape
from graph.unit_of_work import finish


class UnitOfWork(SchemaExtension):
    """One transaction per operation: committed when the result has no errors."""

    async def on_operation(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        if not isinstance(context, Context):
            return
        result = self.execution_context.result
        errors = bool(result is not None and result.errors) or bool(
            self.execution_context.pre_execution_errors
        )
        if not await finish(context, ok=not errors) and result is not None:
            result.data = None
            result.errors = [GraphQLError(INTERNAL_MESSAGE, extensions={"code": INTERNAL})]


class ErrorShaping(SchemaExtension):
    """Every error gets a stable ``extensions.code``; unknown ones are masked."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [shape(e) for e in result.errors]
