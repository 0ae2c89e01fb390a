"""Feedback to the sender: the sender sees the recipient's moves, the named worker and
their contact; an overdue notice is RED in both sides' ``noticeInbox(overdue: true)``."""

from tests.factories import KELA_HANDLER, PIRKANMAA_WORKER, register, send_notice

MOVE = """
mutation($id: ID!, $to: NoticeStatus!, $outcome: NoticeOutcome, $worker: ContactPersonInput) {
  moveNotice(id: $id, to: $to, outcome: $outcome, responsibleWorker: $worker) { status }
}
"""
AS_SENDER = """
query($id: ID!) { notice(id: $id) {
  status outcome trafficLight overdue redactions { field }
  responsibleWorker { name title phone email organisation { id } }
  history { from to by organisation { id } }
} }
"""
INBOX = """
query($direction: NoticeDirection!, $overdue: Boolean) {
  noticeInbox(direction: $direction, overdue: $overdue) {
    edges { node { id status overdue trafficLight sender { id } recipient { id } } }
  }
}
"""


async def test_the_sender_sees_each_move_the_worker_and_the_outcome(api):
    client_id = await register(api)
    notice = (await send_notice(api, KELA_HANDLER, client_id, "wc-pirkanmaa"))["id"]
    await api.ok(PIRKANMAA_WORKER, MOVE, id=notice, to="RECEIVED")
    seen = (await api.ok(KELA_HANDLER, AS_SENDER, id=notice))["notice"]
    assert seen["status"] == "RECEIVED"
    assert seen["responsibleWorker"] is None

    worker = {
        "name": "Sanna S.",
        "title": "sosiaalityöntekijä",
        "phone": "+358 40 1",
        "email": "s@pirkanmaa.fi",
    }
    await api.ok(PIRKANMAA_WORKER, MOVE, id=notice, to="IN_PROGRESS", worker=worker)
    seen = (await api.ok(KELA_HANDLER, AS_SENDER, id=notice))["notice"]
    assert seen["status"] == "IN_PROGRESS"
    assert seen["responsibleWorker"] == worker | {"organisation": {"id": "wc-pirkanmaa"}}
    assert seen["redactions"] == []

    await api.ok(PIRKANMAA_WORKER, MOVE, id=notice, to="CLOSED", outcome="CLIENT_REACHED")
    seen = (await api.ok(KELA_HANDLER, AS_SENDER, id=notice))["notice"]
    assert (seen["status"], seen["outcome"], seen["trafficLight"]) == (
        "CLOSED",
        "CLIENT_REACHED",
        None,
    )
    assert [h["to"] for h in seen["history"]] == ["SENT", "RECEIVED", "IN_PROGRESS", "CLOSED"]


async def test_an_overdue_notice_is_red_for_both_sides(api, clock):
    client_id = await register(api)
    late = (await send_notice(api, KELA_HANDLER, client_id, "wc-pirkanmaa"))["id"]
    await api.ok(PIRKANMAA_WORKER, MOVE, id=late, to="RECEIVED")
    clock.advance(days=4)  # a CONCERN_NOTICE is due in one working day
    fresh = (await send_notice(api, KELA_HANDLER, client_id, "wc-pirkanmaa"))["id"]

    for who, direction in ((KELA_HANDLER, "SENT"), (PIRKANMAA_WORKER, "RECEIVED")):
        red = (await api.ok(who, INBOX, direction=direction, overdue=True))["noticeInbox"]
        assert [e["node"]["id"] for e in red["edges"]] == [late]
        assert red["edges"][0]["node"]["trafficLight"] == "RED"
        assert red["edges"][0]["node"]["overdue"] is True
        others = (await api.ok(who, INBOX, direction=direction, overdue=False))["noticeInbox"]
        assert [e["node"]["id"] for e in others["edges"]] == [fresh]
        both = (await api.ok(who, INBOX, direction="BOTH"))["noticeInbox"]
        assert {e["node"]["id"] for e in both["edges"]} == {late, fresh}

    # Kela receives nothing here, and Pirkanmaa sent nothing.
    assert (await api.ok(KELA_HANDLER, INBOX, direction="RECEIVED"))["noticeInbox"]["edges"] == []
    assert (await api.ok(PIRKANMAA_WORKER, INBOX, direction="SENT"))["noticeInbox"]["edges"] == []

    # Closing it takes it off the overdue list.
    await api.ok(PIRKANMAA_WORKER, MOVE, id=late, to="IN_PROGRESS")
    await api.ok(PIRKANMAA_WORKER, MOVE, id=late, to="CLOSED", outcome="NO_ACTION_NEEDED")
    red = (await api.ok(KELA_HANDLER, INBOX, direction="SENT", overdue=True))["noticeInbox"]
    assert red["edges"] == []
