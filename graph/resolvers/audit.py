"""Audit: explaining an access, reviewing the access log, a dpo's summary and signals,
and a dpo's lookup of a client by personal identity code for a subject-access request."""

import logging
from datetime import datetime
from typing import Annotated

import strawberry

from authz.guard import ClientAccess
from graph.context import Info
from graph.pagination import PageArgs, cut, int_key, page_args
from graph.services import access_review as service
from graph.services import explanations
from graph.services.clients import client_id_by_code, parse_personal_id
from graph.types.access_log import AccessLogConnection, AccessLogEntry
from graph.types.audit import AccessSummary
from graph.types.client import Client
from graph.types.connection import AFTER, FIRST, connection, empty_connection
from graph.types.enums import Basis
from graph.types.explanation import AccessExplanation, AccessLogExplanation
from ledger import access_review as review
from schema.enums import AccessAction, DataCategory, Role
from schema.models import AccessLogEntry as AccessLogRow

log = logging.getLogger("infocap.audit")

FROM = Annotated[
    datetime | None,
    strawberry.argument(name="from", description="Only rows at or after this moment."),
]
TO = Annotated[datetime | None, strawberry.argument(description="Only rows before this moment.")]


async def explain_access(
    info: Info,
    client_id: strawberry.ID,
    organisation_id: strawberry.ID,
    role: Role,
    category: DataCategory,
    at: Annotated[
        datetime | None,
        strawberry.argument(description="The moment to explain; default now. Not later than now."),
    ] = None,
    own: Annotated[
        bool | None,
        strawberry.argument(
            description="Whether the row in question is the organisation's own (the OWN "
            "basis: a decision it issued, a notice it sent or received, …); default: no row "
            "of its own."
        ),
    ] = None,
    guardianship_id: Annotated[
        strawberry.ID | None,
        strawberry.argument(
            description="For the guardian role: the guardianship (Client.guardianships) that "
            "stands for the guardian; by default every guardianship in force at the moment."
        ),
    ] = None,
) -> AccessExplanation:
    """Whether a caller of ``role`` in ``organisationId`` could see the client's
    ``category`` at ``at``, and why. For whoever may read the client's access log; a dpo
    for its own organisation. Asking is a read of the client's ACCESS_LOG, logged."""
    found = await explanations.explain_access(
        info.context,
        str(client_id),
        str(organisation_id),
        role,
        category,
        at,
        own=own,
        guardianship_id=None if guardianship_id is None else str(guardianship_id),
    )
    return AccessExplanation.of(found, info.context)


async def explain_access_log_entry(info: Info, id: strawberry.ID) -> AccessLogExplanation | None:
    """One access-log row replayed at its moment; null when the row does not exist for
    the caller (as Client.accessLog would not list it)."""
    found = await explanations.explain_entry(info.context, str(id))
    return None if found is None else AccessLogExplanation.of(found, info.context)


async def access_log(
    info: Info,
    client_id: strawberry.ID | None = None,
    organisation_id: strawberry.ID | None = None,
    from_: FROM = None,
    to: TO = None,
    first: FIRST = None,
    after: AFTER = None,
    allowed: bool | None = None,
    category: DataCategory | None = None,
    action: AccessAction | None = None,
    basis: Basis | None = None,
) -> AccessLogConnection:
    """The access log's rows the caller may read, newest first (see docs/audit.md)."""
    ctx = info.context
    args = page_args("log", first, after)
    chosen = service.filters(
        organisation_id=None if organisation_id is None else str(organisation_id),
        since=from_,
        until=to,
        allowed=allowed,
        category=category,
        action=action,
        basis=None if basis is None else basis.value,
    )
    where = await service.scope(ctx, None if client_id is None else str(client_id))
    if where is None:
        return empty_connection()  # type: ignore[return-value]
    found = await review.page(
        ctx.session, where, chosen, limit=args.first + 1, before_id=int_key(args.after)
    )
    views = await service.views_of(ctx, found)
    shown = [e for e in found if e.client_id in views]
    page = cut(shown, PageArgs(args.first, args.after))

    def node(row: AccessLogRow) -> AccessLogEntry:
        access: ClientAccess = views[row.client_id].access
        return AccessLogEntry.from_row(row, access, ctx)

    async def count() -> int:
        return await review.count(ctx.session, where, chosen)

    return connection(  # type: ignore[return-value]
        "log", page, node, lambda r: r.id, AccessLogConnection, count=count
    )


async def access_summary(
    info: Info,
    from_: Annotated[
        datetime, strawberry.argument(name="from", description="The period's start (included).")
    ],
    to: Annotated[datetime, strawberry.argument(description="The period's end (excluded).")],
) -> AccessSummary:
    """A dpo's review of its organisation's access-log rows over a period: allowed and
    denied per organisation and category, and the signals (see docs/audit.md)."""
    found = await service.summarise(info.context, from_, to)
    return AccessSummary.of(found, info.context)


async def client_for_subject_access(info: Info, personal_id: str) -> Client | None:
    """A dpo finds the client a subject-access request is about by personal identity code:
    the client as a dpo sees it (its id and IDENTITY; the code itself is not echoed).
    Null for no such client. The lookup is on the client's access log (PERSONAL_ID)."""
    ctx = info.context
    decision = ctx.guard.authorize(
        None, "client", "find_by_code", category=DataCategory.PERSONAL_ID
    )
    key = await client_id_by_code(ctx.session, parse_personal_id(personal_id))
    view = None if key is None else await ctx.loaders.client.load(key)
    if view is None or not view.access.visible:
        log.info("a subject-access lookup by %s found no client", ctx.principal.subject)
        return None
    ctx.guard.record(
        view.row.id,
        DataCategory.PERSONAL_ID,
        AccessAction.READ,
        decision,
        view.access.subject_names,
    )
    return Client.from_view(view, ctx)
