"""Loading what access decisions depend on, for a batch of clients at once.

Three small queries per batch, whatever its size: the principal's active guardianships
over these clients; the organisations with a client relationship with each of them,
together (one UNION ALL) with the notices linking the principal's organisation to them;
and the consent state of every one of them (one query on the ledger's projection). For
a dpo one more: the ledger events its organisation's access-log rows name.
"""

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from sqlalchemy import Boolean, ColumnElement, String, literal, or_, select, union, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from authz import rows
from authz.guard import ClientAccess
from authz.principal import COUNTY_ROLES, Principal
from authz.relation import ClientFacts, subjects
from ledger.service import load_states
from ledger.state import ConsentState, Grant, Prohibition
from schema.enums import GuardianshipKind, Role
from schema.models import AccessLogEntry, Client, ClientRelationship, Guardianship, Notice
from schema.pii import CLIENT_CODE, Keyring


def active_guardianship(person_hash: str, today: date) -> list[ColumnElement[bool]]:
    """The SQL conditions of a guardianship in force on ``today`` of the person whose
    code's lookup hash is ``person_hash``."""
    return [
        Guardianship.guardian_hash == person_hash,
        Guardianship.valid_from <= today,
        or_(Guardianship.valid_until.is_(None), Guardianship.valid_until >= today),
    ]


async def load_access(
    session: AsyncSession,
    principal: Principal,
    clients: Sequence[Client],
    today: date,
    pii: Keyring,
) -> dict[uuid.UUID, ClientAccess]:
    ids = [c.id for c in clients]
    if not ids:
        return {}
    kinds: dict[uuid.UUID, set[GuardianshipKind]] = {}
    if Role.guardian in principal.roles and principal.person:
        rows = await session.execute(
            select(Guardianship.ward_id, Guardianship.kind).where(
                Guardianship.ward_id.in_(ids),
                *active_guardianship(pii.lookup(principal.person), today),
            )
        )
        for ward_id, kind in rows:
            kinds.setdefault(ward_id, set()).add(kind)
    relationships, parties = await _relationships_and_notices(session, principal, ids)
    states = await load_states(session, ids)
    named = await _log_named(session, principal, ids)
    found: dict[uuid.UUID, ClientAccess] = {}
    for client in clients:
        facts = ClientFacts(
            client_id=client.id,
            organiser_id=client.organiser_id,
            personal_id=pii.decrypt(client.personal_id_cipher, CLIENT_CODE),
            protected_identity=client.protected_identity,
            guardianships=frozenset(kinds.get(client.id, ())),
            notice_party=client.id in parties,
            relationships=frozenset(relationships.get(client.id, ())),
            log_named=frozenset(named.get(client.id, ())),
        )
        state = states[client.id]
        if Role.dpo in principal.roles:
            facts = replace(facts, audited_ends=_audited_ends(principal, facts, state))
        found[client.id] = ClientAccess(facts, subjects(principal, facts), state)
    return found


async def _log_named(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, set[int]]:
    """For a dpo: the ledger seqs its organisation's access-log rows about these clients
    name (a grant that allowed, a prohibition that blocked): one statement."""
    org = principal.organisation_id
    if Role.dpo not in principal.roles or org is None:
        return {}
    log = AccessLogEntry
    granted = select(log.client_id, log.consent_seq.label("seq")).where(
        log.client_id.in_(ids), log.consent_seq.is_not(None), log.organisation_id == org
    )
    blocked = select(log.client_id, log.prohibition_seq.label("seq")).where(
        log.client_id.in_(ids), log.prohibition_seq.is_not(None), log.organisation_id == org
    )
    named: dict[uuid.UUID, set[int]] = {}
    for client_id, seq in await session.execute(union(granted, blocked)):
        if seq is not None:
            named.setdefault(client_id, set()).add(seq)
    return named


def _audited_ends(principal: Principal, facts: ClientFacts, state: ConsentState) -> frozenset[int]:
    """The events that ended a grant or prohibition the dpo audits (``rows.CONSENT_RULE``):
    a consent row names the event that ended it."""
    audited = rows.CONSENT_RULE.audited
    items: list[Grant | Prohibition] = [*state.grants, *state.prohibitions]
    return frozenset(
        item.ended_seq
        for item in items
        if item.ended_seq is not None and audited.of(item, principal, facts)
    )


async def _relationships_and_notices(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> tuple[dict[uuid.UUID, set[str]], set[uuid.UUID]]:
    """Every organisation with a client relationship with each client and, for county
    staff, the clients their organisation sent or received a notice about: one statement."""
    query = select(
        ClientRelationship.client_id,
        ClientRelationship.organisation_id,
        literal(True, Boolean).label("relationship"),
    ).where(ClientRelationship.client_id.in_(ids))
    org = principal.organisation_id
    if principal.roles & COUNTY_ROLES and org:
        notices = select(Notice.client_id, literal(org, String), literal(False, Boolean)).where(
            Notice.client_id.in_(ids), or_(Notice.sender_id == org, Notice.recipient_id == org)
        )
        rows = await session.execute(union_all(query, notices))
    else:
        rows = await session.execute(query)
    relationships: dict[uuid.UUID, set[str]] = {}
    parties: set[uuid.UUID] = set()
    for client_id, organisation_id, is_relationship in rows:
        if is_relationship:
            relationships.setdefault(client_id, set()).add(organisation_id)
        else:
            parties.add(client_id)
    return relationships, parties
