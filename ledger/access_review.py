"""Reviewing the access log: a filtered list, newest first; a summary per organisation and
category over a period; and the signals a data-protection officer looks for. Each is a
fixed number of statements, whatever the number of rows (the burst detection is a pure
function over one query's rows).

``scope`` is the caller's visibility (``authz.rows``) as a SQL condition on
``access_log``, or ``None`` for an operator who sees everything (the CLI).
"""

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, true, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BooleanClauseList

from schema.enums import AccessAction, ConsentEventType, ConsentMethod, DataCategory
from schema.enums import RelationshipOrigin as Origin
from schema.models import (
    AccessLogEntry,
    ClientFactChange,
    ClientRelationship,
    ConsentEvent,
    ConsentRule,
)

Scope = ColumnElement[bool] | None


@dataclass(frozen=True)
class LogFilter:
    """The filters of a review; each ``None`` filters nothing. ``since`` is inclusive,
    ``until`` exclusive."""

    client_id: uuid.UUID | None = None
    organisation_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    allowed: bool | None = None
    category: DataCategory | None = None
    action: AccessAction | None = None
    basis: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        row = AccessLogEntry
        found: list[ColumnElement[bool]] = []
        if self.client_id is not None:
            found.append(row.client_id == self.client_id)
        if self.organisation_id is not None:
            found.append(row.organisation_id == self.organisation_id)
        if self.since is not None:
            found.append(row.at >= self.since)
        if self.until is not None:
            found.append(row.at < self.until)
        if self.allowed is not None:
            found.append(row.allowed.is_(self.allowed))
        if self.category is not None:
            found.append(row.category == self.category)
        if self.action is not None:
            found.append(row.action == self.action)
        if self.basis is not None:
            found.append(row.basis == self.basis)
        return found


def _where(scope: Scope, filters: LogFilter) -> list[ColumnElement[bool]]:
    return [*([] if scope is None else [scope]), *filters.conditions()]


def branches(scope: Scope) -> list[ColumnElement[bool]]:
    """The alternatives of a scope that is a disjunction (a dpo's own rows, or the
    registrations of its clients, or one client's), each of which an index serves."""
    if scope is None:
        return []
    if isinstance(scope, BooleanClauseList) and scope.operator is operators.or_:
        return [b for c in scope.clauses if isinstance(c, ColumnElement) for b in branches(c)]
    return [scope]


def page_statement(
    scope: Scope, filters: LogFilter, *, limit: int, before_id: int | None
) -> Select[Any]:
    """The statement of ``page``."""
    conditions = filters.conditions()
    if before_id is not None:
        conditions.append(AccessLogEntry.id < before_id)
    parts = [
        select(AccessLogEntry.id)
        .where(branch, *conditions)
        .order_by(AccessLogEntry.id.desc())
        .limit(limit)
        .subquery()
        for branch in (branches(scope) or [true()])
    ]
    merged = (
        union(*(select(part.c.id) for part in parts)) if len(parts) > 1 else select(parts[0].c.id)
    ).subquery()
    return (
        select(AccessLogEntry)
        .where(AccessLogEntry.id.in_(select(merged.c.id)))
        .order_by(AccessLogEntry.id.desc())
        .limit(limit)
    )


async def page(
    session: AsyncSession, scope: Scope, filters: LogFilter, *, limit: int, before_id: int | None
) -> list[AccessLogEntry]:
    """Rows newest first (by id: the order they were written), after the cursor's row.

    Each alternative of the scope is its own ``ORDER BY id DESC LIMIT n`` (the
    organisation's rows by its index, registrations by theirs, a client's by the
    client's), their ids merged; so a page reads at most n rows of each, whatever the
    size of the log or how rare the caller's rows are in it."""
    statement = page_statement(scope, filters, limit=limit, before_id=before_id)
    return list((await session.scalars(statement)).all())


async def count(session: AsyncSession, scope: Scope, filters: LogFilter) -> int:
    total = await session.scalar(select(func.count()).where(*_where(scope, filters)))
    return int(total or 0)


