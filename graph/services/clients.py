"""Registering clients, opening client relationships, and keeping clients' details.

Registering a personal identity code that already is a client is not an error: it opens
the caller's organisation's client relationship with that client (Kela staff, related
to every client anyway, only record the act). The answer is the same either way — the
client as the caller now sees it — so that registering never tells whether someone is a
client; the act is accountable instead, on the client's access log with the basis
``REGISTRATION`` and its stated purpose on the relationship (``docs/access.md``).
"""

import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, insert, select
from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncSession

from graph.context import Context
from graph.domain import personal_id
from graph.errors import BadUserInput
from graph.loaders import ClientView
from graph.services.lookup import client_view, known_organisation, text
from graph.types.client_inputs import DigitalProfileInput, RegisterClientInput, UpdateClientInput
from graph.types.contact import ContactPersonInput
from ledger.service import start_chain
from schema.base import new_id
from schema.db import insert_if_absent
from schema.enums import DataCategory, OrganisationType, RelationshipOrigin
from schema.models import (
    Client,
    ClientFactChange,
    ClientRelationship,
    ContactPerson,
    DigitalProfile,
    PersonalIdIndex,
)
from schema.models.client import personal_id_lookup

ORGANISER_TYPES = (OrganisationType.WELLBEING_COUNTY, OrganisationType.MUNICIPALITY)
REGISTERED = "REGISTRATION"
UPDATED = "UPDATE"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_personal_id(value: str) -> str:
    try:
        return personal_id.parse(value).code
    except personal_id.InvalidPersonalId as error:
        raise BadUserInput(str(error)) from error


def client_of_code(code: str) -> Select[uuid.UUID]:
    """The client whose personal identity code is ``code`` (already parsed), from the
    codes' index: the one lookup by code, so that how codes are stored and matched
    changes here only (``personal_id_lookup``)."""
    return select(PersonalIdIndex.client_id).where(
        PersonalIdIndex.lookup == personal_id_lookup(code)
    )


async def client_id_by_code(session: AsyncSession, code: str) -> uuid.UUID | None:
    found: uuid.UUID | None = await session.scalar(client_of_code(code))
    return found


def _organiser(ctx: Context, organisation_id: str) -> str:
    known_organisation(ctx, organisation_id, "organiserId")
    if ctx.organisations[organisation_id].type not in ORGANISER_TYPES:
        raise BadUserInput("the organiser is a wellbeing services county or a municipality")
    return organisation_id


def _email(value: str | None) -> str | None:
    email = text(value, "email", limit=254)
    if email is not None and not _EMAIL.match(email):
        raise BadUserInput("email is not an e-mail address")
    return email


async def register(ctx: Context, data: RegisterClientInput) -> ClientView:
    """Register a client, or open the caller's organisation's relationship with the client
    the code already belongs to; either way the same answer (see the module's docstring)."""
    organiser = _organiser(ctx, str(data.organiser_id))
    decision = ctx.guard.authorize_registration(organiser)
    purpose = text(data.purpose, "purpose", limit=1000, required=True)
    values = _client_values(ctx, data, organiser)
    lookup = personal_id_lookup(values["personal_id"])
    index = {"lookup": lookup, "client_id": values["id"]}
    if await insert_if_absent(ctx.session, PersonalIdIndex, index, ["lookup"]):
        client_id: uuid.UUID = values["id"]
        await ctx.session.execute(insert(Client).values(values))
        await start_chain(ctx.session, client_id)
        await _record_facts(ctx, client_id, values["protected_identity"], organiser, REGISTERED)
        if data.digital_profile is not None:
            _record_profile(ctx, client_id, data.digital_profile)
        await _open_relationship(ctx, client_id, organiser, RelationshipOrigin.RESPONSIBLE, purpose)
    else:
        # The code is a client's already: nothing of theirs is overwritten.
        existing = await client_id_by_code(ctx.session, values["personal_id"])
        if existing is None:
            raise LookupError("the client that won the race is not there")
        client_id = existing
        org = ctx.principal.organisation_id
        if org is not None and ctx.organisations[org].type in ORGANISER_TYPES:
            await _open_relationship(ctx, client_id, org, RelationshipOrigin.REGISTRATION, purpose)
    ctx.guard.record_registration(client_id, decision)
    await ctx.session.flush()
    ctx.loaders.forget_client(client_id)
    return await client_view(ctx, client_id)


def _client_values(ctx: Context, data: RegisterClientInput, organiser: str) -> dict[str, Any]:
    """A new client's row, every field checked (whether or not the code is new)."""
    name = text(data.name, "name", limit=200, required=True) or ""
    return {
        "id": new_id(),
        "personal_id": parse_personal_id(data.personal_id),
        "name": name,
        "search_name": name.casefold(),
        "language": data.language,
        "organiser_id": organiser,
        "address": text(data.address, "address", limit=400),
        "phone": text(data.phone, "phone", limit=64),
        "email": _email(data.email),
        "protected_identity": data.protected_identity,
        "immigrant": data.immigrant,
        "registered_at": ctx.now,
        "registered_by_org": ctx.principal.organisation_id,
    }


