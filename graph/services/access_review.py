"""Reviewing the access log through the API: which rows a caller may list across clients,
the summary and the signals for a dpo (the queries are ``ledger.access_review``'s).

Whose rows:

- with ``clientId``: that client's rows the caller may read, as ``Client.accessLog``
  lists them (the policy's ``ACCESS_LOG`` cell; a dpo its organisation's rows);
- without: a dpo its organisation's rows and the registrations of its clients — when the
  policy gives its ``ACCESS_LOG`` cell on a basis that holds for every client
  (``STATUTORY``); a client or a guardian the rows about themself and their wards, each
  client decided as ``Client.accessLog`` decides it. Staff read a log client by client.

Every row shown is guarded per client like any read, and so logged.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, false, or_, select

from authz import rows
from authz.errors import Forbidden
from authz.facts import active_guardianship
from authz.guard import Decision
from graph.context import Context
from graph.errors import BadUserInput
from graph.loaders import ClientView
from ledger import access_review as review
from schema.enums import AccessAction, DataCategory, Role
from schema.models import AccessLogEntry, Client, Guardianship

ACCESS_LOG = DataCategory.ACCESS_LOG


def _period(since: datetime | None, until: datetime | None) -> None:
    for value, name in ((since, "from"), (until, "to")):
        if value is not None and value.tzinfo is None:
            raise BadUserInput(f"{name} needs a time zone")
    if since is not None and until is not None and until <= since:
        raise BadUserInput("to must be after from")


def _one_client(ctx: Context, view: ClientView) -> ColumnElement[bool] | None:
    """The client's rows the caller may read (``None``: none)."""
    if not ctx.guard.check(view.access, ACCESS_LOG).allowed:
        return None
    rule = rows.ACCESS_LOG_ENTRY
    visible = rule.visible(ctx.guard, view.access)
    if not visible.classes:
        return None
    return and_(AccessLogEntry.client_id == view.row.id, rule.where(ctx.principal, visible))


def audits_every_client(ctx: Context, category: DataCategory = ACCESS_LOG) -> Decision:
    """A dpo's decision on ``category`` that holds for every client (``STATUTORY``)."""
    return ctx.guard.audits_every_client(category)


async def _own_clients(ctx: Context) -> list[ClientView]:
    """The clients a person relates to as themself or as a guardian."""
    person = ctx.principal.person
    if person is None:
        return []
    clauses = []
    if Role.client in ctx.principal.roles:
        clauses.append(Client.personal_id == person)
    if Role.guardian in ctx.principal.roles:
        wards = select(Guardianship.ward_id).where(*active_guardianship(person, ctx.today))
        clauses.append(Client.id.in_(wards))
    if not clauses:
        return []
    ids = list(await ctx.session.scalars(select(Client.id).where(or_(*clauses))))
    views = await ctx.loaders.client.load_many(ids)
    return [v for v in views if v is not None and v.access.visible]


async def scope(ctx: Context, client_id: str | None) -> ColumnElement[bool] | None:
    """The rows the caller may list, as one condition; ``None`` when there are none."""
    if client_id is not None:
        try:
            key = uuid.UUID(str(client_id))
        except ValueError:
            return None
        view = await ctx.loaders.client.load(key)
        return None if view is None or not view.access.visible else _one_client(ctx, view)
    clauses: list[ColumnElement[bool]] = []
    if audits_every_client(ctx).allowed:
        clauses.append(rows.ACCESS_LOG_ENTRY.audited.where(ctx.principal))
    for view in await _own_clients(ctx):
        found = _one_client(ctx, view)
        if found is not None:
            clauses.append(found)
    return or_(false(), *clauses) if clauses else None


def filters(
    *,
    organisation_id: str | None,
    since: datetime | None,
    until: datetime | None,
    allowed: bool | None,
    category: DataCategory | None,
    action: AccessAction | None,
    basis: str | None,
) -> review.LogFilter:
    _period(since, until)
    return review.LogFilter(
        organisation_id=organisation_id,
        since=since,
        until=until,
        allowed=allowed,
        category=category,
        action=action,
        basis=basis,
    )


async def views_of(ctx: Context, entries: list[AccessLogEntry]) -> dict[uuid.UUID, ClientView]:
    """The clients of a page's rows, with the caller's access to each: one batch."""
    ids = sorted({e.client_id for e in entries})
    views = await ctx.loaders.client.load_many(ids)
    return {v.row.id: v for v in views if v is not None and v.access.visible}


# ---- the summary and the signals ---------------------------------------------------------


@dataclass(frozen=True)
class Signals:
    opened: list[review.Opened]
    self_recorded: list[review.SelfRecorded]
    bursts: list[review.Burst]
    protected_reads: list[review.ProtectedRead]


@dataclass(frozen=True)
class Reviewed:
    since: datetime
    until: datetime
    tallies: list[review.Tally]
    signals: Signals


async def summarise(ctx: Context, since: datetime, until: datetime) -> Reviewed:
    """A dpo's summary of its organisation's rows over the period, and its signals. Each
    client a signal names is on the access log as read by the dpo, in the category the
    signal shows of it (IDENTITY for a relationship, CONSENT for a grant, ACCESS_LOG for
    reads of a protected client)."""
    _period(since, until)
    decision = audits_every_client(ctx)
    org = ctx.principal.organisation_id
    if not decision.allowed or org is None:
        raise Forbidden("the access-log summary is a data-protection officer's")
    session = ctx.session
    period = review.LogFilter(since=since, until=until)
    tallies = await review.summary(
        session, rows.ACCESS_LOG_ENTRY.audited.where(ctx.principal), period
    )
    settings = ctx.runtime.settings
    signals = Signals(
        opened=await review.opened_by_registration(session, org, since, until)
        if _named(ctx, DataCategory.IDENTITY)
        else [],
        self_recorded=await review.self_recorded(session, org, since, until)
        if _named(ctx, DataCategory.CONSENT)
        else [],
        bursts=await review.denial_bursts(
            session,
            org,
            since,
            until,
            settings.audit_burst_denials,
            timedelta(seconds=settings.audit_burst_seconds),
        ),
        protected_reads=await review.protected_reads(session, org, since, until),
    )
    _record_named(ctx, signals)
    return Reviewed(since, until, tallies, signals)


def _named(ctx: Context, category: DataCategory) -> bool:
    return audits_every_client(ctx, category).allowed


def _record_named(ctx: Context, signals: Signals) -> None:
    """The clients the signals name, on the access log as read by the dpo."""
    named = [
        *((s.client_id, DataCategory.IDENTITY) for s in signals.opened),
        *((s.client_id, DataCategory.CONSENT) for s in signals.self_recorded),
        *((s.client_id, ACCESS_LOG) for s in signals.protected_reads),
    ]
    for client_id, category in named:
        decision = audits_every_client(ctx, category)
        ctx.guard.record(client_id, category, AccessAction.READ, decision, Role.dpo.value)
