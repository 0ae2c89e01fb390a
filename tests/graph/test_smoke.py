from tests.factories import KELA_HANDLER, PIRKANMAA_WORKER, register


async def test_register_and_read(api):
    client_id = await register(api)
    data = await api.ok(
        PIRKANMAA_WORKER,
        "query($id: ID!) { client(id: $id) { id name personalId redactions { field reason } plan { version } } }",
        id=client_id,
    )
    assert data["client"]["name"] == "Aino Asiakas"
    data = await api.ok(
        KELA_HANDLER,
        "query($id: ID!) { client(id: $id) { id name redactions { field reason } } }",
        id=client_id,
    )
    print(data)
