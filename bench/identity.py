"""Who a generated client is: the ``clients`` row, the ``personal_id_index`` row that keeps a
code one client's, and the client's guardianships (which name the guardian by code).

Kept in one place on purpose: how personal identity codes are stored changes these three
rows and nothing else of the dataset, so only this module changes with it. Codes are
stored as the service stores them (``schema/pii.py``): AES-GCM ciphertext and the keyed
lookup hash, under the keyring the benchmarked service is configured with
(``INFOCAP_PII_KEY_FILE``; the harness makes one per run, ``bench_keyring``).
"""

import os
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from schema.models.client import personal_id_lookup
from schema.pii import (
    CLIENT_CODE,
    DEVELOPMENT,
    GUARDIAN_CODE,
    Keyring,
    new_keyring,
    read_keyring,
    write_keyring,
)

CLIENT_COLUMNS = (
    "id",
    "personal_id_cipher",
    "personal_id_hash",
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
    "guardian_cipher",
    "guardian_hash",
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


def bench_keyring(directory: Path) -> Path:
    """A fresh keyring for one benchmark run, written to ``directory``: the loader stores
    codes under it and every served process reads it (``INFOCAP_PII_KEY_FILE``)."""
    path = directory / "pii-keys.json"
    write_keyring(path, new_keyring("bench"))
    return path


def environment_keyring() -> Keyring:
    """The keyring of ``INFOCAP_PII_KEY_FILE``, as the service reads it (the baselines,
    which decrypt codes as the service does); the development keyring without it."""
    path = os.environ.get("INFOCAP_PII_KEY_FILE", "").strip()
    return read_keyring(Path(path)) if path else DEVELOPMENT


def stored_code(code: str, keyring: Keyring) -> dict[str, str]:
    """A client's code as ``clients`` stores it (for rows inserted through the ORM)."""
    return {
        "personal_id_cipher": keyring.encrypt(code, CLIENT_CODE),
        "personal_id_hash": personal_id_lookup(code, keyring),
    }


def shown_code(stored: str, keyring: Keyring) -> str:
    """A client's code from its ciphertext, as the service shows it."""
    return keyring.decrypt(stored, CLIENT_CODE)


def identity_rows(
    person: Person, guardians: list[Guardian], keyring: Keyring
) -> dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]]:
    """The rows of ``clients``, ``personal_id_index`` and ``guardianships`` for one client,
    by table: (columns, rows)."""
    lookup = personal_id_lookup(person.personal_id, keyring)
    client = (
        person.id,
        keyring.encrypt(person.personal_id, CLIENT_CODE),
        lookup,
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
        "personal_id_index": (INDEX_COLUMNS, [(lookup, person.id)]),
        "guardianships": (
            GUARDIANSHIP_COLUMNS,
            [
                (
                    person.id,
                    g.id,
                    keyring.encrypt(g.personal_id, GUARDIAN_CODE),
                    keyring.lookup(g.personal_id),
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
