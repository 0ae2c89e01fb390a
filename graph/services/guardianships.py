"""Guardianships: recorded by staff, or imported from the population register's file."""

import csv
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.context import Context
from graph.domain import personal_id
from graph.errors import BadUserInput, Conflict
from graph.services.lookup import client_view, fetch
from schema.base import new_id
from schema.db import insert_if_absent
from schema.enums import DataCategory, GuardianshipKind
from schema.models import Guardianship, PersonalIdIndex
from schema.models.client import personal_id_lookup
from schema.pii import GUARDIAN_CODE, Keyring

UNIQUE = ["guardian_hash", "ward_id", "kind", "valid_from"]
LINE = "__line__"
CSV_COLUMNS = ("guardian_personal_id", "ward_personal_id", "kind", "valid_from", "valid_until")


@dataclass(frozen=True)
class GuardianshipTerms:
    guardian: str
    kind: GuardianshipKind
    valid_from: date
    valid_until: date | None


def terms(
    guardian: str,
    kind: str,
    valid_from: date | None,
    valid_until: date | None,
    ward_code: str,
    today: date,
) -> GuardianshipTerms:
    """Checked terms of a guardianship; ``ValueError`` says what is wrong."""
    try:
        guardian_code = personal_id.parse(guardian).code
    except personal_id.InvalidPersonalId as error:
        raise ValueError(f"guardian: {error}") from error
    if kind not in {k.value for k in GuardianshipKind}:
        raise ValueError(f"unknown kind {kind!r}")
    start = valid_from or today
    end = valid_until
    if end is None and kind == GuardianshipKind.PARENT_OF_MINOR:
        born = personal_id.parse(ward_code).birth_date
        end = _eighteenth_birthday(born) - timedelta(days=1)
    if end is not None and end < start:
        raise ValueError("valid until is before valid from")
    if guardian_code == ward_code:
        raise ValueError("a person is not their own guardian")
    return GuardianshipTerms(guardian_code, GuardianshipKind(kind), start, end)


def _eighteenth_birthday(born: date) -> date:
    try:
        return born.replace(year=born.year + 18)
    except ValueError:  # born on 29 February
        return date(born.year + 18, 3, 1)


def _values(
    ward_id: object, found: GuardianshipTerms, at: datetime, source: str, pii: Keyring
) -> dict[str, object]:
    return {
        "id": new_id(),
        "guardian_cipher": pii.encrypt(found.guardian, GUARDIAN_CODE),
        "guardian_hash": pii.lookup(found.guardian),
        "ward_id": ward_id,
        "kind": found.kind,
        "valid_from": found.valid_from,
        "valid_until": found.valid_until,
        "recorded_at": at,
        "source": source,
    }


async def record(
    ctx: Context,
    ward_id: str,
    guardian: str,
    kind: GuardianshipKind,
    valid_from: date | None,
    valid_until: date | None,
) -> Guardianship:
    view = await client_view(ctx, ward_id)
    ctx.guard.authorize(view.access, "guardianship", "record", category=DataCategory.IDENTITY)
    try:
        found = terms(
            guardian, kind.value, valid_from, valid_until, view.access.facts.personal_id, ctx.today
        )
    except ValueError as error:
        raise BadUserInput(str(error)) from error
    values = _values(view.row.id, found, ctx.now, f"api:{ctx.principal.organisation_id}", ctx.pii)
    if not await insert_if_absent(ctx.session, Guardianship, values, UNIQUE):
        raise Conflict("this guardianship is already recorded")
    return await fetch(ctx, Guardianship, view.row.id, uuid.UUID(str(values["id"])))


@dataclass(frozen=True)
class ImportReport:
    added: int
    already_known: int
    errors: list[str]


async def import_rows(
    session: AsyncSession,
    rows: Iterable[Mapping[str, str]],
    at: datetime,
    today: date,
    pii: Keyring,
) -> ImportReport:
    """Check every row first; write only if all are right (bad input changes nothing).
    Wards are found by their codes' lookup hashes; no code is decrypted."""
    rows = list(rows)
    wards = await _wards(session, rows, pii)
    errors: list[str] = []
    checked: list[tuple[object, GuardianshipTerms]] = []
    for position, row in enumerate(rows, start=2):
        number = int(row.get(LINE) or position)
        missing = [c for c in CSV_COLUMNS[:3] if not (row.get(c) or "").strip()]
        if missing:
            errors.append(f"line {number}: missing {', '.join(missing)}")
            continue
        ward = (row["ward_personal_id"] or "").strip().upper()
        if ward not in wards:
            errors.append(
                f"line {number}: no registered client has the ward's personal identity code"
            )
            continue
        try:
            found = terms(
                row["guardian_personal_id"],
                row["kind"].strip(),
                _date(row.get("valid_from")),
                _date(row.get("valid_until")),
                ward,
                today,
            )
        except ValueError as error:
            errors.append(f"line {number}: {error}")
            continue
        checked.append((wards[ward], found))
    if errors:
        return ImportReport(0, 0, errors)
    added = 0
    for ward_id, found in checked:
        added += await insert_if_absent(
            session, Guardianship, _values(ward_id, found, at, "import", pii), UNIQUE
        )
    return ImportReport(added, len(checked) - added, [])


async def _wards(
    session: AsyncSession, rows: list[Mapping[str, str]], pii: Keyring
) -> dict[str, object]:
    """The clients the file's wards are, by personal identity code: by the codes' keyed
    hashes in the codes' index (one query; nothing decrypted)."""
    codes = {(row.get("ward_personal_id") or "").strip().upper() for row in rows}
    lookups = {personal_id_lookup(code, pii): code for code in codes if code}
    found = await session.execute(
        select(PersonalIdIndex.lookup, PersonalIdIndex.client_id).where(
            PersonalIdIndex.lookup.in_(lookups)
        )
    )
    return {lookups[lookup]: client_id for lookup, client_id in found}


def _date(value: str | None) -> date | None:
    text = (value or "").strip()
    return date.fromisoformat(text) if text else None


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows, each with the line it starts on (quoted fields may span lines)."""
    with path.open(encoding="utf-8-sig", newline="") as source:
        reader = csv.DictReader(source)
        missing = [c for c in CSV_COLUMNS[:3] if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"the file lacks the columns {', '.join(missing)}")
        rows = []
        start = reader.line_num + 1
        for row in reader:
            rows.append(row | {LINE: str(start)})
            start = reader.line_num + 1
        return rows
