"""The GraphQL schema: the roots, assembled from the resolvers, and its extensions."""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, ClassVar

import strawberry
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.utils.logging import StrawberryLogger

import graph.types.enums  # noqa: F401  (registers the enums)
from graph.context import Context
from graph.descriptions import describe
from graph.errors import INTERNAL, OperationTimeout, QueryTooComplex, code_of, shape
from graph.extensions import Admission, ErrorShaping, UnitOfWork
from graph.observability.extension import Observe
from graph.observability.requests import note_outcome
from graph.per_event import EventExecutor
from graph.prepared import DocumentCache, Documents
from graph.resolvers import (
    audit,
    changes,
    clients,
    consents,
    labels,
    ledger,
    live,
    notices,
    policy,
    records,
)
from graph.settings import Settings
from graph.unit_of_work import finish

log = logging.getLogger("infocap.graphql")


@strawberry.type
class Query:
    me = strawberry.field(resolver=clients.me, description="The caller.")
    organisations = strawberry.field(resolver=clients.organisations)
    client = strawberry.field(resolver=clients.client)
    client_by_personal_id = strawberry.field(resolver=clients.client_by_personal_id)
    clients = strawberry.field(resolver=clients.clients)
    notice_inbox = strawberry.field(resolver=notices.notice_inbox)
    notice = strawberry.field(resolver=notices.notice)
    consent_ledger = strawberry.field(resolver=consents.consent_ledger)
    access_log = strawberry.field(resolver=audit.access_log)
    access_summary = strawberry.field(resolver=audit.access_summary)
    explain_access = strawberry.field(resolver=audit.explain_access)
    explain_access_log_entry = strawberry.field(resolver=audit.explain_access_log_entry)
    client_for_subject_access = strawberry.field(resolver=audit.client_for_subject_access)
    changes = strawberry.field(resolver=changes.changes)
    ledger_checkpoint = strawberry.field(resolver=ledger.ledger_checkpoint)
    ledger_consistency_proof = strawberry.field(resolver=ledger.ledger_consistency_proof)
    ledger_inclusion_proof = strawberry.field(resolver=ledger.ledger_inclusion_proof)
    ledger_public_key = strawberry.field(resolver=ledger.ledger_public_key)
    ledger_public_key_pem = strawberry.field(resolver=ledger.ledger_public_key_pem)
    consent_receipt = strawberry.field(resolver=ledger.consent_receipt)
    verify_ledger = strawberry.field(resolver=ledger.verify_ledger)
    enum_labels = strawberry.field(
        resolver=labels.enum_labels,
        description="The Finnish and Swedish labels of the API's enum values (notice types, "
        "statuses, outcomes, categories, redaction reasons, roles, …), for UIs to show. The "
        "same for every caller; cache them per release.",
    )


@strawberry.type
class Mutation:
    register_client = strawberry.mutation(resolver=clients.register_client)
    update_client = strawberry.mutation(resolver=clients.update_client)
    record_guardianship = strawberry.mutation(resolver=clients.record_guardianship)
    save_plan = strawberry.mutation(resolver=records.save_plan)
    record_application = strawberry.mutation(resolver=records.record_application)
    update_application = strawberry.mutation(resolver=records.update_application)
    request_information = strawberry.mutation(resolver=records.request_information)
    answer_information_request = strawberry.mutation(resolver=records.answer_information_request)
    record_decision = strawberry.mutation(resolver=records.record_decision)
    upload_attachment = strawberry.mutation(resolver=notices.upload_attachment)
    send_notice = strawberry.mutation(resolver=notices.send_notice)
    move_notice = strawberry.mutation(resolver=notices.move_notice)
    grant_consent = strawberry.mutation(resolver=consents.grant_consent)
    withdraw_consent = strawberry.mutation(resolver=consents.withdraw_consent)
    prohibit_disclosure = strawberry.mutation(resolver=consents.prohibit_disclosure)
    lift_prohibition = strawberry.mutation(resolver=consents.lift_prohibition)
    record_informed = strawberry.mutation(resolver=consents.record_informed)
    create_checkpoint = strawberry.mutation(resolver=ledger.create_checkpoint)
    reload_policy = strawberry.mutation(
        resolver=policy.reload_policy_file,
        description="Reload the policy file (a dpo of Kela). See docs/access.md.",
    )


