"""A client as a principal stood to it at a past moment: the inputs of the relation and
of the decision, replayed from their histories, for explaining an access (I/O).

What the live decision reads now, read as it was at ``at``:

- client relationships opened at or before ``at`` (a relationship opened later gave
  nothing then; relationships are never closed yet);
- notices between the principal's organisation and the client sent at or before ``at``;
- guardianships recorded at or before ``at`` and valid on that day (an ended one still
  explains an access made while it ran);
- the protected-identity flag and the responsible organiser from ``client_fact_changes``
  (they change in place on ``clients``);
- the consent state folded from the ledger's events recorded up to ``at``
  (``ledger.service.state_at``), not from the projection.

The ``ClientAccess`` built from them is the one the guard decides on, with the same
``relation.subjects`` as a live read: an explanation is the live decision, replayed.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from authz.guard import ClientAccess
from authz.principal import COUNTY_ROLES, Principal
from authz.relation import GUARDIAN_ECON, GUARDIAN_FULL, ClientFacts, subjects
from ledger.service import state_at
from schema.enums import GuardianshipKind, Role
from schema.models import (
    AccessLogEntry,
    Client,
    ClientFactChange,
    ClientRelationship,
    Guardianship,
    Notice,
)

KINDS_OF_SUBJECT = {
    GUARDIAN_FULL: frozenset({GuardianshipKind.PARENT_OF_MINOR, GuardianshipKind.GUARDIAN_FULL}),
    GUARDIAN_ECON: frozenset({GuardianshipKind.GUARDIAN_ECONOMIC}),
}


@dataclass(frozen=True)
class Guardians:
    """Which of the client's guardianships stand for the guardian replayed, who is not
    named (the access log keeps no personal identity code): that one guardianship, or
    those of these kinds, or (both ``None``) every one in force."""

    guardianship_id: uuid.UUID | None = None
    kinds: frozenset[GuardianshipKind] | None = None

    @classmethod
    def of_logged(cls, entry: AccessLogEntry) -> "Guardians | None":
        """The guardianships an access-log row's subjects claim (``guardian:FULL``, …);
        ``None`` for a row from before subjects were logged (every one then counts)."""
        if entry.subjects is None:
            return None
        kinds: frozenset[GuardianshipKind] = frozenset()
        for name in entry.subjects.split(","):
            kinds |= KINDS_OF_SUBJECT.get(name, frozenset())
        return cls(kinds=kinds)


@dataclass(frozen=True)
class Replayed:
    """The client as the principal stood to it at ``at``."""

    access: ClientAccess
    at: datetime
    registered: bool
    """The client was registered at ``at`` (before it, it existed for nobody)."""
    facts_recorded: bool
    """The protected-identity flag and the organiser come from their history; ``False``:
    the client has none (rows written around the service), so the current values stand."""
    events: int
    """How many of the client's ledger events were recorded by ``at``."""

    @property
    def relation_names(self) -> list[str]:
        """The caller's relations to the client then (``SELF``, ``GUARDIAN``, …)."""
        return sorted({s.relation.value for s in self.access.subjects if s.relation})

    @property
    def policy_subjects(self) -> list[str]:
        """The policy subjects the caller acted as then."""
        return sorted(s.name for s in self.access.subjects)


async def access_at(
    session: AsyncSession,
    principal: Principal,
    client: Client,
    at: datetime,
    today: date,
    guardians: Guardians | None = None,
) -> Replayed:
    """``principal``'s access to ``client`` at ``at`` (``today`` is that moment's date in
    Helsinki, the date guardianships are valid on)."""
    protected, organiser, recorded = await _facts(session, client, at)
    state, events = await state_at(session, client.id, at)
    facts = ClientFacts(
        client_id=client.id,
        organiser_id=organiser,
        personal_id=client.personal_id,
        protected_identity=protected,
        guardianships=await _guardianships(session, principal, client.id, at, today, guardians),
        notice_party=await _notice_party(session, principal, client.id, at),
        relationships=frozenset(
            await session.scalars(
                select(ClientRelationship.organisation_id).where(
                    ClientRelationship.client_id == client.id, ClientRelationship.opened_at <= at
                )
            )
        ),
    )
    registered = client.registered_at <= at
    found = subjects(principal, facts) if registered else ()
    return Replayed(ClientAccess(facts, found, state), at, registered, recorded, events)


async def _facts(session: AsyncSession, client: Client, at: datetime) -> tuple[bool, str, bool]:
    """The protected-identity flag and the organiser at ``at``: the last change recorded
    by then (before the first one, the first one's: what the client was registered with)."""
    latest = await session.scalar(
        select(ClientFactChange)
        .where(ClientFactChange.client_id == client.id, ClientFactChange.at <= at)
        .order_by(ClientFactChange.seq.desc())
        .limit(1)
    )
    if latest is None:
        latest = await session.scalar(
            select(ClientFactChange)
            .where(ClientFactChange.client_id == client.id)
            .order_by(ClientFactChange.seq)
            .limit(1)
        )
    if latest is None:
        return client.protected_identity, client.organiser_id, False
    return latest.protected_identity, latest.organiser_id, True


async def _guardianships(
    session: AsyncSession,
    principal: Principal,
    client_id: uuid.UUID,
    at: datetime,
    today: date,
    guardians: Guardians | None,
) -> frozenset[GuardianshipKind]:
    if Role.guardian not in principal.roles:
        return frozenset()
    query = select(Guardianship.kind).where(
        Guardianship.ward_id == client_id,
        Guardianship.recorded_at <= at,
        Guardianship.valid_from <= today,
        or_(Guardianship.valid_until.is_(None), Guardianship.valid_until >= today),
    )
    chosen = guardians or Guardians()
    if chosen.guardianship_id is not None:
        query = query.where(Guardianship.id == chosen.guardianship_id)
    if chosen.kinds is not None:
        if not chosen.kinds:
            return frozenset()
        query = query.where(Guardianship.kind.in_(sorted(chosen.kinds)))
    return frozenset(await session.scalars(query))


async def _notice_party(
    session: AsyncSession, principal: Principal, client_id: uuid.UUID, at: datetime
) -> bool:
    org = principal.organisation_id
    if not (principal.roles & COUNTY_ROLES and org):
        return False
    found = await session.scalar(
        select(
            exists().where(
                Notice.client_id == client_id,
                or_(Notice.sender_id == org, Notice.recipient_id == org),
                Notice.sent_at <= at,
            )
        )
    )
    return bool(found)
