"""Worlds for the oracle: a Hypothesis strategy for what happens to a few clients, the
builder that makes it happen through the API (as callers make data), and a snapshot of
what was stored, read back from the tables.

A world is a list of small steps (register, open a relationship, record a guardianship,
an application, decisions of both authorities, attachments, a plan, notices both ways,
moves, INFORMED, grants, withdrawals, prohibitions, lifts, a change of organiser). A step
refers to earlier ones by index, modulo what exists; a step the service refuses (a write
the policy does not allow, a grant before INFORMED, …) simply does not happen. What the
reference then judges is the snapshot: the stored facts, not the builder's intentions.
"""

import io
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from hypothesis import strategies as st
from sqlalchemy import select
from starlette.datastructures import Headers, UploadFile

from graph.domain.personal_id import make
from schema import models as m
from tests.support import Api, principal

KELA = "kela"
COUNTIES = ("wc-pirkanmaa", "wc-lappi", "helsinki")
ORGS = (KELA, *COUNTIES)
OUTSIDERS = 2
"""People who are nobody's client: guardians, and a client token with no client."""

CONSENT_CATEGORIES = (
    "PLAN",
    "LIFE_ECONOMY",
    "LIFE_FAMILY",
    "LIFE_HEALTH",
    "LIFE_HOUSING",
    "WC_DECISION",
    "KELA_CALCULATION",
    "HEALTH_ATTACHMENT",
    "NOTICE_DETAIL",
    "APPLICATION",
)
KELA_TO_ORGANISER = (
    "APPLICATION_TRANSFER",
    "SERVICE_NEED_ASSESSMENT_REQUEST",
    "CONCERN_NOTICE",
    "LONG_TERM_RECIPIENT",
)
ORGANISER_TO_KELA = ("PLAN_SHARED", "STATEMENT")
KINDS = ("PARENT_OF_MINOR", "GUARDIAN_FULL", "GUARDIAN_ECONOMIC")
WINDOWS = ("active", "open", "ended", "future")
ORGANISER = "organiser"
"""Stands for the client's responsible organiser at the time of the step."""


def person_code(index: int) -> str:
    """Client ``i``'s code for i < number of clients; outsiders after them."""
    return make(date(1971, 3, 1) + timedelta(days=211 * index), 900 + index)


# ---- the steps ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientSpec:
    organiser: str
    protected: bool
    immigrant: bool
    registered_by_kela: bool
    informed: bool
    """INFORMED recorded right after registration (a grant needs it first)."""
    guardian: str | None
    """The kind of an active guardianship of the first outsider, recorded at once."""


@dataclass(frozen=True)
class Skip:
    """Nothing happens (what a step shrinks to; left out of a world's description)."""


@dataclass(frozen=True)
class Open:
    client: int
    org: str


@dataclass(frozen=True)
class Guardian:
    client: int
    person: int
    kind: str
    window: str


@dataclass(frozen=True)
class Apply:
    client: int
    urgent: bool


@dataclass(frozen=True)
class KelaDecision:
    client: int
    urgent: bool
    reduce: bool
    application: bool
    attachment: int | None


@dataclass(frozen=True)
class CountyDecision:
    client: int
    org: str
    preventive: bool
    attachment: int | None


@dataclass(frozen=True)
class Upload:
    client: int
    uploader: str
    """``kela``, a county id, ``self``, or ``guardian:<person>``."""
    medical: bool
    link: str | None


@dataclass(frozen=True)
class Plan:
    client: int


@dataclass(frozen=True)
class KelaNotice:
    client: int
    recipient: str
    type: str
    attachment: int | None


@dataclass(frozen=True)
class CountyNotice:
    client: int
    org: str
    type: str


@dataclass(frozen=True)
class Move:
    notice: int
    to: str


@dataclass(frozen=True)
class Inform:
    client: int


@dataclass(frozen=True)
class Grant:
    client: int
    by: str
    """``self``, ``guardian:<person>``, ``oral:<org>`` or ``written:<org>`` (staff)."""
    grantee: str
    categories: tuple[str, ...]
    window: str
    """``now`` (open-ended), ``bounded`` (in force now, ends later), ``expired``, ``future``."""


@dataclass(frozen=True)
class Withdraw:
    grant: int


@dataclass(frozen=True)
class Prohibit:
    client: int
    target: tuple[str, ...]
    """``("org", id)``, ``("category", name)`` or ``("row", kind, index)``."""
    by: str


