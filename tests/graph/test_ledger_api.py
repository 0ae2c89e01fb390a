"""The transparency log in the API: checkpoints, proofs and keys for any caller, receipts
for those who may read the client's consent, verification and checkpoints for a dpo."""

import asyncio
import base64
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from prometheus_client import REGISTRY
from sqlalchemy import select

from graph.app import create_app
from graph.settings import Settings
from ledger.merkle import leaf_hash, verify_consistency, verify_inclusion
from ledger.note import open_checkpoint, parse_verifier_key
from ledger.receipts import verify_receipt
from schema.enums import DataCategory
from schema.models import AccessLogEntry
from tests.factories import (
    KELA_HANDLER,
    LAPPI_WORKER,
    PIRKANMAA_WORKER,
    client_principal,
    inform,
    personal_id,
    register,
)
from tests.ledger.logkit import as_owner
from tests.support import Api, Clock, principal

ORIGIN = "api.infocap.test/consent"
KELA_DPO = principal("dpo", "kela")
LAPPI_DPO = principal("dpo", "wc-lappi")
GRANT = "mutation($input: ConsentGrantInput!) { grantConsent(input: $input) { id seq hash } }"
FIELDS = "treeSize rootHash note createdAt previousTreeSize consistencyProof witnessed cosignedBy"
CREATE = f"mutation {{ createCheckpoint {{ {FIELDS} }} }}"
CHECKPOINT = f"query($size: Int) {{ ledgerCheckpoint(treeSize: $size) {{ {FIELDS} }} }}"
RECEIPT = "query($id: ID!) { consentReceipt(eventId: $id) }"
VERIFY = """{ verifyLedger { ok events chains treeSize checkpoints brokenClientId brokenSeq
  brokenCheckpoint problem } }"""
KEYS = "{ ledgerPublicKey ledgerPublicKeyPem }"


def write_key(path: Path) -> Path:
    key = Ed25519PrivateKey.generate()
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


@contextlib.asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[Api]:
    app = create_app(settings, clock=Clock())
    async with app.router.lifespan_context(app):
        yield Api(app)


@pytest.fixture
def log_settings(settings: Settings, tmp_path: Path) -> Settings:
    return replace(
        settings,
        ledger_key_file=write_key(tmp_path / "ledger.pem"),
        ledger_origin=ORIGIN,
        checkpoint_interval=0,
    )


@pytest.fixture
async def api(log_settings: Settings) -> AsyncIterator[Api]:
    async with serving(log_settings) as served:
        yield served


async def client_with_grants(api: Api, count: int) -> tuple[str, str, list[dict[str, Any]]]:
    """A client registered by a Pirkanmaa worker, with ``count`` ledger events: the
    INFORMED event a grant needs first, then ``count - 1`` grants to Kela (purposes
    numbered from 1, so grant ``n`` is at seq ``n + 1``). Answers the grants."""
    pid = personal_id()
    client_id = await register(api, personalId=pid)
    await inform(api, client_principal(pid), client_id)
    made = []
    for n in range(1, count):
        data = {
            "clientId": client_id,
            "granteeId": "kela",
            "categories": ["PLAN"],
            "purpose": f"Toimeentulotuki {n}",
        }
        made.append((await api.ok(client_principal(pid), GRANT, input=data))["grantConsent"])
    return client_id, pid, made


def b64(values: list[str]) -> list[bytes]:
    return [base64.b64decode(v) for v in values]


