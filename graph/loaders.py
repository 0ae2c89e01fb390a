"""DataLoaders: every related row comes through here, batched, never lazily loaded.

Nested connections (a client's decisions, attachments, notices, plan versions,
applications) are fetched for all the clients of a response at once, a page per client,
with ``row_number() OVER (PARTITION BY client)``; their ``totalCount`` likewise, one
``COUNT … GROUP BY client`` for all of them, or, for a first page, counted by the page's
own statement (``count(*) OVER (PARTITION BY client)``) without a statement of its own.

The statements are built once (at import, or once per visibility class of a list) with
expanding bind parameters, and run with each batch's values; the lists come back as
plain records (``graph.records``), not ORM objects.
"""

import contextlib
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Executable,
    Select,
    and_,
    bindparam,
    func,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from strawberry.dataloader import DataLoader

from authz import rows
from authz.facts import load_clients
from authz.guard import ClientAccess
from authz.principal import Principal
from authz.rows import Asker, RowRule, Visible, asker_values
from graph.pagination import Page, PageArgs, cut
from graph.records import (
    ApplicationRecord,
    AttachmentRecord,
    CalculationRecord,
    CommitmentRecord,
    ContactPersonRecord,
    DecisionRecord,
    DigitalProfileRecord,
    GuardianshipRecord,
    NoticeRecord,
    PlanRecord,
    Record,
    RelationshipRecord,
)
from schema.base import Base
from schema.models import (
    AccessLogEntry,
    Application,
    Attachment,
    CalculationRow,
    Client,
    ClientRelationship,
    ContactPerson,
    Decision,
    DecisionAttachment,
    DigitalProfile,
    Guardianship,
    InformationRequest,
    Notice,
    NoticeAttachment,
    NoticeMove,
    PaymentCommitment,
    PlanVersion,
)
from schema.pii import Keyring

M = TypeVar("M", bound=Base)
R = TypeVar("R", bound=Record)
_ANY = uuid.UUID(int=0)
"""The parent of a key that stands for every parent seen alike."""


def _each(name: str) -> BindParameter[Any]:
    """A list of values, one bind parameter each when the statement runs."""
    return bindparam(name, expanding=True)


@dataclass(frozen=True)
class ClientView:
    row: Client
    access: ClientAccess


class Narrowing(Protocol):
    """A filter a list's arguments add (hashable, so parents filtered alike share a query)."""

    def __hash__(self) -> int: ...

    def where(self, principal: Principal) -> ColumnElement[bool]: ...


RowKey = tuple[uuid.UUID, uuid.UUID]
"""A client's row: the client's id and the row's (every client-owned key leads with the
client, so a batch of them reads the clients' partitions only)."""


@dataclass(frozen=True)
class PageKey:
    """One parent's page: its id, the page arguments (``after`` already typed), which of
    its rows the caller may know of (``None``: all of them), and the list's filter."""

    parent: uuid.UUID
    first: int
    after: Any
    visible: Visible | None = None
    narrowing: Narrowing | None = None
    counted: bool = False
    """The list's ``totalCount`` is asked for: a first page counts it as it is read."""
    nested: bool = False
    """The rows' own list (a decision's calculation rows) is asked for: the page's
    statement reads it too (``Listing.nested``)."""


@dataclass(frozen=True)
class CountKey:
    """One parent's list, counted: as ``PageKey`` without the page."""

    parent: uuid.UUID
    visible: Visible | None = None
    narrowing: Narrowing | None = None

    @classmethod
    def of(cls, key: PageKey) -> "CountKey":
        return cls(key.parent, key.visible, key.narrowing)


# ---- statements, built once ----------------------------------------------------------------

_LATEST_PLAN = (
    select(PlanVersion.client_id, func.max(PlanVersion.version).label("version"))
    .where(PlanVersion.client_id.in_(_each("ids")))
    .group_by(PlanVersion.client_id)
    .subquery()
)
_CURRENT_PLANS = (
    select(*PlanRecord.columns())
    .join(
        _LATEST_PLAN,
        (PlanVersion.client_id == _LATEST_PLAN.c.client_id)
        & (PlanVersion.version == _LATEST_PLAN.c.version),
    )
    .where(PlanVersion.client_id.in_(_each("ids")))  # each side names its clients
)


