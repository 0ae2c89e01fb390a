"""DataLoaders: every related row comes through here, batched, never lazily loaded.

Nested connections (a client's decisions, attachments, notices, plan versions,
applications) are fetched for all the clients of a response at once, a page per client,
with ``row_number() OVER (PARTITION BY client)``.
"""

import uuid
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, false, func, not_, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased
from strawberry.dataloader import DataLoader

from authz.facts import load_access
from authz.guard import ClientAccess
from authz.principal import Principal
from graph.pagination import Page, PageArgs, cut
from schema.base import Base
from schema.enums import AttachmentKind, Authority
from schema.models import (
    Application,
    Attachment,
    CalculationRow,
    Client,
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

M = TypeVar("M", bound=Base)


@dataclass(frozen=True)
class ClientView:
    row: Client
    access: ClientAccess


@dataclass(frozen=True)
class PageKey:
    """One parent's page: its id, the page arguments (``after`` already typed), and a
    hashable filter the list's ``where`` function turns into SQL."""

    parent: uuid.UUID
    first: int
    after: Any
    filter: Hashable = None


Where = Callable[[Any], ColumnElement[bool] | None]


class Loaders:
    def __init__(self, session: AsyncSession, principal: Principal, today: date) -> None:
        self._session = session
        self._principal = principal
        self._today = today
        self.client = DataLoader[uuid.UUID, ClientView | None](self._clients)
        self.plan = DataLoader[uuid.UUID, PlanVersion | None](self._current_plans)
        self.digital_profile = DataLoader[uuid.UUID, DigitalProfile | None](self._digital_profiles)
        self.contact_persons = self._children(
            ContactPerson, ContactPerson.client_id, ContactPerson.organisation_id
        )
        self.digital_profiles = self._children(
            DigitalProfile, DigitalProfile.client_id, DigitalProfile.recorded_at
        )
        self.guardianships = self._children(
            Guardianship, Guardianship.ward_id, Guardianship.valid_from
        )
        self.calculation = self._children(
            CalculationRow, CalculationRow.decision_id, CalculationRow.position
        )
        self.commitments = self._children(
            PaymentCommitment, PaymentCommitment.decision_id, PaymentCommitment.position
        )
        self.information_requests = self._children(
            InformationRequest, InformationRequest.application_id, InformationRequest.requested_at
        )
        self.notice_moves = self._children(NoticeMove, NoticeMove.notice_id, NoticeMove.at)
        self.decision_attachments = DataLoader[uuid.UUID, list[Attachment]](
            self._decision_attachments
        )
        self.notice_attachments = DataLoader[uuid.UUID, list[Attachment]](self._notice_attachments)
        self.decisions = self._pages(
            Decision,
            Decision.client_id,
            Decision.id,
            descending=True,
            where=decision_where(principal),
        )
        self.attachments = self._pages(
            Attachment,
            Attachment.client_id,
            Attachment.id,
            descending=True,
            where=attachment_where(principal),
        )
        self.notices = self._pages(
            Notice, Notice.client_id, Notice.id, descending=True, where=notice_where(principal)
        )
        self.applications = self._pages(
            Application, Application.client_id, Application.id, descending=True
        )
        self.plan_versions = self._pages(
            PlanVersion, PlanVersion.client_id, PlanVersion.version, descending=True
        )

    # ---- clients and their access --------------------------------------------------------

    async def _clients(self, ids: list[uuid.UUID]) -> list[ClientView | None]:
        rows = (await self._session.scalars(select(Client).where(Client.id.in_(ids)))).all()
        access = await load_access(self._session, self._principal, rows, self._today)
        by_id = {r.id: ClientView(r, access[r.id]) for r in rows}
        return [by_id.get(i) for i in ids]

    async def _current_plans(self, client_ids: list[uuid.UUID]) -> list[PlanVersion | None]:
        latest = (
            select(PlanVersion.client_id, func.max(PlanVersion.version).label("version"))
            .where(PlanVersion.client_id.in_(client_ids))
            .group_by(PlanVersion.client_id)
            .subquery()
        )
        rows = await self._session.scalars(
            select(PlanVersion).join(
                latest,
                (PlanVersion.client_id == latest.c.client_id)
                & (PlanVersion.version == latest.c.version),
            )
        )
        by_client = {r.client_id: r for r in rows}
        return [by_client.get(i) for i in client_ids]

    async def _digital_profiles(self, client_ids: list[uuid.UUID]) -> list[DigitalProfile | None]:
        rows = await self._session.scalars(
            select(DigitalProfile)
            .where(DigitalProfile.client_id.in_(client_ids))
            .order_by(DigitalProfile.recorded_at, DigitalProfile.id)
        )
        latest = {r.client_id: r for r in rows}
        return [latest.get(i) for i in client_ids]

    # ---- children of a row ---------------------------------------------------------------

    def _children(
        self, model: type[M], parent: InstrumentedAttribute[Any], order: InstrumentedAttribute[Any]
    ) -> DataLoader[uuid.UUID, list[M]]:
        async def load(parent_ids: list[uuid.UUID]) -> list[list[M]]:
            rows = await self._session.scalars(
                select(model).where(parent.in_(parent_ids)).order_by(order)
            )
            grouped: dict[uuid.UUID, list[M]] = defaultdict(list)
            for row in rows:
                grouped[getattr(row, parent.key)].append(row)
            return [grouped.get(i, []) for i in parent_ids]

        return DataLoader(load)

    async def _linked_attachments(
        self,
        link: type[DecisionAttachment] | type[NoticeAttachment],
        owner: InstrumentedAttribute[Any],
        ids: list[uuid.UUID],
    ) -> list[list[Attachment]]:
        rows = await self._session.execute(
            select(owner, Attachment)
            .join(Attachment, Attachment.id == link.attachment_id)
            .where(owner.in_(ids))
            .order_by(Attachment.id)
        )
        grouped: dict[uuid.UUID, list[Attachment]] = defaultdict(list)
        for owner_id, attachment in rows.tuples():
            grouped[owner_id].append(attachment)
        return [grouped.get(i, []) for i in ids]

    async def _decision_attachments(self, ids: list[uuid.UUID]) -> list[list[Attachment]]:
        return await self._linked_attachments(
            DecisionAttachment, DecisionAttachment.decision_id, ids
        )

    async def _notice_attachments(self, ids: list[uuid.UUID]) -> list[list[Attachment]]:
        return await self._linked_attachments(NoticeAttachment, NoticeAttachment.notice_id, ids)

    # ---- pages of children ---------------------------------------------------------------

    def _pages(
        self,
        model: type[M],
        parent: InstrumentedAttribute[Any],
        order: InstrumentedAttribute[Any],
        *,
        descending: bool,
        where: Where | None = None,
    ) -> DataLoader[PageKey, Page[M]]:
        async def load(keys: list[PageKey]) -> list[Page[M]]:
            groups: dict[tuple[int, Any, Hashable], list[uuid.UUID]] = defaultdict(list)
            for key in keys:
                groups[(key.first, key.after, key.filter)].append(key.parent)
            pages: dict[PageKey, Page[M]] = {}
            for (first, after, filter_), parents in groups.items():
                condition = None if where is None else where(filter_)
                rows = await self._page_rows(
                    model, parent, order, descending, parents, first, after, condition
                )
                for parent_id in parents:
                    pages[PageKey(parent_id, first, after, filter_)] = cut(
                        rows.get(parent_id, []), PageArgs(first, after)
                    )
            return [pages[k] for k in keys]

        return DataLoader(load)

    async def _page_rows(
        self,
        model: type[M],
        parent: InstrumentedAttribute[Any],
        order: InstrumentedAttribute[Any],
        descending: bool,
        parents: Sequence[uuid.UUID],
        first: int,
        after: Any,
        condition: ColumnElement[bool] | None,
    ) -> dict[uuid.UUID, list[M]]:
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
        grouped: dict[uuid.UUID, list[M]] = defaultdict(list)
        for item in result:
            grouped[getattr(item, parent.key)].append(item)
        return grouped


def _own(column: InstrumentedAttribute[Any], org: str | None, own: bool) -> ColumnElement[bool]:
    """Rows of the caller's organisation (``own``) or the others (a NULL owner is not own)."""
    if org is None:
        return false() if own else true()
    return column == org if own else or_(column.is_(None), column != org)


def _any_of(conditions: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    return or_(*conditions) if conditions else false()


def decision_where(principal: Principal) -> Where:
    """Filter: a frozenset of visible (authority, own) classes; ``None`` for all rows."""
    org = principal.organisation_id

    def where(classes: frozenset[tuple[Authority, bool]] | None) -> ColumnElement[bool] | None:
        if classes is None:
            return None
        return _any_of(
            [
                and_(Decision.authority == a, _own(Decision.issuer_id, org, own))
                for a, own in classes
            ]
        )

    return where


def attachment_where(principal: Principal) -> Where:
    """Filter: a frozenset of visible (health, own) classes; ``None`` for all rows."""
    org = principal.organisation_id
    health_kind = Attachment.kind == AttachmentKind.MEDICAL_STATEMENT

    def where(classes: frozenset[tuple[bool, bool]] | None) -> ColumnElement[bool] | None:
        if classes is None:
            return None
        return _any_of(
            [
                and_(
                    health_kind if health else not_(health_kind),
                    _own(Attachment.uploaded_by_org, org, own),
                )
                for health, own in classes
            ]
        )

    return where


def notice_where(principal: Principal) -> Where:
    """Filter: a frozenset of visible ``own`` values (the caller's organisation sent or
    received the notice); ``None`` for all rows."""
    org = principal.organisation_id
    own = false() if org is None else or_(Notice.sender_id == org, Notice.recipient_id == org)

    def where(classes: frozenset[bool] | None) -> ColumnElement[bool] | None:
        if classes is None or classes == {True, False}:
            return None
        if not classes:
            return false()
        return own if True in classes else not_(own)

    return where
