"""Receipts: one event, proven offline with the log's verifier key alone (docs/ledger.md).

A receipt is a JSON object: ``event`` (the event as hashed), ``hash``, ``logIndex``,
``treeSize``, ``inclusionProof`` (base64, RFC 9162 order), ``checkpoint`` (the whole
signed note at ``treeSize``, cosignatures included), ``verifierKey``, and
``consentRecord``: what a person reads, in the terms of ISO/IEC TS 27560. The record is
a reading of the event (and, for a withdrawal or a lift, of the event it ends); what is
proven is the event.
"""

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger import checkpoints, log
from ledger.chain import canonical, sha256_hex
from ledger.checkpoints import LogConfig
from ledger.errors import NotCheckpointed
from ledger.merkle import leaf_hash, verify_inclusion
from ledger.note import (
    NoteError,
    VerifierKey,
    b64,
    open_checkpoint,
    signatures_by,
    unb64,
    verify_cosignature,
)
from schema.models import ConsentEvent, LogEntry

STATES = {
    "GRANT": "given",
    "WITHDRAW": "withdrawn",
    "PROHIBIT": "refused",
    "LIFT_PROHIBITION": "refusal lifted",
    "INFORMED": "informed",
}
NameOf = Callable[[str], str | None]


def _party(organisation: str | None, name_of: NameOf) -> dict[str, Any] | None:
    return None if organisation is None else {"id": organisation, "name": name_of(organisation)}


def consent_record(
    event: Mapping[str, Any],
    ended: Mapping[str, Any] | None,
    controller: str,
    name_of: NameOf,
) -> dict[str, Any]:
    """The event as a consent record (ISO/IEC TS 27560 terms). ``ended`` is the GRANT or
    PROHIBIT a WITHDRAW or LIFT_PROHIBITION ends; ``controller`` the client's organiser."""
    kind, body = event["type"], event["body"]
    source = ended["body"] if ended is not None else body
    record: dict[str, Any] = {
        "controller": _party(controller, name_of),
        "piiPrincipal": {"clientId": event["client"]},
        "givenBy": (event["grantor"] or {}).get("kind"),
        "recordedBy": {"organisation": event["actor"].get("org"), "roles": event["actor"]["roles"]},
        "recordedAt": event["at"],
        "state": STATES.get(kind, kind.lower()),
        "purpose": None,
        "categories": [],
        "recipient": None,
        "validity": None,
        "method": body.get("method"),
        "eventSeq": event["seq"],
    }
    if kind in ("GRANT", "WITHDRAW") and "grantee" in source:
        record |= {
            "purpose": source["purpose"],
            "categories": list(source["categories"]),
            "recipient": _party(source["grantee"], name_of),
            "validity": {"from": source["validFrom"], "until": source["validUntil"]},
        }
    elif kind in ("PROHIBIT", "LIFT_PROHIBITION") and "target" in source:
        target = source["target"]
        record |= {
            "purpose": "prohibition of disclosure",
            "categories": [target["category"]] if target.get("category") else [],
            "recipient": _party(target.get("organisation"), name_of),
            "row": {"type": target["rowType"], "id": target["rowId"]}
            if target.get("rowType")
            else None,
        }
    elif kind == "INFORMED":
        record["notice"] = {"textVersion": body["textVersion"], "channel": body["channel"]}
    if kind == "WITHDRAW":
        record["ends"] = body["grant"]
    elif kind == "LIFT_PROHIBITION":
        record["ends"] = body["prohibition"]
    return record


def make_receipt(
    event: Mapping[str, Any],
    digest: str,
    index: int,
    tree_size: int,
    proof: Sequence[bytes],
    note: str,
    key: VerifierKey,
    record: Mapping[str, Any],
) -> dict[str, Any]:
    return {
        "event": dict(event),
        "hash": digest,
        "logIndex": index,
        "treeSize": tree_size,
        "inclusionProof": [b64(p) for p in proof],
        "checkpoint": note,
        "verifierKey": str(key),
        "consentRecord": dict(record),
    }


