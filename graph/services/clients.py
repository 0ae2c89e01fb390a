"""Registering clients and keeping their details."""

import re
import uuid
from datetime import datetime

from sqlalchemy import select

from graph.context import Context
from graph.domain import personal_id
from graph.errors import BadUserInput, Conflict
from graph.loaders import ClientView
from graph.services.lookup import client_view, known_organisation, text
from graph.types.client_inputs import DigitalProfileInput, RegisterClientInput, UpdateClientInput
from graph.types.contact import ContactPersonInput
from ledger.service import start_chain
from schema.base import new_id
from schema.db import insert_if_absent
from schema.enums import AccessAction, DataCategory, OrganisationType
from schema.models import Client, ContactPerson, DigitalProfile

ORGANISER_TYPES = (OrganisationType.WELLBEING_COUNTY, OrganisationType.MUNICIPALITY)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_personal_id(value: str) -> str:
    try:
        return personal_id.parse(value).code
    except personal_id.InvalidPersonalId as error:
        raise BadUserInput(str(error)) from error


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
    allowed = ctx.guard.authorize(None, "client", "register", category=DataCategory.IDENTITY)
    code = parse_personal_id(data.personal_id)
    client_id = new_id()
    name = text(data.name, "name", limit=200, required=True) or ""
    values = {
        "id": client_id,
        "personal_id": code,
        "name": name,
        "search_name": name.casefold(),
        "language": data.language,
        "organiser_id": _organiser(ctx, str(data.organiser_id)),
        "address": text(data.address, "address", limit=400),
        "phone": text(data.phone, "phone", limit=64),
        "email": _email(data.email),
        "protected_identity": data.protected_identity,
        "immigrant": data.immigrant,
        "registered_at": ctx.now,
        "registered_by_org": ctx.principal.organisation_id,
    }
    if not await insert_if_absent(ctx.session, Client, values, ["personal_id"]):
        raise Conflict("a client with this personal identity code is already registered")
    await start_chain(ctx.session, client_id)
    # On record as the caller's write: the registration rate limit counts these rows.
    ctx.guard.record(client_id, DataCategory.IDENTITY, AccessAction.WRITE, allowed)
    if data.digital_profile is not None:
        _record_profile(ctx, client_id, data.digital_profile)
    await ctx.session.flush()
    return await client_view(ctx, client_id)


async def update(ctx: Context, client_id: str, data: UpdateClientInput) -> ClientView:
    view = await client_view(ctx, client_id)
    ctx.guard.authorize(view.access, "client", "update", category=DataCategory.IDENTITY)
    row = view.row
    if data.name is not None:
        row.name = text(data.name, "name", limit=200, required=True) or row.name
    if data.language is not None:
        row.language = data.language
    if data.organiser_id is not None:
        row.organiser_id = _organiser(ctx, str(data.organiser_id))
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
    ctx.loaders.client.clear(row.id)
    return await client_view(ctx, row.id)


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
