"""B-raw and B-insert: a bare Starlette app, no GraphQL, no ORM, no access decisions.

``POST /graphql`` answers the caseworker overview (W1's document; only ``variables.id``
and the token's ``org`` are read, the token is not verified) by running the statements the
service runs for it (captured from the service: ``bench/capture.py``; the same tables,
filters, windows and counts, and the access-log insert, in one transaction) with the
plain async driver, and serialising the same JSON shape. It is the floor for Python.

``POST /insert`` is B-insert: one row of ledger size inserted and committed per request
(the floor for W5).

Run by ``bench.run`` under uvicorn with the service's number of workers:
``uvicorn bench.raw:app --factory`` with ``BENCH_DATABASE_URL`` set.
"""

import asyncio
import base64
import contextlib
import json
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import psycopg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

POOL = 10
CLIENT = (
    "SELECT id, personal_id, name, language, organiser_id, address, phone, email,"
    " protected_identity FROM clients WHERE id IN (%(c)s)"
)
RELATION = (
    "SELECT client_id, organisation_id, true AS relationship FROM client_relationships"
    " WHERE client_id IN (%(c)s) UNION ALL SELECT client_id, %(org)s::varchar, false FROM notices"
    " WHERE client_id IN (%(c)s) AND (sender_id = %(org)s OR recipient_id = %(org)s)"
)
RULES = "SELECT * FROM consent_rules WHERE client_id IN (%(c)s)"
PROFILE = (
    "SELECT has_equipment, has_skills, recorded_at FROM client_digital_profiles"
    " WHERE client_id IN (%(c)s) ORDER BY recorded_at, id"
)
GUARDIANS = (
    "SELECT kind, valid_from, valid_until FROM guardianships WHERE ward_id IN (%(c)s)"
    " ORDER BY valid_from"
)
CONTACTS = (
    "SELECT name, title, phone, email, organisation_id FROM contact_persons"
    " WHERE client_id IN (%(c)s) ORDER BY organisation_id"
)
PLAN = (
    "SELECT p.id, p.version, p.status, p.content, p.next_follow_up, p.organiser_id,"
    " p.saved_at, p.saved_by_name FROM plan_versions p JOIN (SELECT client_id,"
    " max(version) AS version FROM plan_versions WHERE client_id IN (%(c)s)"
    " GROUP BY client_id) m ON p.client_id = m.client_id AND p.version = m.version"
    " WHERE p.client_id IN (%(c)s)"
)
DECISION_FILTER = (
    "client_id IN (%(c)s) AND (authority = 'KELA' OR authority = 'WELLBEING_COUNTY'"
    " AND issuer_id IS NOT NULL AND issuer_id = %(org)s)"
)
DECISIONS = (
    "SELECT id, authority, issuer_id, kind, outcome, decided_at, total_amount_cents,"
    " application_id FROM (SELECT *, row_number() OVER (PARTITION BY client_id"
    f" ORDER BY id DESC) AS n FROM decisions WHERE {DECISION_FILTER}) d"
    " WHERE n <= 11 ORDER BY n"
)
NOTICE_FILTER = "client_id IN (%(c)s) AND (sender_id = %(org)s OR recipient_id = %(org)s)"
NOTICES = (
    "SELECT id, type, status, sent_at, due_at, sender_id, recipient_id FROM"
    " (SELECT *, row_number() OVER (PARTITION BY client_id ORDER BY id DESC) AS n"
    f" FROM notices WHERE {NOTICE_FILTER}) x WHERE n <= 11 ORDER BY n"
)
APPLICATIONS = (
    "SELECT id, received_at, channel, status, urgent FROM (SELECT *, row_number() OVER"
    " (PARTITION BY client_id ORDER BY id DESC) AS n FROM applications"
    " WHERE client_id IN (%(c)s)) a WHERE n <= 6 ORDER BY n"
)
ATTACHMENT_FILTER = (
    "client_id IN (%(c)s) AND (kind = 'MEDICAL_STATEMENT' OR kind != 'MEDICAL_STATEMENT')"
)
ATTACHMENTS = (
    "SELECT id, kind, filename, media_type, size, uploaded_at FROM (SELECT *,"
    " row_number() OVER (PARTITION BY client_id ORDER BY id DESC) AS n FROM attachments"
    f" WHERE {ATTACHMENT_FILTER}) a WHERE n <= 11 ORDER BY n"
)
LINKED_APPLICATIONS = "SELECT id FROM applications WHERE client_id IN (%(c)s) AND id = ANY(%(ids)s)"
COUNT = "SELECT client_id, count(*) FROM {table} WHERE {where} GROUP BY client_id"
ACCESS_LOG = (
    "INSERT INTO access_log (request_id, at, client_id, subject, subject_name,"
    " organisation_id, roles, azp, category, action, allowed, basis, reason, policy_rule,"
    " consent_seq, prohibition_seq, policy_hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s,"
    " %s, 'READ', true, 'STATUTORY', NULL, %s, NULL, NULL, %s) RETURNING id"
)
CATEGORIES = (
    "IDENTITY",
    "PERSONAL_ID",
    "CONTACT",
    "PLAN",
    "LIFE_ECONOMY",
    "LIFE_FAMILY",
    "LIFE_HEALTH",
    "LIFE_HOUSING",
    "APPLICATION",
    "KELA_DECISION",
    "WC_DECISION",
    "ATTACHMENT",
    "NOTICE",
)
INSERT = (
    "INSERT INTO bench_inserts (client_id, seq, at, canonical, hash, prev)"
    " VALUES (%s, %s, %s, %s, %s, %s)"
)
LEDGER_SIZED = "x" * 640


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _cursor(kind: str, key: object) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{key}".encode()).decode().rstrip("=")


