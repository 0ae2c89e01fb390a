"""Registering a personal identity code: a new one makes a client, one that already is a
client opens the caller's organisation's client relationship with them. The answer is
the same either way (no existence oracle), and the act is accountable."""

import uuid
from typing import Any

from sqlalchemy import func, select

from schema.models import AccessLogEntry, Client, ClientRelationship
from tests.factories import (
    KELA_HANDLER,
    LAPPI_WORKER,
    PIRKANMAA_WORKER,
    client_principal,
    guardian_principal,
    personal_id,
    record_decision,
    record_guardianship,
    register,
)
from tests.support import principal

REGISTER_AND_READ = """
mutation($input: RegisterClientInput!) { registerClient(input: $input) {
  id name address organiser { id } redactions { field category reason }
  decisions { edges { node { authority issuer { id } } } }
  relationships { organisation { id } responsible origin purpose openedByOrganisation { id } }
} }
"""
LOG = """query($id: ID!) { client(id: $id) { accessLog(first: 100) { edges { node {
  subject organisation { id } category action allowed basis policyRule
} } } } }"""
LIST = "{ clients(first: 100) { edges { node { id } } } }"


def registration(pid: str, organiser: str = "wc-lappi", **changes: Any) -> dict[str, Any]:
    return {
        "personalId": pid,
        "name": "Lauran antama nimi",
        "language": "SV",
        "organiserId": organiser,
        "address": "Lapinkatu 1, Rovaniemi",
        "email": "toinen@example.fi",
        "purpose": "Asiakas muutti Rovaniemelle",
    } | changes


async def count(api, model) -> int:
    async with api.runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def registration_rows(api, subject: str) -> list[AccessLogEntry]:
    async with api.runtime.sessions() as session:
        return list(
            await session.scalars(
                select(AccessLogEntry).where(
                    AccessLogEntry.subject == subject, AccessLogEntry.action == "WRITE"
                )
            )
        )


async def pirkanmaa_client(api) -> tuple[str, str]:
    pid = personal_id()
    client_id = await register(api, personalId=pid, name="Aino Asiakas")
    await record_decision(api, PIRKANMAA_WORKER, client_id, f"P-{pid}", kind="SUPPLEMENTARY")
    await record_decision(api, KELA_HANDLER, client_id, f"K-{pid}")
    return client_id, pid


async def test_an_existing_code_answers_as_a_new_one_does(api):
    """The answer never tells whether the code was a client's: no error, the same shape;
    what differs is only what the caller's new relationship now shows."""
    client_id, pid = await pirkanmaa_client(api)
    assert (
        await api.run(LAPPI_WORKER, "query($id: ID!) { client(id: $id) { id } }", id=client_id)
    )["data"] == {"client": None}

    fresh = await api.run(LAPPI_WORKER, REGISTER_AND_READ, input=registration(personal_id()))
    known = await api.run(LAPPI_WORKER, REGISTER_AND_READ, input=registration(pid))
    assert "errors" not in fresh
    assert "errors" not in known, "an existing code is no longer a CONFLICT"
    assert set(fresh["data"]["registerClient"]) == set(known["data"]["registerClient"])
    assert [r["field"] for r in fresh["data"]["registerClient"]["redactions"]] == [
        r["field"] for r in known["data"]["registerClient"]["redactions"]
    ]

    client = known["data"]["registerClient"]
    assert client["id"] == client_id
    # The existing client's data stays as it was: the caller's input overwrote nothing.
    assert (client["name"], client["organiser"]) == ("Aino Asiakas", {"id": "wc-pirkanmaa"})
    assert client["address"] == "Hämeenkatu 1, Tampere"
    # What the new relationship grants: Kela's decisions, not Pirkanmaa's (WC_DECISION OWN).
    assert [
        (e["node"]["authority"], e["node"]["issuer"]["id"]) for e in client["decisions"]["edges"]
    ] == [("KELA", "kela")]
    assert {
        (r["organisation"]["id"], r["responsible"], r["origin"]) for r in client["relationships"]
    } == {("wc-pirkanmaa", True, "RESPONSIBLE"), ("wc-lappi", False, "REGISTRATION")}
    assert await count(api, Client) == 2
    listed = {e["node"]["id"] for e in (await api.ok(LAPPI_WORKER, LIST))["clients"]["edges"]}
    assert client_id in listed


