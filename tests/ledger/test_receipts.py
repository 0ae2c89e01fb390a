"""Receipts on both databases: made from the stored event, the stored nodes and the latest
checkpoint; verified offline with the verifier key alone; tampering shows; an event in no
checkpoint yet has none."""

import copy
import json
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from ledger import events, receipts
from ledger.chain import canonical, sha256_hex
from ledger.errors import NotCheckpointed
from ledger.note import COSIGNATURE_V1, ED25519, VerifierKey, cosign, split_note
from ledger.service import CLIENT_GRANTOR, append
from ledger.witnessing import checkpoint_now
from schema.enums import ConsentEventType
from schema.models import ConsentEvent, LogCheckpoint
from tests.ledger.logkit import ACTOR, T0, LogDb, as_owner, clients_with_grants, grant

NAMES = {"kela": "Kansaneläkelaitos", "wc-pirkanmaa": "Pirkanmaan hyvinvointialue"}


async def stored(db: LogDb, client_id: uuid.UUID, seq: int) -> ConsentEvent:
    async with db.sessions() as session:
        row = await session.scalar(
            select(ConsentEvent).where(ConsentEvent.client_id == client_id, ConsentEvent.seq == seq)
        )
    assert row is not None
    return row


async def receipt_of(db: LogDb, row: ConsentEvent) -> dict[str, Any]:
    async with db.sessions() as session:
        return await receipts.receipt(session, row, db.config, "wc-pirkanmaa", NAMES.get)


async def test_a_receipt_proves_its_event_offline(logdb: LogDb):
    ids = await clients_with_grants(logdb, [2, 3])
    await checkpoint_now(logdb.sessions, logdb.config, logdb.clock)
    row = await stored(logdb, ids[1], 2)
    made = await receipt_of(logdb, row)
    assert set(made) == {
        "event",
        "hash",
        "logIndex",
        "treeSize",
        "inclusionProof",
        "checkpoint",
        "verifierKey",
        "consentRecord",
    }
    assert canonical(made["event"]).decode() == row.canonical
    assert (made["hash"], made["treeSize"]) == (row.hash, 5)
    assert made["verifierKey"] == str(logdb.config.verifier)
    assert receipts.verify_receipt(made, logdb.config.verifier) == []
    record = made["consentRecord"]
    assert record["controller"] == {"id": "wc-pirkanmaa", "name": NAMES["wc-pirkanmaa"]}
    assert record["piiPrincipal"] == {"clientId": str(ids[1])}
    assert record["recipient"] == {"id": "kela", "name": NAMES["kela"]}
    assert (record["state"], record["method"], record["givenBy"]) == (
        "given",
        "ELECTRONIC",
        "CLIENT",
    )
    assert record["categories"] == ["LIFE_ECONOMY", "PLAN"]
    assert record["purpose"] == "Tarkoitus 1 \u2013 ä"
    assert record["validity"] == {"from": made["event"]["body"]["validFrom"], "until": None}
    json.dumps(made)  # plain JSON throughout


async def test_a_withdrawal_s_record_reads_the_grant_it_ends(logdb: LogDb):
    (client_id,) = await clients_with_grants(logdb, [1])
    async with logdb.sessions() as session, session.begin():
        await append(
            session,
            client_id=client_id,
            type_=ConsentEventType.WITHDRAW,
            body=events.withdraw_body(grant_seq=1, reason="ei enää", method="ELECTRONIC"),
            actor=ACTOR,
            grantor=CLIENT_GRANTOR,
            at=T0,
        )
    await checkpoint_now(logdb.sessions, logdb.config, logdb.clock)
    made = await receipt_of(logdb, await stored(logdb, client_id, 2))
    record = made["consentRecord"]
    assert (record["state"], record["ends"], record["purpose"]) == (
        "withdrawn",
        1,
        "Tarkoitus 0 \u2013 ä",
    )
    assert record["recipient"]["id"] == "kela"
    assert receipts.verify_receipt(made, logdb.config.verifier) == []


