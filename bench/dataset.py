"""The benchmark's synthetic dataset: rows of every client-owned table, generated per
client from a seed, as the service itself would have written them. Pure; no I/O (the
loader, ``bench/loader.py``, COPYs the rows into PostgreSQL).

Scales (``docs/performance.md``; domain.md's benchmarks): ``small`` 300 clients (the quick
run and the test), ``medium`` 20,000, ``large`` 200,000. Per client, on average: ~5
decisions (most clients 1-10, one in fifty 50-70), 2-6 calculation rows each, ~2 notices
in every state with their moves, ~3 attachments (a ``blobs`` row each; no content
files), ~4 consent events (INFORMED, grants, withdrawals, prohibitions and lifts: valid
chains hashed by ``ledger.chain``, folded by ``ledger.state`` into the ``consent_rules``
projection and the ledger head), a plan for most, applications with information
requests, the responsible organiser's client relationship and for some a second county's,
guardianships, protected identities, idempotency keys, ~50 access-log rows, and the
change feed's rows (``changes``, one per entity created or changed).

Every ``RICH_EVERY``-th client is a *caseworker overview* client (W1): a plan with its
life situation, 20 decisions with calculation rows, notices, attachments, applications,
and a grant to Kela of the plan and life-situation categories (W2 sees them).
"""

import hashlib
import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench.identity import Guardian, Person, identity_rows
from graph.domain.personal_id import make as make_personal_id
from ledger.chain import GENESIS, make_event
from ledger.events import (
    grant_body,
    informed_body,
    lift_body,
    prohibit_body,
    withdraw_body,
)
from ledger.service import PROJECTED, canonical_text, party_of
from ledger.state import ConsentState
from schema.pii import Keyring

SCALES = {"tiny": 60, "small": 300, "medium": 20_000, "large": 200_000}
RICH_EVERY = 50
"""Every 50th client is a caseworker-overview client (W1, W2)."""
HEAVY_OFFSET = 7
"""... and the clients at 7, 57, 107 … have 50-70 decisions (the long tail)."""
RICH_DECISIONS = 20

KELA = "kela"
ORGANISERS = (
    "helsinki",
    "wc-ita-uusimaa",
    "wc-keski-uusimaa",
    "wc-lansi-uusimaa",
    "wc-vantaa-kerava",
    "wc-varsinais-suomi",
    "wc-satakunta",
    "wc-kanta-hame",
    "wc-pirkanmaa",
    "wc-paijat-hame",
    "wc-kymenlaakso",
    "wc-etela-karjala",
    "wc-etela-savo",
    "wc-pohjois-savo",
    "wc-pohjois-karjala",
    "wc-keski-suomi",
    "wc-etela-pohjanmaa",
    "wc-pohjanmaa",
    "wc-keski-pohjanmaa",
    "wc-pohjois-pohjanmaa",
    "wc-kainuu",
    "wc-lappi",
)
KNOWN_ORGANISATIONS = frozenset({KELA, *ORGANISERS})
POLICY_HASH = hashlib.sha256(b"bench policy").hexdigest()

FIRST = ("Aino", "Eino", "Helmi", "Väinö", "Sanni", "Jari", "Outi", "Åsa", "Mikko", "Leena")
LAST = ("Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Lindqvist", "Heikkinen", "Koskinen")
STREETS = ("Koulukatu", "Rantatie", "Kirkkokatu", "Storgatan", "Hämeenkatu", "Puistotie")
PURPOSES = ("Toimeentulotuen käsittely", "Asumisen tuki", "Kuntoutuksen suunnittelu")
INCOME = ("Palkka", "Työmarkkinatuki", "Asumistuki", "Lapsilisä")
EXPENSE = ("Vuokra", "Vesimaksu", "Sähkö", "Lääkkeet", "Kotivakuutus", "Matkakulut")
CATEGORY_SETS = (
    ("LIFE_ECONOMY", "LIFE_FAMILY", "LIFE_HEALTH", "LIFE_HOUSING", "PLAN"),
    ("LIFE_ECONOMY", "LIFE_HOUSING", "PLAN"),
    ("HEALTH_ATTACHMENT", "LIFE_HEALTH"),
)
ATTACHMENT_KINDS = (
    ("RENT_AGREEMENT", "vuokrasopimus.pdf", "application/pdf"),
    ("BANK_STATEMENT", "tiliote.pdf", "application/pdf"),
    ("INVOICE", "lasku.jpg", "image/jpeg"),
    ("MEDICAL_STATEMENT", "lausunto.pdf", "application/pdf"),
    ("SOCIAL_CARE_STATEMENT", "selvitys.pdf", "application/pdf"),
    ("OTHER", "muu.png", "image/png"),
)
NOTICE_TYPES_TO_ORG = ("APPLICATION_TRANSFER", "SERVICE_NEED_ASSESSMENT_REQUEST", "CONCERN_NOTICE")
NOTICE_TYPES_TO_KELA = ("PLAN_SHARED", "DECISION_ISSUED", "STATEMENT")
OUTCOMES = ("CLIENT_REACHED", "ASSESSMENT_STARTED", "PLAN_MADE", "NO_ACTION_NEEDED")

