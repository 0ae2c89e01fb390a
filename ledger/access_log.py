"""The access log: one row per (request, client, category, decision), one INSERT per request."""

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Table,
    bindparam,
    func,
    insert,
    literal_column,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from schema.enums import AccessAction, DataCategory
from schema.models import AccessLogEntry

# Rows per statement: 17 parameters a row stays under SQLite's and PostgreSQL's limits.
ROWS_PER_STATEMENT = 1000


@dataclass(frozen=True)
class AccessRecord:
    """One decision about one client's category in one request."""

    client_id: uuid.UUID
    category: DataCategory
    action: AccessAction
    allowed: bool
    basis: str | None
    reason: str | None
    policy_rule: str | None
    consent_seq: int | None = None
    prohibition_seq: int | None = None


@dataclass(frozen=True)
class Accessor:
    """Who asked, in which request, under which policy."""

    request_id: uuid.UUID
    at: datetime
    subject: str
    subject_name: str | None
    organisation_id: str | None
    roles: tuple[str, ...]
    azp: str | None
    policy_hash: str


def _row(accessor: Accessor, record: AccessRecord) -> dict[str, Any]:
    return {
        "request_id": accessor.request_id,
        "at": accessor.at,
        "client_id": record.client_id,
        "subject": accessor.subject,
        "subject_name": accessor.subject_name,
        "organisation_id": accessor.organisation_id,
        "roles": ",".join(sorted(accessor.roles)),
        "azp": accessor.azp,
        "category": record.category,
        "action": record.action,
        "allowed": record.allowed,
        "basis": record.basis,
        "reason": record.reason,
        "policy_rule": record.policy_rule,
        "consent_seq": record.consent_seq,
        "prohibition_seq": record.prohibition_seq,
        "policy_hash": accessor.policy_hash,
    }


# SQLite has no sequence: the statement numbers its rows after the highest id, which
# the key's index (id first) finds at once. One writer at a time holds SQLite's write
# lock, so the ids stay unique and increasing as PostgreSQL's sequence keeps them.
_TABLE = cast(Table, AccessLogEntry.__table__)
_LAST_ID = select(func.coalesce(func.max(_TABLE.c.id), 0)).scalar_subquery()
# Built once. Executed with many rows, with RETURNING: SQLAlchemy sends the rows as one
# multi-row INSERT ("insertmanyvalues", in batches past its page size) rather than a
# statement per row.
_INSERT = insert(_TABLE).returning(_TABLE.c.id)
_INSERT_NUMBERED = (
    insert(_TABLE).values(id=_LAST_ID + bindparam("n", type_=Integer)).returning(_TABLE.c.id)
)


async def write(
    session: AsyncSession, accessor: Accessor, records: Collection[AccessRecord]
) -> None:
    """Insert the request's rows as one multi-row INSERT (split only past 1000 rows)."""
    if not records:
        return
    rows = [_row(accessor, record) for record in records]
    connection = await session.connection()
    if connection.dialect.name == "sqlite":
        rows = [row | {"n": n} for n, row in enumerate(rows, start=1)]
        statement = _INSERT_NUMBERED
    else:
        statement = _INSERT
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        await connection.execute(statement, rows[start : start + ROWS_PER_STATEMENT])


async def entries(
    session: AsyncSession,
    *,
    client_id: uuid.UUID,
    condition: ColumnElement[bool] | None,
    limit: int,
    before_id: int | None,
) -> list[AccessLogEntry]:
    """A client's rows, newest first; only those meeting ``condition`` when it is given
    (the rows the caller may see, ``authz.rows``)."""
    query = select(AccessLogEntry).where(AccessLogEntry.client_id == client_id)
    if condition is not None:
        query = query.where(condition)
    if before_id is not None:
        query = query.where(AccessLogEntry.id < before_id)
    return list(
        (await session.scalars(query.order_by(AccessLogEntry.id.desc()).limit(limit))).all()
    )


# A registration as the access log holds it: the registering caller's allowed WRITE of the
# client's IDENTITY on the basis ``REGISTRATION`` (``Guard.record_registration``). The
# fixed predicate is written as literals, so that PostgreSQL can use its partial indexes.
_IDENTITY_WRITE = (
    AccessLogEntry.action == literal_column("'WRITE'"),
    AccessLogEntry.category == literal_column("'IDENTITY'"),
)


async def registrations(
    session: AsyncSession,
    *,
    since: datetime,
    subject: str | None = None,
    organisation_id: str | None = None,
) -> tuple[int, datetime | None]:
    """How many registrations the subject (or the organisation) made at or after
    ``since``, and when the earliest of them was."""
    query = select(func.count(), func.min(AccessLogEntry.at)).where(
        *_IDENTITY_WRITE,
        AccessLogEntry.allowed.is_(True),
        AccessLogEntry.basis == literal_column("'REGISTRATION'"),
        AccessLogEntry.at >= since,
    )
    if subject is not None:
        query = query.where(AccessLogEntry.subject == subject)
    if organisation_id is not None:
        query = query.where(AccessLogEntry.organisation_id == organisation_id)
    count, earliest = (await session.execute(query)).one()
    return int(count), earliest