async def stream(
    session: AsyncSession, scope: Scope, filters: LogFilter, *, chunk: int = 2000
) -> AsyncIterator[AccessLogEntry]:
    """Every row, oldest first, read in chunks by id (memory stays bounded)."""
    after = 0
    while True:
        query = (
            select(AccessLogEntry)
            .where(*_where(scope, filters), AccessLogEntry.id > after)
            .order_by(AccessLogEntry.id)
            .limit(chunk)
        )
        rows = list((await session.scalars(query)).all())
        for row in rows:
            yield row
        if len(rows) < chunk:
            return
        after = rows[-1].id
        session.expunge_all()


# ---- the summary -------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    organisation_id: str | None
    category: DataCategory
    allowed: int
    denied: int


async def summary(session: AsyncSession, scope: Scope, filters: LogFilter) -> list[Tally]:
    """Allowed and denied decisions per organisation and category."""
    allowed = func.sum(case((AccessLogEntry.allowed.is_(True), 1), else_=0))
    denied = func.sum(case((AccessLogEntry.allowed.is_(True), 0), else_=1))
    query = (
        select(AccessLogEntry.organisation_id, AccessLogEntry.category, allowed, denied)
        .where(*_where(scope, filters))
        .group_by(AccessLogEntry.organisation_id, AccessLogEntry.category)
        .order_by(AccessLogEntry.organisation_id, AccessLogEntry.category)
    )
    return [
        Tally(org, DataCategory(category), int(yes or 0), int(no or 0))
        for org, category, yes, no in await session.execute(query)
    ]


# ---- signals -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Opened:
    """A client relationship opened by registering a code that already was a client."""

    client_id: uuid.UUID
    organisation_id: str
    opened_at: datetime
    opened_by_sub: str
    purpose: str | None


async def opened_by_registration(
    session: AsyncSession, organisation_id: str | None, since: datetime, until: datetime
) -> list[Opened]:
    """Relationships opened by registration in the period: for an organisation, those it
    opened and those others opened with a client it has a relationship with."""
    cr = ClientRelationship
    query = select(cr).where(
        cr.origin == Origin.REGISTRATION, cr.opened_at >= since, cr.opened_at < until
    )
    if organisation_id is not None:
        ours = select(cr.client_id).where(cr.organisation_id == organisation_id)
        query = query.where(or_(cr.organisation_id == organisation_id, cr.client_id.in_(ours)))
    found = await session.scalars(query.order_by(cr.opened_at, cr.client_id))
    return [
        Opened(r.client_id, r.organisation_id, r.opened_at, r.opened_by_sub, r.purpose)
        for r in found
    ]


@dataclass(frozen=True)
class SelfRecorded:
    """An ORAL grant recorded by staff of the grantee itself."""

    client_id: uuid.UUID
    seq: int
    event_id: uuid.UUID
    grantee: str
    categories: tuple[str, ...]
    recorded_at: datetime
    withdrawn_at: datetime | None


async def self_recorded(
    session: AsyncSession, organisation_id: str | None, since: datetime, until: datetime
) -> list[SelfRecorded]:
    rule = ConsentRule
    query = (
        select(rule, ConsentEvent.id)
        .join(
            ConsentEvent,
            and_(ConsentEvent.client_id == rule.client_id, ConsentEvent.seq == rule.seq),
        )
        .where(
            rule.kind == ConsentEventType.GRANT,
            rule.method == ConsentMethod.ORAL,
            rule.recorded_by_org == rule.organisation_id,
            rule.recorded_at >= since,
            rule.recorded_at < until,
        )
    )
    if organisation_id is not None:
        query = query.where(rule.organisation_id == organisation_id)
    found = await session.execute(query.order_by(rule.recorded_at, rule.client_id, rule.seq))
    return [
        SelfRecorded(
            r.client_id,
            r.seq,
            event_id,
            r.organisation_id or "",
            tuple(sorted(r.categories)),
            r.recorded_at,
            r.ended_at,
        )
        for r, event_id in found
    ]


@dataclass
class Burst:
    """At least the threshold of denials by one subject, each within the window of the
    threshold's worth before it; overlapping windows merge into one burst."""

    subject: str
    organisation_id: str | None
    start: datetime
    end: datetime
    denials: int
    clients: set[uuid.UUID] = field(default_factory=set)


Denial = tuple[datetime, uuid.UUID]