def _claims(request: Request) -> dict[str, Any]:
    token = request.headers.get("authorization", "").removeprefix("Bearer ")
    payload = token.split(".")[1] if token.count(".") == 2 else ""
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


def _light(sent: datetime, due: datetime, now: datetime) -> str:
    if now > due:
        return "RED"
    return "YELLOW" if (now - sent) * 2 >= (due - sent) else "GREEN"


def _connection_json(kind: str, nodes: list[dict[str, Any]], total: int | None) -> dict[str, Any]:
    shown = nodes[:10]
    out: dict[str, Any] = {} if total is None else {"totalCount": total}
    out["edges"] = [{"node": n} for n in shown]
    out["pageInfo"] = {
        "hasNextPage": len(nodes) > 10,
        "endCursor": _cursor(kind, shown[-1]["id"]) if shown else None,
    }
    return out


class Raw:
    def __init__(self, url: str) -> None:
        self.url = url
        self.pool: asyncio.Queue[psycopg.AsyncConnection[Any]] = asyncio.Queue()
        self.names: dict[str, str] = {}

    async def open(self) -> None:
        for _ in range(POOL):
            self.pool.put_nowait(await psycopg.AsyncConnection.connect(self.url))
        conn = await self.pool.get()
        async with conn.cursor() as cursor:
            await cursor.execute("SELECT id, name_fi FROM organisations")
            self.names = {row[0]: row[1] for row in await cursor.fetchall()}
        await conn.rollback()
        self.pool.put_nowait(conn)

    async def close(self) -> None:
        while not self.pool.empty():
            await (self.pool.get_nowait()).close()

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        conn = await self.pool.get()
        try:
            yield conn
        finally:
            self.pool.put_nowait(conn)

    async def overview(self, request: Request) -> Response:
        body = json.loads(await request.body())
        claims = _claims(request)
        org = claims.get("org")
        client_id = uuid.UUID(body["variables"]["id"])
        p = {"c": client_id, "org": org}
        now = datetime.now(UTC)
        async with self.connection() as conn, conn.cursor() as cur:
            await cur.execute(CLIENT, p)
            client = await cur.fetchone()
            if client is None:
                await conn.rollback()
                return JSONResponse({"data": {"client": None}})
            for query in (RELATION, RULES):
                await cur.execute(query, p)
                await cur.fetchall()
            await cur.execute(PROFILE, p)
            profiles = await cur.fetchall()
            await cur.execute(GUARDIANS, p)
            guardians = await cur.fetchall()
            await cur.execute(CONTACTS, p)
            contacts = await cur.fetchall()
            await cur.execute(PLAN, p)
            plan = await cur.fetchone()
            await cur.execute(DECISIONS, p)
            decisions = await cur.fetchall()
            await cur.execute(NOTICES, p)
            notices = await cur.fetchall()
            await cur.execute(APPLICATIONS, p)
            applications = await cur.fetchall()
            await cur.execute(ATTACHMENTS, p)
            attachments = await cur.fetchall()
            counts = []
            for table, where in (
                ("decisions", DECISION_FILTER),
                ("notices", NOTICE_FILTER),
                ("attachments", ATTACHMENT_FILTER),
            ):
                await cur.execute(COUNT.format(table=table, where=where), p)
                found = await cur.fetchone()
                counts.append(int(found[1]) if found else 0)
            linked = [d[7] for d in decisions if d[7] is not None]
            if linked:
                await cur.execute(LINKED_APPLICATIONS, p | {"ids": linked})
                await cur.fetchall()
            request_id = uuid.uuid4()
            await cur.executemany(
                ACCESS_LOG,
                [
                    (
                        request_id,
                        now,
                        client_id,
                        claims.get("sub"),
                        claims.get("name"),
                        org,
                        ",".join(claims.get("roles", [])),
                        claims.get("azp"),
                        category,
                        f"p, social_worker, {category}, read",
                        "0" * 64,
                    )
                    for category in CATEGORIES
                ],
                returning=True,
            )
            await conn.commit()
        names = self.names
        content = plan[3] if plan else None
        life = (content or {}).get("lifeSituation") or {}
        answer = {
            "id": str(client[0]),
            "name": client[2],
            "language": client[3],
            "personalId": client[1],
            "address": client[5],
            "phone": client[6],
            "email": client[7],
            "protectedIdentity": client[8],
            "organiser": {"id": client[4], "nameFi": names.get(client[4])},
            "digitalProfile": None
            if not profiles
            else {
                "hasEquipment": profiles[-1][0],
                "hasSkills": profiles[-1][1],
                "recordedAt": _when(profiles[-1][2]),
            },
            "guardianships": [
                {
                    "kind": g[0],
                    "validFrom": _day(g[1]),
                    "validUntil": _day(g[2]),
                    "active": g[1] <= now.date() and (g[2] is None or now.date() <= g[2]),
                }
                for g in guardians
            ],
            "contactPersons": [
                {
                    "name": c[0],
                    "title": c[1],
                    "phone": c[2],
                    "email": c[3],
                    "organisation": {"nameFi": names.get(c[4])},
                }
                for c in contacts
            ],
            "redactions": [
                {"field": "accessLog", "category": "ACCESS_LOG", "reason": "NOT_PERMITTED"}
            ],
            "plan": None
            if plan is None
            else {
                "id": str(plan[0]),
                "version": plan[1],
                "status": plan[2],
                "updatedAt": _when(plan[6]),
                "updatedBy": plan[7],
                "goals": content.get("goals", []) if content else [],
                "nextFollowUp": _day(plan[4]),
                "organisation": {"nameFi": names.get(plan[5])},
                "lifeSituation": {
                    **{
                        area: None
                        if life.get(area) is None
                        else {
                            "summary": life[area]["summary"],
                            "supportNeeded": life[area]["supportNeeded"],
                        }
                        for area in ("economy", "family", "health", "housing")
                    },
                    "redactions": [],
                },
                "measures": [
                    {
                        "description": m["description"],
                        "responsibleWorker": m["responsibleWorker"],
                        "due": m["due"],
                        "status": m["status"],
                    }
                    for m in (content or {}).get("measures", [])
                ],
                "redactions": [],
            },
            "decisions": _connection_json(
                "decision",
                [
                    {
                        "id": str(d[0]),
                        "authority": d[1],
                        "issuer": {"nameFi": names.get(d[2])},
                        "kind": d[3],
                        "outcome": d[4],
                        "decidedAt": _when(d[5]),
                        "totalAmountCents": d[6],
                        "redactions": [],
                    }
                    for d in decisions
                ],
                counts[0],
            ),
            "notices": _connection_json(
                "notice",
                [
                    {
                        "id": str(n[0]),
                        "type": n[1],
                        "status": n[2],
                        "sentAt": _when(n[3]),
                        "dueAt": _when(n[4]),
                        "trafficLight": _light(n[3], n[4], now)
                        if n[2] not in ("CLOSED", "CANCELLED")
                        else None,
                        "sender": {"nameFi": names.get(n[5])},
                        "recipient": {"nameFi": names.get(n[6])},
                        "redactions": [],
                    }
                    for n in notices
                ],
                counts[1],
            ),
            "applications": {
                "edges": [
                    {
                        "node": {
                            "id": str(a[0]),
                            "receivedAt": _when(a[1]),
                            "channel": a[2],
                            "status": a[3],
                            "urgency": {"urgent": a[4]},
                        }
                    }
                    for a in applications[:5]
                ]
            },
            "attachments": _connection_json(
                "attachment",
                [
                    {
                        "id": str(a[0]),
                        "kind": a[1],
                        "filename": a[2],
                        "mediaType": a[3],
                        "size": a[4],
                        "uploadedAt": _when(a[5]),
                        "downloadUrl": f"/attachments/{a[0]}",
                    }
                    for a in attachments
                ],
                counts[2],
            ),
        }
        return JSONResponse({"data": {"client": answer}})

    async def insert(self, request: Request) -> Response:
        await request.body()
        async with self.connection() as conn, conn.cursor() as cur:
            await cur.execute(
                INSERT,
                (uuid.uuid4(), 1, datetime.now(UTC), LEDGER_SIZED, "0" * 64, "0" * 64),
            )
            await conn.commit()
        return JSONResponse({"data": {"inserted": 1}})


async def healthz(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


def app() -> Starlette:
    raw = Raw(os.environ["BENCH_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://"))

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await raw.open()
        try:
            yield
        finally:
            await raw.close()

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/graphql", raw.overview, methods=["POST"]),
            Route("/insert", raw.insert, methods=["POST"]),
        ],
        lifespan=lifespan,
    )


BENCH_INSERTS = """
CREATE TABLE IF NOT EXISTS bench_inserts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id uuid NOT NULL,
    seq integer NOT NULL,
    at timestamptz NOT NULL,
    canonical text NOT NULL,
    hash varchar(64) NOT NULL,
    prev varchar(64) NOT NULL
)
"""
"""B-insert's table: a ledger row's size and shape, with a key and nothing else."""