async def _open_relationship(
    ctx: Context,
    client_id: uuid.UUID,
    organisation_id: str,
    origin: RelationshipOrigin,
    purpose: str | None,
) -> bool:
    """Open ``organisation_id``'s client relationship unless it is open already; the
    responsible organiser's is opened as ``RESPONSIBLE``. True if it was opened now."""
    return await insert_if_absent(
        ctx.session,
        ClientRelationship,
        {
            "client_id": client_id,
            "organisation_id": organisation_id,
            "responsible": origin == RelationshipOrigin.RESPONSIBLE,
            "origin": origin,
            "opened_at": ctx.now,
            "opened_by_sub": ctx.principal.subject,
            "opened_by_org": ctx.principal.organisation_id,
            "purpose": purpose,
        },
        ["client_id", "organisation_id"],
    )


async def _hand_over(ctx: Context, client_id: uuid.UUID, organiser: str) -> None:
    """Make ``organiser`` the client's responsible organiser: the previous one keeps its
    relationship, no longer responsible; the new one's is opened, or marked responsible."""
    await ctx.session.execute(
        sql_update(ClientRelationship)
        .where(ClientRelationship.client_id == client_id, ClientRelationship.responsible)
        .values(responsible=False)
    )
    if not await _open_relationship(
        ctx, client_id, organiser, RelationshipOrigin.RESPONSIBLE, None
    ):
        await ctx.session.execute(
            sql_update(ClientRelationship)
            .where(
                ClientRelationship.client_id == client_id,
                ClientRelationship.organisation_id == organiser,
            )
            .values(responsible=True)
        )


async def update(ctx: Context, client_id: str, data: UpdateClientInput) -> ClientView:
    view = await client_view(ctx, client_id)
    ctx.guard.authorize(view.access, "client", "update", category=DataCategory.IDENTITY)
    row = view.row
    facts_before = (row.protected_identity, row.organiser_id)
    if data.name is not None:
        row.name = text(data.name, "name", limit=200, required=True) or row.name
    if data.language is not None:
        row.language = data.language
    if data.organiser_id is not None:
        organiser = _organiser(ctx, str(data.organiser_id))
        if organiser != row.organiser_id:
            await _hand_over(ctx, row.id, organiser)
            row.organiser_id = organiser
    if data.address is not None:
        row.address = text(data.address, "address", limit=400)
    if data.phone is not None:
        row.phone = text(data.phone, "phone", limit=64)
    if data.email is not None:
        row.email = _email(data.email)
    if data.protected_identity is not None:
        row.protected_identity = data.protected_identity
    if data.immigrant is not None:
        row.immigrant = data.immigrant
    if data.digital_profile is not None:
        _record_profile(ctx, row.id, data.digital_profile)
    if data.contact_person is not None:
        await set_contact_person(ctx, view, data.contact_person, ctx.now)
    ctx.session.add(row)
    await ctx.session.flush()
    if (row.protected_identity, row.organiser_id) != facts_before:
        await _record_facts(ctx, row.id, row.protected_identity, row.organiser_id, UPDATED)
    ctx.loaders.client.clear(row.id)
    return await client_view(ctx, row.id)


async def _record_facts(
    ctx: Context, client_id: uuid.UUID, protected: bool, organiser: str, how: str
) -> None:
    """Append the client's protected-identity flag and organiser, as they now are, to
    their history (``ClientFactChange``). After the client's row is written: on PostgreSQL
    its lock orders concurrent updates of one client, so each takes the next seq."""
    next_seq = (
        select(func.coalesce(func.max(ClientFactChange.seq), 0) + 1)
        .where(ClientFactChange.client_id == client_id)
        .scalar_subquery()
    )
    await ctx.session.execute(
        insert(ClientFactChange).values(
            client_id=client_id,
            seq=next_seq,
            at=ctx.now,
            protected_identity=protected,
            organiser_id=organiser,
            how=how,
            by_sub=ctx.principal.subject,
            by_org=ctx.principal.organisation_id,
        )
    )


def _record_profile(ctx: Context, client_id: uuid.UUID, data: DigitalProfileInput) -> None:
    ctx.session.add(
        DigitalProfile(
            client_id=client_id,
            has_equipment=data.has_equipment,
            has_skills=data.has_skills,
            recorded_at=ctx.now,
            recorded_by_org=ctx.principal.organisation_id,
        )
    )


async def set_contact_person(
    ctx: Context,
    view: ClientView,
    data: ContactPersonInput,
    at: datetime,
    organisation_id: str | None = None,
) -> None:
    """The named counterpart of ``organisation_id`` (the caller's by default) for the client."""
    org = organisation_id or ctx.principal.organisation_id
    if org is None:
        raise BadUserInput("only staff have a contact person for the client")
    existing = await ctx.session.scalar(
        select(ContactPerson).where(
            ContactPerson.client_id == view.row.id, ContactPerson.organisation_id == org
        )
    )
    person = existing or ContactPerson(client_id=view.row.id, organisation_id=org)
    person.name = text(data.name, "contact person's name", limit=200, required=True) or ""
    person.title = text(data.title, "title", limit=200)
    person.phone = text(data.phone, "phone", limit=64)
    person.email = _email(data.email)
    person.updated_at = at
    ctx.session.add(person)
