"""B-naive: the caseworker overview served the common way, kept here only to be measured.

A strawberry schema of its own with the screen's types; every guarded field carries a
permission class that asks the Casbin enforcer for the caller's basis and, per field and
per row, queries the database for what the basis needs (the caller's client relationship;
a grant in force for ``CONSENT``); a denied field is ``null`` (``fail_silently``). Lists
are read by plain per-object resolvers (no DataLoaders). ``redactions`` asks the same
checks again for the object's categories. The access log gets the same rows as B-raw's.

``uvicorn bench.naive:app --factory`` with ``BENCH_DATABASE_URL`` set.
"""

import asyncio
import contextlib
import json
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import casbin
import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info

from bench import raw
from bench.server import ROOT

ENFORCER = casbin.Enforcer(str(ROOT / "authz" / "model.conf"), str(ROOT / "authz" / "policy.csv"))


@strawberry.type
class Organisation:
    id: str
    name_fi: str | None


@strawberry.type
class Redaction:
    field: str
    category: str
    reason: str


async def _allowed(info: Info, client_id: uuid.UUID, category: str, owner: str | None) -> bool:
    ctx = info.context
    allowed, rule = ENFORCER.enforce_ex(ctx["role"], category, "read")
    if not allowed:
        return False
    basis = rule[3]
    related = bool(
        await _rows(
            info,
            "SELECT 1 FROM client_relationships WHERE client_id = %(c)s"
            " AND organisation_id = %(org)s",
            {"c": client_id, "org": ctx["org"]},
        )
    )
    if basis == "STATUTORY":
        return related
    if basis == "OWN":
        return related and owner == ctx["org"]
    if basis == "CONSENT":
        grants = await _rows(
            info,
            "SELECT categories FROM consent_rules WHERE client_id = %(c)s AND kind = 'GRANT'"
            " AND organisation_id = %(org)s AND ended_seq IS NULL",
            {"c": client_id, "org": ctx["org"]},
        )
        return any(category in row[0] for row in grants)
    return False


_CHECKS: dict[str, type[BasePermission]] = {}


def guarded(category: str) -> PermissionExtension:
    """The permission extension of a field of ``category`` (one permission class a
    category: strawberry names its schema directive after the class)."""
    if category not in _CHECKS:

        async def has_permission(self: BasePermission, source: Any, info: Info, **_: Any) -> bool:
            return await _allowed(info, source.client_id, category, getattr(source, "owner", None))

        name = "Read" + category.title().replace("_", "")
        _CHECKS[category] = type(
            name, (BasePermission,), {"message": "not permitted", "has_permission": has_permission}
        )
    return PermissionExtension(permissions=[_CHECKS[category]()], fail_silently=True)


async def _redactions(
    info: Info, client_id: uuid.UUID, fields: dict[str, str], owner: str | None = None
) -> list[Redaction]:
    found = []
    for field, category in fields.items():
        if not await _allowed(info, client_id, category, owner):
            found.append(Redaction(field=field, category=category, reason="NOT_PERMITTED"))
    return found


def _org(info: Info, org: str | None) -> Organisation | None:
    return None if org is None else Organisation(id=org, name_fi=info.context["names"].get(org))


@strawberry.type
class DigitalProfile:
    client_id: strawberry.Private[uuid.UUID]
    has_equipment: bool | None = strawberry.field(extensions=[guarded("IDENTITY")])
    has_skills: bool | None = strawberry.field(extensions=[guarded("IDENTITY")])
    recorded_at: datetime | None = strawberry.field(extensions=[guarded("IDENTITY")])


@strawberry.type
class Guardianship:
    client_id: strawberry.Private[uuid.UUID]
    kind: str | None = strawberry.field(extensions=[guarded("IDENTITY")])
    valid_from: str | None = strawberry.field(extensions=[guarded("IDENTITY")])
    valid_until: str | None = strawberry.field(extensions=[guarded("IDENTITY")])
    active: bool | None = strawberry.field(extensions=[guarded("IDENTITY")])


@strawberry.type
class ContactPerson:
    client_id: strawberry.Private[uuid.UUID]
    org: strawberry.Private[str]
    name: str | None = strawberry.field(extensions=[guarded("CONTACT")])
    title: str | None = strawberry.field(extensions=[guarded("CONTACT")])
    phone: str | None = strawberry.field(extensions=[guarded("CONTACT")])
    email: str | None = strawberry.field(extensions=[guarded("CONTACT")])

    @strawberry.field(extensions=[guarded("CONTACT")])
    def organisation(self, info: Info) -> Organisation | None:
        return _org(info, self.org)