@dataclass(frozen=True)
class Lift:
    prohibition: int


@dataclass(frozen=True)
class Handover:
    client: int
    org: str


Step = (
    Skip
    | Open
    | Guardian
    | Apply
    | KelaDecision
    | CountyDecision
    | Upload
    | Plan
    | KelaNotice
    | CountyNotice
    | Move
    | Inform
    | Grant
    | Withdraw
    | Prohibit
    | Lift
    | Handover
)


@dataclass(frozen=True)
class WorldSpec:
    clients: tuple[ClientSpec, ...]
    steps: tuple[Step, ...]

    @property
    def persons(self) -> int:
        return len(self.clients) + OUTSIDERS

    def __repr__(self) -> str:
        steps = ",\n    ".join(repr(s) for s in self.steps if not isinstance(s, Skip))
        return f"WorldSpec(clients={self.clients!r}, steps=(\n    {steps}))"


# ---- the strategy ------------------------------------------------------------------------


@st.composite
def worlds(draw: st.DrawFn, max_clients: int = 3, max_steps: int = 32) -> WorldSpec:
    clients = tuple(
        draw(
            st.lists(
                st.builds(
                    ClientSpec,
                    organiser=st.sampled_from(COUNTIES),
                    protected=st.booleans(),
                    immigrant=st.booleans(),
                    registered_by_kela=st.booleans(),
                    informed=st.booleans() | st.just(True),
                    guardian=st.none() | st.sampled_from(KINDS),
                ),
                min_size=1,
                max_size=max_clients,
            )
        )
    )
    n = len(clients)
    persons = n + OUTSIDERS
    client = st.integers(0, n - 1)
    index = st.integers(0, 7)
    county = st.sampled_from(COUNTIES) | st.just(ORGANISER)
    staff_by = st.sampled_from(["self", "guardian:0", "guardian:1", "oral:kela", "written:kela"])
    by = st.one_of(
        staff_by,
        st.sampled_from([f"oral:{c}" for c in COUNTIES] + [f"written:{c}" for c in COUNTIES]),
        st.builds(lambda p: f"guardian:{p}", st.integers(0, persons - 1)),
    )
    kinds = [
        st.builds(Open, client, st.sampled_from(ORGS)),
        st.builds(
            Guardian,
            client,
            st.integers(0, persons - 1),
            st.sampled_from(KINDS),
            st.sampled_from(WINDOWS),
        ),
        st.builds(Apply, client, st.booleans()),
        st.builds(
            KelaDecision,
            client,
            st.booleans(),
            st.booleans(),
            st.booleans(),
            st.none() | index,
        ),
        st.builds(CountyDecision, client, county, st.booleans(), st.none() | index),
        st.builds(
            Upload,
            client,
            st.sampled_from([KELA, *COUNTIES, ORGANISER, "self"])
            | st.builds(lambda p: f"guardian:{p}", st.integers(0, persons - 1)),
            st.booleans(),
            st.sampled_from([None, "application", "decision", "notice", "plan"]),
        ),
        st.builds(Plan, client),
        st.builds(
            KelaNotice,
            client,
            st.sampled_from(COUNTIES),
            st.sampled_from(KELA_TO_ORGANISER),
            st.none() | index,
        ),
        st.builds(CountyNotice, client, county, st.sampled_from(ORGANISER_TO_KELA)),
        st.builds(Move, index, st.sampled_from(["RECEIVED", "IN_PROGRESS", "CLOSED", "CANCELLED"])),
        st.builds(Inform, client),
        st.builds(
            Grant,
            client,
            by,
            st.sampled_from(ORGS),
            st.lists(st.sampled_from(CONSENT_CATEGORIES), min_size=1, max_size=4, unique=True).map(
                lambda c: tuple(sorted(c))
            ),
            st.sampled_from(["now", "bounded", "expired", "future"]),
        ),
        st.builds(Withdraw, index),
        st.builds(
            Prohibit,
            client,
            st.one_of(
                st.tuples(st.just("org"), st.sampled_from(ORGS)),
                st.tuples(st.just("category"), st.sampled_from(CONSENT_CATEGORIES)),
                st.tuples(
                    st.just("row"),
                    st.sampled_from(["DECISION", "ATTACHMENT", "NOTICE", "APPLICATION"]),
                    index.map(str),
                ),
            ),
            st.sampled_from(["self", "guardian:0", "guardian:1"]),
        ),
        st.builds(Lift, index),
        st.builds(Handover, client, st.sampled_from(COUNTIES)),
    ]
    # Kinds of steps drawn uniformly (the list says how often): the steps that make rows
    # other rows name, and the people who see them, come more often.
    weighted = [-1, 0, 1, 1, 2, 3, 4, 4, 5, 5, 6, 7, 7, 8, 9, 10, 11, 11, 12, 13, 13, 14, 15, 5]
    size = draw(st.sampled_from([12, 20, max_steps]))
    chosen = [draw(st.sampled_from(weighted)) for _ in range(size)]
    steps: tuple[Step, ...] = tuple(Skip() if k < 0 else cast(Step, draw(kinds[k])) for k in chosen)
    return WorldSpec(clients, steps)