async def test_keys_and_checkpoints_are_public_to_any_caller(api: Api):
    _, pid, _ = await client_with_grants(api, 2)
    config = api.runtime.log
    for who in (client_principal(pid), KELA_HANDLER, LAPPI_DPO):
        keys = await api.ok(who, KEYS)
        assert keys["ledgerPublicKey"] == str(config.verifier)
        assert keys["ledgerPublicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
        assert (await api.ok(who, CHECKPOINT))["ledgerCheckpoint"] is None
    assert parse_verifier_key(keys["ledgerPublicKey"]).name == ORIGIN


async def test_a_dpo_makes_checkpoints_and_anyone_reads_them(api: Api):
    _, pid, _ = await client_with_grants(api, 2)
    made = REGISTRY.get_sample_value("infocap_ledger_checkpoints_total") or 0.0
    first = (await api.ok(KELA_DPO, CREATE))["createCheckpoint"]
    assert REGISTRY.get_sample_value("infocap_ledger_checkpoints_total") == made + 1
    assert (first["treeSize"], first["previousTreeSize"], first["consistencyProof"]) == (
        2,
        None,
        None,
    )
    assert (first["witnessed"], first["cosignedBy"]) == (False, [])
    await client_with_grants(api, 3)
    second = (await api.ok(LAPPI_DPO, CREATE))["createCheckpoint"]
    assert (second["treeSize"], second["previousTreeSize"]) == (5, 2)
    key = api.runtime.log.verifier
    assert open_checkpoint(second["note"], key)[0].size == 5
    roots = {c["treeSize"]: base64.b64decode(c["rootHash"]) for c in (first, second)}
    assert verify_consistency(2, 5, roots[2], roots[5], b64(second["consistencyProof"]))

    reader = client_principal(pid)
    assert (await api.ok(reader, CHECKPOINT))["ledgerCheckpoint"] == second
    assert (await api.ok(reader, CHECKPOINT, size=2))["ledgerCheckpoint"] == first
    assert (await api.ok(reader, CHECKPOINT, size=3))["ledgerCheckpoint"] is None
    proof = await api.ok(reader, "{ ledgerConsistencyProof(fromSize: 2, toSize: 5) }")
    assert proof["ledgerConsistencyProof"] == second["consistencyProof"]
    first_path = await api.ok(reader, "{ ledgerInclusionProof(index: 0) }")
    last_path = await api.ok(reader, "{ ledgerInclusionProof(index: 4) }")
    # in the latest checkpoint's tree of 5: leaf 0 needs [1], [2,4) and [4,5); leaf 4 needs [0,4)
    assert len(first_path["ledgerInclusionProof"]) == 3
    assert len(last_path["ledgerInclusionProof"]) == 1


async def test_inclusion_proofs_verify_against_the_checkpoint(api: Api):
    _, pid, made = await client_with_grants(api, 3)
    checkpoint = (await api.ok(KELA_DPO, CREATE))["createCheckpoint"]
    root = base64.b64decode(checkpoint["rootHash"])
    receipt = (await api.ok(client_principal(pid), RECEIPT, id=made[1]["id"]))["consentReceipt"]
    index = receipt["logIndex"]
    query = f"{{ ledgerInclusionProof(index: {index}, treeSize: 3) }}"
    path = b64((await api.ok(client_principal(pid), query))["ledgerInclusionProof"])
    assert verify_inclusion(index, 3, leaf_hash(bytes.fromhex(made[1]["hash"])), path, root)


@pytest.mark.parametrize(
    "query",
    [
        "{ ledgerConsistencyProof(fromSize: 3, toSize: 2) }",
        "{ ledgerConsistencyProof(fromSize: 0, toSize: 99) }",
        "{ ledgerInclusionProof(index: 2, treeSize: 2) }",
        "{ ledgerInclusionProof(index: -1, treeSize: 2) }",
    ],
)
async def test_proofs_outside_the_log_are_bad_input(api: Api, query: str):
    await client_with_grants(api, 2)
    await api.ok(KELA_DPO, CREATE)
    await api.fails(KELA_HANDLER, query, "BAD_USER_INPUT")


async def test_only_a_dpo_makes_checkpoints_and_verifies(api: Api):
    _, pid, _ = await client_with_grants(api, 1)
    for who in (KELA_HANDLER, PIRKANMAA_WORKER, client_principal(pid)):
        await api.fails(who, CREATE, "FORBIDDEN")
        await api.fails(who, VERIFY, "FORBIDDEN")


async def test_a_dpo_verifies_the_ledger_and_is_told_where_it_broke(api: Api, database_url: str):
    client_id, _, _ = await client_with_grants(api, 3)
    await api.ok(KELA_DPO, CREATE)
    found = (await api.ok(KELA_DPO, VERIFY))["verifyLedger"]
    assert found == {
        "ok": True,
        "events": 3,
        "chains": 1,
        "treeSize": 3,
        "checkpoints": 1,
        "brokenClientId": None,
        "brokenSeq": None,
        "brokenCheckpoint": None,
        "problem": None,
    }
    client = uuid.UUID(client_id)
    as_owner(
        database_url,
        (
            "UPDATE consent_events SET canonical = replace(canonical, 'tuki 1', 'tuki 7') "
            "WHERE client_id = :client AND seq = 2",
            {"client": client.hex if "sqlite" in database_url else client_id},
        ),
    )
    broken = (await api.ok(KELA_DPO, VERIFY))["verifyLedger"]
    assert (broken["ok"], broken["brokenClientId"], broken["brokenSeq"]) == (False, client_id, 2)
    assert "hash" in broken["problem"]


async def test_a_receipt_for_those_who_may_read_the_client_s_consent(api: Api):
    client_id, pid, made = await client_with_grants(api, 2)
    event_id = made[0]["id"]
    await api.fails(client_principal(pid), RECEIPT, "CONFLICT", id=event_id)  # no checkpoint
    await api.ok(KELA_DPO, CREATE)
    key = api.runtime.log.verifier
    for who in (client_principal(pid), PIRKANMAA_WORKER, KELA_DPO):
        receipt = (await api.ok(who, RECEIPT, id=event_id))["consentReceipt"]
        assert receipt["event"]["client"] == client_id
        assert verify_receipt(receipt, key) == []
    other_pid = personal_id()
    await register(api, personalId=other_pid)
    for who in (client_principal(other_pid), LAPPI_WORKER, LAPPI_DPO):
        assert (await api.ok(who, RECEIPT, id=event_id))["consentReceipt"] is None
    assert (await api.ok(KELA_DPO, RECEIPT, id="00000000-0000-7000-8000-000000000000")) == {
        "consentReceipt": None
    }
    await api.fails(KELA_DPO, RECEIPT, "BAD_USER_INPUT", id="not-an-id")
    async with api.runtime.sessions() as session:
        logged = (
            await session.scalars(
                select(AccessLogEntry).where(AccessLogEntry.category == DataCategory.CONSENT)
            )
        ).all()
    assert {(e.subject, e.allowed) for e in logged} >= {(client_principal(pid).subject, True)}


async def test_without_a_log_key_the_log_answers_that_it_is_not_configured(settings: Settings):
    async with serving(settings) as api:
        await api.fails(KELA_DPO, "{ ledgerPublicKey }", "LOG_UNAVAILABLE")
        await api.fails(KELA_DPO, CREATE, "LOG_UNAVAILABLE")
        assert (await api.ok(KELA_DPO, CHECKPOINT))["ledgerCheckpoint"] is None
        assert (await api.ok(KELA_DPO, VERIFY))["verifyLedger"]["ok"] is True


async def test_the_service_makes_checkpoints_on_its_schedule(log_settings: Settings):
    async with serving(replace(log_settings, checkpoint_interval=1)) as api:
        await client_with_grants(api, 2)
        for _ in range(200):  # waits for the schedule, up to 20 s; no speed is asserted
            found = (await api.ok(KELA_HANDLER, CHECKPOINT))["ledgerCheckpoint"]
            if found is not None and found["treeSize"] == 2:
                break
            await asyncio.sleep(0.1)
        assert found is not None
        assert found["treeSize"] == 2
