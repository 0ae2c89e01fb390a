"""noticeEvents over graphql-transport-ws: authenticated at connection_init, delivered
to both parties with the same per-field decisions as a query, logged like a query, and
ended when the token expires."""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import websockets
from gql import Client, gql
from gql.transport.websockets import WebsocketsTransport
from sqlalchemy import func, select
from starlette.applications import Starlette
from websockets.typing import Subprotocol

from schema.models import AccessLogEntry
from tests.factories import register
from tests.live_server import infocap_process, serving
from tests.support import AUDIENCE, ISSUER, Api, Keys, claims

PROTOCOL = "graphql-transport-ws"
EVENTS = """
subscription { noticeEvents {
  kind redactions { field reason }
  move { from to by organisation { id } }
  notice { id status detail sender { id } recipient { id } responsibleWorker { name phone }
           redactions { field reason } }
} }
"""
SEND = "mutation($i: NoticeInput!) { sendNotice(input: $i) { id } }"
MOVE = "mutation($id: ID!, $to: NoticeStatus!, $w: ContactPersonInput) { moveNotice(id: $id, to: $to, responsibleWorker: $w) { status } }"
WAIT = 10


def token(keys: Keys, role: str, org: str | None = None, **extra: Any) -> str:
    return keys.sign(claims(role, org=org, **extra))


@pytest.fixture
async def address(app: Starlette) -> AsyncIterator[str]:
    async with serving(app) as found:
        yield found


async def post(address: str, bearer: str, query: str, **variables: Any) -> dict[str, Any]:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"http://{address}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {bearer}"},
        )
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return dict(body["data"])