# ---- building it through the API ---------------------------------------------------------

REGISTER = "mutation($i: RegisterClientInput!) { registerClient(input: $i) { id } }"
UPDATE = "mutation($id: ID!, $i: UpdateClientInput!) { updateClient(id: $id, input: $i) { id } }"
GUARDIANSHIP = "mutation($i: GuardianshipInput!) { recordGuardianship(input: $i) { id } }"
APPLICATION = "mutation($i: ApplicationInput!) { recordApplication(input: $i) { id } }"
DECISION = "mutation($i: DecisionInput!) { recordDecision(input: $i) { id } }"
UPLOAD = (
    "mutation($i: AttachmentInput!, $f: Upload!) { uploadAttachment(input: $i, file: $f) { id } }"
)
PLAN = "mutation($c: ID!, $i: PlanInput!) { savePlan(clientId: $c, input: $i) { id } }"
NOTICE = "mutation($i: NoticeInput!) { sendNotice(input: $i) { id } }"
MOVE = "mutation($id: ID!, $to: NoticeStatus!, $o: NoticeOutcome) { moveNotice(id: $id, to: $to, outcome: $o) { id } }"
INFORMED = 'mutation($c: ID!) { recordInformed(clientId: $c, textVersion: "2026-1", channel: "kela.fi") { seq } }'
GRANT = "mutation($i: ConsentGrantInput!) { grantConsent(input: $i) { seq } }"
WITHDRAW = "mutation($c: ID!, $s: Int!, $m: ConsentMethod!) { withdrawConsent(clientId: $c, grantSeq: $s, method: $m) { seq } }"
PROHIBIT = "mutation($i: ProhibitionInput!) { prohibitDisclosure(input: $i) { seq } }"
LIFT = "mutation($c: ID!, $s: Int!, $m: ConsentMethod!) { liftProhibition(clientId: $c, prohibitionSeq: $s, method: $m) { seq } }"

REFUSALS = {"FORBIDDEN", "NOT_FOUND", "BAD_USER_INPUT", "CONFLICT"}


class BuildFault(AssertionError):
    """A write answered with something other than a clear refusal."""


@dataclass
class Built:
    """What the builder made, by kind, for later steps to refer to."""

    clients: list[uuid.UUID] = field(default_factory=list)
    applications: list[tuple[int, str]] = field(default_factory=list)
    decisions: list[tuple[int, str]] = field(default_factory=list)
    attachments: list[tuple[int, str]] = field(default_factory=list)
    notices: list[tuple[int, str, str]] = field(default_factory=list)
    """(client, id, recipient)"""
    plans: list[tuple[int, str]] = field(default_factory=list)
    grants: list[tuple[int, int, str]] = field(default_factory=list)
    """(client, seq, who decides for it)"""
    prohibitions: list[tuple[int, int, str]] = field(default_factory=list)
    writes: int = 0
    refused: int = 0


def _staff(org: str, role: str | None = None) -> Any:
    return principal(role or ("kela_handler" if org == KELA else "social_worker"), org)


def _upload_file(name: str) -> UploadFile:
    content = b"%PDF-1.4 " + name.encode() + uuid.uuid4().hex.encode()
    return UploadFile(
        io.BytesIO(content),
        filename=name,
        size=len(content),
        headers=Headers({"content-type": "application/pdf"}),
    )


def _pick(items: Sequence[Any], client: int | None, index: int) -> Any:
    pool = [i for i in items if client is None or i[0] == client]
    return pool[index % len(pool)] if pool else None