@strawberry.type
class LifeArea:
    summary: str | None
    support_needed: bool | None


@strawberry.type
class LifeSituation:
    client_id: strawberry.Private[uuid.UUID]
    content: strawberry.Private[dict[str, Any]]

    def _area(self, name: str) -> LifeArea | None:
        area = self.content.get(name)
        return (
            None
            if area is None
            else LifeArea(summary=area["summary"], support_needed=area["supportNeeded"])
        )

    @strawberry.field(extensions=[guarded("LIFE_ECONOMY")])
    def economy(self) -> LifeArea | None:
        return self._area("economy")

    @strawberry.field(extensions=[guarded("LIFE_FAMILY")])
    def family(self) -> LifeArea | None:
        return self._area("family")

    @strawberry.field(extensions=[guarded("LIFE_HEALTH")])
    def health(self) -> LifeArea | None:
        return self._area("health")

    @strawberry.field(extensions=[guarded("LIFE_HOUSING")])
    def housing(self) -> LifeArea | None:
        return self._area("housing")

    @strawberry.field
    async def redactions(self, info: Info) -> list[Redaction]:
        areas = {"economy": "LIFE_ECONOMY", "family": "LIFE_FAMILY"}
        areas |= {"health": "LIFE_HEALTH", "housing": "LIFE_HOUSING"}
        return await _redactions(info, self.client_id, areas)


@strawberry.type
class Measure:
    description: str | None
    responsible_worker: str | None
    due: str | None
    status: str | None


@strawberry.type
class Plan:
    client_id: strawberry.Private[uuid.UUID]
    row: strawberry.Private[Any]

    @strawberry.field(extensions=[guarded("PLAN")])
    def id(self) -> str | None:
        return str(self.row[0])

    @strawberry.field(extensions=[guarded("PLAN")])
    def version(self) -> int | None:
        return int(self.row[1])

    @strawberry.field(extensions=[guarded("PLAN")])
    def status(self) -> str | None:
        return str(self.row[2])

    @strawberry.field(extensions=[guarded("PLAN")])
    def updated_at(self) -> datetime | None:
        return self.row[6]  # type: ignore[no-any-return]

    @strawberry.field(extensions=[guarded("PLAN")])
    def updated_by(self) -> str | None:
        return self.row[7]  # type: ignore[no-any-return]

    @strawberry.field(extensions=[guarded("PLAN")])
    def goals(self) -> list[str] | None:
        return list(self.row[3].get("goals", []))

    @strawberry.field(extensions=[guarded("PLAN")])
    def next_follow_up(self) -> str | None:
        return None if self.row[4] is None else self.row[4].isoformat()

    @strawberry.field(extensions=[guarded("PLAN")])
    def organisation(self, info: Info) -> Organisation | None:
        return _org(info, self.row[5])

    @strawberry.field
    def life_situation(self) -> LifeSituation:
        return LifeSituation(
            client_id=self.client_id, content=self.row[3].get("lifeSituation") or {}
        )

    @strawberry.field(extensions=[guarded("PLAN")])
    def measures(self) -> list[Measure] | None:
        return [
            Measure(
                description=m["description"],
                responsible_worker=m["responsibleWorker"],
                due=m["due"],
                status=m["status"],
            )
            for m in self.row[3].get("measures", [])
        ]

    @strawberry.field
    async def redactions(self, info: Info) -> list[Redaction]:
        return await _redactions(info, self.client_id, {"goals": "PLAN"})


def _decision_category(authority: str) -> str:
    return "KELA_DECISION" if authority == "KELA" else "WC_DECISION"