async def test_no_receipt_before_the_event_is_in_a_checkpoint(logdb: LogDb):
    (client_id,) = await clients_with_grants(logdb, [1])
    with pytest.raises(NotCheckpointed, match="next checkpoint"):
        await receipt_of(logdb, await stored(logdb, client_id, 1))
    await checkpoint_now(logdb.sessions, logdb.config, logdb.clock)
    await grant(logdb, client_id)
    with pytest.raises(NotCheckpointed):
        await receipt_of(logdb, await stored(logdb, client_id, 2))
    await checkpoint_now(logdb.sessions, logdb.config, logdb.clock)
    assert (await receipt_of(logdb, await stored(logdb, client_id, 2)))["treeSize"] == 2


def tampered(receipt: dict[str, Any], change) -> dict[str, Any]:
    copied = copy.deepcopy(receipt)
    change(copied)
    return copied


async def test_a_tampered_receipt_does_not_verify(logdb: LogDb):
    ids = await clients_with_grants(logdb, [3, 2])
    await checkpoint_now(logdb.sessions, logdb.config, logdb.clock)
    made = await receipt_of(logdb, await stored(logdb, ids[0], 2))
    key = logdb.config.verifier
    changes = {
        "event": lambda r: r["event"]["body"].update(purpose="Muu"),
        "hash": lambda r: r.update(hash=sha256_hex(b"other")),
        "index": lambda r: r.update(logIndex=r["logIndex"] ^ 1),
        "size": lambda r: r.update(treeSize=r["treeSize"] + 1),
        "proof": lambda r: r["inclusionProof"].reverse(),
        "checkpoint": lambda r: r.update(checkpoint=r["checkpoint"].replace("\n5\n", "\n4\n")),
        "record": lambda r: r["consentRecord"].update(purpose="Muu"),
        "recipient": lambda r: r["consentRecord"].update(recipient={"id": "helsinki"}),
        "missing": lambda r: r.pop("inclusionProof"),
    }
    for name, change in changes.items():
        assert receipts.verify_receipt(tampered(made, change), key) != [], name
    other = VerifierKey.of(key.name, ED25519, Ed25519PrivateKey.generate())
    assert receipts.verify_receipt(made, other) != []


async def test_a_receipt_carries_and_checks_witness_cosignatures(logdb: LogDb):
    """A cosignature stored beside the checkpoint is served in the receipt's note; a
    verifier that demands a witness finds it, or finds it missing."""
    (client_id,) = await clients_with_grants(logdb, [2])
    await checkpoint_now(logdb.sessions, logdb.config, logdb.clock)
    witness = Ed25519PrivateKey.generate()
    witness_key = VerifierKey.of("dpo.test/w1", COSIGNATURE_V1, witness)
    async with logdb.sessions() as session:
        note = (await session.scalars(select(LogCheckpoint.note))).one()
    line = cosign(split_note(note)[0], "dpo.test/w1", witness, 1_760_000_000)
    as_owner(
        logdb.url,
        (
            "INSERT INTO ledger_cosignatures (tree_size, witness, line, cosigned_at, received_at)"
            " VALUES (2, :witness, :line, 1760000000, :at)",
            {"witness": witness_key.ident, "line": line.line, "at": T0.replace(tzinfo=None)},
        ),
    )
    made = await receipt_of(logdb, await stored(logdb, client_id, 1))
    assert made["checkpoint"].endswith(line.line)
    assert receipts.verify_receipt(made, logdb.config.verifier, [witness_key]) == []
    stranger = VerifierKey.of("dpo.test/w2", COSIGNATURE_V1, Ed25519PrivateKey.generate())
    assert receipts.verify_receipt(made, logdb.config.verifier, [stranger]) == [
        f"no valid cosignature by {stranger.ident}"
    ]