class Builder:
    def __init__(self, api: Api, spec: WorldSpec, now: datetime) -> None:
        self.api = api
        self.spec = spec
        self.now = now
        self.today = now.date()
        self.built = Built()
        self.serial = 0

    def code(self, person: int) -> str:
        return person_code(person)

    def _person(self, who: str, client: int) -> Any:
        if who == "self":
            return principal("client", person=self.code(client))
        return principal("guardian", person=self.code(int(who.split(":")[1])))

    async def write(self, who: Any, query: str, **variables: Any) -> dict[str, Any] | None:
        self.built.writes += 1
        out = await self.api.run(who, query, **variables)
        if "errors" in out:
            codes = {e["code"] for e in out["errors"]}
            if not codes <= REFUSALS:
                raise BuildFault(f"{query.split('(')[0]} answered {out['errors']}")
            self.built.refused += 1
            return None
        data: dict[str, Any] = out["data"]
        return data

    def cid(self, client: int) -> str:
        return str(self.built.clients[client])

    async def build(self) -> Built:
        for i, spec in enumerate(self.spec.clients):
            who = _staff(KELA) if spec.registered_by_kela else _staff(spec.organiser)
            out = await self.write(
                who,
                REGISTER,
                i={
                    "personalId": self.code(i),
                    "name": f"Asiakas {i} Öberg",
                    "language": ["FI", "SV", "EN"][i % 3],
                    "organiserId": spec.organiser,
                    "address": f"Katu {i}",
                    "phone": f"+358 40 000 00{i}",
                    "email": f"a{i}@example.fi",
                    "protectedIdentity": spec.protected,
                    "immigrant": spec.immigrant,
                    "purpose": "Toimeentulotuki",
                },
            )
            if out is None:
                raise BuildFault(f"client {i} could not be registered")
            self.built.clients.append(uuid.UUID(out["registerClient"]["id"]))
            if spec.informed:
                await self.write(_staff(KELA, "kela_advisor"), INFORMED, c=self.cid(i))
            if spec.guardian is not None:
                await self._guardian(Guardian(i, len(self.spec.clients), spec.guardian, "active"))
        for step in self.spec.steps:
            if not isinstance(step, Skip):
                await getattr(self, "_" + type(step).__name__.lower())(step)
        return self.built

    def _next(self) -> int:
        self.serial += 1
        return self.serial

    async def _open(self, s: Open) -> None:
        role = "kela_advisor" if s.org == KELA else "social_counsellor"
        await self.write(
            _staff(s.org, role),
            REGISTER,
            i={
                "personalId": self.code(s.client),
                "name": "Toinen Nimi",
                "language": "FI",
                "organiserId": s.org if s.org != KELA else COUNTIES[0],
                "address": "Ei kirjoiteta",
                "purpose": "Palvelutarpeen arviointi",
            },
        )

    async def _guardian(self, s: Guardian) -> None:
        windows = {
            "active": (self.today - timedelta(days=30), self.today + timedelta(days=30)),
            "open": (self.today - timedelta(days=1), None),
            "ended": (self.today - timedelta(days=60), self.today - timedelta(days=1)),
            "future": (self.today + timedelta(days=1), self.today + timedelta(days=60)),
        }
        start, end = windows[s.window]
        if end is None and s.kind == "PARENT_OF_MINOR":
            end = self.today + timedelta(days=365)
        await self.write(
            _staff(KELA),
            GUARDIANSHIP,
            i={
                "wardId": self.cid(s.client),
                "guardianPersonalId": self.code(s.person),
                "kind": s.kind,
                "validFrom": start.isoformat(),
                "validUntil": None if end is None else end.isoformat(),
            },
        )

    async def _apply(self, s: Apply) -> None:
        out = await self.write(
            _staff(KELA, "kela_advisor"),
            APPLICATION,
            i={
                "clientId": self.cid(s.client),
                "receivedAt": self.now.isoformat(),
                "channel": "ONLINE",
                "externalId": f"app-{self._next()}",
                "urgency": {"urgent": s.urgent, "grounds": "Vuokra erääntyy" if s.urgent else None},
            },
        )
        if out is not None:
            self.built.applications.append((s.client, out["recordApplication"]["id"]))

    def _attachment_ids(self, client: int, index: int | None) -> list[str]:
        if index is None:
            return []
        found = _pick(self.built.attachments, client, index)
        return [] if found is None else [found[1]]

    async def _keladecision(self, s: KelaDecision) -> None:
        application = (
            _pick(self.built.applications, s.client, self._next()) if s.application else None
        )
        data: dict[str, Any] = {
            "clientId": self.cid(s.client),
            "kind": "BASIC_URGENT" if s.urgent else "BASIC",
            "externalId": f"k-{self._next()}",
            "decidedAt": self.now.isoformat(),
            "outcome": "GRANTED",
            "totalAmountCents": 50_000 + self.serial,
            "periodStart": "2026-11-01",
            "periodEnd": "2026-11-30",
            "grounds": "Perusosa",
            "calculation": [{"type": "EXPENSE", "description": "Perusosa", "amountCents": 55_580}],
            "influencingAttachmentIds": self._attachment_ids(s.client, s.attachment),
            "applicationId": None if application is None else application[1],
        }
        if s.reduce:
            data["basicAmountReduction"] = {"percent": 20, "grounds": "Työstä kieltäytyminen"}
        out = await self.write(_staff(KELA), DECISION, i=data)
        if out is not None:
            self.built.decisions.append((s.client, out["recordDecision"]["id"]))

    async def county(self, org: str, client: int) -> str:
        return await self._organiser(client) if org == ORGANISER else org

    async def _countydecision(self, s: CountyDecision) -> None:
        out = await self.write(
            _staff(await self.county(s.org, s.client)),
            DECISION,
            i={
                "clientId": self.cid(s.client),
                "kind": "PREVENTIVE" if s.preventive else "SUPPLEMENTARY",
                "externalId": f"c-{self._next()}",
                "decidedAt": self.now.isoformat(),
                "outcome": "PARTIALLY_GRANTED",
                "totalAmountCents": 20_000 + self.serial,
                "grounds": "Lääkkeet",
                "calculation": [
                    {"type": "EXPENSE", "description": "Lääkkeet", "amountCents": 20_000}
                ],
                "paymentCommitments": [
                    {"payee": "Apteekki", "purpose": "Lääkkeet", "amountCents": 20_000}
                ],
                "influencingAttachmentIds": self._attachment_ids(s.client, s.attachment),
            },
        )
        if out is not None:
            self.built.decisions.append((s.client, out["recordDecision"]["id"]))

    async def _upload(self, s: Upload) -> None:
        if s.uploader in (*ORGS, ORGANISER):
            who = _staff(await self.county(s.uploader, s.client))
        else:
            who = self._person(s.uploader, s.client)
        data: dict[str, Any] = {
            "clientId": self.cid(s.client),
            "kind": "MEDICAL_STATEMENT" if s.medical else "RENT_AGREEMENT",
        }
        pools = {
            "application": self.built.applications,
            "decision": self.built.decisions,
            "notice": [(c, i) for c, i, _ in self.built.notices],
            "plan": self.built.plans,
        }
        if s.link is not None:
            found = _pick(pools[s.link], s.client, self._next())
            if found is not None:
                data[f"{s.link}Id"] = found[1]
        out = await self.write(who, UPLOAD, i=data, f=_upload_file(f"liite-{self._next()}.pdf"))
        if out is not None:
            self.built.attachments.append((s.client, out["uploadAttachment"]["id"]))

    async def _plan(self, s: Plan) -> None:
        organiser = await self._organiser(s.client)
        out = await self.write(
            _staff(organiser, "social_counsellor"),
            PLAN,
            c=self.cid(s.client),
            i={
                "status": "ACTIVE",
                "lifeSituation": {
                    "economy": {"summary": "Velkoja", "supportNeeded": True},
                    "family": {"summary": "Yksin", "supportNeeded": False},
                    "health": {"summary": "Uniongelmia", "supportNeeded": True},
                    "housing": None,
                },
                "goals": ["Maksusuunnitelma"],
                "measures": [{"description": "Velkaneuvonta"}],
                "kelaSpecialServicePlanned": True,
                "kelaSpecialService": "Erityisasiakas",
            },
        )
        if out is not None:
            self.built.plans.append((s.client, out["savePlan"]["id"]))

    async def _organiser(self, client: int) -> str:
        async with self.api.runtime.sessions() as session:
            found = await session.scalar(
                select(m.Client.organiser_id).where(m.Client.id == self.built.clients[client])
            )
        return str(found)

    async def _notice(self, who: Any, client: int, recipient: str, type_: str, ids: list[str]):
        out = await self.write(
            who,
            NOTICE,
            i={
                "clientId": self.cid(client),
                "type": type_,
                "recipientId": recipient,
                "externalId": f"n-{self._next()}",
                "detail": f"Ilmoitus {self.serial}",
                "attachmentIds": ids,
            },
        )
        if out is not None:
            self.built.notices.append((client, out["sendNotice"]["id"], recipient))

    async def _kelanotice(self, s: KelaNotice) -> None:
        ids = self._attachment_ids(s.client, s.attachment)
        await self._notice(_staff(KELA, "kela_advisor"), s.client, s.recipient, s.type, ids)

    async def _countynotice(self, s: CountyNotice) -> None:
        org = await self.county(s.org, s.client)
        await self._notice(_staff(org), s.client, KELA, s.type, [])

    async def _move(self, s: Move) -> None:
        found = _pick(self.built.notices, None, s.notice)
        if found is None:
            return
        _, notice_id, recipient = found
        outcome = "CLIENT_REACHED" if s.to == "CLOSED" else None
        who = _staff(recipient, "kela_advisor" if recipient == KELA else "social_counsellor")
        if s.to == "CANCELLED":
            who = _staff(KELA)
        await self.write(who, MOVE, id=notice_id, to=s.to, o=outcome)

    async def _inform(self, s: Inform) -> None:
        await self.write(_staff(KELA, "kela_advisor"), INFORMED, c=self.cid(s.client))

    def _decider(self, by: str, client: int) -> tuple[Any, str]:
        """Who writes consent, and the method: the client or a guardian decide
        (ELECTRONIC); staff record (``oral:`` or ``written:`` their organisation)."""
        if by == "self" or by.startswith("guardian:"):
            return self._person(by, client), "ELECTRONIC"
        method, org = by.split(":")
        return _staff(org, "social_counsellor" if org != KELA else None), method.upper()

    async def _grant(self, s: Grant) -> None:
        who, method = self._decider(s.by, s.client)
        day = timedelta(days=1)
        windows = {
            "now": (None, None),
            "bounded": (self.now - day, self.now + 30 * day),
            "expired": (self.now - 30 * day, self.now - day),
            "future": (self.now + day, self.now + 30 * day),
        }
        start, end = windows[s.window]
        data: dict[str, Any] = {
            "clientId": self.cid(s.client),
            "granteeId": s.grantee,
            "categories": list(s.categories),
            "purpose": "Toimeentulotuki",
            "validFrom": None if start is None else start.isoformat(),
            "validUntil": None if end is None else end.isoformat(),
            "method": method,
        }
        if method == "WRITTEN":
            evidence = _pick(self.built.attachments, s.client, self._next())
            data["evidenceAttachmentId"] = None if evidence is None else evidence[1]
        if method == "ORAL":
            data["note"] = "Asiakas antoi suullisesti puhelimessa."
        out = await self.write(who, GRANT, i=data)
        if out is not None:
            self.built.grants.append((s.client, out["grantConsent"]["seq"], s.by))

    async def _withdraw(self, s: Withdraw) -> None:
        found = _pick(self.built.grants, None, s.grant)
        if found is None:
            return
        client, seq, by = found
        who, method = self._decider(by, client)
        await self.write(who, WITHDRAW, c=self.cid(client), s=seq, m=method)

    async def _prohibit(self, s: Prohibit) -> None:
        who, method = self._decider(s.by, s.client)
        data: dict[str, Any] = {"clientId": self.cid(s.client), "method": method}
        if s.target[0] == "org":
            data["organisationId"] = s.target[1]
        elif s.target[0] == "category":
            data["category"] = s.target[1]
        else:
            pools = {
                "DECISION": self.built.decisions,
                "ATTACHMENT": self.built.attachments,
                "NOTICE": [(c, i) for c, i, _ in self.built.notices],
                "APPLICATION": self.built.applications,
            }
            found = _pick(pools[s.target[1]], s.client, int(s.target[2]))
            if found is None:
                return
            data["rowType"], data["rowId"] = s.target[1], found[1]
        out = await self.write(who, PROHIBIT, i=data)
        if out is not None:
            self.built.prohibitions.append((s.client, out["prohibitDisclosure"]["seq"], s.by))

    async def _lift(self, s: Lift) -> None:
        found = _pick(self.built.prohibitions, None, s.prohibition)
        if found is None:
            return
        client, seq, by = found
        who, method = self._decider(by, client)
        await self.write(who, LIFT, c=self.cid(client), s=seq, m=method)

    async def _handover(self, s: Handover) -> None:
        await self.write(_staff(KELA), UPDATE, id=self.cid(s.client), i={"organiserId": s.org})