class Socket:
    """A graphql-transport-ws conversation, frame by frame."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def receive(self) -> dict[str, Any]:
        return dict(json.loads(await asyncio.wait_for(self.ws.recv(), WAIT)))

    async def closed_with(self) -> int | None:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(self.ws.recv(), WAIT)
        return closed.value.rcvd.code if closed.value.rcvd else None


async def connect(address: str, payload: dict[str, Any] | None, headers: Any = None):
    ws = await websockets.connect(
        f"ws://{address}/graphql",
        subprotocols=[Subprotocol(PROTOCOL)],
        additional_headers=headers,
    )
    socket = Socket(ws)
    await socket.send({"type": "connection_init", "payload": payload or {}})
    return ws, socket


async def subscribed(address: str, bearer: str) -> tuple[Any, Socket]:
    ws, socket = await connect(address, {"Authorization": f"Bearer {bearer}"})
    assert (await socket.receive())["type"] == "connection_ack"
    await socket.send({"id": "1", "type": "subscribe", "payload": {"query": EVENTS}})
    await asyncio.sleep(0.2)  # the subscription is registered
    return ws, socket


async def event(socket: Socket) -> dict[str, Any]:
    message = await socket.receive()
    assert message["type"] == "next", message
    assert "errors" not in message["payload"], message
    return dict(message["payload"]["data"]["noticeEvents"])


async def logged(api: Api, subject: str) -> int:
    async with api.runtime.sessions() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(AccessLogEntry)
            .where(AccessLogEntry.subject == subject)
        )
    return int(count or 0)


async def test_both_parties_get_each_event_decided_and_logged_as_a_query(api, keys, address):
    client_id = await register(api)
    kela = token(keys, "kela_handler", "kela", sub="kela-sub")
    county = token(keys, "social_worker", "wc-pirkanmaa", sub="county-sub", azp="pirkanmaa-cms")
    advisor = token(keys, "kela_advisor", "kela", sub="advisor-sub")
    lappi = token(keys, "social_worker", "wc-lappi", sub="lappi-sub")
    sockets = [await subscribed(address, t) for t in (kela, county, advisor, lappi)]
    assert api.runtime.live.subscriber_count == 4  # what the metrics gauge reads
    (_, to_kela), (_, to_county), (_, to_advisor), (_, to_lappi) = sockets

    notice = {
        "clientId": client_id,
        "type": "CONCERN_NOTICE",
        "recipientId": "wc-pirkanmaa",
        "externalId": "live-1",
        "detail": "Huoli",
    }
    sent = (await post(address, kela, SEND, i=notice))["sendNotice"]["id"]
    for socket in (to_kela, to_county, to_advisor):
        got = await event(socket)
        assert got["kind"] == "SENT"
        assert got["notice"]["id"] == sent
        assert got["move"]["to"] == "SENT"

    worker = {"name": "Sanna S.", "phone": "+358 40 1"}
    await post(address, county, MOVE, id=sent, to="RECEIVED")
    await post(address, county, MOVE, id=sent, to="IN_PROGRESS", w=worker)
    for socket in (to_kela, to_county):
        received, in_progress = await event(socket), await event(socket)
        assert (received["kind"], in_progress["kind"]) == ("MOVED", "MOVED")
        assert received["move"]["to"] == "RECEIVED"
        assert in_progress["move"]["to"] == "IN_PROGRESS"
        assert in_progress["notice"]["responsibleWorker"] == worker  # the sender's feedback
        assert in_progress["move"]["organisation"]["id"] == "wc-pirkanmaa"

    # Lappi is no party: its first event is the notice Kela then sends it.
    other = notice | {"recipientId": "wc-lappi", "externalId": "live-2"}
    to_lappi_id = (await post(address, kela, SEND, i=other))["sendNotice"]["id"]
    assert (await event(to_lappi))["notice"]["id"] == to_lappi_id

    # Each delivered event was logged for its subscriber, with the calling system.
    await asyncio.sleep(0.2)
    assert await logged(api, "county-sub") > 0
    async with api.runtime.sessions() as session:
        systems = set(
            await session.scalars(
                select(AccessLogEntry.azp).where(AccessLogEntry.subject == "county-sub")
            )
        )
    assert systems == {"pirkanmaa-cms"}
    for ws, _ in sockets:
        await ws.close()
    for _ in range(50):
        if api.runtime.live.subscriber_count == 0:
            break
        await asyncio.sleep(0.05)
    assert api.runtime.live.subscriber_count == 0


async def test_the_advisor_sees_the_detail_redacted_as_in_a_query(api, keys, address):
    client_id = await register(api)
    kela = token(keys, "kela_handler", "kela")
    ws, socket = await subscribed(address, token(keys, "kela_advisor", "kela"))
    notice = {
        "clientId": client_id,
        "type": "CONCERN_NOTICE",
        "recipientId": "wc-pirkanmaa",
        "externalId": "live-3",
        "detail": "Huoli",
    }
    await post(address, kela, SEND, i=notice)
    got = await event(socket)
    assert got["notice"]["detail"] is None
    assert {"field": "detail", "reason": "NOT_PERMITTED"} in got["notice"]["redactions"]
    await ws.close()


async def test_a_bad_token_closes_4401_and_a_refused_role_4403(keys, address):
    cases = [
        ({}, 4401),
        ({"Authorization": "Bearer not-a-token"}, 4401),
        (
            {
                "Authorization": f"Bearer {keys.sign(claims('kela_handler', org='kela', exp=int(time.time()) - 120))}"
            },
            4401,
        ),
        ({"Authorization": f"Bearer {token(keys, 'kela_handler', 'wc-lappi')}"}, 4403),
        ({"Authorization": f"Bearer {token(keys, 'client', person='010101-123N')}"}, 4403),
        ({"Authorization": f"Bearer {token(keys, 'dpo', 'kela')}"}, 4403),
    ]
    for payload, code in cases:
        ws, socket = await connect(address, payload)
        assert await socket.closed_with() == code, payload
        await ws.close()
    # The header works where the payload has none.
    header = {"Authorization": f"Bearer {token(keys, 'kela_handler', 'kela')}"}
    ws, socket = await connect(address, None, header)
    assert (await socket.receive())["type"] == "connection_ack"
    await ws.close()


async def test_the_subscription_ends_when_the_token_expires(keys, address):
    short = keys.sign(claims("kela_handler", org="kela", exp=int(time.time()) + 2))
    ws, socket = await subscribed(address, short)
    assert await socket.closed_with() == 4401
    await ws.close()


async def test_a_third_party_client_speaks_the_protocol(api, keys, address):
    client_id = await register(api)
    kela = token(keys, "kela_handler", "kela")
    transport = WebsocketsTransport(
        url=f"ws://{address}/graphql",
        init_payload={"Authorization": f"Bearer {kela}"},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
    )
    async with Client(transport=transport) as session:
        # Queries go over the socket too, each its own unit of work.
        me = await session.execute(gql("{ me { organisation { id } } }"))
        assert me["me"]["organisation"]["id"] == "kela"
        stream = session.subscribe(gql(EVENTS))
        first = asyncio.ensure_future(stream.__anext__())
        await asyncio.sleep(0.3)
        notice = {
            "clientId": client_id,
            "type": "CONCERN_NOTICE",
            "recipientId": "wc-pirkanmaa",
            "externalId": "gql-1",
            "detail": "Huoli",
        }
        sent = (await post(address, kela, SEND, i=notice))["sendNotice"]["id"]
        got = await asyncio.wait_for(first, WAIT)
        assert got["noticeEvents"]["notice"]["id"] == sent
        assert got["noticeEvents"]["kind"] == "SENT"
        await stream.aclose()


async def test_events_fan_out_across_service_processes(pg_url, keys, tmp_path):
    """Two ``infocap serve`` processes on one PostgreSQL: a notice moved through one
    reaches a subscription held by the other (LISTEN/NOTIFY)."""
    env = {
        "INFOCAP_DATABASE_URL": pg_url,
        "INFOCAP_JWKS_FILE": str(keys.jwks_path),
        "INFOCAP_JWT_ISSUER": ISSUER,
        "INFOCAP_JWT_AUDIENCE": AUDIENCE,
        "INFOCAP_ATTACHMENT_DIR": str(tmp_path / "attachments"),
    }
    kela = token(keys, "kela_handler", "kela")
    county = token(keys, "social_worker", "wc-pirkanmaa")
    with infocap_process(env) as (one, _), infocap_process(env) as (other, _):
        registered = await post(
            one,
            county,
            "mutation($i: RegisterClientInput!) { registerClient(input: $i) { id } }",
            i={
                "personalId": "010180-9004",
                "name": "Aino",
                "language": "FI",
                "organiserId": "wc-pirkanmaa",
                "purpose": "asiakkuuden avaus",
            },
        )
        client_id = registered["registerClient"]["id"]
        transport = WebsocketsTransport(
            url=f"ws://{other}/graphql", init_payload={"Authorization": f"Bearer {kela}"}
        )
        async with Client(transport=transport) as session:
            stream = session.subscribe(gql(EVENTS))
            first = asyncio.ensure_future(stream.__anext__())
            await asyncio.sleep(0.5)
            notice = {
                "clientId": client_id,
                "type": "CONCERN_NOTICE",
                "recipientId": "wc-pirkanmaa",
                "externalId": "fan-1",
                "detail": "Huoli",
            }
            sent = (await post(one, kela, SEND, i=notice))["sendNotice"]["id"]
            assert (await asyncio.wait_for(first, WAIT))["noticeEvents"]["kind"] == "SENT"
            await post(one, county, MOVE, id=sent, to="RECEIVED")
            moved = await asyncio.wait_for(stream.__anext__(), WAIT)
            assert moved["noticeEvents"]["kind"] == "MOVED"
            assert moved["noticeEvents"]["notice"]["id"] == sent
            assert moved["noticeEvents"]["notice"]["status"] == "RECEIVED"
            await stream.aclose()


async def test_a_subscription_over_http_is_refused_clearly(http):
    response = await http.post(EVENTS, http.token("kela_handler", org="kela"))
    body = response.json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    assert "WebSocket" in body["errors"][0]["message"]
