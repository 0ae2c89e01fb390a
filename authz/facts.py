"""Loading what access decisions depend on, for a batch of clients at once.

A few small queries per batch, whatever its size: the principal's active guardianships
over these clients (a guardian's only); the organisations with a client relationship
with each of them, together with whether the principal's organisation sent or received
a notice about them (county staff's only); and the consent state of every one of them
(one query on the ledger's projection). ``load_clients`` reads the clients' rows in the
same statement as their relationships and notices, so a response's clients and their
access cost three statements (four for a guardian). For a dpo one more: the ledger
events its organisation's access-log rows name.

The statements are built once, with bind parameters.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    bindparam,
    exists,
    false,
    or_,
    select,
    union,
)
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


def active_guardianship(person_hash: Any, today: Any) -> list[ColumnElement[bool]]:
    """The SQL conditions of a guardianship in force on ``today`` of the person whose
    code's lookup hash is ``person_hash`` (values or bind parameters)."""
    return [
        Guardianship.guardian_hash == person_hash,
        Guardianship.valid_from <= today,
        or_(Guardianship.valid_until.is_(None), Guardianship.valid_until >= today),
    ]


def _each(name: str) -> Any:
    return bindparam(name, expanding=True)


_WARDS = select(Guardianship.ward_id, Guardianship.kind).where(
    Guardianship.ward_id.in_(_each("ids")),
    *active_guardianship(bindparam("person"), bindparam("today")),
)


def _party_of(client: Any) -> ColumnElement[bool]:
    """Whether the principal's organisation sent or received a notice about the client."""
    return exists().where(
        Notice.client_id.in_(_each("ids")),  # names its clients: one partition each
        Notice.client_id == client,
        or_(Notice.sender_id == bindparam("org"), Notice.recipient_id == bindparam("org")),
    )


_CLIENTS = (
    select(Client, ClientRelationship.organisation_id)
    .outerjoin(
        ClientRelationship,
        (ClientRelationship.client_id == Client.id)
        & ClientRelationship.client_id.in_(_each("ids")),
    )
    .where(Client.id.in_(_each("ids")))
)
_CLIENTS_AND_PARTIES = _CLIENTS.add_columns(_party_of(Client.id))
_CLIENTS_ALONE = _CLIENTS.add_columns(false())


def _named_by_log(seq: Any) -> Any:
    log = AccessLogEntry
    return select(log.client_id, seq.label("seq")).where(
        log.client_id.in_(_each("ids")), seq.is_not(None), log.organisation_id == bindparam("org")
    )


_LOG_NAMED = union(
    _named_by_log(AccessLogEntry.consent_seq), _named_by_log(AccessLogEntry.prohibition_seq)
)


@dataclass(frozen=True)
class _Found:
    relationships: dict[uuid.UUID, set[str]]
    parties: set[uuid.UUID]


def _counties_notices(principal: Principal) -> bool:
    """Notices the principal's organisation sent or received relate it to a client."""
    return bool(principal.roles & COUNTY_ROLES and principal.organisation_id)


async def load_access(
    session: AsyncSession,
    principal: Principal,
    clients: Sequence[Client],
    today: date,
    pii: Keyring,
) -> dict[uuid.UUID, ClientAccess]:
    """The access of each of ``clients`` (rows the caller already holds), read as
    ``load_clients`` reads it: the service's one way."""
    found = await load_clients(session, principal, [c.id for c in clients], today, pii)
    return {client.id: access for client, access in found}


async def load_clients(
    session: AsyncSession,
    principal: Principal,
    ids: Sequence[uuid.UUID],
    today: date,
    pii: Keyring,
) -> list[tuple[Client, ClientAccess]]:
    """The clients of ``ids`` that exist, each with its access: the rows, relationships
    and notices in one statement."""
    if not ids:
        return []
    parties = _counties_notices(principal)
    statement = _CLIENTS_AND_PARTIES if parties else _CLIENTS_ALONE
    values = {"ids": list(ids), "org": principal.organisation_id}
    by_id: dict[uuid.UUID, Client] = {}
    found = _Found({}, set())
    for client, organisation, party in await session.execute(statement, values):
        by_id[client.id] = client
        if organisation is not None:
            found.relationships.setdefault(client.id, set()).add(organisation)
        if party:
            found.parties.add(client.id)
    clients = list(by_id.values())
    access = await _access(session, principal, clients, found, today, pii)
    return [(c, access[c.id]) for c in clients]


async def _access(
    session: AsyncSession,
    principal: Principal,
    clients: Sequence[Client],
    found: _Found,
    today: date,
    pii: Keyring,
) -> dict[uuid.UUID, ClientAccess]:
    ids = [c.id for c in clients]
    if not ids:
        return {}
    kinds: dict[uuid.UUID, set[GuardianshipKind]] = {}
    if Role.guardian in principal.roles and principal.person:
        values = {"ids": ids, "person": pii.lookup(principal.person), "today": today}
        for ward_id, kind in await session.execute(_WARDS, values):
            kinds.setdefault(ward_id, set()).add(kind)
    states = await load_states(session, ids)
    named = await _log_named(session, principal, ids)
    access: dict[uuid.UUID, ClientAccess] = {}
    for client in clients:
        facts = ClientFacts(
            client_id=client.id,
            organiser_id=client.organiser_id,
            personal_id=pii.decrypt(client.personal_id_cipher, CLIENT_CODE),
            protected_identity=client.protected_identity,
            guardianships=frozenset(kinds.get(client.id, ())),
            notice_party=client.id in found.parties,
            relationships=frozenset(found.relationships.get(client.id, ())),
            log_named=frozenset(named.get(client.id, ())),
        )
        state = states[client.id]
        if Role.dpo in principal.roles:
            facts = replace(facts, audited_ends=_audited_ends(principal, facts, state))
        access[client.id] = ClientAccess(facts, subjects(principal, facts), state)
    return access


async def _log_named(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, set[int]]:
    """For a dpo: the ledger seqs its organisation's access-log rows about these clients
    name (a grant that allowed, a prohibition that blocked): one statement."""
    org = principal.organisation_id
    if Role.dpo not in principal.roles or org is None:
        return {}
    named: dict[uuid.UUID, set[int]] = {}
    for client_id, seq in await session.execute(_LOG_NAMED, {"ids": list(ids), "org": org}):
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