# ---- what was stored ---------------------------------------------------------------------


@dataclass
class Snapshot:
    """The stored facts, read back from the tables (never through ``authz``)."""

    now: datetime
    codes: dict[uuid.UUID, str]
    clients: dict[uuid.UUID, m.Client]
    relationships: dict[uuid.UUID, list[m.ClientRelationship]]
    guardianships: list[m.Guardianship]
    applications: dict[uuid.UUID, m.Application]
    decisions: dict[uuid.UUID, m.Decision]
    calculation: dict[uuid.UUID, list[m.CalculationRow]]
    commitments: dict[uuid.UUID, list[m.PaymentCommitment]]
    decision_attachments: dict[uuid.UUID, list[uuid.UUID]]
    attachments: dict[uuid.UUID, m.Attachment]
    notices: dict[uuid.UUID, m.Notice]
    notice_attachments: dict[uuid.UUID, list[uuid.UUID]]
    moves: dict[uuid.UUID, list[m.NoticeMove]]
    plans: dict[uuid.UUID, m.PlanVersion]
    contact_persons: dict[uuid.UUID, list[m.ContactPerson]]
    events: dict[uuid.UUID, list[dict[str, Any]]]
    """Each client's events as hashed (``canonical`` parsed), with their row's id."""
    event_rows: dict[tuple[uuid.UUID, int], m.ConsentEvent]

    @property
    def today(self) -> date:
        from graph.domain.workdays import helsinki_date

        return helsinki_date(self.now)


