"""Registering, finding and listing clients."""

import uuid

from sqlalchemy import func, select

from schema.models import Client, LedgerHead
from tests.factories import (
    KELA_ADVISOR,
    KELA_HANDLER,
    LAPPI_WORKER,
    PIRKANMAA_WORKER,
    REGISTER,
    client_principal,
    personal_id,
    register,
    send_notice,
)
from tests.support import principal

CLIENT = "query($id: ID!) { client(id: $id) { id name language organiser { id nameSv } personalId address phone email protectedIdentity redactions { field category reason } } }"
BY_CODE = "query($pid: String!) { clientByPersonalId(personalId: $pid) { id name } }"
LIST = "query($first: Int, $after: String, $search: String) { clients(first: $first, after: $after, search: $search) { edges { cursor node { id name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"


async def count_clients(api) -> int:
    async with api.runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Client)) or 0)


def registration(**changes):
    return {
        "personalId": personal_id(),
        "name": "Aino Asiakas",
        "language": "FI",
        "organiserId": "wc-pirkanmaa",
        "purpose": "Toimeentulotuki",
    } | changes


async def test_register_returns_the_client_and_starts_its_ledger(api):
    pid = personal_id()
    client_id = await register(api, personalId=pid.lower(), language="SV", name="Astrid Lindholm")
    data = await api.ok(PIRKANMAA_WORKER, CLIENT, id=client_id)
    client = data["client"]
    assert client["personalId"] == pid
    assert client["language"] == "SV"
    assert client["organiser"] == {"id": "wc-pirkanmaa", "nameSv": "Birkalands välfärdsområde"}
    assert client["redactions"] == [
        {"field": "accessLog", "category": "ACCESS_LOG", "reason": "NOT_PERMITTED"}
    ]
    async with api.runtime.sessions() as session:
        head = await session.get(LedgerHead, uuid.UUID(client_id))
        assert head is not None
        assert (head.seq, head.head) == (0, "0" * 64)


async def test_invalid_personal_identity_codes_are_bad_input_and_write_nothing(api):
    for code in ("010190-900X", "310290-9001", "010190-0007", "12345", "010190A9001"):
        out = await api.fails(
            PIRKANMAA_WORKER, REGISTER, "BAD_USER_INPUT", input=registration(personalId=code)
        )
        assert out["data"] is None
    assert await count_clients(api) == 0


async def test_unknown_or_unfit_organiser_is_bad_input(api):
    await api.fails(
        PIRKANMAA_WORKER, REGISTER, "BAD_USER_INPUT", input=registration(organiserId="wc-atlantis")
    )
    await api.fails(
        PIRKANMAA_WORKER, REGISTER, "BAD_USER_INPUT", input=registration(organiserId="kela")
    )
    await api.fails(
        PIRKANMAA_WORKER, REGISTER, "BAD_USER_INPUT", input=registration(email="not-an-address")
    )
    await api.fails(PIRKANMAA_WORKER, REGISTER, "BAD_USER_INPUT", input=registration(name="   "))
    assert await count_clients(api) == 0


async def test_only_staff_register_clients(api):
    for who in (
        principal("dpo", "kela"),
        client_principal(personal_id()),
        principal("guardian", person=personal_id()),
    ):
        await api.fails(who, REGISTER, "FORBIDDEN", input=registration())
    assert await count_clients(api) == 0


async def test_client_by_personal_id(api):
    pid = personal_id()
    client_id = await register(api, personalId=pid)
    assert (await api.ok(KELA_HANDLER, BY_CODE, pid=pid))["clientByPersonalId"]["id"] == client_id
    assert (await api.ok(client_principal(pid), BY_CODE, pid=pid))["clientByPersonalId"][
        "id"
    ] == client_id
    assert (await api.ok(LAPPI_WORKER, BY_CODE, pid=pid))["clientByPersonalId"] is None
    assert (await api.ok(KELA_HANDLER, BY_CODE, pid=personal_id()))["clientByPersonalId"] is None
    await api.fails(KELA_HANDLER, BY_CODE, "BAD_USER_INPUT", pid="010190-900X")