@strawberry.type
class Decision:
    client_id: strawberry.Private[uuid.UUID]
    owner: strawberry.Private[str]
    row: strawberry.Private[Any]

    async def _shown(self, info: Info) -> bool:
        return await _allowed(info, self.client_id, _decision_category(self.row[1]), self.owner)

    @strawberry.field
    async def id(self, info: Info) -> str | None:
        return str(self.row[0]) if await self._shown(info) else None

    @strawberry.field
    async def authority(self, info: Info) -> str | None:
        return str(self.row[1]) if await self._shown(info) else None

    @strawberry.field
    async def issuer(self, info: Info) -> Organisation | None:
        return _org(info, self.row[2]) if await self._shown(info) else None

    @strawberry.field
    async def kind(self, info: Info) -> str | None:
        return str(self.row[3]) if await self._shown(info) else None

    @strawberry.field
    async def outcome(self, info: Info) -> str | None:
        return str(self.row[4]) if await self._shown(info) else None

    @strawberry.field
    async def decided_at(self, info: Info) -> datetime | None:
        return self.row[5] if await self._shown(info) else None

    @strawberry.field
    async def total_amount_cents(self, info: Info) -> int | None:
        return int(self.row[6]) if await self._shown(info) else None

    @strawberry.field
    async def redactions(self, info: Info) -> list[Redaction]:
        category = _decision_category(self.row[1])
        return await _redactions(info, self.client_id, {"outcome": category}, self.owner)


@strawberry.type
class Notice:
    client_id: strawberry.Private[uuid.UUID]
    owner: strawberry.Private[str]
    row: strawberry.Private[Any]

    async def _shown(self, info: Info) -> bool:
        return await _allowed(info, self.client_id, "NOTICE", self.owner)

    @strawberry.field
    async def id(self, info: Info) -> str | None:
        return str(self.row[0]) if await self._shown(info) else None

    @strawberry.field
    async def type(self, info: Info) -> str | None:
        return str(self.row[1]) if await self._shown(info) else None

    @strawberry.field
    async def status(self, info: Info) -> str | None:
        return str(self.row[2]) if await self._shown(info) else None

    @strawberry.field
    async def sent_at(self, info: Info) -> datetime | None:
        return self.row[3] if await self._shown(info) else None

    @strawberry.field
    async def due_at(self, info: Info) -> datetime | None:
        return self.row[4] if await self._shown(info) else None

    @strawberry.field
    async def traffic_light(self, info: Info) -> str | None:
        if not await self._shown(info) or self.row[2] in ("CLOSED", "CANCELLED"):
            return None
        return raw._light(self.row[3], self.row[4], datetime.now(UTC))

    @strawberry.field
    async def sender(self, info: Info) -> Organisation | None:
        return _org(info, self.row[5]) if await self._shown(info) else None

    @strawberry.field
    async def recipient(self, info: Info) -> Organisation | None:
        return _org(info, self.row[6]) if await self._shown(info) else None

    @strawberry.field
    async def redactions(self, info: Info) -> list[Redaction]:
        return await _redactions(info, self.client_id, {"detail": "NOTICE_DETAIL"}, self.owner)


@strawberry.type
class Urgency:
    urgent: bool | None


@strawberry.type
class Application:
    client_id: strawberry.Private[uuid.UUID]
    row: strawberry.Private[Any]

    @strawberry.field(extensions=[guarded("APPLICATION")])
    def id(self) -> str | None:
        return str(self.row[0])

    @strawberry.field(extensions=[guarded("APPLICATION")])
    def received_at(self) -> datetime | None:
        return self.row[1]  # type: ignore[no-any-return]

    @strawberry.field(extensions=[guarded("APPLICATION")])
    def channel(self) -> str | None:
        return str(self.row[2])

    @strawberry.field(extensions=[guarded("APPLICATION")])
    def status(self) -> str | None:
        return str(self.row[3])

    @strawberry.field(extensions=[guarded("APPLICATION")])
    def urgency(self) -> Urgency | None:
        return Urgency(urgent=self.row[4])


@strawberry.type
class Attachment:
    client_id: strawberry.Private[uuid.UUID]
    row: strawberry.Private[Any]

    @strawberry.field(extensions=[guarded("ATTACHMENT")])
    def id(self) -> str | None:
        return str(self.row[0])

    @strawberry.field(extensions=[guarded("ATTACHMENT")])
    def kind(self) -> str | None:
        return str(self.row[1])

    @strawberry.field(extensions=[guarded("ATTACHMENT")])
    def filename(self) -> str | None:
        return str(self.row[2])

    @strawberry.field(extensions=[guarded("ATTACHMENT")])
    def media_type(self) -> str | None:
        return str(self.row[3])

    @strawberry.field(extensions=[guarded("ATTACHMENT")])
    def size(self) -> int | None:
        return int(self.row[4])

    @strawberry.field(extensions=[guarded("ATTACHMENT")])
    def uploaded_at(self) -> datetime | None:
        return self.row[5]  # type: ignore[no-any-return]

    @strawberry.field(extensions=[guarded("ATTACHMENT")])
    def download_url(self) -> str | None:
        return f"/attachments/{self.row[0]}"


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class DecisionEdge:
    node: Decision


