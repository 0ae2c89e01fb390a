"""Loading what access decisions depend on, for a batch of clients at once.

Three small queries per batch, whatever its size: the principal's active guardianships
over these clients, the notices linking the principal's organisation to them, and the
consent state of every one of them (one query on the ledger's projection).
"""

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from authz.guard import ClientAccess
from authz.principal import COUNTY_ROLES, Principal
from authz.relation import ClientFacts, subjects
from ledger.service import load_states
from schema.enums import GuardianshipKind, Role
from schema.models import Client, Guardianship, Notice


def active_guardianship(person: str, today: date) -> list[ColumnElement[bool]]:
    """The SQL conditions of a guardianship of ``person`` in force on ``today``."""
    return [
        Guardianship.guardian_personal_id == person,
        Guardianship.valid_from <= today,
        or_(Guardianship.valid_until.is_(None), Guardianship.valid_until >= today),
    ]


async def load_access(
    session: AsyncSession, principal: Principal, clients: Sequence[Client], today: date
) -> dict[uuid.UUID, ClientAccess]:
    ids = [c.id for c in clients]
    if not ids:
        return {}
    kinds: dict[uuid.UUID, set[GuardianshipKind]] = {}
    if Role.guardian in principal.roles and principal.person:
        rows = await session.execute(
            select(Guardianship.ward_id, Guardianship.kind).where(
                Guardianship.ward_id.in_(ids), *active_guardianship(principal.person, today)
            )
        )
        for ward_id, kind in rows:
            kinds.setdefault(ward_id, set()).add(kind)
    parties: set[uuid.UUID] = set()
    if principal.roles & COUNTY_ROLES and principal.organisation_id:
        org = principal.organisation_id
        parties = set(
            await session.scalars(
                select(Notice.client_id)
                .where(
                    Notice.client_id.in_(ids),
                    or_(Notice.sender_id == org, Notice.recipient_id == org),
                )
                .distinct()
            )
        )
    states = await load_states(session, ids)
    found: dict[uuid.UUID, ClientAccess] = {}
    for client in clients:
        facts = ClientFacts(
            client_id=client.id,
            organiser_id=client.organiser_id,
            personal_id=client.personal_id,
            protected_identity=client.protected_identity,
            guardianships=frozenset(kinds.get(client.id, ())),
            notice_party=client.id in parties,
        )
        found[client.id] = ClientAccess(facts, subjects(principal, facts), states[client.id])
    return found
