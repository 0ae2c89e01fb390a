"""Schema extensions: the unit of work, and how errors leave the service."""

from collections.abc import AsyncIterator, Iterator

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult
from strawberry.types.execution import StreamExecutionResult
from strawberry.types.graphql import OperationType

from graph.context import Context
from graph.errors import INTERNAL, INTERNAL_MESSAGE, BadUserInput, shape
from graph.per_event import DELIVERING
from graph.unit_of_work import finish
from graph.websocket import Connection


class UnitOfWork(SchemaExtension):
    """One transaction per operation: committed when the result has no errors.

    Over a WebSocket, a query or mutation gets a context of its own when it executes,
    and each event a subscription delivers is a unit of work of its own, committed
    with its access log before the event is sent (``graph/per_event.py``)."""

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        if execution.operation_type == OperationType.SUBSCRIPTION and not isinstance(
            execution.context, Connection
        ):
            refusal = BadUserInput(
                "subscriptions run over a WebSocket at /graphql (graphql-transport-ws)"
            )
            # A result set before execution stands in for it.
            execution.result = GraphQLExecutionResult(
                data=None, errors=[GraphQLError(refusal.message, original_error=refusal)]
            )
        if (
            isinstance(execution.context, Connection)
            and execution.operation_type != OperationType.SUBSCRIPTION
        ):
            execution.context = execution.context.open()
        yield

    async def on_stream_result(self, result: StreamExecutionResult) -> AsyncIterator[None]:
        ctx = DELIVERING.get()
        if ctx is not None:
            DELIVERING.set(None)
            errors = bool(getattr(result, "errors", None))
            if not await finish(ctx, ok=not errors) and isinstance(result, ExecutionResult):
                result.data = None
                result.errors = [GraphQLError(INTERNAL_MESSAGE, extensions={"code": INTERNAL})]
        yield

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

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        if isinstance(result, ExecutionResult) and result.errors:
            result.errors = [shape(e) for e in result.errors]
        yield