def _group(rows: Sequence[Any], key: str) -> dict[uuid.UUID, list[Any]]:
    grouped: dict[uuid.UUID, list[Any]] = {}
    for row in rows:
        grouped.setdefault(getattr(row, key), []).append(row)
    return grouped


async def snapshot(api: Api, built: Built, spec: WorldSpec, now: datetime) -> Snapshot:
    async with api.runtime.sessions() as s:

        async def every(model: Any) -> list[Any]:
            return list((await s.scalars(select(model))).all())

        event_rows = await every(m.ConsentEvent)
        events: dict[uuid.UUID, list[dict[str, Any]]] = {}
        for row in sorted(event_rows, key=lambda r: (str(r.client_id), r.seq)):
            events.setdefault(row.client_id, []).append(
                json.loads(row.canonical) | {"id": str(row.id), "hash": row.hash}
            )
        decision_links = await s.execute(
            select(m.DecisionAttachment.decision_id, m.DecisionAttachment.attachment_id)
        )
        notice_links = await s.execute(
            select(m.NoticeAttachment.notice_id, m.NoticeAttachment.attachment_id)
        )
        d_links: dict[uuid.UUID, list[uuid.UUID]] = {}
        for d, a in decision_links:
            d_links.setdefault(d, []).append(a)
        n_links: dict[uuid.UUID, list[uuid.UUID]] = {}
        for n, a in notice_links:
            n_links.setdefault(n, []).append(a)
        clients = {c.id: c for c in await every(m.Client)}
        return Snapshot(
            now=now,
            codes={cid: person_code(i) for i, cid in enumerate(built.clients)},
            clients=clients,
            relationships=_group(await every(m.ClientRelationship), "client_id"),
            guardianships=await every(m.Guardianship),
            applications={r.id: r for r in await every(m.Application)},
            decisions={r.id: r for r in await every(m.Decision)},
            calculation=_group(await every(m.CalculationRow), "decision_id"),
            commitments=_group(await every(m.PaymentCommitment), "decision_id"),
            decision_attachments=d_links,
            attachments={r.id: r for r in await every(m.Attachment)},
            notices={r.id: r for r in await every(m.Notice)},
            notice_attachments=n_links,
            moves=_group(await every(m.NoticeMove), "notice_id"),
            plans={r.id: r for r in await every(m.PlanVersion)},
            contact_persons=_group(await every(m.ContactPerson), "client_id"),
            events=events,
            event_rows={(r.client_id, r.seq): r for r in event_rows},
        )