@strawberry.type
class DecisionConnection:
    total_count: int
    edges: list[DecisionEdge]
    page_info: PageInfo


@strawberry.type
class NoticeEdge:
    node: Notice


@strawberry.type
class NoticeConnection:
    total_count: int
    edges: list[NoticeEdge]
    page_info: PageInfo


@strawberry.type
class ApplicationEdge:
    node: Application


@strawberry.type
class ApplicationConnection:
    edges: list[ApplicationEdge]


@strawberry.type
class AttachmentEdge:
    node: Attachment


@strawberry.type
class AttachmentConnection:
    total_count: int
    edges: list[AttachmentEdge]
    page_info: PageInfo


def _page(kind: str, rows: list[Any]) -> PageInfo:
    shown = rows[:10]
    return PageInfo(
        has_next_page=len(rows) > 10,
        end_cursor=raw._cursor(kind, shown[-1][0]) if shown else None,
    )


async def _rows(info: Info, query: str, params: dict[str, Any]) -> list[Any]:
    """One statement on the request's connection (resolvers run concurrently: one at a
    time on it)."""
    async with info.context["lock"]:
        cur = info.context["cursor"]
        await cur.execute(query, params)
        return list(await cur.fetchall())


async def _count(info: Info, table: str, where: str, params: dict[str, Any]) -> int:
    found = await _rows(info, raw.COUNT.format(table=table, where=where), params)
    return int(found[0][1]) if found else 0


@strawberry.type
class Client:
    client_id: strawberry.Private[uuid.UUID]
    row: strawberry.Private[Any]

    @property
    def _p(self) -> dict[str, Any]:
        return {"c": self.client_id}

    @strawberry.field(extensions=[guarded("IDENTITY")])
    def id(self) -> str | None:
        return str(self.row[0])

    @strawberry.field(extensions=[guarded("IDENTITY")])
    def name(self) -> str | None:
        return str(self.row[2])

    @strawberry.field(extensions=[guarded("IDENTITY")])
    def language(self) -> str | None:
        return str(self.row[3])

    @strawberry.field(extensions=[guarded("PERSONAL_ID")])
    def personal_id(self) -> str | None:
        return str(self.row[1])

    @strawberry.field(extensions=[guarded("CONTACT")])
    def address(self) -> str | None:
        return self.row[5]  # type: ignore[no-any-return]

    @strawberry.field(extensions=[guarded("CONTACT")])
    def phone(self) -> str | None:
        return self.row[6]  # type: ignore[no-any-return]

    @strawberry.field(extensions=[guarded("CONTACT")])
    def email(self) -> str | None:
        return self.row[7]  # type: ignore[no-any-return]

    @strawberry.field(extensions=[guarded("IDENTITY")])
    def protected_identity(self) -> bool | None:
        return bool(self.row[8])

    @strawberry.field(extensions=[guarded("IDENTITY")])
    def organiser(self, info: Info) -> Organisation | None:
        return _org(info, self.row[4])

    @strawberry.field(extensions=[guarded("IDENTITY")])
    async def digital_profile(self, info: Info) -> DigitalProfile | None:
        found = await _rows(info, raw.PROFILE, self._p)
        if not found:
            return None
        last = found[-1]
        return DigitalProfile(
            client_id=self.client_id, has_equipment=last[0], has_skills=last[1], recorded_at=last[2]
        )

    @strawberry.field(extensions=[guarded("IDENTITY")])
    async def guardianships(self, info: Info) -> list[Guardianship] | None:
        today = datetime.now(UTC).date()
        return [
            Guardianship(
                client_id=self.client_id,
                kind=g[0],
                valid_from=g[1].isoformat(),
                valid_until=None if g[2] is None else g[2].isoformat(),
                active=g[1] <= today and (g[2] is None or today <= g[2]),
            )
            for g in await _rows(info, raw.GUARDIANS, self._p)
        ]

    @strawberry.field(extensions=[guarded("CONTACT")])
    async def contact_persons(self, info: Info) -> list[ContactPerson] | None:
        return [
            ContactPerson(
                client_id=self.client_id, org=c[4], name=c[0], title=c[1], phone=c[2], email=c[3]
            )
            for c in await _rows(info, raw.CONTACTS, self._p)
        ]

    @strawberry.field
    async def redactions(self, info: Info) -> list[Redaction]:
        return await _redactions(info, self.client_id, {"accessLog": "ACCESS_LOG"})

    @strawberry.field
    async def plan(self, info: Info) -> Plan | None:
        found = await _rows(info, raw.PLAN, self._p)
        return Plan(client_id=self.client_id, row=found[0]) if found else None

    @strawberry.field
    async def decisions(self, info: Info, first: int = 10) -> DecisionConnection:
        p = self._p | {"org": info.context["org"]}
        rows = await _rows(info, raw.DECISIONS, p)
        return DecisionConnection(
            total_count=await _count(info, "decisions", raw.DECISION_FILTER, p),
            edges=[
                DecisionEdge(node=Decision(client_id=self.client_id, owner=r[2], row=r))
                for r in rows[:first]
            ],
            page_info=_page("decision", rows),
        )

    @strawberry.field
    async def notices(self, info: Info, first: int = 10) -> NoticeConnection:
        p = self._p | {"org": info.context["org"]}
        rows = await _rows(info, raw.NOTICES, p)
        org = info.context["org"]
        return NoticeConnection(
            total_count=await _count(info, "notices", raw.NOTICE_FILTER, p),
            edges=[
                NoticeEdge(
                    node=Notice(
                        client_id=self.client_id, owner=org if org in (r[5], r[6]) else "", row=r
                    )
                )
                for r in rows[:first]
            ],
            page_info=_page("notice", rows),
        )

    @strawberry.field
    async def applications(self, info: Info, first: int = 5) -> ApplicationConnection:
        rows = await _rows(info, raw.APPLICATIONS, self._p)
        return ApplicationConnection(
            edges=[
                ApplicationEdge(node=Application(client_id=self.client_id, row=r))
                for r in rows[:first]
            ]
        )

    @strawberry.field
    async def attachments(self, info: Info, first: int = 10) -> AttachmentConnection:
        rows = await _rows(info, raw.ATTACHMENTS, self._p)
        return AttachmentConnection(
            total_count=await _count(info, "attachments", raw.ATTACHMENT_FILTER, self._p),
            edges=[
                AttachmentEdge(node=Attachment(client_id=self.client_id, row=r))
                for r in rows[:first]
            ],
            page_info=_page("attachment", rows),
        )