async def test_each_registration_is_on_the_access_log_with_its_own_basis(api):
    """One WRITE row on basis REGISTRATION, the same for a new code and an existing one."""
    new_pid = personal_id()
    _, pid = await pirkanmaa_client(api)
    lappi = principal("social_worker", "wc-lappi")
    await api.ok(lappi, REGISTER_AND_READ, input=registration(new_pid))
    first = await registration_rows(api, lappi.subject)
    await api.ok(lappi, REGISTER_AND_READ, input=registration(pid))
    seen = {r.id for r in first}
    second = [r for r in await registration_rows(api, lappi.subject) if r.id not in seen]

    def shape(rows: list[AccessLogEntry]) -> list[tuple[Any, ...]]:
        return sorted(
            (r.category, r.action, r.allowed, r.basis, r.reason, r.policy_rule) for r in rows
        )

    assert (
        shape(first)
        == shape(second)
        == [
            (
                "IDENTITY",
                "WRITE",
                True,
                "REGISTRATION",
                None,
                "p, social_worker, client, register, OWN",
            )
        ]
    )
    async with api.runtime.sessions() as session:
        opened = await session.get(
            ClientRelationship, (uuid.UUID(str(second[0].client_id)), "wc-lappi")
        )
    assert opened is not None
    assert (opened.purpose, opened.opened_by_sub, opened.opened_by_org) == (
        "Asiakas muutti Rovaniemelle",
        lappi.subject,
        "wc-lappi",
    )


async def test_registering_again_opens_nothing_new_and_is_recorded_again(api):
    client_id, pid = await pirkanmaa_client(api)
    await api.ok(LAPPI_WORKER, REGISTER_AND_READ, input=registration(pid))
    await api.ok(LAPPI_WORKER, REGISTER_AND_READ, input=registration(pid, purpose="Toinen kerta"))
    await api.ok(PIRKANMAA_WORKER, REGISTER_AND_READ, input=registration(pid, "wc-pirkanmaa"))
    async with api.runtime.sessions() as session:
        found = list(
            await session.scalars(
                select(ClientRelationship).where(
                    ClientRelationship.client_id == uuid.UUID(client_id)
                )
            )
        )
    assert {(r.organisation_id, r.responsible, r.purpose) for r in found} == {
        ("wc-pirkanmaa", True, "Toimeentulotuen asiakkuus"),
        ("wc-lappi", False, "Asiakas muutti Rovaniemelle"),
    }
    assert len(await registration_rows(api, LAPPI_WORKER.subject)) == 2


async def test_kela_registering_a_client_records_the_act_only(api):
    client_id, pid = await pirkanmaa_client(api)
    out = await api.ok(KELA_HANDLER, REGISTER_AND_READ, input=registration(pid, "wc-lappi"))
    assert out["registerClient"]["id"] == client_id
    assert out["registerClient"]["organiser"] == {"id": "wc-pirkanmaa"}
    assert {r["organisation"]["id"] for r in out["registerClient"]["relationships"]} == {
        "wc-pirkanmaa"
    }
    [row] = [
        r
        for r in await registration_rows(api, KELA_HANDLER.subject)
        if str(r.client_id) == client_id and r.basis == "REGISTRATION"
    ]
    assert (row.basis, row.policy_rule) == (
        "REGISTRATION",
        "p, kela_handler, client, register, STATUTORY",
    )


async def test_kela_registers_a_new_client_for_an_organiser(api):
    out = await api.ok(KELA_HANDLER, REGISTER_AND_READ, input=registration(personal_id()))
    [relationship] = out["registerClient"]["relationships"]
    assert relationship == {
        "organisation": {"id": "wc-lappi"},
        "responsible": True,
        "origin": "RESPONSIBLE",
        "purpose": "Asiakas muutti Rovaniemelle",
        "openedByOrganisation": {"id": "kela"},
    }


