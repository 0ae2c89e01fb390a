"""Schema extensions: admission before execution, the unit of work, and how errors
leave the service."""

from collections.abc import AsyncIterator, Iterator

from graphql import DocumentNode, GraphQLError
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult
from strawberry.types.execution import StreamExecutionResult
from strawberry.types.graphql import OperationType

from graph import prepared, rate_limits
from graph.context import Context
from graph.documents import Operation
from graph.errors import (
    INTERNAL,
    INTERNAL_MESSAGE,
    BadUserInput,
    GraphError,
    QueryTooComplex,
    ServiceUnavailable,
    shape,
)
from graph.per_event import DELIVERING
from graph.prepared import Admitted, Documents, Plan
from graph.settings import Settings
from graph.unit_of_work import end
from graph.websocket import Connection
from ledger import access_log


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
            failed = await end(ctx, ok=not errors)
            if failed is not None and isinstance(result, ExecutionResult):
                result.data = None
                result.errors = [_failure(failed)]
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
        failed = await end(context, ok=not errors)
        if failed is not None and result is not None:
            result.data = None
            result.errors = [_failure(failed)]


def _failure(code: str) -> GraphQLError:
    """The error of an operation whose unit of work could not commit."""
    if code == ServiceUnavailable.code:
        refusal = ServiceUnavailable()
        extensions = {"code": refusal.code, **refusal.extensions}
        return GraphQLError(refusal.message, original_error=refusal, extensions=extensions)
    return GraphQLError(INTERNAL_MESSAGE, extensions={"code": INTERNAL})


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


class Admission(SchemaExtension):
    """What is checked after validation and before any resolver runs, in this order:
    the input limits (``graph/input_limits.py``), the cost budget (``graph/cost.py``),
    and the rate limits (``graph/rate_limits.py``). A refusal is the operation's one
    error; nothing executes, so nothing is written. A fault while admitting (the
    database, counting registrations) is the operation's error too, masked as any
    fault is, so that the unit of work still ends."""

    def __init__(self, settings: Settings, documents: Documents) -> None:
        self.settings = settings
        self.documents = documents

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if context.result is None and document is not None:
            error = None
            try:
                admitted = self._figures(document)
                if admitted is not None:
                    await self._admit(admitted)
            except GraphError as refusal:
                error = GraphQLError(refusal.message, original_error=refusal)
            except Exception as fault:  # masked by ErrorShaping, as a resolver's fault is
                error = GraphQLError(str(fault), original_error=fault)
            if error is not None:
                context.result = GraphQLExecutionResult(data=None, errors=[error])
        yield

    def _figures(self, document: DocumentNode) -> Admitted | None:
        """The operation's figures, from its document's plan when it has been read before
        (``graph/prepared.py``); None when no operation will execute."""
        context = self.execution_context
        entry = None
        if context.query is not None:
            entry = self.documents.get(context.query, context.parse_options.get("max_tokens"))
        name = context.operation_name
        if entry is not None and entry.document is document and name in entry.plans:
            return entry.plans[name].admit(context.variables)
        operation = Operation.find(context.schema._schema, document, name, context.variables)
        if operation is None:
            return None
        admitted = prepared.admit(operation)
        if entry is not None and entry.document is document:
            entry.plans[name] = Plan.of(operation)
        return admitted

    async def _admit(self, admitted: Admitted) -> None:
        estimate, limit = admitted.cost, self.settings.max_query_cost
        if estimate > limit:
            raise QueryTooComplex(
                f"the query's estimated cost {estimate} is over the limit of {limit}",
                cost=estimate,
                limit=limit,
            )
        ctx = self.execution_context.context
        if isinstance(ctx, Context):
            ctx.runtime.limiter.admit_reads(ctx.principal, admitted.expensive_reads)
            await admit_registrations(ctx, admitted.registrations)


async def admit_registrations(ctx: Context, count: int) -> None:
    """Refuse registrations over the caller's or its organisation's hourly limit, as
    counted in the access log (every process's registrations)."""
    if count == 0:
        return
    settings, principal = ctx.runtime.settings, ctx.principal
    since = ctx.now - rate_limits.REGISTRATIONS_WINDOW
    scopes: list[tuple[str, int, str | None, str | None]] = [
        (
            "registrations_per_principal",
            settings.rate_registrations_per_principal,
            principal.subject,
            None,
        )
    ]
    if principal.organisation_id is not None:
        scopes.append(
            (
                "registrations_per_organisation",
                settings.rate_registrations_per_organisation,
                None,
                principal.organisation_id,
            )
        )
    for name, limit, subject, organisation in scopes:
        made, earliest = await access_log.registrations(
            ctx.session, since=since, subject=subject, organisation_id=organisation
        )
        if made + count > limit:
            ctx.runtime.limiter.refuse_registrations(name, earliest, ctx.now)