@strawberry.type
class Query:
    @strawberry.field
    async def client(self, info: Info, id: strawberry.ID) -> Client | None:
        client_id = uuid.UUID(str(id))
        found = await _rows(info, raw.CLIENT, {"c": client_id})
        return Client(client_id=client_id, row=found[0]) if found else None


SCHEMA = strawberry.Schema(query=Query)


class Naive(raw.Raw):
    async def graphql(self, request: Request) -> Response:
        body = json.loads(await request.body())
        claims = raw._claims(request)
        async with self.connection() as conn, conn.cursor() as cur:
            context = {
                "cursor": cur,
                "lock": asyncio.Lock(),
                "org": claims.get("org"),
                "role": (claims.get("roles") or [""])[0],
                "names": self.names,
            }
            result = await SCHEMA.execute(
                body["query"], variable_values=body.get("variables"), context_value=context
            )
            await cur.executemany(
                raw.ACCESS_LOG,
                [
                    (
                        uuid.uuid4(),
                        datetime.now(UTC),
                        uuid.UUID(body["variables"]["id"]),
                        claims.get("sub"),
                        claims.get("name"),
                        claims.get("org"),
                        ",".join(claims.get("roles", [])),
                        claims.get("azp"),
                        category,
                        f"p, social_worker, {category}, read",
                        "0" * 64,
                    )
                    for category in raw.CATEGORIES
                ],
                returning=True,
            )
            await conn.commit()
        out: dict[str, Any] = {"data": result.data}
        if result.errors:
            out["errors"] = [{"message": e.message} for e in result.errors]
        return JSONResponse(json.loads(json.dumps(out, default=_json)))


def _json(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def app() -> Starlette:
    naive = Naive(
        os.environ["BENCH_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await naive.open()
        try:
            yield
        finally:
            await naive.close()

    return Starlette(
        routes=[Route("/healthz", raw.healthz), Route("/graphql", naive.graphql, methods=["POST"])],
        lifespan=lifespan,
    )