def _children_of(
    record: type[Record], parent: InstrumentedAttribute[Any], *order: InstrumentedAttribute[Any]
) -> Select[Any]:
    """A client's rows of ``record``'s table, for a batch of clients."""
    return select(*record.columns()).where(parent.in_(_each("ids"))).order_by(*order)


def _grandchildren_of(
    record: type[Record], parent: InstrumentedAttribute[Any], order: InstrumentedAttribute[Any]
) -> Select[Any]:
    """The rows of a client's rows (a decision's calculation), by (client id, parent id)."""
    client = record.table.c.client_id
    return (
        select(*record.columns())
        .where(client.in_(_each("clients")), tuple_(client, parent).in_(_each("keys")))
        .order_by(order)
    )


def _orm_grandchildren_of(
    model: type[Base], parent: InstrumentedAttribute[Any], order: InstrumentedAttribute[Any]
) -> Select[Any]:
    """As ``_grandchildren_of``, for ORM rows."""
    client = model.__table__.c.client_id
    return (
        select(model)
        .where(client.in_(_each("clients")), tuple_(client, parent).in_(_each("keys")))
        .order_by(order)
    )


_INFORMATION_REQUESTS = _orm_grandchildren_of(
    InformationRequest, InformationRequest.application_id, InformationRequest.requested_at
)
_NOTICE_MOVES = _orm_grandchildren_of(NoticeMove, NoticeMove.notice_id, NoticeMove.at)


def _linked_attachments_of(
    link: type[DecisionAttachment] | type[NoticeAttachment], owner: InstrumentedAttribute[Any]
) -> Select[Any]:
    return (
        select(owner, *AttachmentRecord.columns())
        .join(
            Attachment,
            (Attachment.client_id == link.client_id) & (Attachment.id == link.attachment_id),
        )
        .where(
            link.client_id.in_(_each("clients")),
            tuple_(link.client_id, owner).in_(_each("keys")),
        )
        .order_by(Attachment.id)
    )


_DECISION_ATTACHMENTS = _linked_attachments_of(DecisionAttachment, DecisionAttachment.decision_id)
_NOTICE_ATTACHMENTS = _linked_attachments_of(NoticeAttachment, NoticeAttachment.notice_id)
_BY_ID: dict[type[Base], Select[Any]] = {}


def _by_id(model: type[Base]) -> Select[Any]:
    """A client's rows of ``model`` by (client id, id), as ORM rows."""
    if model not in _BY_ID:
        client, key = model.__table__.c.client_id, model.__table__.c.id
        _BY_ID[model] = select(model).where(
            client.in_(_each("clients")), tuple_(client, key).in_(_each("keys"))
        )
    return _BY_ID[model]


@dataclass(frozen=True)
class Nested:
    """A list each row of a page has (a decision's calculation rows): its record, the
    column naming its row, and its order."""

    record: type[Record]
    owner: InstrumentedAttribute[Any]
    order: InstrumentedAttribute[Any]