async def receipt(
    session: AsyncSession,
    row: ConsentEvent,
    config: LogConfig,
    controller: str,
    name_of: NameOf,
) -> dict[str, Any]:
    """The receipt of a stored event, against the latest checkpoint; ``NotCheckpointed``
    when no checkpoint covers it yet."""
    index = await session.scalar(
        select(LogEntry.log_index).where(
            LogEntry.client_id == row.client_id, LogEntry.seq == row.seq
        )
    )
    latest = await checkpoints.latest(session)
    if index is None or latest is None or latest.tree_size <= index:
        raise NotCheckpointed(
            "the event is in no checkpoint yet: its receipt exists after the next checkpoint"
        )
    event = json.loads(row.canonical)
    ended = None
    ends = event["body"].get("grant") or event["body"].get("prohibition")
    if event["type"] in ("WITHDRAW", "LIFT_PROHIBITION") and isinstance(ends, int):
        text = await session.scalar(
            select(ConsentEvent.canonical).where(
                ConsentEvent.client_id == row.client_id, ConsentEvent.seq == ends
            )
        )
        ended = None if text is None else json.loads(text)
    served = await checkpoints.served(session, latest, config)
    return make_receipt(
        event,
        row.hash,
        index,
        latest.tree_size,
        await log.inclusion_proof(session, index, latest.tree_size),
        served.note,
        config.verifier,
        consent_record(event, ended, controller, name_of),
    )


def verify_receipt(
    receipt_: Mapping[str, Any], key: VerifierKey, witnesses: Sequence[VerifierKey] = ()
) -> list[str]:
    """What does not hold in a receipt (an empty list: it verifies), with nothing but the
    log's verifier key and, if asked, the keys of witnesses that must have cosigned."""
    try:
        event, digest = receipt_["event"], receipt_["hash"]
        index, size = receipt_["logIndex"], receipt_["treeSize"]
        proof = [unb64(p) for p in receipt_["inclusionProof"]]
        note = receipt_["checkpoint"]
        if not isinstance(event, dict) or not isinstance(digest, str) or not isinstance(note, str):
            raise TypeError("event, hash or checkpoint of the wrong type")
        if not isinstance(index, int) or not isinstance(size, int):
            raise TypeError("logIndex and treeSize are whole numbers")
    except (KeyError, TypeError, NoteError) as error:
        return [f"not a receipt: {error}"]
    problems = []
    try:
        if sha256_hex(canonical(event)) != digest:
            problems.append("the event does not hash to the receipt's hash")
    except (TypeError, ValueError) as error:
        problems.append(f"the event cannot be hashed: {error}")
    try:
        checkpoint, signatures = open_checkpoint(note, key)
    except NoteError as error:
        return [*problems, f"the checkpoint does not verify: {error}"]
    if checkpoint.size != size:
        problems.append("the checkpoint is not of the receipt's tree size")
    try:
        leaf = leaf_hash(bytes.fromhex(digest))
    except ValueError:
        return [*problems, "the hash is not hex"]
    if not verify_inclusion(index, size, leaf, proof, checkpoint.root):
        problems.append("the inclusion proof does not lead to the checkpoint's root")
    if receipt_.get("verifierKey") not in (None, str(key)):
        problems.append("the receipt names another verifier key")
    for witness in witnesses:
        if not any(
            verify_cosignature(checkpoint.text, s, witness) is not None
            for s in signatures_by(signatures, witness)
        ):
            problems.append(f"no valid cosignature by {witness.ident}")
    problems += _record_problems(receipt_.get("consentRecord"), event)
    return problems


def _record_problems(record: object, event: Mapping[str, Any]) -> list[str]:
    """The consent record's fields that come from the event must be the event's."""
    if not isinstance(record, dict):
        return ["the receipt has no consent record"]
    body = event.get("body") or {}
    expected: dict[str, Any] = {
        "piiPrincipal": {"clientId": event.get("client")},
        "state": STATES.get(str(event.get("type")), str(event.get("type")).lower()),
        "recordedAt": event.get("at"),
        "method": body.get("method"),
    }
    if event.get("type") == "GRANT":
        expected |= {
            "purpose": body.get("purpose"),
            "categories": body.get("categories"),
            "validity": {"from": body.get("validFrom"), "until": body.get("validUntil")},
        }
    wrong = sorted(k for k, v in expected.items() if record.get(k) != v)
    if event.get("type") == "GRANT" and (record.get("recipient") or {}).get("id") != body.get(
        "grantee"
    ):
        wrong.append("recipient")
    return [f"the consent record's {', '.join(wrong)} disagree with the event"] if wrong else []
