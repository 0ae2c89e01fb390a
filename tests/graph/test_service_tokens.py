"""A county system's service token: its ``azp`` names the system in every access-log row,
for reads, writes, refused writes and the change feed alike."""

from sqlalchemy import select

from schema.models import AccessLogEntry

REGISTER = "mutation($i: RegisterClientInput!) { registerClient(input: $i) { id name } }"
READ = "query($id: ID!) { client(id: $id) { name phone plan { goals } } }"
PLAN = "mutation($id: ID!, $i: PlanInput!) { savePlan(clientId: $id, input: $i) { version } }"
FEED = "{ changes { edges { node { entityType } } } }"


async def test_every_access_of_a_system_is_logged_with_its_azp(http, api):
    system = http.token(
        "social_worker", org="wc-pirkanmaa", sub="pirkanmaa-cms", azp="pirkanmaa-cms"
    )
    data = {
        "personalId": "010180-9004",
        "name": "Aino",
        "language": "FI",
        "organiserId": "wc-pirkanmaa",
        "purpose": "asiakkuuden avaus",
    }
    client_id = (await http.ok(REGISTER, system, i=data))["registerClient"]["id"]
    await http.ok(READ, system, id=client_id)
    await http.ok(FEED, system)
    other_county = http.token("social_worker", org="wc-lappi", sub="lappi-cms", azp="lappi-cms")
    refused = await http.post(PLAN, other_county, {"id": client_id, "i": {"goals": ["x"]}})
    assert refused.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    kela_system = http.token("kela_handler", org="kela", sub="kela-etuus", azp="kela-etuus")
    await http.ok(PLAN, system, id=client_id, i={"goals": ["y"]})
    assert (await http.post(PLAN, kela_system, {"id": client_id, "i": {"goals": ["z"]}})).json()[
        "errors"
    ][0]["extensions"]["code"] == "FORBIDDEN"

    async with api.runtime.sessions() as session:
        rows = (await session.scalars(select(AccessLogEntry))).all()
    by_subject: dict[str, set[str | None]] = {}
    for row in rows:
        by_subject.setdefault(row.subject, set()).add(row.azp)
    assert by_subject["pirkanmaa-cms"] == {"pirkanmaa-cms"}
    assert by_subject["kela-etuus"] == {"kela-etuus"}  # the refused write, logged apart
    actions = {(r.action.value, r.allowed) for r in rows if r.subject == "pirkanmaa-cms"}
    assert {("READ", True), ("WRITE", True)} <= actions
    assert ("WRITE", False) in {
        (r.action.value, r.allowed) for r in rows if r.subject == "kela-etuus"
    }
