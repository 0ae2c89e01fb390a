"""Who a generated client is: the ``clients`` row, the ``personal_id_index`` row that keeps a
code one client's, and the client's guardianships (which name the guardian by code).

Kept in one place on purpose: how personal identity codes are stored (in clear today;
encrypted with a keyed lookup hash is planned) changes these three rows and nothing else
of the dataset, so only this module changes with it.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from schema.models.client import personal_id_lookup

CLIENT_COLUMNS = (
    "id",
    "personal_id",
    "name",
    "search_name",
    "language",
    "organiser_id",
    "address",
    "phone",
    "email",
    "protected_identity",
    "immigrant",
    "registered_at",
    "registered_by_org",
)
INDEX_COLUMNS = ("lookup", "client_id")
GUARDIANSHIP_COLUMNS = (
    "ward_id",
    "id",
    "guardian_personal_id",
    "kind",
    "valid_from",
    "valid_until",
    "recorded_at",
    "source",
)


@dataclass(frozen=True)
class Person:
    """A generated client's identity, as the registration would have recorded it."""

    id: uuid.UUID
    personal_id: str
    name: str
    language: str
    organiser_id: str
    address: str | None
    phone: str | None
    email: str | None
    protected_identity: bool
    immigrant: bool
    registered_at: datetime


@dataclass(frozen=True)
class Guardian:
    id: uuid.UUID
    personal_id: str
    kind: str
    valid_from: date
    valid_until: date | None
    recorded_at: datetime


def identity_rows(
    person: Person, guardians: list[Guardian]
) -> dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]]:
    """The rows of ``clients``, ``personal_id_index`` and ``guardianships`` for one client,
    by table: (columns, rows)."""
    client = (
        person.id,
        person.personal_id,
        person.name,
        person.name.casefold(),
        person.language,
        person.organiser_id,
        person.address,
        person.phone,
        person.email,
        person.protected_identity,
        person.immigrant,
        person.registered_at,
        person.organiser_id,
    )
    return {
        "clients": (CLIENT_COLUMNS, [client]),
        "personal_id_index": (INDEX_COLUMNS, [(personal_id_lookup(person.personal_id), person.id)]),
        "guardianships": (
            GUARDIANSHIP_COLUMNS,
            [
                (
                    person.id,
                    g.id,
                    g.personal_id,
                    g.kind,
                    g.valid_from,
                    g.valid_until,
                    g.recorded_at,
                    "population-register",
                )
                for g in guardians
            ],
        ),
    }