@strawberry.type
class Subscription:
    notice_events = strawberry.subscription(resolver=live.notice_events)


class InfocapSchema(strawberry.Schema):
    """Refuses documents over the length limit before parsing them. Logs faults with
    their traceback, for operators; refusals (input, policy, conflicts) are answers, not
    faults, and are logged briefly. Every error is counted by code on the runtime."""

    def __init__(self, *args: Any, max_query_length: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_query_length = max_query_length

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        if query is not None and len(query) > self.max_query_length:
            return await self._too_long(len(query), context_value)
        return await super().execute(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed_operation_types,
            operation_extensions,
        )

    async def _too_long(self, length: int, context: Any) -> ExecutionResult:
        limit = self.max_query_length
        refusal = QueryTooComplex(
            f"the query is {length} characters long, over the limit of {limit}",
            length=length,
            limit=limit,
        )
        error = shape(GraphQLError(refusal.message, original_error=refusal))
        note_outcome(refusal.code)
        if isinstance(context, Context):
            context.runtime.errors[refusal.code] += 1
            error.extensions = {**(error.extensions or {}), "requestId": str(context.request_id)}
            await finish(context, ok=False)
        log.info("%s: %s", refusal.code, refusal.message)
        return ExecutionResult(data=None, errors=[error])

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        context = None if execution_context is None else execution_context.context
        for error in errors:
            code = code_of(error)
            if isinstance(context, Context):
                context.runtime.errors[code] += 1
            if code == INTERNAL:
                StrawberryLogger.error(error, execution_context)
            else:
                log.info("%s: %s", code, error.message)


class DeadlineExecutor(EventExecutor):
    """Executes an operation within ``seconds``: past it the operation is cancelled (its
    resolvers and their database statements with it) and answers ``TIMEOUT``; the unit
    of work then rolls back. Parsing, validation and the commit are outside the limit."""

    seconds: ClassVar[float] = 10.0

    def execute_operation(self, serially: bool | None = None) -> Any:
        result = super().execute_operation(serially)
        if not self.is_awaitable(result):
            return result
        return _within(result, self.seconds)


def with_deadline(seconds: float) -> type[DeadlineExecutor]:
    """The executor class of a schema, built once with the schema."""
    return type("DeadlineExecutor", (DeadlineExecutor,), {"seconds": seconds})


async def _within(result: Awaitable[Any], seconds: float) -> Any:
    deadline = asyncio.timeout(seconds)
    try:
        async with deadline:
            return await result
    except TimeoutError:
        if not deadline.expired():
            raise
    timeout = OperationTimeout(
        f"the operation ran longer than {seconds:g} seconds and was cancelled; "
        "nothing it wrote was kept"
    )
    return GraphQLExecutionResult(
        data=None, errors=[GraphQLError(timeout.message, original_error=timeout)]
    )


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema; limits from ``settings``, and in production no introspection and no
    field suggestions."""
    settings = settings or Settings()
    # The validation rules are built once, so that a document validated once is known
    # valid under the same rules (graph/prepared.py); the extensions are made per
    # operation (factories, not instances), each with its own state.
    rules = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    ]
    if settings.production:
        rules.append(NoSchemaIntrospectionCustomRule)
    documents = Documents()
    extensions: list[Callable[[], SchemaExtension]] = [
        Observe,
        ErrorShaping,
        UnitOfWork,
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: AddValidationRules(rules),
        lambda: DocumentCache(documents),
        lambda: Admission(settings, documents),
    ]
    schema = InfocapSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=settings.production),
        execution_context_class=with_deadline(settings.operation_timeout),
        max_query_length=settings.max_query_length,
    )
    describe(schema._schema)
    return schema


def print_sdl() -> str:
    return build_schema().as_str() + "\n"
