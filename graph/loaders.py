"""DataLoaders: every related row comes through here, batched, never lazily loaded.

Nested connections (a client's decisions, attachments, notices, plan versions,
applications) are fetched for all the clients of a response at once, a page per client,
with ``row_number() OVER (PARTITION BY client)``; their ``totalCount`` likewise, one
``COUNT … GROUP BY client`` for all of them.
"""

import contextlib
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import ColumnElement, and_, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased
from strawberry.dataloader import DataLoader

from authz import rows
from authz.facts import load_access
from authz.guard import ClientAccess
from authz.principal import Principal
from authz.rows import RowRule, Visible
from graph.pagination import Page, PageArgs, cut
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
_ANY = uuid.UUID(int=0)
"""The parent of a key that stands for every parent seen alike."""


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


@dataclass(frozen=True)
class CountKey:
    """One parent's list, counted: as ``PageKey`` without the page."""

    parent: uuid.UUID
    visible: Visible | None = None
    narrowing: Narrowing | None = None

    @classmethod
    def of(cls, key: PageKey) -> "CountKey":
        return cls(key.parent, key.visible, key.narrowing)


class Loaders:
    def __init__(
        self, session: AsyncSession, principal: Principal, today: date, pii: Keyring
    ) -> None:
        self._session = session
        self._principal = principal
        self._today = today
        self._pii = pii
        self.client = DataLoader[uuid.UUID, ClientView | None](self._clients)
        self.plan = DataLoader[uuid.UUID, PlanVersion | None](self._current_plans)
        self.digital_profile = DataLoader[uuid.UUID, DigitalProfile | None](self._digital_profiles)
        self.relationships = self._children(
            ClientRelationship, ClientRelationship.client_id, ClientRelationship.opened_at
        )
        self.contact_persons = self._children(
            ContactPerson, ContactPerson.client_id, ContactPerson.organisation_id
        )
        self.digital_profiles = self._children(
            DigitalProfile, DigitalProfile.client_id, DigitalProfile.recorded_at
        )
        self.guardianships = self._children(
            Guardianship, Guardianship.ward_id, Guardianship.valid_from
        )
        self.calculation = self._grandchildren(
            CalculationRow, CalculationRow.decision_id, CalculationRow.position
        )
        self.commitments = self._grandchildren(
            PaymentCommitment, PaymentCommitment.decision_id, PaymentCommitment.position
        )
        self.information_requests = self._grandchildren(
            InformationRequest, InformationRequest.application_id, InformationRequest.requested_at
        )
        self.notice_moves = self._grandchildren(NoticeMove, NoticeMove.notice_id, NoticeMove.at)
        self.decision_attachments = DataLoader[RowKey, list[Attachment]](self._decision_attachments)
        self.notice_attachments = DataLoader[RowKey, list[Attachment]](self._notice_attachments)
        self.decisions = self._pages(rows.DECISION, Decision.client_id, Decision.id)
        self.attachments = self._pages(rows.ATTACHMENT, Attachment.client_id, Attachment.id)
        self.notices = self._pages(rows.NOTICE, Notice.client_id, Notice.id)
        self.applications = self._pages(rows.APPLICATION, Application.client_id, Application.id)
        self.plan_versions = self._pages(rows.PLAN, PlanVersion.client_id, PlanVersion.version)
        self.decision_counts = self._counts(rows.DECISION, Decision.client_id)
        self.attachment_counts = self._counts(rows.ATTACHMENT, Attachment.client_id)
        self.notice_counts = self._counts(rows.NOTICE, Notice.client_id)
        self.application_counts = self._counts(rows.APPLICATION, Application.client_id)
        self.plan_version_counts = self._counts(rows.PLAN, PlanVersion.client_id)
        self.access_log_counts = self._counts(rows.ACCESS_LOG_ENTRY, AccessLogEntry.client_id)
        self._by_id: dict[type[Base], DataLoader[RowKey, Any]] = {}

    def forget_client(self, client_id: uuid.UUID) -> None:
        """Load the client afresh next time (after a write that changes its access)."""
        with contextlib.suppress(KeyError):  # not loaded in this request
            self.client.clear(client_id)

    def row(self, model: type[M]) -> "DataLoader[RowKey, M | None]":
        """A client's rows of ``model`` by (client id, id): the rows other rows of the same
        client name, a query per batch."""
        if model not in self._by_id:

            async def load(keys: list[RowKey]) -> list[M | None]:
                client, key = model.__table__.c.client_id, model.__table__.c.id
                query = select(model).where(
                    client.in_({c for c, _ in keys}), tuple_(client, key).in_(keys)
                )
                found = {(r.client_id, r.id): r for r in await self._session.scalars(query)}  # type: ignore[attr-defined]
                return [found.get(k) for k in keys]

            self._by_id[model] = DataLoader(load)
        return cast("DataLoader[RowKey, M | None]", self._by_id[model])

    # ---- clients and their access --------------------------------------------------------

    async def _clients(self, ids: list[uuid.UUID]) -> list[ClientView | None]:
        found = (await self._session.scalars(select(Client).where(Client.id.in_(ids)))).all()
        access = await load_access(self._session, self._principal, found, self._today, self._pii)
        by_id = {r.id: ClientView(r, access[r.id]) for r in found}
        return [by_id.get(i) for i in ids]

    async def _current_plans(self, client_ids: list[uuid.UUID]) -> list[PlanVersion | None]:
        latest = (
            select(PlanVersion.client_id, func.max(PlanVersion.version).label("version"))
            .where(PlanVersion.client_id.in_(client_ids))
            .group_by(PlanVersion.client_id)
            .subquery()
        )
        found = await self._session.scalars(
            select(PlanVersion)
            .join(
                latest,
                (PlanVersion.client_id == latest.c.client_id)
                & (PlanVersion.version == latest.c.version),
            )
            .where(PlanVersion.client_id.in_(client_ids))  # each side names its clients
        )
        by_client = {r.client_id: r for r in found}
        return [by_client.get(i) for i in client_ids]

    async def _digital_profiles(self, client_ids: list[uuid.UUID]) -> list[DigitalProfile | None]:
        found = await self._session.scalars(
            select(DigitalProfile)
            .where(DigitalProfile.client_id.in_(client_ids))
            .order_by(DigitalProfile.recorded_at, DigitalProfile.id)
        )
        latest = {r.client_id: r for r in found}
        return [latest.get(i) for i in client_ids]

    # ---- children of a row ---------------------------------------------------------------

    def _children(
        self, model: type[M], parent: InstrumentedAttribute[Any], order: InstrumentedAttribute[Any]
    ) -> DataLoader[uuid.UUID, list[M]]:
        async def load(parent_ids: list[uuid.UUID]) -> list[list[M]]:
            found = await self._session.scalars(
                select(model).where(parent.in_(parent_ids)).order_by(order)
            )
            grouped: dict[uuid.UUID, list[M]] = defaultdict(list)
            for row in found:
                grouped[getattr(row, parent.key)].append(row)
            return [grouped.get(i, []) for i in parent_ids]

        return DataLoader(load)

    def _grandchildren(
        self, model: type[M], parent: InstrumentedAttribute[Any], order: InstrumentedAttribute[Any]
    ) -> DataLoader[RowKey, list[M]]:
        """Rows of a client's row (a decision's calculation, a notice's moves), by the
        parent's (client id, id)."""

        async def load(keys: list[RowKey]) -> list[list[M]]:
            client = model.__table__.c.client_id
            found = await self._session.scalars(
                select(model)
                .where(client.in_({c for c, _ in keys}), tuple_(client, parent).in_(keys))
                .order_by(order)
            )
            grouped: dict[RowKey, list[M]] = defaultdict(list)
            for row in found:
                grouped[(row.client_id, getattr(row, parent.key))].append(row)  # type: ignore[attr-defined]
            return [grouped.get(k, []) for k in keys]

        return DataLoader(load)

    async def _linked_attachments(
        self,
        link: type[DecisionAttachment] | type[NoticeAttachment],
        owner: InstrumentedAttribute[Any],
        keys: list[RowKey],
    ) -> list[list[Attachment]]:
        found = await self._session.execute(
            select(owner, Attachment)
            .join(
                Attachment,
                (Attachment.client_id == link.client_id) & (Attachment.id == link.attachment_id),
            )
            .where(
                link.client_id.in_({c for c, _ in keys}), tuple_(link.client_id, owner).in_(keys)
            )
            .order_by(Attachment.id)
        )
        grouped: dict[RowKey, list[Attachment]] = defaultdict(list)
        for owner_id, attachment in found:
            grouped[(attachment.client_id, owner_id)].append(attachment)
        return [grouped.get(k, []) for k in keys]

    async def _decision_attachments(self, keys: list[RowKey]) -> list[list[Attachment]]:
        return await self._linked_attachments(
            DecisionAttachment, DecisionAttachment.decision_id, keys
        )

    async def _notice_attachments(self, keys: list[RowKey]) -> list[list[Attachment]]:
        return await self._linked_attachments(NoticeAttachment, NoticeAttachment.notice_id, keys)

    # ---- pages of children ---------------------------------------------------------------

    def _pages(
        self, rule: RowRule, parent: InstrumentedAttribute[Any], order: InstrumentedAttribute[Any]
    ) -> DataLoader[PageKey, Page[Any]]:
        """Pages of a client's found, newest first; found the caller may not know of are
        left out in SQL (``rule.where``), so pages stay full."""

        async def load(keys: list[PageKey]) -> list[Page[Any]]:
            groups: dict[tuple[int, Any, CountKey], list[uuid.UUID]] = defaultdict(list)
            for key in keys:
                groups[(key.first, key.after, replace(CountKey.of(key), parent=_ANY))].append(
                    key.parent
                )
            pages: dict[PageKey, Page[Any]] = {}
            for (first, after, like), parents in groups.items():
                condition = self._condition(rule, like)
                found = await self._page_rows(
                    rule.model, parent, order, True, parents, first, after, condition
                )
                for parent_id in parents:
                    key = PageKey(parent_id, first, after, like.visible, like.narrowing)
                    pages[key] = cut(found.get(parent_id, []), PageArgs(first, after))
            return [pages[k] for k in keys]

        return DataLoader(load)

    def _condition(self, rule: RowRule, key: CountKey) -> ColumnElement[bool] | None:
        """Which rows of the list ``key`` describes: those the caller may know of, within
        the list's filter."""
        conditions = []
        if key.visible is not None:
            conditions.append(rule.where(self._principal, key.visible))
        if key.narrowing is not None:
            conditions.append(key.narrowing.where(self._principal))
        return and_(*conditions) if conditions else None

    def _counts(
        self, rule: RowRule, parent: InstrumentedAttribute[Any]
    ) -> DataLoader[CountKey, int]:
        """The length of each parent's list: one ``COUNT … GROUP BY parent`` for all the
        parents that see alike."""

        async def load(keys: list[CountKey]) -> list[int]:
            groups: dict[CountKey, list[uuid.UUID]] = defaultdict(list)
            for key in keys:
                groups[replace(key, parent=_ANY)].append(key.parent)
            counts: dict[CountKey, int] = {}
            for like, parents in groups.items():
                query = select(parent, func.count()).where(parent.in_(parents))
                condition = self._condition(rule, like)
                if condition is not None:
                    query = query.where(condition)
                result = await self._session.execute(query.group_by(parent))
                found: dict[uuid.UUID, int] = {key: n for key, n in result.all()}
                for parent_id in parents:
                    counts[replace(like, parent=parent_id)] = found.get(parent_id, 0)
            return [counts[k] for k in keys]

        return DataLoader(load)

    async def _page_rows(
        self,
        model: type[Base],
        parent: InstrumentedAttribute[Any],
        order: InstrumentedAttribute[Any],
        descending: bool,
        parents: Sequence[uuid.UUID],
        first: int,
        after: Any,
        condition: ColumnElement[bool] | None,
    ) -> dict[uuid.UUID, list[Any]]:
        conditions: list[ColumnElement[bool]] = [parent.in_(parents)]
        if condition is not None:
            conditions.append(condition)
        if after is not None:
            conditions.append(order < after if descending else order > after)
        ordering = order.desc() if descending else order.asc()
        number = func.row_number().over(partition_by=parent, order_by=ordering).label("n")
        ranked = select(model, number).where(*conditions).subquery()
        row = aliased(model, ranked)
        result = await self._session.scalars(
            select(row).where(ranked.c.n <= first + 1).order_by(ranked.c.n)
        )
        grouped: dict[uuid.UUID, list[Any]] = defaultdict(list)
        for item in result:
            grouped[getattr(item, parent.key)].append(item)
        return grouped
