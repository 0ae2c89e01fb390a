"""A grant's safeguards (issue 5, finding 7; docs/ledger.md): informed first, a written
grant's evidence, and the note and the flag of a grant staff record for their own
organisation. Every refusal appends nothing."""

from typing import Any

from sqlalchemy import func, select

from schema.models import ConsentEvent, ConsentRule
from tests.factories import (
    KELA_HANDLER,
    PIRKANMAA_WORKER,
    client_principal,
    inform,
    personal_id,
    register,
    save_plan,
    upload,
)

GRANT = """mutation($input: ConsentGrantInput!) { grantConsent(input: $input) {
  seq type selfRecorded body
} }"""
CONSENTS = "query($id: ID!) { client(id: $id) { consents { seq method selfRecorded } } }"
LEDGER = (
    "query($id: ID!) { consentLedger(clientId: $id) { edges { node { seq type selfRecorded } } } }"
)


def grant_input(client_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "clientId": client_id,
        "granteeId": "kela",
        "categories": ["LIFE_HEALTH"],
        "purpose": "Toimeentulotuki",
    } | changes


async def appended(api) -> tuple[int, int]:
    async with api.runtime.sessions() as session:
        events = await session.scalar(select(func.count()).select_from(ConsentEvent))
        rules = await session.scalar(select(func.count()).select_from(ConsentRule))
    return int(events or 0), int(rules or 0)


async def test_a_grant_needs_the_client_informed_first(api):
    pid = personal_id()
    client_id = await register(api, personalId=pid)
    other = await register(api)
    await inform(api, PIRKANMAA_WORKER, other)  # another client's chain does not count
    me = client_principal(pid)
    form = await upload(api, KELA_HANDLER, client_id)
    before = await appended(api)
    for who, changes in (
        (me, {}),
        (KELA_HANDLER, {"method": "WRITTEN", "evidenceAttachmentId": form}),
        (PIRKANMAA_WORKER, {"method": "ORAL"}),
    ):
        out = await api.fails(who, GRANT, "CONFLICT", input=grant_input(client_id, **changes))
        [error] = out["errors"]
        assert "recordInformed" in error["message"]
        assert "informed" in error["message"]
    assert await appended(api) == before
    await inform(api, me, client_id)
    granted = (await api.ok(me, GRANT, input=grant_input(client_id)))["grantConsent"]
    assert (granted["seq"], granted["type"]) == (2, "GRANT")


async def test_a_written_grant_recorded_by_staff_names_its_evidence(api):
    pid = personal_id()
    client_id = await register(api, personalId=pid)
    await inform(api, client_principal(pid), client_id)
    elsewhere = await register(api)
    foreign = await upload(api, PIRKANMAA_WORKER, elsewhere)
    before = await appended(api)
    missing = await api.fails(
        PIRKANMAA_WORKER, GRANT, "BAD_USER_INPUT", input=grant_input(client_id, method="WRITTEN")
    )
    assert "evidenceAttachmentId" in missing["errors"][0]["message"]
    for evidence in (foreign, "01a209d2-0302-7f2d-92fe-5e19adc299b9", "not-an-id"):
        await api.fails(
            PIRKANMAA_WORKER,
            GRANT,
            "BAD_USER_INPUT",
            input=grant_input(client_id, method="WRITTEN", evidenceAttachmentId=evidence),
        )
    assert await appended(api) == before
    form = await upload(api, PIRKANMAA_WORKER, client_id)
    granted = await api.ok(
        PIRKANMAA_WORKER,
        GRANT,
        input=grant_input(client_id, method="WRITTEN", evidenceAttachmentId=form),
    )
    assert granted["grantConsent"]["body"]["evidenceAttachmentId"] == form
    assert granted["grantConsent"]["selfRecorded"] is False


async def test_an_oral_grant_staff_record_for_their_own_organisation_is_noted_and_flagged(api):
    """The issue's case: a Kela handler records an oral grant to Kela and reads health
    data. It now needs a note, and it shows as self-recorded, to the client too."""
    pid = personal_id()
    client_id = await register(api, personalId=pid)
    await save_plan(api, client_id)
    await inform(api, KELA_HANDLER, client_id)
    before = await appended(api)
    for note in (None, "", "   "):
        out = await api.fails(
            KELA_HANDLER,
            GRANT,
            "BAD_USER_INPUT",
            input=grant_input(client_id, method="ORAL", note=note),
        )
        assert "note" in out["errors"][0]["message"]
    assert await appended(api) == before

    note = "Asiakas antoi luvan puhelimessa 1.12. klo 10.15"
    granted = (
        await api.ok(KELA_HANDLER, GRANT, input=grant_input(client_id, method="ORAL", note=note))
    )["grantConsent"]
    assert granted["selfRecorded"] is True
    assert granted["body"]["note"] == note
    health = "query($id: ID!) { client(id: $id) { plan { lifeSituation { health { summary } } } } }"
    seen = await api.ok(KELA_HANDLER, health, id=client_id)
    assert seen["client"]["plan"]["lifeSituation"]["health"] == {"summary": "Uniongelmia"}

    mine = (await api.ok(client_principal(pid), CONSENTS, id=client_id))["client"]["consents"]
    assert [(g["method"], g["selfRecorded"]) for g in mine] == [("ORAL", True)]
    ledger = (await api.ok(client_principal(pid), LEDGER, id=client_id))["consentLedger"]["edges"]
    assert [(e["node"]["type"], e["node"]["selfRecorded"]) for e in ledger] == [
        ("INFORMED", None),
        ("GRANT", True),
    ]


async def test_grants_that_are_not_self_recorded(api):
    """An oral grant recorded for another organisation needs no note; a client's own
    grant is never self-recorded."""
    pid = personal_id()
    client_id = await register(api, personalId=pid)
    await inform(api, client_principal(pid), client_id)
    oral = await api.ok(PIRKANMAA_WORKER, GRANT, input=grant_input(client_id, method="ORAL"))
    assert oral["grantConsent"]["selfRecorded"] is False
    assert oral["grantConsent"]["body"]["note"] is None
    own = await api.ok(
        client_principal(pid), GRANT, input=grant_input(client_id, granteeId="wc-pirkanmaa")
    )
    assert own["grantConsent"]["selfRecorded"] is False
    flags = (await api.ok(client_principal(pid), CONSENTS, id=client_id))["client"]["consents"]
    assert [g["selfRecorded"] for g in flags] == [False, False]