async def access_log_rows(api: Api) -> list[m.AccessLogEntry]:
    async with api.runtime.sessions() as s:
        return list((await s.scalars(select(m.AccessLogEntry))).all())


async def change_rows(api: Api) -> list[m.Change]:
    async with api.runtime.sessions() as s:
        return list((await s.scalars(select(m.Change))).all())


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


# ---- worlds every run asks, before the generated ones ----------------------------------

SCENARIOS = (
    # Links: an attachment names a notice, a county decision, an application; a guardian
    # and a second county (a notice party) may know the attachment but not all it names.
    WorldSpec(
        clients=(ClientSpec("wc-pirkanmaa", False, False, False, True, "GUARDIAN_FULL"),),
        steps=(
            KelaNotice(0, "wc-lappi", "CONCERN_NOTICE", None),
            Upload(0, KELA, False, "notice"),
            CountyDecision(0, ORGANISER, False, None),
            Upload(0, ORGANISER, False, "decision"),
            Apply(0, True),
            Upload(0, "self", True, "application"),
            KelaDecision(0, False, True, True, 0),
            KelaNotice(0, "wc-lappi", "APPLICATION_TRANSFER", 1),
            Plan(0),
            Upload(0, "guardian:1", False, "plan"),
        ),
    ),
    # Consent: grants in force, expired, future-valid and withdrawn; prohibitions of a
    # category and of an organisation, one lifted; notices that need consent.
    WorldSpec(
        clients=(
            ClientSpec("wc-lappi", False, False, True, True, None),
            ClientSpec("helsinki", True, True, False, True, "GUARDIAN_ECONOMIC"),
        ),
        steps=(
            Plan(0),
            Grant(0, "self", KELA, ("LIFE_HEALTH", "PLAN"), "now"),
            Grant(0, "self", KELA, ("LIFE_FAMILY",), "expired"),
            Grant(0, "self", KELA, ("LIFE_HOUSING",), "future"),
            Grant(0, "oral:kela", KELA, ("LIFE_ECONOMY", "WC_DECISION"), "bounded"),
            Withdraw(3),
            Prohibit(0, ("category", "LIFE_HEALTH"), "self"),
            Grant(0, "self", "wc-lappi", ("NOTICE_DETAIL", "HEALTH_ATTACHMENT"), "now"),
            KelaNotice(0, "wc-lappi", "SERVICE_NEED_ASSESSMENT_REQUEST", None),
            Prohibit(1, ("org", KELA), "guardian:2"),
            Plan(1),
            Grant(1, "guardian:2", KELA, ("LIFE_ECONOMY", "LIFE_HOUSING"), "now"),
            Prohibit(1, ("org", "wc-pirkanmaa"), "self"),
            Lift(1),
            CountyDecision(0, ORGANISER, True, None),
            Upload(0, ORGANISER, True, None),
        ),
    ),
    # Rows: a medical statement and decisions prohibited one by one against grants that
    # cover their categories; guardianships active, ended and future; a change of
    # organiser and a relationship opened by registration.
    WorldSpec(
        clients=(
            ClientSpec("wc-pirkanmaa", True, False, False, True, None),
            ClientSpec("wc-pirkanmaa", False, False, True, False, "PARENT_OF_MINOR"),
        ),
        steps=(
            Upload(0, "wc-pirkanmaa", True, None),
            Upload(0, KELA, True, None),
            Grant(0, "self", "wc-pirkanmaa", ("HEALTH_ATTACHMENT", "KELA_CALCULATION"), "now"),
            Grant(0, "self", KELA, ("WC_DECISION",), "now"),
            KelaDecision(0, True, True, False, None),
            CountyDecision(0, "wc-pirkanmaa", True, 1),
            Prohibit(0, ("row", "ATTACHMENT", "0"), "self"),
            Prohibit(0, ("row", "DECISION", "1"), "self"),
            Guardian(1, 0, "GUARDIAN_ECONOMIC", "active"),
            Guardian(1, 3, "GUARDIAN_FULL", "ended"),
            Guardian(1, 2, "GUARDIAN_FULL", "future"),
            Open(1, "wc-lappi"),
            Handover(1, "helsinki"),
            Plan(1),
            CountyNotice(1, "helsinki", "STATEMENT"),
            Move(0, "RECEIVED"),
        ),
    ),
)
