"""Automatic notices: sent by the platform from recorded facts, exactly once per episode,
under retries and concurrent recording alike."""

import asyncio
from datetime import date

from sqlalchemy import select

from graph.domain.workdays import due_at
from schema.models import Notice, NoticeMove
from tests.factories import (
    KELA_HANDLER,
    PIRKANMAA_WORKER,
    RECORD_DECISION,
    decision_input,
    personal_id,
    record_decision,
    register,
)
from tests.support import Api

UPDATE_APPLICATION = """
mutation($id: ID!, $urgency: UrgencyInput) { updateApplication(id: $id, urgency: $urgency) { id } }
"""
RECORD_APPLICATION = """
mutation($input: ApplicationInput!) { recordApplication(input: $input) { id } }
"""


async def auto_notices(api: Api, type_: str | None = None) -> list[Notice]:
    async with api.runtime.sessions() as session:
        query = select(Notice).where(Notice.sent_by_sub == "infocap:auto")
        if type_ is not None:
            query = query.where(Notice.type == type_)
        return list((await session.scalars(query.order_by(Notice.sent_at, Notice.id))).all())


def month(client_id: str, external_id: str, year: int, month_: int, **changes):
    start = date(year, month_, 1)
    end = date(year + month_ // 12, month_ % 12 + 1, 1).toordinal() - 1
    return decision_input(
        client_id,
        external_id,
        periodStart=start.isoformat(),
        periodEnd=date.fromordinal(end).isoformat(),
        **changes,
    )


async def record_months(api, client_id, months, prefix="m"):
    for year, m in months:
        await api.ok(
            KELA_HANDLER, RECORD_DECISION, input=month(client_id, f"{prefix}-{year}-{m}", year, m)
        )


async def test_a_basic_amount_reduction_tells_the_organiser_once(api, clock):
    client_id = await register(api)
    data = decision_input(
        client_id,
        "red-1",
        basicAmountReduction={"percent": 20, "grounds": "Kieltäytyi työstä", "until": "2027-01-31"},
    )
    for _ in range(3):  # the first time and two retries
        await api.ok(KELA_HANDLER, RECORD_DECISION, input=data)
    [notice] = await auto_notices(api, "BASIC_AMOUNT_REDUCTION")
    assert (notice.sender_id, notice.recipient_id) == ("kela", "wc-pirkanmaa")
    assert "20 %" in (notice.detail or "")
    assert "Kieltäytyi työstä" in (notice.detail or "")
    assert notice.due_at == due_at(clock.now, 7)
    async with api.runtime.sessions() as session:
        [move] = (
            await session.scalars(select(NoticeMove).where(NoticeMove.notice_id == notice.id))
        ).all()
    assert (move.by_sub, move.by_org, move.to_status.value) == ("infocap:auto", "kela", "SENT")


async def test_a_supplementary_decision_tells_kela(api):
    client_id = await register(api)
    await record_decision(api, PIRKANMAA_WORKER, client_id, "wc-9", "SUPPLEMENTARY")
    await record_decision(api, PIRKANMAA_WORKER, client_id, "wc-9", "SUPPLEMENTARY")
    await record_decision(api, KELA_HANDLER, client_id, "k-9")  # one month: nothing yet
    [notice] = await auto_notices(api)
    assert notice.type.value == "DECISION_ISSUED"
    assert (notice.sender_id, notice.recipient_id) == ("wc-pirkanmaa", "kela")
    # The organiser's staff see it among what they sent; Kela in its inbox.
    sent = await api.ok(
        PIRKANMAA_WORKER, "{ noticeInbox(direction: SENT) { edges { node { id type } } } }"
    )
    assert [e["node"]["type"] for e in sent["noticeInbox"]["edges"]] == ["DECISION_ISSUED"]
    inbox = await api.ok(KELA_HANDLER, "{ noticeInbox { edges { node { id type } } } }")
    assert [e["node"]["id"] for e in inbox["noticeInbox"]["edges"]] == [str(notice.id)]


async def test_long_term_recipient_after_four_months_under_25_once_per_episode(api):
    client_id = await register(api, personalId=personal_id(date(2004, 6, 1)))
    await record_months(api, client_id, [(2026, 1), (2026, 2), (2026, 3)])
    assert await auto_notices(api) == []
    await record_months(api, client_id, [(2026, 4), (2026, 5)])
    [first] = await auto_notices(api, "LONG_TERM_RECIPIENT")
    assert first.external_id.endswith(":2026-01")
    assert "4 months" in (first.detail or "")
    # A gap of a month ends the episode; four more months are a new one.
    await record_months(api, client_id, [(2026, 7), (2026, 8), (2026, 9), (2026, 10)])
    notices = await auto_notices(api, "LONG_TERM_RECIPIENT")
    assert [n.external_id.rsplit(":", 1)[1] for n in notices] == ["2026-01", "2026-07"]
    # Filling the gap joins the episodes: no third notice.
    await record_months(api, client_id, [(2026, 6)])
    assert len(await auto_notices(api, "LONG_TERM_RECIPIENT")) == 2


async def test_long_term_thresholds_by_age_and_the_immigrant_mark(api):
    older = await register(api, personalId=personal_id(date(1970, 1, 1)))
    await record_months(api, older, [(2026, m) for m in range(1, 12)], "o")
    assert await auto_notices(api) == []
    await record_months(api, older, [(2026, 12)], "o")
    assert len(await auto_notices(api, "LONG_TERM_RECIPIENT")) == 1

    immigrant = await register(api, personalId=personal_id(date(1970, 1, 1)), immigrant=True)
    await record_months(api, immigrant, [(2026, 1)], "i")
    assert len(await auto_notices(api)) == 1
    await record_months(api, immigrant, [(2026, 2)], "i")
    assert len(await auto_notices(api)) == 2

    # The mark can be set later, and rejected decisions do not count.
    later = await register(api, personalId=personal_id(date(1970, 1, 1)))
    await api.ok(
        KELA_HANDLER,
        RECORD_DECISION,
        input=month(later, "r-1", 2026, 1, outcome="REJECTED"),
    )
    await record_months(api, later, [(2026, 2), (2026, 3)], "l")
    update = "mutation($id: ID!, $i: UpdateClientInput!) { updateClient(id: $id, input: $i) { immigrant } }"
    out = await api.ok(PIRKANMAA_WORKER, update, id=later, i={"immigrant": True})
    assert out["updateClient"]["immigrant"] is True
    assert len(await auto_notices(api)) == 2  # nothing until the next basic decision
    await record_months(api, later, [(2026, 4)], "l")
    assert len(await auto_notices(api)) == 3


async def test_an_urgent_application_judged_not_urgent_tells_the_organiser(api, clock):
    client_id = await register(api)
    out = await api.ok(
        KELA_HANDLER,
        RECORD_APPLICATION,
        input={
            "clientId": client_id,
            "receivedAt": clock.now.isoformat(),
            "channel": "ONLINE",
            "urgency": {"urgent": True, "grounds": "Ei ruokaa"},
        },
    )
    application = out["recordApplication"]["id"]
    not_urgent = {"urgent": False, "grounds": "Tilillä varoja"}
    await api.ok(KELA_HANDLER, UPDATE_APPLICATION, id=application, urgency=not_urgent)
    await api.ok(KELA_HANDLER, UPDATE_APPLICATION, id=application, urgency=not_urgent)
    [notice] = await auto_notices(api, "URGENCY_ASSESSMENT")
    assert "Tilillä varoja" in (notice.detail or "")
    assert notice.due_at == due_at(clock.now, 1)
    clock.advance(minutes=5)
    await api.ok(KELA_HANDLER, UPDATE_APPLICATION, id=application, urgency={"urgent": True})
    clock.advance(minutes=5)
    await api.ok(KELA_HANDLER, UPDATE_APPLICATION, id=application, urgency=not_urgent)
    assert len(await auto_notices(api, "URGENCY_ASSESSMENT")) == 2


async def test_concurrent_recording_sends_each_notice_once(pg_api):
    api = pg_api
    client_id = await register(api, personalId=personal_id(date(2004, 6, 1)))
    await record_months(api, client_id, [(2026, 1), (2026, 2), (2026, 3)])
    reduction = decision_input(
        client_id, "red-c", basicAmountReduction={"percent": 40, "grounds": "x"}
    )
    # Five retries of one reducing decision, and four different decisions each of which
    # completes the fourth month, all at once.
    outcomes = await asyncio.gather(
        *(api.run(KELA_HANDLER, RECORD_DECISION, input=reduction) for _ in range(5)),
        *(
            api.run(KELA_HANDLER, RECORD_DECISION, input=month(client_id, f"c-{n}", 2026, 4))
            for n in range(4)
        ),
    )
    assert all("errors" not in o for o in outcomes), outcomes
    assert len(await auto_notices(api, "BASIC_AMOUNT_REDUCTION")) == 1
    assert len(await auto_notices(api, "LONG_TERM_RECIPIENT")) == 1