@dataclass(frozen=True)
class Listing:
    """How one kind of list is read: its rows' rule and record, the column naming the
    parent, the column the pages are ordered by (newest first), and the list each row
    has that a page can read with it."""

    rule: RowRule
    record: type[Record]
    parent: InstrumentedAttribute[Any]
    order: InstrumentedAttribute[Any]
    nested: Nested | None = None

    def page(
        self,
        principal: Principal,
        visible: Visible | None,
        narrowing: Narrowing | None,
        after: bool,
        counted: bool,
        nested: bool = False,
    ) -> Select[Any]:
        """The statement of pages of this list: built once per asker, visibility class,
        whether it starts after a cursor and whether it counts the list (only a first page
        does), unless the list is narrowed (a filter's values are in its statement)."""
        asker = Asker.of(principal)
        counted = counted and not after
        nested = nested and self.nested is not None
        if narrowing is not None:
            where = narrowing.where(principal)
            return self._page(asker, visible, after, counted, nested, where)
        key = (self, asker, visible, after, counted, nested)
        found = _PAGES.get(key)
        if found is None:
            found = _PAGES[key] = self._page(asker, visible, after, counted, nested, None)
        return found

    def _page(
        self,
        asker: Asker,
        visible: Visible | None,
        after: bool,
        counted: bool,
        nested: bool,
        narrowing: ColumnElement[bool] | None,
    ) -> Select[Any]:
        conditions = [self.parent.in_(_each("parents")), *self._where(asker, visible)]
        if narrowing is not None:
            conditions.append(narrowing)
        if after:
            conditions.append(self.order < bindparam("after"))
        number = func.row_number().over(partition_by=self.parent, order_by=self.order.desc())
        columns = [*self.record.columns(), number.label("n")]
        if counted:  # the whole list, as the count loader would count it
            columns.append(func.count().over(partition_by=self.parent).label("total"))
        ranked = select(*columns).where(*conditions).subquery()
        width = len(self.record.columns())
        chosen = [*list(ranked.c)[:width]]
        if counted:
            chosen.append(ranked.c.total)
        order = [ranked.c[self.parent.key], ranked.c.n]
        if not nested or self.nested is None:
            return select(*chosen).where(ranked.c.n <= bindparam("limit")).order_by(*order)
        # Each row of the page with its own list's rows (none: one row of NULLs).
        inner = self.nested
        table = inner.record.table
        own = and_(
            table.c.client_id.in_(_each("parents")),  # names its clients: their partitions
            table.c.client_id == ranked.c.client_id,
            inner.owner == ranked.c.id,
        )
        return (
            select(*chosen, *inner.record.columns())
            .select_from(ranked.outerjoin(table, own))
            .where(ranked.c.n <= bindparam("limit"))
            .order_by(*order, inner.order)
        )

    def count(
        self, principal: Principal, visible: Visible | None, narrowing: Narrowing | None
    ) -> Select[Any]:
        """The statement counting each parent's list, built once as ``page`` is."""
        asker = Asker.of(principal)
        if narrowing is not None:
            return self._count(asker, visible, narrowing.where(principal))
        key = (self, asker, visible)
        found = _COUNTS.get(key)
        if found is None:
            found = _COUNTS[key] = self._count(asker, visible, None)
        return found

    def _count(
        self, asker: Asker, visible: Visible | None, narrowing: ColumnElement[bool] | None
    ) -> Select[Any]:
        conditions = [self.parent.in_(_each("parents")), *self._where(asker, visible)]
        if narrowing is not None:
            conditions.append(narrowing)
        return select(self.parent, func.count()).where(*conditions).group_by(self.parent)

    def _where(self, asker: Asker, visible: Visible | None) -> list[ColumnElement[bool]]:
        return [] if visible is None else [self.rule.condition(asker, visible)]


_PAGES: dict[tuple[Listing, Asker, Visible | None, bool, bool, bool], Select[Any]] = {}
_COUNTS: dict[tuple[Listing, Asker, Visible | None], Select[Any]] = {}
DECISIONS = Listing(
    rows.DECISION,
    DecisionRecord,
    Decision.client_id,
    Decision.id,
    Nested(CalculationRecord, CalculationRow.decision_id, CalculationRow.position),
)
ATTACHMENTS = Listing(rows.ATTACHMENT, AttachmentRecord, Attachment.client_id, Attachment.id)
NOTICES = Listing(rows.NOTICE, NoticeRecord, Notice.client_id, Notice.id)
APPLICATIONS = Listing(rows.APPLICATION, ApplicationRecord, Application.client_id, Application.id)
PLAN_VERSIONS = Listing(rows.PLAN, PlanRecord, PlanVersion.client_id, PlanVersion.version)
ACCESS_LOG = Listing(
    rows.ACCESS_LOG_ENTRY, Record, AccessLogEntry.client_id, AccessLogEntry.id
)  # counted only: its pages are read by ``ledger.access_log.entries``


