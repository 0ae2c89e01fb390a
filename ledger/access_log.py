"""The access log: one row per (request, client, category, decision), one INSERT per request."""

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Insert,
    Integer,
    String,
    Table,
    Text,
    Uuid,
    bindparam,
    column,
    func,
    insert,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeEngine

from schema.enums import AccessAction, DataCategory
from schema.models import AccessLogEntry

# Rows per statement on SQLite: 19 parameters a row (its number one) stay under its limit.
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
    subjects: str | None = None
    """The policy subjects the caller acted as towards the client, comma-separated."""


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


_TABLE = cast(Table, AccessLogEntry.__table__)
_ACCESSOR = (
    "request_id",
    "at",
    "subject",
    "subject_name",
    "organisation_id",
    "roles",
    "azp",
    "policy_hash",
)
"""The columns every row of a request has alike."""
_RECORD: tuple[tuple[str, TypeEngine[Any]], ...] = (
    ("client_id", Uuid()),
    ("category", String()),
    ("action", String()),
    ("allowed", Boolean()),
    ("basis", String()),
    ("reason", String()),
    ("policy_rule", Text()),
    ("consent_seq", Integer()),
    ("prohibition_seq", Integer()),
    ("subjects", String()),
)
"""The columns each row has of its own, with their types as arrays hold them."""
_COLUMNS = [c.key for c in _TABLE.columns if c.key != "id"]


def _shared(accessor: Accessor) -> dict[str, Any]:
    """The values every row of the request has alike."""
    values = {name: getattr(accessor, name) for name in _ACCESSOR}
    values["roles"] = ",".join(sorted(accessor.roles))
    return values


def _unnest_insert() -> Insert:
    """PostgreSQL: the rows as arrays, one per column of their own, and the request's
    values once: ``INSERT … SELECT … FROM unnest(…)``. One statement whatever the number
    of rows, with the same text every time (so prepared once per connection)."""
    rows = (
        func.unnest(*[bindparam(f"{name}_each", type_=ARRAY(kind)) for name, kind in _RECORD])
        .table_valued(*[column(name, kind) for name, kind in _RECORD])
        .render_derived(name="r")
    )
    values = [
        bindparam(name, type_=_TABLE.c[name].type) if name in _ACCESSOR else rows.c[name]
        for name in _COLUMNS
    ]
    return insert(_TABLE).from_select(_COLUMNS, select(*values))


# Built once, at import.
_INSERT_ARRAYS = _unnest_insert()
# SQLite has no arrays, nor a sequence: the rows go as one multi-row INSERT (executemany
# with RETURNING, which SQLAlchemy sends as one statement), each numbered after the
# highest id, which the key's index (id first) finds at once. One writer at a time holds
# SQLite's write lock, so the ids stay unique and increasing as PostgreSQL's sequence
# keeps them.
_LAST_ID = select(func.coalesce(func.max(_TABLE.c.id), 0)).scalar_subquery()
_INSERT_NUMBERED = (
    insert(_TABLE).values(id=_LAST_ID + bindparam("n", type_=Integer)).returning(_TABLE.c.id)
)


async def write(
    session: AsyncSession, accessor: Accessor, records: Collection[AccessRecord]
) -> None:
    """Insert the request's rows: one INSERT (on SQLite split past 1000 rows)."""
    if not records:
        return
    connection = await session.connection()
    if connection.dialect.name == "sqlite":
        shared = _shared(accessor)
        rows = [
            shared | {name: getattr(record, name) for name, _ in _RECORD} | {"n": n}
            for n, record in enumerate(records, start=1)
        ]
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            await connection.execute(_INSERT_NUMBERED, rows[start : start + ROWS_PER_STATEMENT])
        return
    values = _shared(accessor)
    for name, _ in _RECORD:
        values[f"{name}_each"] = [_plain(getattr(record, name)) for record in records]
    await connection.execute(_INSERT_ARRAYS, values)


def _plain(value: Any) -> Any:
    """An array holds an enum's value."""
    return value.value if isinstance(value, Enum) else value


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
