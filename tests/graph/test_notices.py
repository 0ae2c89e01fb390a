"""Notices: who sends which, consent where needed, idempotency, the lifecycle, due dates."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from schema.models import Notice, NoticeMove
from tests.factories import (
    KELA_ADVISOR,
    KELA_HANDLER,
    LAPPI_WORKER,
    PIRKANMAA_COUNSELLOR,
    PIRKANMAA_WORKER,
    SEND_NOTICE,
    client_principal,
    grant,
    personal_id,
    register,
    save_plan,
    send_notice,
)
from tests.support import principal

MOVE = """
mutation($id: ID!, $to: NoticeStatus!, $outcome: NoticeOutcome, $note: String, $worker: ContactPersonInput) {
  moveNotice(id: $id, to: $to, outcome: $outcome, note: $note, responsibleWorker: $worker) {
    status outcome responsibleWorker { name phone organisation { id } }
    history { from to outcome note by organisation { id } }
  }
}
"""
NOTICE = "query($id: ID!) { notice(id: $id) { id type status detail overdue trafficLight dueAt sentAt consentSeq responsibleWorker { name } redactions { field reason } client { id } } }"
INBOX = "query($status: [NoticeStatus!], $type: [NoticeType!], $first: Int, $after: String) { noticeInbox(status: $status, type: $type, first: $first, after: $after) { edges { node { id type status } } pageInfo { hasNextPage endCursor } } }"


def notice_input(client_id: str, recipient: str, type_: str, external_id: str = "n-1", **changes):
    return {
        "clientId": client_id,
        "type": type_,
        "recipientId": recipient,
        "externalId": external_id,
        "detail": "Tiedoksi",
    } | changes


async def notices_written(api) -> int:
    async with api.runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Notice)) or 0)


async def test_direction_of_each_type_is_enforced(api):
    client_id = await register(api)
    await api.fails(
        KELA_HANDLER,
        SEND_NOTICE,
        "FORBIDDEN",
        input=notice_input(client_id, "wc-pirkanmaa", "STATEMENT"),
    )
    await api.fails(
        PIRKANMAA_WORKER,
        SEND_NOTICE,
        "FORBIDDEN",
        input=notice_input(client_id, "kela", "CONCERN_NOTICE"),
    )
    await api.fails(
        KELA_HANDLER,
        SEND_NOTICE,
        "BAD_USER_INPUT",
        input=notice_input(client_id, "kela", "CONCERN_NOTICE"),
    )
    await api.fails(
        PIRKANMAA_WORKER,
        SEND_NOTICE,
        "BAD_USER_INPUT",
        input=notice_input(client_id, "wc-lappi", "STATEMENT"),
    )
    await api.fails(
        KELA_HANDLER,
        SEND_NOTICE,
        "BAD_USER_INPUT",
        input=notice_input(client_id, "wc-atlantis", "CONCERN_NOTICE"),
    )
    await api.fails(
        principal("dpo", "kela"),
        SEND_NOTICE,
        "FORBIDDEN",
        input=notice_input(client_id, "wc-pirkanmaa", "CONCERN_NOTICE"),
    )
    assert await notices_written(api) == 0
    assert (await send_notice(api, KELA_ADVISOR, client_id, "wc-pirkanmaa"))["status"] == "SENT"
    assert (await send_notice(api, PIRKANMAA_COUNSELLOR, client_id, "kela", "STATEMENT"))[
        "status"
    ] == "SENT"


async def test_types_that_need_consent_are_refused_without_a_grant_and_record_it(api):
    pid = personal_id()
    client_id = await register(api, personalId=pid)
    await save_plan(api, client_id)
    refused = notice_input(client_id, "wc-pirkanmaa", "SERVICE_NEED_ASSESSMENT_REQUEST")
    await api.fails(KELA_HANDLER, SEND_NOTICE, "FORBIDDEN", input=refused)
    await api.fails(
        PIRKANMAA_WORKER,
        SEND_NOTICE,
        "FORBIDDEN",
        input=notice_input(client_id, "kela", "PLAN_SHARED"),
    )
    await grant(api, client_principal(pid), client_id, "wc-lappi", ["NOTICE_DETAIL"])
    await api.fails(KELA_HANDLER, SEND_NOTICE, "FORBIDDEN", input=refused)
    assert await notices_written(api) == 0

    seq = await grant(api, client_principal(pid), client_id, "wc-pirkanmaa", ["NOTICE_DETAIL"])
    sent = await send_notice(
        api, KELA_HANDLER, client_id, "wc-pirkanmaa", "SERVICE_NEED_ASSESSMENT_REQUEST"
    )
    assert sent["consentSeq"] == seq
    plan_seq = await grant(api, client_principal(pid), client_id, "kela", ["PLAN"])
    shared = await send_notice(api, PIRKANMAA_WORKER, client_id, "kela", "PLAN_SHARED")
    assert shared["consentSeq"] == plan_seq
    ordinary = await send_notice(api, KELA_HANDLER, client_id, "wc-pirkanmaa", "CONCERN_NOTICE")
    assert ordinary["consentSeq"] is None


async def test_sending_is_idempotent_on_sender_and_external_id(api):
    client_id = await register(api)
    first = await send_notice(api, KELA_HANDLER, client_id, "wc-pirkanmaa", external_id="kela-77")
    again = await send_notice(api, KELA_ADVISOR, client_id, "wc-pirkanmaa", external_id="kela-77")
    assert again["id"] == first["id"]
    await api.fails(
        KELA_HANDLER,
        SEND_NOTICE,
        "CONFLICT",
        input=notice_input(client_id, "wc-pirkanmaa", "CONCERN_NOTICE", "kela-77", detail="toinen"),
    )
    assert await notices_written(api) == 1
    other_sender = await send_notice(
        api, PIRKANMAA_WORKER, client_id, "kela", "STATEMENT", external_id="kela-77"
    )
    assert other_sender["id"] != first["id"]


async def test_the_whole_lifecycle_with_history_and_the_named_worker(api):
    client_id = await register(api)
    notice = await send_notice(api, KELA_HANDLER, client_id, "wc-pirkanmaa")
    await api.ok(PIRKANMAA_COUNSELLOR, MOVE, id=notice["id"], to="RECEIVED")
    moved = (
        await api.ok(
            PIRKANMAA_WORKER,
            MOVE,
            id=notice["id"],
            to="IN_PROGRESS",
            worker={"name": "Sanna S", "phone": "+358 40 1"},
        )
    )["moveNotice"]
    assert moved["responsibleWorker"] == {
        "name": "Sanna S",
        "phone": "+358 40 1",
        "organisation": {"id": "wc-pirkanmaa"},
    }
    seen_by_sender = (await api.ok(KELA_HANDLER, NOTICE, id=notice["id"]))["notice"]
    assert seen_by_sender["responsibleWorker"] == {"name": "Sanna S"}
    closed = (
        await api.ok(
            PIRKANMAA_WORKER,
            MOVE,
            id=notice["id"],
            to="CLOSED",
            outcome="ASSESSMENT_STARTED",
            note="Soitettu",
        )
    )["moveNotice"]
    assert closed["status"] == "CLOSED"
    assert closed["outcome"] == "ASSESSMENT_STARTED"
    assert [(h["from"], h["to"], h["organisation"]["id"]) for h in closed["history"]] == [
        (None, "SENT", "kela"),
        ("SENT", "RECEIVED", "wc-pirkanmaa"),
        ("RECEIVED", "IN_PROGRESS", "wc-pirkanmaa"),
        ("IN_PROGRESS", "CLOSED", "wc-pirkanmaa"),
    ]
    assert closed["history"][-1]["note"] == "Soitettu"
    assert closed["history"][-1]["by"] == "Sanna Sosiaalityöntekijä"
    contact = "query($id: ID!) { client(id: $id) { contactPersons { name organisation { id } } } }"
    assert (await api.ok(PIRKANMAA_WORKER, contact, id=client_id))["client"]["contactPersons"] == [
        {"name": "Sanna S", "organisation": {"id": "wc-pirkanmaa"}}
    ]


STATUSES = ["SENT", "RECEIVED", "IN_PROGRESS", "CLOSED", "CANCELLED"]
ALLOWED = {
    ("SENT", "RECEIVED"),
    ("RECEIVED", "IN_PROGRESS"),
    ("IN_PROGRESS", "CLOSED"),
    ("SENT", "CANCELLED"),
    ("RECEIVED", "CANCELLED"),
}
PATH = {
    "SENT": [],
    "RECEIVED": ["RECEIVED"],
    "IN_PROGRESS": ["RECEIVED", "IN_PROGRESS"],
    "CLOSED": ["RECEIVED", "IN_PROGRESS", "CLOSED"],
    "CANCELLED": ["CANCELLED"],
}


async def bring_to(api, client_id: str, status: str) -> str:
    notice = await send_notice(api, KELA_HANDLER, client_id, "wc-pirkanmaa")
    for step in PATH[status]:
        who = KELA_HANDLER if step == "CANCELLED" else PIRKANMAA_WORKER
        await api.ok(
            who,
            MOVE,
            id=notice["id"],
            to=step,
            outcome="CLIENT_REACHED" if step == "CLOSED" else None,
        )
    return str(notice["id"])


@pytest.mark.parametrize("current", STATUSES)
async def test_every_transition_from_each_status(api, current):
    client_id = await register(api)
    for to in STATUSES:
        notice_id = await bring_to(api, client_id, current)
        outcome = "CLIENT_REACHED" if to == "CLOSED" else None
        if (current, to) in ALLOWED:
            mover = KELA_HANDLER if to == "CANCELLED" else PIRKANMAA_WORKER
            other = PIRKANMAA_WORKER if to == "CANCELLED" else KELA_HANDLER
            await api.fails(other, MOVE, "FORBIDDEN", id=notice_id, to=to, outcome=outcome)
            assert (await api.ok(mover, MOVE, id=notice_id, to=to, outcome=outcome))["moveNotice"][
                "status"
            ] == to
        else:
            for who in (KELA_HANDLER, PIRKANMAA_WORKER):
                await api.fails(who, MOVE, "CONFLICT", id=notice_id, to=to, outcome=outcome)
            assert (await api.ok(KELA_HANDLER, NOTICE, id=notice_id))["notice"]["status"] == current


async def test_outcome_only_when_closing_and_moves_are_kept(api):
    client_id = await register(api)
    notice_id = await bring_to(api, client_id, "IN_PROGRESS")
    await api.fails(PIRKANMAA_WORKER, MOVE, "BAD_USER_INPUT", id=notice_id, to="CLOSED")
    received = await bring_to(api, client_id, "SENT")
    await api.fails(
        PIRKANMAA_WORKER, MOVE, "BAD_USER_INPUT", id=received, to="RECEIVED", outcome="PLAN_MADE"
    )
    async with api.runtime.sessions() as session:
        moves = int(await session.scalar(select(func.count()).select_from(NoticeMove)) or 0)
    assert moves == 4  # two sends, RECEIVED and IN_PROGRESS of the first


async def test_due_dates_count_finnish_working_days_across_christmas(api, clock):
    client_id = await register(api)
    clock.now = datetime(2026, 12, 23, 8, 0, tzinfo=UTC)  # Wednesday before Christmas Eve
    concern = await send_notice(api, KELA_HANDLER, client_id, "wc-pirkanmaa", "CONCERN_NOTICE")
    assert concern["dueAt"] == "2026-12-28T21:59:59.999999+00:00"  # Mon; 24th-27th off
    clock.now = datetime(2026, 12, 18, 8, 0, tzinfo=UTC)  # Friday
    transfer = await send_notice(
        api, KELA_HANDLER, client_id, "wc-pirkanmaa", "APPLICATION_TRANSFER"
    )
    assert transfer["dueAt"] == "2026-12-31T21:59:59.999999+00:00"
    clock.now = datetime(2027, 12, 2, 8, 0, tzinfo=UTC)  # Thursday; 6.12.2027 is Monday
    long_term = await send_notice(api, KELA_HANDLER, client_id, "wc-pirkanmaa", "CONCERN_NOTICE")
    assert long_term["dueAt"] == "2027-12-03T21:59:59.999999+00:00"
    urgent = await send_notice(api, PIRKANMAA_WORKER, client_id, "kela", "STATEMENT")
    assert (
        urgent["dueAt"] == "2027-12-14T21:59:59.999999+00:00"
    )  # 7 working days, Independence Day skipped


async def test_overdue_and_the_traffic_light(api, clock):
    client_id = await register(api)
    clock.now = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)  # Monday 09:00 in Helsinki
    notice = await send_notice(api, KELA_HANDLER, client_id, "wc-pirkanmaa", "APPLICATION_TRANSFER")

    async def light():
        data = (await api.ok(KELA_HANDLER, NOTICE, id=notice["id"]))["notice"]
        return data["overdue"], data["trafficLight"]

    assert await light() == (False, "GREEN")
    clock.advance(days=6)
    assert await light() == (False, "YELLOW")
    clock.advance(days=5)
    assert await light() == (True, "RED")
    await api.ok(PIRKANMAA_WORKER, MOVE, id=notice["id"], to="RECEIVED")
    await api.ok(PIRKANMAA_WORKER, MOVE, id=notice["id"], to="IN_PROGRESS")
    await api.ok(PIRKANMAA_WORKER, MOVE, id=notice["id"], to="CLOSED", outcome="CLIENT_REACHED")
    assert await light() == (False, None)


async def test_the_inbox_is_the_recipients_queue(api):
    client_id = await register(api)
    first = await send_notice(api, KELA_HANDLER, client_id, "wc-pirkanmaa", "CONCERN_NOTICE")
    second = await send_notice(api, KELA_HANDLER, client_id, "wc-pirkanmaa", "LONG_TERM_RECIPIENT")
    await send_notice(api, KELA_HANDLER, client_id, "wc-lappi", "APPLICATION_TRANSFER")
    await send_notice(api, PIRKANMAA_WORKER, client_id, "kela", "STATEMENT")
    await api.ok(PIRKANMAA_WORKER, MOVE, id=first["id"], to="RECEIVED")

    inbox = (await api.ok(PIRKANMAA_COUNSELLOR, INBOX))["noticeInbox"]["edges"]
    assert [e["node"]["id"] for e in inbox] == [first["id"], second["id"]]
    sent_only = (await api.ok(PIRKANMAA_WORKER, INBOX, status=["SENT"]))["noticeInbox"]["edges"]
    assert [e["node"]["id"] for e in sent_only] == [second["id"]]
    by_type = (await api.ok(PIRKANMAA_WORKER, INBOX, type=["CONCERN_NOTICE"]))["noticeInbox"][
        "edges"
    ]
    assert [e["node"]["id"] for e in by_type] == [first["id"]]
    page = (await api.ok(PIRKANMAA_WORKER, INBOX, first=1))["noticeInbox"]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = (await api.ok(PIRKANMAA_WORKER, INBOX, first=5, after=page["pageInfo"]["endCursor"]))[
        "noticeInbox"
    ]["edges"]
    assert [e["node"]["id"] for e in rest] == [second["id"]]
    assert [
        e["node"]["type"] for e in (await api.ok(KELA_ADVISOR, INBOX))["noticeInbox"]["edges"]
    ] == ["STATEMENT"]
    assert (await api.ok(client_principal(personal_id()), INBOX))["noticeInbox"]["edges"] == []


async def test_who_sees_a_notice(api):
    pid = personal_id()
    client_id = await register(api, personalId=pid)
    notice = await send_notice(api, KELA_HANDLER, client_id, "wc-pirkanmaa")
    assert (await api.ok(LAPPI_WORKER, NOTICE, id=notice["id"]))["notice"] is None
    assert (await api.ok(principal("dpo", "kela"), NOTICE, id=notice["id"]))["notice"] is None
    advisor = (await api.ok(KELA_ADVISOR, NOTICE, id=notice["id"]))["notice"]
    assert advisor["type"] == "CONCERN_NOTICE"
    assert advisor["detail"] is None
    assert {"field": "detail", "reason": "NOT_PERMITTED"} in advisor["redactions"]
    mine = (await api.ok(client_principal(pid), NOTICE, id=notice["id"]))["notice"]
    assert mine["detail"] == "Asiakas tarvitsee yhteydenoton."
    assert mine["client"] == {"id": client_id}
    await api.fails(LAPPI_WORKER, MOVE, "NOT_FOUND", id=notice["id"], to="RECEIVED")
