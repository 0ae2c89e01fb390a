"""Bodies of the ledger's events, built and checked before anything is appended. No I/O.

Keys are as ``docs/ledger.md`` lists them; times are RFC 3339 UTC text, categories
sorted, and a body holds no floating-point number.
"""

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from ledger.chain import format_time
from ledger.errors import InvalidEvent
from schema.enums import ConsentMethod, DataCategory, RowType


def _categories(categories: Iterable[str]) -> list[str]:
    chosen = sorted(set(categories))
    if not chosen:
        raise InvalidEvent("a grant needs at least one category")
    known = {c.value for c in DataCategory}
    unknown = [c for c in chosen if c not in known]
    if unknown:
        raise InvalidEvent(f"unknown category: {', '.join(unknown)}")
    return chosen


def _organisation(organisation: str, known: Collection[str]) -> str:
    if organisation not in known:
        raise InvalidEvent(f"unknown organisation: {organisation}")
    return organisation


def _method(method: str) -> str:
    if method not in {m.value for m in ConsentMethod}:
        raise InvalidEvent(f"unknown method: {method}")
    return method


def grant_body(
    *,
    grantee: str,
    categories: Iterable[str],
    purpose: str,
    valid_from: datetime,
    valid_until: datetime | None,
    method: str,
    evidence_attachment_id: str | None,
    known_organisations: Collection[str],
    note: str | None = None,
) -> dict[str, Any]:
    if valid_until is not None and valid_until <= valid_from:
        raise InvalidEvent("valid until must be after valid from")
    if not purpose.strip():
        raise InvalidEvent("a grant needs a purpose")
    return {
        "grantee": _organisation(grantee, known_organisations),
        "categories": _categories(categories),
        "purpose": purpose.strip(),
        "validFrom": format_time(valid_from),
        "validUntil": None if valid_until is None else format_time(valid_until),
        "method": _method(method),
        "evidenceAttachmentId": evidence_attachment_id,
        "note": None if note is None else note.strip() or None,
    }


def withdraw_body(*, grant_seq: int, reason: str | None, method: str) -> dict[str, Any]:
    return {"grant": grant_seq, "reason": reason, "method": _method(method)}


def prohibit_body(
    *,
    organisation: str | None,
    category: str | None,
    row_type: str | None,
    row_id: str | None,
    method: str,
    known_organisations: Collection[str],
) -> dict[str, Any]:
    """A prohibition names exactly one target: an organisation, a category, or one row."""
    given = [
        organisation is not None,
        category is not None,
        row_type is not None or row_id is not None,
    ]
    if sum(given) != 1:
        raise InvalidEvent("a prohibition names exactly one target: organisation, category or row")
    target: dict[str, Any]
    if organisation is not None:
        target = {
            "kind": "ORGANISATION",
            "organisation": _organisation(organisation, known_organisations),
        }
    elif category is not None:
        target = {"kind": "CATEGORY", "category": _categories([category])[0]}
    else:
        if row_type not in {r.value for r in RowType} or not row_id:
            raise InvalidEvent("a row target needs a known row type and an id")
        target = {"kind": "ROW", "rowType": row_type, "rowId": row_id}
    return {"target": target, "method": _method(method)}


def lift_body(*, prohibition_seq: int, method: str) -> dict[str, Any]:
    return {"prohibition": prohibition_seq, "method": _method(method)}


def informed_body(*, text_version: str, channel: str) -> dict[str, Any]:
    if not text_version.strip() or not channel.strip():
        raise InvalidEvent("an INFORMED event needs the text version and the channel")
    return {"textVersion": text_version.strip(), "channel": channel.strip()}
