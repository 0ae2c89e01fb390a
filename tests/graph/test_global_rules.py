"""The rules that stay global when the data is distributed by client (docs/scaling.md):
an issuer's external id names one record whichever client it is about, and a personal
identity code is one client's. And the rule the new keys add: a row names only rows of
its own client."""

import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from schema.models import (
    Application,
    Attachment,
    Decision,
    DecisionAttachment,
    IdempotencyKey,
    Notice,
    PersonalIdIndex,
)
from schema.models.client import personal_id_lookup
from tests.factories import (
    KELA_HANDLER,
    PIRKANMAA_WORKER,
    RECORD_DECISION,
    SEND_NOTICE,
    decision_input,
    personal_id,
    record_decision,
    register,
    send_notice,
    upload,
)

RECORD_APPLICATION = (
    "mutation($input: ApplicationInput!) { recordApplication(input: $input) { id } }"
)


async def count(api, model) -> int:
    async with api.runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_an_external_id_reused_for_another_client_is_a_conflict(api):
    """Idempotency is on issuer + external id, not per client: the second client's record
    with the first one's external id is refused, and nothing of it is written."""
    first, second = await register(api), await register(api)
    await record_decision(api, KELA_HANDLER, first, "K-SHARED")
    await api.fails(
        KELA_HANDLER, RECORD_DECISION, "CONFLICT", input=decision_input(second, "K-SHARED")
    )
    await send_notice(api, KELA_HANDLER, first, "wc-pirkanmaa", external_id="N-SHARED")
    await api.fails(
        KELA_HANDLER,
        SEND_NOTICE,
        "CONFLICT",
        input={
            "clientId": second,
            "type": "CONCERN_NOTICE",
            "recipientId": "wc-pirkanmaa",
            "externalId": "N-SHARED",
            "detail": "Asiakas tarvitsee yhteydenoton.",
        },
    )
    application = {"receivedAt": "2026-11-20T08:00:00Z", "channel": "ONLINE", "externalId": "H-1"}
    await api.ok(KELA_HANDLER, RECORD_APPLICATION, input={"clientId": first} | application)
    await api.fails(
        KELA_HANDLER, RECORD_APPLICATION, "CONFLICT", input={"clientId": second} | application
    )
    assert [await count(api, m) for m in (Decision, Notice, Application)] == [1, 1, 1]
    async with api.runtime.sessions() as session:
        keys = (await session.scalars(select(IdempotencyKey))).all()
    assert {(k.kind, k.issuer, k.external_id) for k in keys} == {
        ("DECISION", "kela", "K-SHARED"),
        ("NOTICE", "kela", "N-SHARED"),
        ("APPLICATION", "kela", "H-1"),
    }
    assert {str(k.client_id) for k in keys} == {first}


async def test_a_repeat_returns_the_record_its_key_names(api):
    client_id = await register(api)
    decision = await record_decision(api, KELA_HANDLER, client_id, "K-AGAIN")
    assert await record_decision(api, KELA_HANDLER, client_id, "K-AGAIN") == decision
    async with api.runtime.sessions() as session:
        key = await session.get(IdempotencyKey, ("DECISION", "kela", "K-AGAIN"))
    assert key is not None
    assert (str(key.client_id), str(key.record_id)) == (client_id, decision)


async def test_a_personal_identity_code_is_indexed_once(api):
    code = personal_id()
    client_id = await register(api, personalId=code)
    assert await register(api, personalId=code) == client_id
    async with api.runtime.sessions() as session:
        rows = (await session.scalars(select(PersonalIdIndex))).all()
    # by the code's keyed hash: the index holds no code in clear
    lookup = personal_id_lookup(code, api.runtime.pii)
    assert [(r.lookup, str(r.client_id)) for r in rows] == [(lookup, client_id)]
    assert code not in lookup


async def test_a_row_cannot_name_another_clients_row(api):
    """The composite foreign keys: a decision's attachment link must be of one client
    (the services check it too; the database now refuses it as well)."""
    mine, theirs = await register(api), await register(api)
    decision = await record_decision(api, PIRKANMAA_WORKER, mine, "P-1", kind="SUPPLEMENTARY")
    foreign = await upload(api, PIRKANMAA_WORKER, theirs)
    async with api.runtime.sessions() as session:
        session.add(
            DecisionAttachment(
                client_id=uuid.UUID(mine),
                decision_id=uuid.UUID(decision),
                attachment_id=uuid.UUID(foreign),
            )
        )
        with pytest.raises(IntegrityError):
            await session.commit()
    async with api.runtime.sessions() as session:
        assert await session.get(Attachment, (uuid.UUID(theirs), uuid.UUID(foreign)))
        assert await count(api, DecisionAttachment) == 0