async def test_unknown_and_malformed_ids_are_null_like_invisible_ones(api):
    client_id = await register(api)
    for who, id_ in (
        (KELA_HANDLER, "not-a-uuid"),
        (KELA_HANDLER, "01a209d2-0302-7f2d-92fe-5e19adc299b9"),
        (LAPPI_WORKER, client_id),
    ):
        out = await api.run(who, CLIENT, id=id_)
        assert out == {"data": {"client": None}}


async def test_clients_pages_through_what_the_caller_may_see(api):
    ids = [await register(api, name=f"Asiakas {n}") for n in range(5)]
    lappi_own = await register(api, LAPPI_WORKER, organiserId="wc-lappi", name="Lapin asiakas")
    first = (await api.ok(PIRKANMAA_WORKER, LIST, first=2))["clients"]
    assert [e["node"]["id"] for e in first["edges"]] == ids[:2]
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["hasPreviousPage"] is False
    rest = (await api.ok(PIRKANMAA_WORKER, LIST, first=10, after=first["pageInfo"]["endCursor"]))[
        "clients"
    ]
    assert [e["node"]["id"] for e in rest["edges"]] == ids[2:]
    assert rest["pageInfo"]["hasNextPage"] is False
    assert rest["pageInfo"]["hasPreviousPage"] is True

    lappi = (await api.ok(LAPPI_WORKER, LIST))["clients"]["edges"]
    assert [e["node"]["id"] for e in lappi] == [lappi_own]
    await send_notice(api, KELA_HANDLER, ids[3], "wc-lappi")
    lappi = (await api.ok(LAPPI_WORKER, LIST))["clients"]["edges"]
    assert {e["node"]["id"] for e in lappi} == {lappi_own, ids[3]}
    assert len((await api.ok(KELA_HANDLER, LIST, first=100))["clients"]["edges"]) == 6


async def test_clients_search_by_name_or_code(api):
    pid = personal_id()
    wanted = await register(api, name="Helmi Mäkinen", personalId=pid)
    await register(api, name="Juho Laine")
    assert [
        e["node"]["id"]
        for e in (await api.ok(KELA_HANDLER, LIST, search="mäki"))["clients"]["edges"]
    ] == [wanted]
    assert [
        e["node"]["id"] for e in (await api.ok(KELA_HANDLER, LIST, search=pid))["clients"]["edges"]
    ] == [wanted]
    assert (await api.ok(KELA_HANDLER, LIST, search="100%_"))["clients"]["edges"] == []


async def test_page_arguments_are_checked(api):
    await api.fails(KELA_HANDLER, LIST, "BAD_USER_INPUT", first=101)
    await api.fails(KELA_HANDLER, LIST, "BAD_USER_INPUT", first=-1)
    await api.fails(KELA_HANDLER, LIST, "BAD_USER_INPUT", after="bm90LWEtY3Vyc29y")


async def test_update_client_and_protected_identity(api):
    client_id = await register(api)
    update = "mutation($id: ID!, $input: UpdateClientInput!) { updateClient(id: $id, input: $input) { address protectedIdentity redactions { field reason } contactPersons { name organisation { id } } } }"
    data = await api.ok(
        PIRKANMAA_WORKER,
        update,
        id=client_id,
        input={
            "address": "Uusi katu 5",
            "contactPerson": {"name": "Sanna S", "phone": "+358 50 1"},
        },
    )
    assert data["updateClient"]["address"] == "Uusi katu 5"
    assert data["updateClient"]["contactPersons"] == [
        {"name": "Sanna S", "organisation": {"id": "wc-pirkanmaa"}}
    ]
    data = await api.ok(PIRKANMAA_WORKER, update, id=client_id, input={"protectedIdentity": True})
    assert data["updateClient"]["address"] is None, (
        "the answer to the update already hides the address"
    )
    seen = (await api.ok(PIRKANMAA_WORKER, CLIENT, id=client_id))["client"]
    assert seen["address"] is None
    assert {"field": "address", "category": "CONTACT", "reason": "PROTECTED_IDENTITY"} in seen[
        "redactions"
    ]
    await api.fails(LAPPI_WORKER, update, "NOT_FOUND", id=client_id, input={"address": "x"})
    await api.fails(
        principal("dpo", "kela"), update, "FORBIDDEN", id=client_id, input={"address": "x"}
    )