def bursts_of(
    subject: str,
    organisation_id: str | None,
    denials: Sequence[Denial],
    threshold: int,
    window: timedelta,
) -> list[Burst]:
    """The bursts in one subject's denials (in time order). Pure."""
    found: list[Burst] = []
    first = counted = 0
    current: Burst | None = None
    for last, (at, _) in enumerate(denials):
        while denials[first][0] <= at - window:
            first += 1
        if last - first + 1 < threshold:
            continue
        if current is None or denials[first][0] > current.end:
            current = Burst(subject, organisation_id, denials[first][0], at, 0)
            found.append(current)
            counted = first
        current.end = at
        current.denials += last + 1 - counted
        current.clients.update(client for _, client in denials[counted : last + 1])
        counted = last + 1
    return found


async def denial_bursts(
    session: AsyncSession,
    organisation_id: str | None,
    since: datetime,
    until: datetime,
    threshold: int,
    window: timedelta,
) -> list[Burst]:
    """Bursts of denials in the period. A denial is a request refusing a subject something
    about one client (its rows for several categories count once), so a wide read is not
    mistaken for many attempts."""
    log = AccessLogEntry
    conditions = [log.allowed.is_(False), log.at >= since, log.at < until]
    if organisation_id is not None:
        conditions.append(log.organisation_id == organisation_id)
    first_at = func.min(log.at)
    query = (
        select(log.subject, log.organisation_id, log.client_id, first_at)
        .where(*conditions)
        .group_by(log.subject, log.organisation_id, log.request_id, log.client_id)
        .order_by(log.subject, log.organisation_id, first_at)
    )
    grouped: dict[tuple[str, str | None], list[Denial]] = {}
    for subject, org, client_id, at in await session.execute(query):
        grouped.setdefault((subject, org), []).append((at, client_id))
    found: list[Burst] = []
    for (subject, org), denials in grouped.items():
        found += bursts_of(subject, org, denials, threshold, window)
    return sorted(found, key=lambda b: (b.start, b.subject))


@dataclass(frozen=True)
class ProtectedRead:
    """Reads of a client's data by one subject while the client's identity was protected."""

    client_id: uuid.UUID
    subject: str
    organisation_id: str | None
    requests: int
    first: datetime
    last: datetime


async def protected_reads(
    session: AsyncSession, organisation_id: str | None, since: datetime, until: datetime
) -> list[ProtectedRead]:
    """Allowed reads, in the period, of clients whose identity was protected when read (as
    their history says). Two statements: the histories of every client ever protected,
    and their reads."""
    ever = select(ClientFactChange.client_id).where(ClientFactChange.protected_identity)
    history: dict[uuid.UUID, list[tuple[datetime, bool]]] = {}
    changes = await session.execute(
        select(ClientFactChange.client_id, ClientFactChange.at, ClientFactChange.protected_identity)
        .where(ClientFactChange.client_id.in_(ever))
        .order_by(ClientFactChange.client_id, ClientFactChange.seq)
    )
    for client_id, at, protected in changes:
        history.setdefault(client_id, []).append((at, protected))
    if not history:
        return []
    log = AccessLogEntry
    conditions = [
        log.client_id.in_(sorted(history)),
        log.action == AccessAction.READ,
        log.allowed.is_(True),
        log.at >= since,
        log.at < until,
    ]
    if organisation_id is not None:
        conditions.append(log.organisation_id == organisation_id)
    reads = await session.execute(
        select(log.client_id, log.subject, log.organisation_id, log.request_id, func.min(log.at))
        .where(*conditions)
        .group_by(log.client_id, log.subject, log.organisation_id, log.request_id)
    )
    tallies: dict[tuple[uuid.UUID, str, str | None], list[datetime]] = {}
    for client_id, subject, org, _, at in reads:
        if _protected_at(history[client_id], at):
            tallies.setdefault((client_id, subject, org), []).append(at)
    return sorted(
        (
            ProtectedRead(client_id, subject, org, len(times), min(times), max(times))
            for (client_id, subject, org), times in tallies.items()
        ),
        key=lambda r: (r.first, r.subject),
    )


def _protected_at(changes: list[tuple[datetime, bool]], at: datetime) -> bool:
    """The flag at ``at``: the last change by then (before the first, the first's)."""
    flag = changes[0][1]
    for changed_at, protected in changes:
        if changed_at > at:
            break
        flag = protected
    return flag