COLUMNS: dict[str, tuple[str, ...]] = {
    "client_relationships": (
        "client_id",
        "organisation_id",
        "responsible",
        "origin",
        "opened_at",
        "opened_by_sub",
        "opened_by_org",
        "purpose",
    ),
    "client_digital_profiles": (
        "client_id",
        "id",
        "has_equipment",
        "has_skills",
        "recorded_at",
        "recorded_by_org",
    ),
    "contact_persons": (
        "client_id",
        "id",
        "organisation_id",
        "name",
        "title",
        "phone",
        "email",
        "updated_at",
    ),
    "plan_versions": (
        "client_id",
        "id",
        "version",
        "type",
        "status",
        "content",
        "kela_special_service_planned",
        "kela_special_service_note",
        "next_follow_up",
        "organiser_id",
        "saved_at",
        "saved_by_sub",
        "saved_by_name",
    ),
    "applications": (
        "client_id",
        "id",
        "external_id",
        "received_at",
        "channel",
        "status",
        "urgent",
        "urgency_grounds",
        "urgency_assessed_by",
        "urgency_assessed_at",
        "recorded_at",
        "recorded_by_org",
        "content_hash",
    ),
    "information_requests": (
        "client_id",
        "id",
        "application_id",
        "requested_at",
        "items",
        "due",
        "answered_at",
        "requested_by",
    ),
    "decisions": (
        "client_id",
        "id",
        "issuer_id",
        "authority",
        "kind",
        "external_id",
        "application_id",
        "decided_at",
        "period_start",
        "period_end",
        "outcome",
        "total_amount_cents",
        "grounds",
        "reduction_percent",
        "reduction_grounds",
        "reduction_until",
        "content_hash",
        "recorded_at",
        "recorded_by_sub",
    ),
    "decision_calculation_rows": (
        "client_id",
        "id",
        "decision_id",
        "position",
        "type",
        "description",
        "amount_cents",
    ),
    "payment_commitments": (
        "client_id",
        "id",
        "decision_id",
        "position",
        "payee",
        "purpose",
        "amount_cents",
        "valid_until",
    ),
    "blobs": ("sha256", "size", "stored_at"),
    "attachments": (
        "client_id",
        "id",
        "kind",
        "filename",
        "media_type",
        "size",
        "sha256",
        "uploaded_at",
        "uploaded_by_org",
        "uploaded_by_sub",
        "uploaded_by_role",
        "application_id",
        "decision_id",
        "plan_version_id",
        "notice_id",
    ),
    "decision_attachments": ("client_id", "decision_id", "attachment_id"),
    "notices": (
        "client_id",
        "id",
        "type",
        "sender_id",
        "recipient_id",
        "external_id",
        "detail",
        "status",
        "outcome",
        "sent_at",
        "due_at",
        "consent_seq",
        "content_hash",
        "sent_by_sub",
        "responsible_name",
        "responsible_title",
        "responsible_phone",
        "responsible_email",
    ),
    "notice_moves": (
        "client_id",
        "id",
        "notice_id",
        "from_status",
        "to_status",
        "outcome",
        "note",
        "at",
        "by_sub",
        "by_name",
        "by_org",
    ),
    "notice_attachments": ("client_id", "notice_id", "attachment_id"),
    "consent_events": (
        "client_id",
        "id",
        "seq",
        "type",
        "at",
        "actor_org",
        "party_org",
        "canonical",
        "hash",
        "prev",
    ),
    "ledger_heads": ("client_id", "seq", "head"),
    "consent_rules": ("client_id", "seq", *PROJECTED),
    "access_log": (
        "request_id",
        "at",
        "client_id",
        "subject",
        "subject_name",
        "organisation_id",
        "roles",
        "azp",
        "category",
        "action",
        "allowed",
        "basis",
        "reason",
        "policy_rule",
        "consent_seq",
        "prohibition_seq",
        "policy_hash",
    ),
    "idempotency_keys": ("kind", "issuer", "external_id", "client_id", "record_id", "recorded_at"),
    "changes": (
        "client_id",
        "id",
        "entity_type",
        "entity_id",
        "op",
        "txid",
        "appended",
        "position",
    ),
}