async def test_me_and_organisations(api):
    data = await api.ok(
        KELA_HANDLER,
        "{ me { subject name roles organisation { id type } system personalId } organisations { id type nameFi } }",
    )
    assert data["me"] == {
        "subject": "kela_handler@kela",
        "name": "Kaisa Käsittelijä",
        "roles": ["kela_handler"],
        "organisation": {"id": "kela", "type": "KELA"},
        "system": "test-system",
        "personalId": None,
    }
    orgs = {o["id"]: o["type"] for o in data["organisations"]}
    assert len(orgs) == 23
    assert orgs["helsinki"] == "MUNICIPALITY"
    assert sum(1 for t in orgs.values() if t == "WELLBEING_COUNTY") == 21


async def test_only_those_who_may_see_codes_find_clients_by_code(api):
    pid = personal_id()
    client_id = await register(api, personalId=pid)
    dpo = principal("dpo", "kela")
    assert (await api.ok(dpo, BY_CODE, pid=pid))["clientByPersonalId"] is None
    assert (await api.ok(dpo, LIST, search=pid))["clients"]["edges"] == []
    assert [e["node"]["id"] for e in (await api.ok(dpo, LIST))["clients"]["edges"]] == [client_id]
    assert [
        e["node"]["id"] for e in (await api.ok(KELA_HANDLER, LIST, search=pid))["clients"]["edges"]
    ] == [client_id]


async def test_finnish_and_swedish_names_and_addresses_round_trip(api):
    from faker import Faker

    for locale, language in (("fi_FI", "FI"), ("sv_SE", "SV")):
        fake = Faker(locale)
        fake.seed_instance(2017)
        for _ in range(3):
            name, address = fake.name(), fake.address().replace("\n", ", ")
            client_id = await register(api, name=name, address=address, language=language)
            client = (await api.ok(KELA_HANDLER, CLIENT, id=client_id))["client"]
            assert (client["name"], client["address"], client["language"]) == (
                name,
                address,
                language,
            )
            found = (await api.ok(KELA_HANDLER, LIST, search=name.split()[-1].upper()))["clients"][
                "edges"
            ]
            assert client_id in {e["node"]["id"] for e in found}


async def test_search_folds_case_beyond_ascii(api):
    wanted = await register(api, name="Åke Östman", language="SV")
    for term in ("östman", "ÖSTMAN", "åke ö", "ÅKE"):
        found = (await api.ok(KELA_HANDLER, LIST, search=term))["clients"]["edges"]
        assert [e["node"]["id"] for e in found] == [wanted], term


async def test_a_renamed_client_is_found_by_the_new_name(api):
    client_id = await register(api, name="Eero Laine")
    update = "mutation($id: ID!, $input: UpdateClientInput!) { updateClient(id: $id, input: $input) { name } }"
    await api.ok(PIRKANMAA_WORKER, update, id=client_id, input={"name": "Eero Öhman"})
    assert [
        e["node"]["id"]
        for e in (await api.ok(KELA_HANDLER, LIST, search="ÖHMAN"))["clients"]["edges"]
    ] == [client_id]
    assert (await api.ok(KELA_HANDLER, LIST, search="laine"))["clients"]["edges"] == []


async def test_the_digital_profile_keeps_its_history(api, clock):
    client_id = await register(api, digitalProfile={"hasEquipment": False, "hasSkills": False})
    clock.advance(days=30)
    update = "mutation($id: ID!, $input: UpdateClientInput!) { updateClient(id: $id, input: $input) { id } }"
    await api.ok(
        PIRKANMAA_WORKER,
        update,
        id=client_id,
        input={"digitalProfile": {"hasEquipment": True, "hasSkills": False}},
    )
    query = "query($id: ID!) { client(id: $id) { digitalProfile { hasEquipment hasSkills } digitalProfileHistory { hasEquipment recordedAt } } }"
    client = (await api.ok(KELA_ADVISOR, query, id=client_id))["client"]
    assert client["digitalProfile"] == {"hasEquipment": True, "hasSkills": False}
    assert [p["hasEquipment"] for p in client["digitalProfileHistory"]] == [False, True]