async def test_only_organiser_staff_for_their_own_organisation_and_kela_staff_register(api):
    """Refused alike for a new code and an existing one, and nothing written."""
    _, pid = await pirkanmaa_client(api)
    clients, relationships = await count(api, Client), await count(api, ClientRelationship)
    for code in (pid, personal_id()):
        for who, organiser in (
            (PIRKANMAA_WORKER, "wc-lappi"),
            (principal("social_counsellor", "helsinki"), "wc-pirkanmaa"),
            (principal("dpo", "wc-lappi"), "wc-lappi"),
            (principal("dpo", "kela"), "wc-lappi"),
            (client_principal(code), "wc-lappi"),
            (guardian_principal(personal_id()), "wc-lappi"),
        ):
            out = await api.fails(
                who, REGISTER_AND_READ, "FORBIDDEN", input=registration(code, organiser)
            )
            assert out["data"] is None
    assert (await count(api, Client), await count(api, ClientRelationship)) == (
        clients,
        relationships,
    )


async def test_a_registration_states_its_purpose(api):
    _, pid = await pirkanmaa_client(api)
    for code in (pid, personal_id()):
        for purpose in ("", "   "):
            out = await api.fails(
                LAPPI_WORKER,
                REGISTER_AND_READ,
                "BAD_USER_INPUT",
                input=registration(code, purpose=purpose),
            )
            assert out["errors"][0]["message"] == "purpose is required"
    assert await count(api, ClientRelationship) == 1


async def test_who_sees_a_registration_on_the_clients_access_log(api):
    """The client, a FULL guardian, and the dpo of each of the client's organisers see
    that Lappi opened a relationship; Lappi's reads stay Lappi's dpo's."""
    client_id, pid = await pirkanmaa_client(api)
    parent = personal_id()
    await record_guardianship(api, client_id, parent, "GUARDIAN_FULL")
    lappi = principal("social_worker", "wc-lappi")
    await api.ok(lappi, REGISTER_AND_READ, input=registration(pid))

    def registered(out: dict[str, Any]) -> list[dict[str, Any]]:
        nodes = [e["node"] for e in out["client"]["accessLog"]["edges"]]
        return [n for n in nodes if n["basis"] == "REGISTRATION" and n["subject"] == lappi.subject]

    def lappi_reads(out: dict[str, Any]) -> list[dict[str, Any]]:
        nodes = [e["node"] for e in out["client"]["accessLog"]["edges"]]
        return [n for n in nodes if n["action"] == "READ" and n["subject"] == lappi.subject]

    for who in (client_principal(pid), guardian_principal(parent)):
        out = await api.ok(who, LOG, id=client_id)
        assert len(registered(out)) == 1
        assert lappi_reads(out)
    pirkanmaa_dpo = await api.ok(principal("dpo", "wc-pirkanmaa"), LOG, id=client_id)
    assert [
        (r["organisation"]["id"], r["category"], r["action"]) for r in registered(pirkanmaa_dpo)
    ] == [("wc-lappi", "IDENTITY", "WRITE")]
    assert lappi_reads(pirkanmaa_dpo) == []
    lappi_dpo = await api.ok(principal("dpo", "wc-lappi"), LOG, id=client_id)
    assert len(registered(lappi_dpo)) == 1
    assert lappi_reads(lappi_dpo)
    for outsider in ("kela", "helsinki"):
        out = await api.ok(principal("dpo", outsider), LOG, id=client_id)
        assert registered(out) == []


async def test_a_change_of_organiser_moves_the_responsibility(api):
    client_id, _ = await pirkanmaa_client(api)
    update = "mutation($id: ID!, $input: UpdateClientInput!) { updateClient(id: $id, input: $input) { relationships { organisation { id } responsible origin } } }"
    out = await api.ok(PIRKANMAA_WORKER, update, id=client_id, input={"organiserId": "wc-lappi"})
    assert {
        (r["organisation"]["id"], r["responsible"], r["origin"])
        for r in out["updateClient"]["relationships"]
    } == {("wc-pirkanmaa", False, "RESPONSIBLE"), ("wc-lappi", True, "RESPONSIBLE")}
    back = await api.ok(LAPPI_WORKER, update, id=client_id, input={"organiserId": "wc-pirkanmaa"})
    assert {
        (r["organisation"]["id"], r["responsible"]) for r in back["updateClient"]["relationships"]
    } == {("wc-pirkanmaa", True), ("wc-lappi", False)}