def organiser_of(index: int) -> str:
    return ORGANISERS[index % len(ORGANISERS)]


def is_rich(index: int) -> bool:
    return index % RICH_EVERY == 0


def worker_sub(org: str) -> str:
    """The subject of the generated social worker of an organisation (tokens use it too)."""
    return f"sw-{org}"


@dataclass
class Rows:
    """Rows by table: table -> (columns, rows)."""

    tables: dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]] = field(default_factory=dict)

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        self.tables.setdefault(table, (COLUMNS[table], []))[1].append(row)

    def merge(self, other: dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]]) -> None:
        for table, (columns, rows) in other.items():
            self.tables.setdefault(table, (columns, []))[1].extend(rows)

    def count(self) -> int:
        return sum(len(rows) for _, rows in self.tables.values())


@dataclass(frozen=True)
class Generated:
    """One client's rows, and what the workloads need to know about the client."""

    client_id: uuid.UUID
    organiser: str
    rich: bool
    decisions: int


class ClientMaker:
    """Generates clients ``start`` … into ``rows``; deterministic for (seed, index, anchor)."""

    def __init__(self, seed: int, anchor: datetime, keyring: Keyring) -> None:
        self.seed = seed
        self.anchor = anchor
        self.keyring = keyring
        self.rng = random.Random(seed)  # noqa: S311  (synthetic data, not secrets)
        self.changes: list[tuple[datetime, uuid.UUID, str, uuid.UUID, str]] = []

    # --- helpers ---------------------------------------------------------------------------

    def uuid_at(self, at: datetime) -> uuid.UUID:
        """A UUIDv7 of the moment ``at`` (ids order as creation does, as ``new_id``)."""
        millis = int(at.timestamp() * 1000)
        rand_a = self.rng.getrandbits(12)
        rand_b = self.rng.getrandbits(62)
        value = (millis & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
        return uuid.UUID(int=value)

    def moment(self, days_back_max: float, days_back_min: float = 0.0) -> datetime:
        back = self.rng.uniform(days_back_min, days_back_max)
        return (self.anchor - timedelta(days=back)).replace(microsecond=0)

    def digest(self) -> str:
        return f"{self.rng.getrandbits(256):064x}"

    def change(
        self, at: datetime, client: uuid.UUID, kind: str, entity: uuid.UUID, op: str
    ) -> None:
        self.changes.append((at, client, kind, entity, op))

    # --- one client --------------------------------------------------------------------------

    def client(self, index: int, rows: Rows) -> Generated:
        rng = self.rng
        rng.seed(self.seed * 1_000_003 + index)
        self.changes = []
        organiser = organiser_of(index)
        rich = is_rich(index)
        registered = self.moment(720, 400)
        client_id = self.uuid_at(registered)
        born = date(1950, 1, 1) + timedelta(days=index // 100)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        person = Person(
            id=client_id,
            personal_id=make_personal_id(born, 900 + index % 100),
            name=f"{first} {last}",
            language=rng.choice(("FI", "FI", "FI", "SV", "EN")),
            organiser_id=organiser,
            address=f"{rng.choice(STREETS)} {rng.randint(1, 60)}",
            phone=f"+358 40 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
            email=f"{first.lower()}.{index}@example.fi",
            protected_identity=index % 97 == 3,
            immigrant=rng.random() < 0.1,
            registered_at=registered,
        )
        guardians = []
        if rich or rng.random() < 0.05:
            since = (registered - timedelta(days=rng.randint(10, 3000))).date()
            guardians.append(
                Guardian(
                    id=self.uuid_at(registered),
                    personal_id=make_personal_id(
                        date(1960, 1, 1) + timedelta(index // 100), 900 + index % 100
                    ),
                    kind=rng.choice(("GUARDIAN_FULL", "GUARDIAN_ECONOMIC")),
                    valid_from=since,
                    valid_until=None,
                    recorded_at=registered,
                )
            )
        rows.merge(identity_rows(person, guardians, self.keyring))
        self.change(registered, client_id, "CLIENT", client_id, "CREATED")
        worker = worker_sub(organiser)
        rows.add(
            "client_relationships",
            (client_id, organiser, True, "RESPONSIBLE", registered, worker, organiser, PURPOSES[0]),
        )
        if rng.random() < 0.1:
            other = ORGANISERS[(index + 5) % len(ORGANISERS)]
            opened = self.moment(300)
            rows.add(
                "client_relationships",
                (
                    client_id,
                    other,
                    False,
                    "REGISTRATION",
                    opened,
                    worker_sub(other),
                    other,
                    PURPOSES[2],
                ),
            )
        if rich or rng.random() < 0.8:
            rows.add(
                "client_digital_profiles",
                (
                    client_id,
                    self.uuid_at(registered),
                    rng.random() < 0.8,
                    rng.random() < 0.7,
                    registered,
                    organiser,
                ),
            )
        if rich or rng.random() < 0.5:
            rows.add(
                "contact_persons",
                (
                    client_id,
                    self.uuid_at(registered),
                    organiser,
                    f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    "sosiaalityöntekijä",
                    "+358 50 123 4567",
                    "tyontekija@example.fi",
                    registered,
                ),
            )
        self._plan(client_id, organiser, rich, rows)
        applications = self._applications(client_id, rich, rows)
        decisions = self._decisions(index, client_id, organiser, rich, applications, rows)
        notices = self._notices(client_id, organiser, rich, rows)
        self._attachments(client_id, organiser, rich, decisions, notices, rows)
        seqs = self._ledger(client_id, organiser, rich, rows)
        self._access_log(client_id, organiser, seqs, rows)
        for at, client, kind, entity, op in self.changes:
            micros = int(at.timestamp() * 1_000_000)
            rows.add("changes", (client, self.uuid_at(at), kind, entity, op, micros, None, None))
        return Generated(client_id, organiser, rich, len(decisions))

    def _plan(self, client_id: uuid.UUID, organiser: str, rich: bool, rows: Rows) -> None:
        rng = self.rng
        versions = 2 if rich else (0 if rng.random() < 0.3 else rng.randint(1, 2))
        for version in range(1, versions + 1):
            saved = self.moment(300 - 100 * version, 200 - 100 * version)
            content = {
                "lifeSituation": {
                    "economy": {
                        "summary": "Vuokrarästejä kahdelta kuukaudelta.",
                        "supportNeeded": True,
                    },
                    "family": {"summary": "Asuu yksin.", "supportNeeded": False},
                    "health": {
                        "summary": "Uniongelmia, lääkitys aloitettu.",
                        "supportNeeded": True,
                    },
                    "housing": {
                        "summary": "Vuokra-asunto, irtisanomisuhka.",
                        "supportNeeded": True,
                    },
                },
                "goals": ["Vuokrarästit maksettu", "Työkokeilu alkaa"],
                "measures": [
                    {
                        "description": "Velkaneuvonta",
                        "responsibleOrganisationId": organiser,
                        "responsibleWorker": "Sanni Sosiaalityöntekijä",
                        "due": (saved.date() + timedelta(days=60)).isoformat(),
                        "status": "IN_PROGRESS",
                    },
                    {
                        "description": "Kuntouttava työtoiminta",
                        "responsibleOrganisationId": None,
                        "responsibleWorker": None,
                        "due": None,
                        "status": "PLANNED",
                    },
                ],
                "serviceNeedAssessment": {
                    "status": "COMPLETED",
                    "outcome": "Tarvitsee tukea talouden hallintaan.",
                    "date": saved.date().isoformat(),
                },
            }
            plan_id = self.uuid_at(saved)
            rows.add(
                "plan_versions",
                (
                    client_id,
                    plan_id,
                    version,
                    "CLIENT_PLAN",
                    "ACTIVE",
                    json.dumps(content, ensure_ascii=False),
                    False,
                    None,
                    (saved.date() + timedelta(days=90)),
                    organiser,
                    saved,
                    worker_sub(organiser),
                    "Sanni Sosiaalityöntekijä",
                ),
            )
            self.change(saved, client_id, "PLAN", plan_id, "CREATED")

    def _applications(
        self, client_id: uuid.UUID, rich: bool, rows: Rows
    ) -> list[tuple[uuid.UUID, datetime]]:
        rng = self.rng
        made = []
        for _ in range(2 if rich else rng.choice((0, 1, 1, 2))):
            received = self.moment(360)
            app_id = self.uuid_at(received)
            external = f"HAK-{app_id.hex[:16]}"
            status = rng.choice(
                ("RECEIVED", "IN_PROCESSING", "WAITING_FOR_INFORMATION", "DECIDED", "DECIDED")
            )
            urgent = rng.random() < 0.1
            rows.add(
                "applications",
                (
                    client_id,
                    app_id,
                    external,
                    received,
                    rng.choice(("ONLINE", "GUIDED", "PAPER", "PHONE")),
                    status,
                    urgent,
                    "Ruoka-apu tarpeen heti" if urgent else None,
                    "kela-handler" if urgent else None,
                    received + timedelta(hours=3) if urgent else None,
                    received,
                    KELA,
                    self.digest(),
                ),
            )
            rows.add(
                "idempotency_keys", ("APPLICATION", KELA, external, client_id, app_id, received)
            )
            self.change(received, client_id, "APPLICATION", app_id, "CREATED")
            if status == "WAITING_FOR_INFORMATION":
                asked = received + timedelta(days=2)
                rows.add(
                    "information_requests",
                    (
                        client_id,
                        self.uuid_at(asked),
                        app_id,
                        asked,
                        json.dumps(["Tiliotteet kolmelta kuukaudelta"], ensure_ascii=False),
                        (asked + timedelta(days=14)).date(),
                        None,
                        "kela-handler",
                    ),
                )
                self.change(asked, client_id, "APPLICATION", app_id, "UPDATED")
            made.append((app_id, received))
        return made

    def _decision_count(self, index: int, rich: bool) -> int:
        if rich:
            return RICH_DECISIONS
        if index % RICH_EVERY == HEAVY_OFFSET:
            return self.rng.randint(50, 70)
        roll = self.rng.random()
        if roll < 0.75:
            return self.rng.randint(1, 5)
        if roll < 0.95:
            return self.rng.randint(6, 10)
        return self.rng.randint(11, 30)

    def _decisions(
        self,
        index: int,
        client_id: uuid.UUID,
        organiser: str,
        rich: bool,
        applications: list[tuple[uuid.UUID, datetime]],
        rows: Rows,
    ) -> list[uuid.UUID]:
        rng = self.rng
        made = []
        for n in range(self._decision_count(index, rich)):
            kela = n % 3 != 2
            decided = self.moment(700)
            decision_id = self.uuid_at(decided)
            issuer = KELA if kela else organiser
            external = f"PAA-{decision_id.hex}"  # all of it: 16 digits collide at 200,000 clients
            application = applications[n][0] if kela and n < len(applications) else None
            start = decided.date().replace(day=1)
            calculation = []
            for position in range(rng.randint(2, 6)):
                income = position % 3 == 0
                amount = rng.randint(2_000, 90_000)
                calculation.append(
                    (
                        client_id,
                        self.uuid_at(decided),
                        decision_id,
                        position,
                        "INCOME" if income else "EXPENSE",
                        rng.choice(INCOME if income else EXPENSE),
                        amount,
                    )
                )
            outcome = rng.choice(("GRANTED", "GRANTED", "PARTIALLY_GRANTED", "REJECTED"))
            reduced = kela and rng.random() < 0.05
            rows.add(
                "decisions",
                (
                    client_id,
                    decision_id,
                    issuer,
                    "KELA" if kela else "WELLBEING_COUNTY",
                    rng.choice(("BASIC", "BASIC", "BASIC_URGENT"))
                    if kela
                    else rng.choice(("SUPPLEMENTARY", "PREVENTIVE")),
                    external,
                    application,
                    decided,
                    start,
                    start + timedelta(days=27),
                    outcome,
                    0 if outcome == "REJECTED" else rng.randint(5_000, 120_000),
                    "Laskelman mukainen tuki.",
                    20 if reduced else None,
                    "Kieltäytynyt työstä" if reduced else None,
                    start + timedelta(days=60) if reduced else None,
                    self.digest(),
                    decided,
                    "kela-handler" if kela else worker_sub(organiser),
                ),
            )
            for row in calculation:
                rows.add("decision_calculation_rows", row)
            if not kela and rng.random() < 0.3:
                rows.add(
                    "payment_commitments",
                    (
                        client_id,
                        self.uuid_at(decided),
                        decision_id,
                        0,
                        "Apteekki Oy",
                        "Lääkkeet",
                        4_500,
                        None,
                    ),
                )
            rows.add(
                "idempotency_keys", ("DECISION", issuer, external, client_id, decision_id, decided)
            )
            self.change(decided, client_id, "DECISION", decision_id, "CREATED")
            made.append(decision_id)
        return made

    def _notices(
        self, client_id: uuid.UUID, organiser: str, rich: bool, rows: Rows
    ) -> list[uuid.UUID]:
        rng = self.rng
        made = []
        count = 4 if rich else rng.choice((0, 1, 2, 2, 3, 4))
        for n in range(count):
            to_org = n % 2 == 0
            sender, recipient = (KELA, organiser) if to_org else (organiser, KELA)
            sent = self.moment(60)
            notice_id = self.uuid_at(sent)
            external = f"ILM-{notice_id.hex[:16]}"
            kind = rng.choice(NOTICE_TYPES_TO_ORG if to_org else NOTICE_TYPES_TO_KELA)
            # every state: SENT, RECEIVED, IN_PROGRESS, CLOSED, CANCELLED
            final = ("SENT", "RECEIVED", "IN_PROGRESS", "CLOSED", "CANCELLED")[rng.randint(0, 4)]
            path = {
                "SENT": ["SENT"],
                "RECEIVED": ["SENT", "RECEIVED"],
                "IN_PROGRESS": ["SENT", "RECEIVED", "IN_PROGRESS"],
                "CLOSED": ["SENT", "RECEIVED", "IN_PROGRESS", "CLOSED"],
                "CANCELLED": ["SENT", "CANCELLED"],
            }[final]
            outcome = rng.choice(OUTCOMES) if final == "CLOSED" else None
            named = final in ("IN_PROGRESS", "CLOSED")
            sender_sub = "kela-handler" if to_org else worker_sub(organiser)
            rows.add(
                "notices",
                (
                    client_id,
                    notice_id,
                    kind,
                    sender,
                    recipient,
                    external,
                    "Asiakas pyytää yhteydenottoa." if rng.random() < 0.7 else None,
                    final,
                    outcome,
                    sent,
                    sent + timedelta(days=7),
                    None,
                    self.digest(),
                    sender_sub,
                    "Sanni Sosiaalityöntekijä" if named else None,
                    "sosiaalityöntekijä" if named else None,
                    "+358 50 765 4321" if named else None,
                    "sanni@example.fi" if named else None,
                ),
            )
            rows.add("idempotency_keys", ("NOTICE", sender, external, client_id, notice_id, sent))
            self.change(sent, client_id, "NOTICE", notice_id, "CREATED")
            previous = None
            at = sent
            for step in path:
                mover = sender if step in ("SENT", "CANCELLED") else recipient
                rows.add(
                    "notice_moves",
                    (
                        client_id,
                        self.uuid_at(at),
                        notice_id,
                        previous,
                        step,
                        outcome if step == "CLOSED" else None,
                        None,
                        at,
                        sender_sub if mover == sender else f"sub-{mover}",
                        None,
                        mover,
                    ),
                )
                if previous is not None:
                    self.change(at, client_id, "NOTICE", notice_id, "UPDATED")
                previous = step
                at = at + timedelta(hours=rng.randint(1, 30))
            made.append(notice_id)
        return made

    def _attachments(
        self,
        client_id: uuid.UUID,
        organiser: str,
        rich: bool,
        decisions: list[uuid.UUID],
        notices: list[uuid.UUID],
        rows: Rows,
    ) -> None:
        rng = self.rng
        for n in range(6 if rich else rng.choice((0, 1, 2, 3, 4, 5, 6))):
            kind, filename, media = ATTACHMENT_KINDS[rng.randint(0, len(ATTACHMENT_KINDS) - 1)]
            uploaded = self.moment(500)
            attachment_id = self.uuid_at(uploaded)
            sha = self.digest()
            size = rng.randint(20_000, 2_000_000)
            rows.add("blobs", (sha, size, uploaded))
            by_kela = n % 2 == 0
            rows.add(
                "attachments",
                (
                    client_id,
                    attachment_id,
                    kind,
                    filename,
                    media,
                    size,
                    sha,
                    uploaded,
                    KELA if by_kela else organiser,
                    "kela-handler" if by_kela else worker_sub(organiser),
                    "kela_handler" if by_kela else "social_worker",
                    None,
                    None,
                    None,
                    None,
                ),
            )
            self.change(uploaded, client_id, "ATTACHMENT", attachment_id, "CREATED")
            if decisions and n == 0:
                rows.add("decision_attachments", (client_id, decisions[0], attachment_id))
            if notices and n == 1:
                rows.add("notice_attachments", (client_id, notices[0], attachment_id))

    def _ledger(self, client_id: uuid.UUID, organiser: str, rich: bool, rows: Rows) -> list[int]:
        """A valid chain: INFORMED, grants, withdrawals, prohibitions and lifts; its head and
        projection. Returns the seqs of grants (for the access log's consent_seq)."""
        rng = self.rng
        client = str(client_id)
        actor = {"sub": worker_sub(organiser), "org": organiser, "roles": ["social_worker"]}
        grantor = {"kind": "CLIENT"}
        at = self.moment(380, 360)
        plan: list[tuple[str, dict[str, Any]]] = [
            ("INFORMED", informed_body(text_version="2026-01", channel="PAPER"))
        ]
        grants: list[int] = []
        if rich or rng.random() < 0.85:
            plan.append(
                (
                    "GRANT",
                    {
                        "grantee": KELA,
                        "categories": CATEGORY_SETS[0 if rich else rng.randint(0, 2)],
                    },
                )
            )
        if rng.random() < 0.4:
            plan.append(
                (
                    "GRANT",
                    {"grantee": ORGANISERS[rng.randint(0, 21)], "categories": CATEGORY_SETS[1]},
                )
            )
        if not rich and rng.random() < 0.25:
            plan.append(("WITHDRAW", {}))
        if rng.random() < 0.1:
            plan.append(("PROHIBIT", {}))
            if rng.random() < 0.3:
                plan.append(("LIFT_PROHIBITION", {}))
        state = ConsentState()
        prev = GENESIS
        prohibitions: list[int] = []
        last = 0
        for kind, spec in plan:
            seq = last + 1
            at = at + timedelta(days=rng.randint(1, 20), seconds=rng.randint(0, 86_399))
            if kind == "GRANT":
                body = grant_body(
                    grantee=spec["grantee"],
                    categories=spec["categories"],
                    purpose=rng.choice(PURPOSES),
                    valid_from=at,
                    valid_until=None,
                    method="WRITTEN",
                    evidence_attachment_id=None,
                    known_organisations=KNOWN_ORGANISATIONS,
                )
                grants.append(seq)
            elif kind == "WITHDRAW":
                open_grants = [g.seq for g in state.grants if g.ended_seq is None]
                if not open_grants:
                    continue
                body = withdraw_body(
                    grant_seq=open_grants[-1], reason="Ei enää tarpeen", method="WRITTEN"
                )
            elif kind == "PROHIBIT":
                body = prohibit_body(
                    organisation=None if rich else ORGANISERS[(seq * 7) % 22],
                    category="LIFE_FAMILY" if rich else None,
                    row_type=None,
                    row_id=None,
                    method="WRITTEN",
                    known_organisations=KNOWN_ORGANISATIONS,
                )
                prohibitions.append(seq)
            elif kind == "LIFT_PROHIBITION":
                body = lift_body(prohibition_seq=prohibitions[-1], method="WRITTEN")
            else:
                body = spec
            last = seq
            event = make_event(
                client=client,
                seq=seq,
                type_=kind,
                at=at,
                actor=actor,
                grantor=grantor,
                body=body,
                prev=prev,
            )
            state = state.apply(event)
            event_id = self.uuid_at(at)
            rows.add(
                "consent_events",
                (
                    client_id,
                    event_id,
                    seq,
                    kind,
                    at,
                    organiser,
                    party_of(state, event),
                    canonical_text(event),
                    event["hash"],
                    prev,
                ),
            )
            self.change(at, client_id, "CONSENT_EVENT", event_id, "CREATED")
            prev = event["hash"]
        rows.add("ledger_heads", (client_id, last, prev))
        for grant in state.grants:
            rows.add(
                "consent_rules",
                (
                    client_id,
                    grant.seq,
                    "GRANT",
                    grant.grantee,
                    json.dumps(sorted(grant.categories)),
                    None,
                    None,
                    None,
                    grant.purpose,
                    grant.method,
                    grant.valid_from,
                    grant.valid_until,
                    grant.recorded_at,
                    grant.recorded_by,
                    grant.ended_seq,
                    grant.ended_at,
                ),
            )
        for prohibition in state.prohibitions:
            rows.add(
                "consent_rules",
                (
                    client_id,
                    prohibition.seq,
                    "PROHIBIT",
                    prohibition.organisation,
                    "[]",
                    prohibition.category,
                    None,
                    None,
                    None,
                    "WRITTEN",
                    None,
                    None,
                    prohibition.recorded_at,
                    prohibition.recorded_by,
                    prohibition.ended_seq,
                    prohibition.ended_at,
                ),
            )
        return grants

    def _access_log(
        self, client_id: uuid.UUID, organiser: str, grants: list[int], rows: Rows
    ) -> None:
        rng = self.rng
        for _ in range(rng.randint(40, 60)):
            kela = rng.random() < 0.4
            category = rng.choice(
                ("IDENTITY", "PLAN", "KELA_DECISION", "WC_DECISION", "NOTICE", "LIFE_ECONOMY")
            )
            consent = kela and category in ("PLAN", "LIFE_ECONOMY")
            allowed = not consent or bool(grants)
            rows.add(
                "access_log",
                (
                    uuid.UUID(int=rng.getrandbits(128), version=4),
                    self.moment(360),
                    client_id,
                    "kela-handler" if kela else worker_sub(organiser),
                    "Kaisa Käsittelijä" if kela else "Sanni Sosiaalityöntekijä",
                    KELA if kela else organiser,
                    "kela_handler" if kela else "social_worker",
                    "kela-etuus" if kela else f"{organiser}-cms",
                    category,
                    "READ",
                    allowed,
                    ("CONSENT" if consent else "STATUTORY") if allowed else None,
                    None if allowed else "NO_CONSENT",
                    f"p, {'kela_handler' if kela else 'social_worker'}, {category}, read",
                    grants[0] if consent and allowed else None,
                    None,
                    POLICY_HASH,
                ),
            )


def generate(
    seed: int, anchor: datetime, start: int, stop: int, keyring: Keyring
) -> tuple[Rows, list[Generated]]:
    """The rows of clients ``start`` … ``stop - 1``, their codes stored under ``keyring``."""
    maker = ClientMaker(seed, anchor, keyring)
    rows = Rows()
    made = [maker.client(index, rows) for index in range(start, stop)]
    return rows, made


def chunks(clients: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, clients, size):
        yield start, min(clients, start + size)


def default_anchor() -> datetime:
    """Today at midnight UTC: the dataset's "now" (notices due around it, recent decisions)."""
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