class Loaders:
    """A request's loaders, each made when first asked for."""

    def __init__(
        self, session: AsyncSession, principal: Principal, today: date, pii: Keyring
    ) -> None:
        self._session = session
        self._principal = principal
        self._asker = asker_values(principal)
        self._today = today
        self._pii = pii
        self._by_id: dict[type[Base], DataLoader[RowKey, Any]] = {}
        self.client = DataLoader[uuid.UUID, ClientView | None](self._clients)

    @cached_property
    def plan(self) -> DataLoader[uuid.UUID, PlanRecord | None]:
        return DataLoader[uuid.UUID, PlanRecord | None](self._current_plans)

    @cached_property
    def relationships(self) -> DataLoader[uuid.UUID, list[RelationshipRecord]]:
        return self._children(_RELATIONSHIPS, RelationshipRecord, "client_id")

    @cached_property
    def contact_persons(self) -> DataLoader[uuid.UUID, list[ContactPersonRecord]]:
        return self._children(_CONTACT_PERSONS, ContactPersonRecord, "client_id")

    @cached_property
    def digital_profiles(self) -> DataLoader[uuid.UUID, list[DigitalProfileRecord]]:
        return self._children(_PROFILES, DigitalProfileRecord, "client_id")

    @cached_property
    def guardianships(self) -> DataLoader[uuid.UUID, list[GuardianshipRecord]]:
        return self._children(_GUARDIANSHIPS, GuardianshipRecord, "ward_id")

    @cached_property
    def calculation(self) -> DataLoader[RowKey, list[CalculationRecord]]:
        return self._grandchildren(_CALCULATION, CalculationRecord, "decision_id")

    @cached_property
    def commitments(self) -> DataLoader[RowKey, list[CommitmentRecord]]:
        return self._grandchildren(_COMMITMENTS, CommitmentRecord, "decision_id")

    @cached_property
    def information_requests(self) -> DataLoader[RowKey, list[InformationRequest]]:
        return self._orm_grandchildren(_INFORMATION_REQUESTS, "application_id")

    @cached_property
    def notice_moves(self) -> DataLoader[RowKey, list[NoticeMove]]:
        return self._orm_grandchildren(_NOTICE_MOVES, "notice_id")

    @cached_property
    def decision_attachments(self) -> DataLoader[RowKey, list[AttachmentRecord]]:
        return DataLoader[RowKey, list[AttachmentRecord]](
            lambda keys: self._linked_attachments(_DECISION_ATTACHMENTS, keys)
        )

    @cached_property
    def notice_attachments(self) -> DataLoader[RowKey, list[AttachmentRecord]]:
        return DataLoader[RowKey, list[AttachmentRecord]](
            lambda keys: self._linked_attachments(_NOTICE_ATTACHMENTS, keys)
        )

    @cached_property
    def decision_counts(self) -> DataLoader[CountKey, int]:
        return self._counts(DECISIONS)

    @cached_property
    def attachment_counts(self) -> DataLoader[CountKey, int]:
        return self._counts(ATTACHMENTS)

    @cached_property
    def notice_counts(self) -> DataLoader[CountKey, int]:
        return self._counts(NOTICES)

    @cached_property
    def application_counts(self) -> DataLoader[CountKey, int]:
        return self._counts(APPLICATIONS)

    @cached_property
    def plan_version_counts(self) -> DataLoader[CountKey, int]:
        return self._counts(PLAN_VERSIONS)

    @cached_property
    def access_log_counts(self) -> DataLoader[CountKey, int]:
        return self._counts(ACCESS_LOG)

    @cached_property
    def decisions(self) -> DataLoader[PageKey, Page[Any]]:
        return self._pages(DECISIONS, self.decision_counts, lambda: self.calculation)

    @cached_property
    def attachments(self) -> DataLoader[PageKey, Page[Any]]:
        return self._pages(ATTACHMENTS, self.attachment_counts)

    @cached_property
    def notices(self) -> DataLoader[PageKey, Page[Any]]:
        return self._pages(NOTICES, self.notice_counts)

    @cached_property
    def applications(self) -> DataLoader[PageKey, Page[Any]]:
        return self._pages(APPLICATIONS, self.application_counts)

    @cached_property
    def plan_versions(self) -> DataLoader[PageKey, Page[Any]]:
        return self._pages(PLAN_VERSIONS, self.plan_version_counts)

    def forget_client(self, client_id: uuid.UUID) -> None:
        """Load the client afresh next time (after a write that changes its access)."""
        with contextlib.suppress(KeyError):  # not loaded in this request
            self.client.clear(client_id)

    async def _run(self, statement: Executable, values: dict[str, Any]) -> Sequence[Any]:
        """The rows of a statement built once, read on the session's connection as plain
        rows (no ORM result processing). Pending changes are flushed first, as an ORM
        read would (autoflush), so a mutation's answer reads what it wrote."""
        session = self._session
        if session.new or session.dirty or session.deleted:
            await session.flush()
        connection = await session.connection()
        return (await connection.execute(statement, values)).all()

    def row(self, model: type[M]) -> "DataLoader[RowKey, M | None]":
        """A client's rows of ``model`` by (client id, id): the rows other rows of the same
        client name, a query per batch."""
        if model not in self._by_id:

            async def load(keys: list[RowKey]) -> list[M | None]:
                values = {"clients": list({c for c, _ in keys}), "keys": keys}
                found = {
                    (r.client_id, r.id): r
                    for r in await self._session.scalars(_by_id(model), values)
                }
                return [found.get(k) for k in keys]

            self._by_id[model] = DataLoader(load)
        return cast("DataLoader[RowKey, M | None]", self._by_id[model])

    # ---- clients and their access --------------------------------------------------------

    async def _clients(self, ids: list[uuid.UUID]) -> list[ClientView | None]:
        found = await load_clients(self._session, self._principal, ids, self._today, self._pii)
        by_id = {row.id: ClientView(row, access) for row, access in found}
        return [by_id.get(i) for i in ids]

    async def _current_plans(self, client_ids: list[uuid.UUID]) -> list[PlanRecord | None]:
        found = await self._run(_CURRENT_PLANS, {"ids": client_ids})
        by_client = {r.client_id: r for r in map(PlanRecord.of, found)}
        return [by_client.get(i) for i in client_ids]

    # ---- children of a row ---------------------------------------------------------------

    def _children(
        self, statement: Select[Any], record: type[R], parent: str
    ) -> DataLoader[uuid.UUID, list[R]]:
        async def load(parent_ids: list[uuid.UUID]) -> list[list[R]]:
            grouped: dict[uuid.UUID, list[R]] = defaultdict(list)
            for row in await self._run(statement, {"ids": parent_ids}):
                item = record.of(row)
                grouped[getattr(item, parent)].append(item)
            return [grouped.get(i, []) for i in parent_ids]

        return DataLoader(load)

    def _grandchildren(
        self, statement: Select[Any], record: type[R], parent: str
    ) -> DataLoader[RowKey, list[R]]:
        """Rows of a client's row (a decision's calculation), by the parent's (client id,
        id)."""

        async def load(keys: list[RowKey]) -> list[list[R]]:
            values = {"clients": list({c for c, _ in keys}), "keys": keys}
            grouped: dict[RowKey, list[R]] = defaultdict(list)
            for row in await self._run(statement, values):
                item = record.of(row)
                grouped[(item.client_id, getattr(item, parent))].append(item)  # type: ignore[attr-defined]
            return [grouped.get(k, []) for k in keys]

        return DataLoader(load)

    def _orm_grandchildren(
        self, statement: Select[Any], parent: str
    ) -> DataLoader[RowKey, list[Any]]:
        """As ``_grandchildren``, as ORM rows (lists no hot read shows)."""

        async def load(keys: list[RowKey]) -> list[list[Any]]:
            values = {"clients": list({c for c, _ in keys}), "keys": keys}
            grouped: dict[RowKey, list[Any]] = defaultdict(list)
            for row in await self._session.scalars(statement, values):
                grouped[(row.client_id, getattr(row, parent))].append(row)
            return [grouped.get(k, []) for k in keys]

        return DataLoader(load)

    async def _linked_attachments(
        self, statement: Select[Any], keys: list[RowKey]
    ) -> list[list[AttachmentRecord]]:
        values = {"clients": list({c for c, _ in keys}), "keys": keys}
        grouped: dict[RowKey, list[AttachmentRecord]] = defaultdict(list)
        for owner_id, *columns in await self._run(statement, values):
            attachment = AttachmentRecord.of(columns)
            grouped[(attachment.client_id, owner_id)].append(attachment)
        return [grouped.get(k, []) for k in keys]

    # ---- pages of children ---------------------------------------------------------------

    def _pages(
        self,
        listing: Listing,
        counts: DataLoader[CountKey, int],
        nested: Callable[[], DataLoader[RowKey, list[Any]]] | None = None,
    ) -> DataLoader[PageKey, Page[Any]]:
        """Pages of a client's rows, newest first; rows the caller may not know of are left
        out in SQL (``rule.condition``), so pages stay full. A first page counts its list
        too, for ``counts``; a page asked for with its rows' own list reads that too, for
        ``nested``'s loader."""
        width = len(listing.record.columns())
        inner = None if listing.nested is None else listing.nested.record

        async def load(keys: list[PageKey]) -> list[Page[Any]]:
            groups: dict[PageKey, list[uuid.UUID]] = defaultdict(list)
            for key in keys:
                groups[replace(key, parent=_ANY)].append(key.parent)
            pages: dict[PageKey, Page[Any]] = {}
            for like, parents in groups.items():
                first, after = like.first, like.after
                counted = like.counted and after is None
                reads_nested = like.nested and inner is not None and nested is not None
                statement = listing.page(
                    self._principal,
                    like.visible,
                    like.narrowing,
                    after is not None,
                    counted,
                    reads_nested,
                )
                values = {**self._asker, "parents": parents, "limit": first + 1}
                if after is not None:
                    values["after"] = after
                found: dict[uuid.UUID, list[Any]] = defaultdict(list)
                totals: dict[uuid.UUID, int] = {}
                owned: dict[RowKey, list[Any]] = {}
                for row in await self._run(statement, values):
                    item = listing.record.of(row[:width])
                    parent = getattr(item, listing.parent.key)
                    row_key = (parent, item.id)  # type: ignore[attr-defined]
                    if row_key not in owned:
                        found[parent].append(item)
                        owned[row_key] = []
                    if counted:
                        totals[parent] = row[width]
                    if reads_nested and inner is not None:
                        columns = row[width + counted :]
                        if columns[0] is not None:  # the outer join's row of NULLs: none
                            owned[row_key].append(inner.of(columns))
                if reads_nested and nested is not None:
                    loader = nested()
                    for row_key, items in owned.items():
                        loader.prime(row_key, items)
                for parent_id in parents:
                    key = replace(like, parent=parent_id)
                    pages[key] = cut(found.get(parent_id, []), PageArgs(first, after))
                    if counted:
                        counts.prime(CountKey.of(key), totals.get(parent_id, 0))
            return [pages[k] for k in keys]

        return DataLoader(load)

    def _counts(self, listing: Listing) -> DataLoader[CountKey, int]:
        """The length of each parent's list: one ``COUNT … GROUP BY parent`` for all the
        parents that see alike (a first page has counted its list already)."""

        async def load(keys: list[CountKey]) -> list[int]:
            groups: dict[CountKey, list[uuid.UUID]] = defaultdict(list)
            for key in keys:
                groups[replace(key, parent=_ANY)].append(key.parent)
            counts: dict[CountKey, int] = {}
            for like, parents in groups.items():
                statement = listing.count(self._principal, like.visible, like.narrowing)
                values = {**self._asker, "parents": parents}
                found: dict[uuid.UUID, int] = {
                    key: n for key, n in await self._run(statement, values)
                }
                for parent_id in parents:
                    counts[replace(like, parent=parent_id)] = found.get(parent_id, 0)
            return [counts[k] for k in keys]

        return DataLoader(load)


_RELATIONSHIPS = _children_of(
    RelationshipRecord, ClientRelationship.client_id, ClientRelationship.opened_at
)
_CONTACT_PERSONS = _children_of(
    ContactPersonRecord, ContactPerson.client_id, ContactPerson.organisation_id
)
_PROFILES = _children_of(  # oldest first: the last is the current one
    DigitalProfileRecord, DigitalProfile.client_id, DigitalProfile.recorded_at, DigitalProfile.id
)
_GUARDIANSHIPS = _children_of(GuardianshipRecord, Guardianship.ward_id, Guardianship.valid_from)
_CALCULATION = _grandchildren_of(
    CalculationRecord, CalculationRow.decision_id, CalculationRow.position
)
_COMMITMENTS = _grandchildren_of(
    CommitmentRecord, PaymentCommitment.decision_id, PaymentCommitment.position
)
