"""The change feed: every change the caller may see, once, in a stable order, resumable,
with the same per-field decisions as any read; what may not be seen is skipped, and the
cursor moves past it."""

from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from schema.db import make_engine, make_sessions
from schema.models import Change
from tests.factories import (
    KELA_ADVISOR,
    KELA_HANDLER,
    LAPPI_WORKER,
    PIRKANMAA_WORKER,
    personal_id,
    record_decision,
    register,
    save_plan,
    send_notice,
)
from tests.support import Api, principal

CHANGES = """
query($since: String, $first: Int) {
  changes(since: $since, first: $first) {
    edges { cursor node {
      position entityType entityId op clientId
      entity {
        __typename
        ... on Client { id name redactions { field reason } }
        ... on Plan { id version lifeSituation { health { summary } redactions { field reason } } }
        ... on Decision { id authority totalAmountCents redactions { field reason } }
        ... on Notice { id noticeStatus: status detail }
        ... on Application { id applicationStatus: status }
        ... on Attachment { id filename }
        ... on ConsentEvent { id seq type }
      }
    } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""


async def read_all(api: Api, who, since: str | None = None, first: int = 100):
    items: list[dict[str, Any]] = []
    while True:
        out = await api.ok(who, CHANGES, since=since, first=first)
        page = out["changes"]
        items += [e["node"] for e in page["edges"]]
        since = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            return items, since


async def test_the_feed_carries_each_change_once_in_order_and_resumes(api):
    client_id = await register(api)
    await save_plan(api, client_id)
    decision = await record_decision(api, KELA_HANDLER, client_id, "k-1")
    items, cursor = await read_all(api, PIRKANMAA_WORKER, first=1)
    kinds = [(i["entityType"], i["op"]) for i in items]
    assert kinds == [("CLIENT", "CREATED"), ("PLAN", "CREATED"), ("DECISION", "CREATED")]
    positions = [i["position"] for i in items]
    assert positions == sorted(positions)
    assert len(set(positions)) == 3
    assert items[2]["entityId"] == decision
    assert items[2]["entity"]["__typename"] == "Decision"
    assert items[2]["entity"]["totalAmountCents"] == 120_000
    assert all(i["clientId"] == client_id for i in items)
    # The decision's calculation rows were written with it: one change, not three.

    # Nothing new: an empty page, the same cursor.
    out = await api.ok(PIRKANMAA_WORKER, CHANGES, since=cursor)
    assert out["changes"]["edges"] == []
    assert out["changes"]["pageInfo"]["endCursor"] == cursor
    assert out["changes"]["pageInfo"]["hasNextPage"] is False

    await send_notice(api, KELA_HANDLER, client_id, "wc-pirkanmaa")
    more, _ = await read_all(api, PIRKANMAA_WORKER, since=cursor)
    assert [(i["entityType"], i["op"]) for i in more] == [("NOTICE", "CREATED")]
    assert more[0]["position"] > positions[-1]


async def test_items_carry_the_same_redactions_as_a_read(api):
    client_id = await register(api)
    await save_plan(api, client_id)
    items, _ = await read_all(api, KELA_HANDLER)
    plan = next(i for i in items if i["entityType"] == "PLAN")["entity"]
    # Kela reads the plan with consent only: the container is there, its fields redacted.
    assert plan["version"] is None
    assert plan["lifeSituation"]["health"] is None
    reasons = {r["field"]: r["reason"] for r in plan["lifeSituation"]["redactions"]}
    assert reasons["health"] == "CONSENT_REQUIRED"


async def test_what_the_caller_may_not_see_is_skipped_and_the_cursor_moves_past_it(api):
    # A Pirkanmaa client Lappi has no relation to, then one Lappi organises.
    hidden = await register(api)
    await record_decision(api, PIRKANMAA_WORKER, hidden, "wc-1", "SUPPLEMENTARY")
    own = await register(api, principal("social_worker", "wc-lappi"), organiserId="wc-lappi")
    items, cursor = await read_all(api, LAPPI_WORKER)
    assert {i["clientId"] for i in items} == {own}

    # Kela sends Lappi a notice about the hidden client: from now on Lappi relates to it,
    # and sees it and the notice — but never Pirkanmaa's county decision.
    await send_notice(api, KELA_HANDLER, hidden, "wc-lappi")
    later, _ = await read_all(api, LAPPI_WORKER, since=cursor)
    assert [i["entityType"] for i in later] == ["NOTICE"]
    everything, _ = await read_all(api, LAPPI_WORKER)
    assert "DECISION" not in {i["entityType"] for i in everything}
    assert {i["entityType"] for i in everything if i["clientId"] == hidden} == {
        "CLIENT",
        "NOTICE",
    }

    # Kela sees all of it; a tiny page still moves on past what it skips.
    kela, _ = await read_all(api, KELA_ADVISOR, first=1)
    assert {i["clientId"] for i in kela} == {hidden, own}


async def test_a_bad_cursor_is_bad_user_input(api):
    await api.fails(KELA_HANDLER, CHANGES, "BAD_USER_INPUT", since="bm9wZQ")
    await api.fails(KELA_HANDLER, CHANGES, "BAD_USER_INPUT", first=101)


async def test_the_outbox_is_append_only_and_sequenced_once(api, database_url):
    await register(api)
    await read_all(api, KELA_HANDLER)
    engine = make_engine(database_url)
    sessions = make_sessions(engine)
    try:
        for statement in (
            update(Change).values(position=Change.position + 1000),
            update(Change).values(op="UPDATED"),
            text("DELETE FROM changes"),
        ):
            async with sessions() as session:
                try:
                    await session.execute(statement)
                    await session.commit()
                except DBAPIError:
                    await session.rollback()
                else:
                    raise AssertionError(f"the outbox allowed {statement}")
        async with sessions() as session:
            assert (await session.scalars(select(Change.position))).all() == [1]
    finally:
        await engine.dispose()


async def test_a_relationship_opened_is_a_change_of_the_client_for_both_organisers(api):
    """A second organiser registering a code that already is a client opens its client
    relationship: a change of the client (``Client.relationships``), in the feed of the
    organiser that now may see the client and of the one that had it."""
    pid = personal_id()
    client_id = await register(api, personalId=pid)
    _, lappi_since = await read_all(api, LAPPI_WORKER)
    _, pirkanmaa_since = await read_all(api, PIRKANMAA_WORKER)

    assert await register(api, LAPPI_WORKER, personalId=pid, organiserId="wc-lappi") == client_id

    lappi, _ = await read_all(api, LAPPI_WORKER, since=lappi_since)
    assert [(i["entityType"], i["op"], i["entityId"]) for i in lappi] == [
        ("CLIENT", "UPDATED", client_id)
    ]
    assert lappi[0]["entity"]["name"] == "Aino Asiakas"
    pirkanmaa, _ = await read_all(api, PIRKANMAA_WORKER, since=pirkanmaa_since)
    assert [(i["entityType"], i["op"], i["entityId"]) for i in pirkanmaa] == [
        ("CLIENT", "UPDATED", client_id)
    ]
