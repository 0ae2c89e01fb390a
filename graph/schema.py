"""The GraphQL schema: the roots, assembled from the resolvers, and its extensions."""

import logging
from collections.abc import Callable

import strawberry
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
from strawberry.types import ExecutionContext
from strawberry.utils.logging import StrawberryLogger

import graph.types.enums  # noqa: F401  (registers the enums)
from graph.errors import INTERNAL, code_of
from graph.extensions import ErrorShaping, UnitOfWork
from graph.resolvers import clients, consents, ledger, notices, records
from graph.settings import Settings

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
    ledger_checkpoint = strawberry.field(resolver=ledger.ledger_checkpoint)
    ledger_consistency_proof = strawberry.field(resolver=ledger.ledger_consistency_proof)
    ledger_inclusion_proof = strawberry.field(resolver=ledger.ledger_inclusion_proof)
    ledger_public_key = strawberry.field(resolver=ledger.ledger_public_key)
    ledger_public_key_pem = strawberry.field(resolver=ledger.ledger_public_key_pem)
    consent_receipt = strawberry.field(resolver=ledger.consent_receipt)
    verify_ledger = strawberry.field(resolver=ledger.verify_ledger)


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


class InfocapSchema(strawberry.Schema):
    """Logs faults with their traceback, for operators; refusals (input, policy,
    conflicts) are answers, not faults, and are logged briefly."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            code = code_of(error)
            if code == INTERNAL:
                StrawberryLogger.error(error, execution_context)
            else:
                log.info("%s: %s", code, error.message)


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema; limits from ``settings``, and in production no introspection and no
    field suggestions."""
    settings = settings or Settings()
    # Factories, not instances: every operation gets extensions of its own.
    extensions: list[Callable[[], SchemaExtension]] = [
        ErrorShaping,
        UnitOfWork,
        lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
        lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
    ]
    if settings.production:
        extensions.append(lambda: AddValidationRules([NoSchemaIntrospectionCustomRule]))
    return InfocapSchema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=settings.production),
    )


def print_sdl() -> str:
    return build_schema().as_str() + "\n"
