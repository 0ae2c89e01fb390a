"""The row rules' twins: for every row type, over generated rows and principals, the SQL
forms of ownership, of what a dpo audits and of which rows may be known of select
exactly the rows the Python forms admit one by one (as ``test_visibility`` holds the
client relation's two forms equal). The generated access log names ledger events and
the ledger ends some of its grants and prohibitions, so what a dpo may open through its
organisation's rows (issue 6, item 9) is held equal too. ``INFOCAP_ROWS_TWIN_SEEDS`` sets how many generated
worlds (default 3)."""

import os
import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from authz import rows
from authz.facts import load_access
from authz.guard import ClientAccess, Guard
from authz.policy import Policy
from authz.principal import Principal
from authz.rows import RowRule
from ledger import access_log, events
from ledger.service import CLIENT_GRANTOR, Actor, append, start_chain
from schema.db import make_engine, make_sessions
from schema.enums import (
    AccessAction,
    ApplicationChannel,
    ApplicationStatus,
    AttachmentKind,
    Authority,
    ConsentEventType,
    DataCategory,
    DecisionKind,
    DecisionOutcome,
    GuardianshipKind,
    Language,
    NoticeStatus,
    NoticeType,
    OrganisationType,
    PlanStatus,
    PlanType,
    RelationshipOrigin,
    Role,
)
from schema.models import (
    Application,
    Attachment,
    Blob,
    Client,
    ClientRelationship,
    ConsentRule,
    ContactPerson,
    Decision,
    Guardianship,
    Notice,
    PlanVersion,
)
from tests.factories import personal_id

SEEDS = range(int(os.environ.get("INFOCAP_ROWS_TWIN_SEEDS", "3")))
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)
POLICY = Policy()
ORGANISERS = ("wc-pirkanmaa", "wc-lappi", "helsinki")
ORGANISATIONS = ("kela", *ORGANISERS)
SHA = "0" * 64


def org_type(org: str) -> OrganisationType:
    if org == "kela":
        return OrganisationType.KELA
    return OrganisationType.MUNICIPALITY if org == "helsinki" else OrganisationType.WELLBEING_COUNTY


@dataclass
class World:
    clients: list[Client] = field(default_factory=list)
    persons: list[str] = field(default_factory=list)


def staff(role: Role, org: str) -> Principal:
    return Principal(f"{role.value}@{org}", frozenset({role}), org, org_type(org), None)


def principals(world: World) -> list[Principal]:
    found = [staff(r, "kela") for r in (Role.kela_handler, Role.kela_advisor, Role.dpo)]
    for org in ORGANISERS:
        found += [staff(r, org) for r in (Role.social_worker, Role.social_counsellor, Role.dpo)]
        found.append(
            Principal("both", frozenset({Role.social_worker, Role.dpo}), org, org_type(org), None)
        )
    found += [
        Principal(f"{r.value}:{p}", frozenset({r}), None, None, p)
        for p in world.persons
        for r in (Role.client, Role.guardian)
    ]
    return found


async def generate(session: AsyncSession, rng: random.Random) -> World:
    world = World()
    session.add(Blob(sha256=SHA, size=1, stored_at=NOW))
    guardians = [personal_id() for _ in range(2)]
    world.persons += guardians
    for n in range(4):
        organiser = rng.choice(ORGANISERS)
        client = Client(
            id=uuid.uuid4(),
            personal_id=personal_id(),
            name=f"Asiakas {n}",
            language=Language.FI,
            organiser_id=organiser,
            registered_at=NOW,
            registered_by_org=organiser,
        )
        world.clients.append(client)
        world.persons.append(client.personal_id)
        session.add(client)
        await session.flush()
        await start_chain(session, client.id)
        await _rows_of(session, rng, client, guardians)
    return world


async def _rows_of(
    session: AsyncSession, rng: random.Random, client: Client, guardians: list[str]
) -> None:
    others = [o for o in ORGANISERS if o != client.organiser_id]
    for org in [client.organiser_id, *rng.sample(others, rng.randint(0, 2))]:
        session.add(
            ClientRelationship(
                client_id=client.id,
                organisation_id=org,
                responsible=org == client.organiser_id,
                origin=RelationshipOrigin.RESPONSIBLE
                if org == client.organiser_id
                else RelationshipOrigin.REGISTRATION,
                opened_at=NOW,
                opened_by_sub="s",
                opened_by_org=org,
            )
        )
    for guardian in rng.sample(guardians, rng.randint(0, 2)):
        ended = rng.random() < 0.3
        session.add(
            Guardianship(
                guardian_personal_id=guardian,
                ward_id=client.id,
                kind=rng.choice(list(GuardianshipKind)),
                valid_from=TODAY - timedelta(days=100),
                valid_until=TODAY - timedelta(days=1) if ended else None,
                recorded_at=NOW,
                source="test",
            )
        )
    for n in range(rng.randint(1, 4)):
        authority = rng.choice(list(Authority))
        issuer = "kela" if authority == Authority.KELA else rng.choice(ORGANISERS)
        session.add(
            Decision(
                client_id=client.id,
                issuer_id=issuer,
                authority=authority,
                kind=DecisionKind.BASIC
                if authority == Authority.KELA
                else DecisionKind.SUPPLEMENTARY,
                external_id=f"{client.id}-{n}",
                decided_at=NOW,
                outcome=DecisionOutcome.GRANTED,
                total_amount_cents=1,
                content_hash=SHA,
                recorded_at=NOW,
                recorded_by_sub="s",
            )
        )
    for n in range(rng.randint(1, 4)):
        session.add(
            Attachment(
                client_id=client.id,
                kind=rng.choice(list(AttachmentKind)),
                filename=f"{n}.pdf",
                media_type="application/pdf",
                size=1,
                sha256=SHA,
                uploaded_at=NOW,
                uploaded_by_org=rng.choice([None, *ORGANISATIONS]),
                uploaded_by_sub="s",
                uploaded_by_role="x",
            )
        )
    for n in range(rng.randint(0, 3)):
        organiser = rng.choice(ORGANISERS)
        sender, recipient = rng.choice([("kela", organiser), (organiser, "kela")])
        session.add(
            Notice(
                client_id=client.id,
                type=rng.choice(list(NoticeType)),
                sender_id=sender,
                recipient_id=recipient,
                external_id=f"{client.id}-{n}",
                status=NoticeStatus.SENT,
                sent_at=NOW,
                due_at=NOW,
                content_hash=SHA,
                sent_by_sub="s",
            )
        )
    for _ in range(rng.randint(0, 2)):
        session.add(
            Application(
                client_id=client.id,
                received_at=NOW,
                channel=ApplicationChannel.ONLINE,
                status=ApplicationStatus.RECEIVED,
                recorded_at=NOW,
                recorded_by_org="kela",
                content_hash=SHA,
            )
        )
    for version in range(1, rng.randint(1, 3) + 1):
        session.add(
            PlanVersion(
                client_id=client.id,
                version=version,
                type=PlanType.CLIENT_PLAN,
                status=PlanStatus.ACTIVE,
                content={},
                organiser_id=rng.choice(ORGANISERS),
                saved_at=NOW,
                saved_by_sub="s",
            )
        )
    for org in rng.sample(ORGANISATIONS, rng.randint(0, 2)):
        session.add(
            ContactPerson(client_id=client.id, organisation_id=org, name="n", updated_at=NOW)
        )
    await session.flush()
    seqs = await _ledger(session, rng, client)
    await _log(session, rng, client, seqs)


async def _log(session: AsyncSession, rng: random.Random, client: Client, seqs: int) -> None:
    """Rows of random organisations; some name a ledger event (the grant that allowed, the
    prohibition that blocked), which a dpo of their organisation may then open."""
    for _ in range(rng.randint(1, 5)):
        org = rng.choice([None, *ORGANISATIONS])
        basis = rng.choice(["STATUTORY", "REGISTRATION", "CONSENT", None])
        named = rng.randint(1, seqs) if rng.random() < 0.6 else None
        await access_log.write(
            session,
            access_log.Accessor(uuid.uuid4(), NOW, "s", None, org, ("x",), None, SHA),
            [
                access_log.AccessRecord(
                    client_id=client.id,
                    category=rng.choice(list(DataCategory)),
                    action=rng.choice(list(AccessAction)),
                    allowed=basis is not None,
                    basis=basis,
                    reason=None,
                    policy_rule=None,
                    consent_seq=named if basis == "CONSENT" else None,
                    prohibition_seq=named if basis is None else None,
                )
            ],
        )


async def _ledger(session: AsyncSession, rng: random.Random, client: Client) -> int:
    """Grants and prohibitions, some of them ended; how many events in all."""
    seqs = 0

    async def add(type_: ConsentEventType, body: dict[str, Any], org: str | None) -> int:
        nonlocal seqs
        await append(
            session,
            client_id=client.id,
            type_=type_,
            body=body,
            actor=Actor("s", org, ()),
            grantor=CLIENT_GRANTOR,
            at=NOW,
        )
        seqs += 1
        return seqs

    await add(ConsentEventType.INFORMED, events.informed_body(text_version="1", channel="c"), None)
    for _ in range(rng.randint(0, 3)):
        body = events.grant_body(
            grantee=rng.choice(ORGANISATIONS),
            categories=[rng.choice(list(DataCategory)).value],
            purpose="p",
            valid_from=NOW - timedelta(days=1),
            valid_until=None,
            method="ORAL",
            evidence_attachment_id=None,
            known_organisations=ORGANISATIONS,
        )
        seq = await add(ConsentEventType.GRANT, body, rng.choice([None, *ORGANISATIONS]))
        if rng.random() < 0.4:
            withdrawal = events.withdraw_body(grant_seq=seq, reason=None, method="ORAL")
            await add(ConsentEventType.WITHDRAW, withdrawal, rng.choice([None, *ORGANISATIONS]))
    for _ in range(rng.randint(0, 2)):
        target = rng.choice(
            [
                {"organisation": rng.choice(ORGANISATIONS)},
                {"category": rng.choice(list(DataCategory)).value},
            ]
        )
        body = events.prohibit_body(
            organisation=target.get("organisation"),
            category=target.get("category"),
            row_type=None,
            row_id=None,
            method="ELECTRONIC",
            known_organisations=ORGANISATIONS,
        )
        seq = await add(ConsentEventType.PROHIBIT, body, rng.choice([None, *ORGANISATIONS]))
        if rng.random() < 0.4:
            lift = events.lift_body(prohibition_seq=seq, method="ORAL")
            await add(ConsentEventType.LIFT_PROHIBITION, lift, rng.choice([None, *ORGANISATIONS]))
    return seqs


# ---- the twins ---------------------------------------------------------------------------


def client_column(model: Any) -> Any:
    """The column naming a row's client (a guardianship's is its ward)."""
    return Guardianship.ward_id if model is Guardianship else model.client_id


def key_of(row: Any) -> Any:
    if isinstance(row, ClientRelationship):
        return row.organisation_id
    if isinstance(row, ConsentRule):
        return row.seq
    return row.id


async def sql_keys(
    session: AsyncSession, rule: RowRule, client: uuid.UUID, condition: ColumnElement[bool]
) -> set[Any]:
    model: Any = rule.model
    found = await session.scalars(select(model).where(client_column(model) == client, condition))
    return {key_of(r) for r in found}


def python_rows(rule: RowRule, access: ClientAccess, stored: list[Any]) -> Iterable[Any]:
    """The rows as the Python form sees them: ORM rows, or for the consent projection the
    grants and prohibitions of the client's consent state."""
    if rule is rows.CONSENT_RULE:
        return [*access.consent.grants, *access.consent.prohibitions]
    return stored


def python_key(rule: RowRule, row: Any) -> Any:
    return row.seq if rule is rows.CONSENT_RULE else key_of(row)


@pytest.mark.parametrize("seed", SEEDS)
async def test_every_row_rule_says_the_same_in_python_and_in_sql(database_url: str, seed: int):
    engine = make_engine(database_url)
    try:
        async with make_sessions(engine)() as session, session.begin():
            world = await generate(session, random.Random(seed))
        async with make_sessions(engine)() as session:
            stored = {
                rule.name: list(await session.scalars(select(rule.model))) for rule in rows.RULES
            }
            compared = 0
            for who in principals(world):
                guard = Guard(POLICY, who, NOW)
                accesses = await load_access(session, who, world.clients, TODAY)
                for client in world.clients:
                    access = accesses[client.id]
                    if not access.visible:
                        continue
                    for rule in rows.RULES:
                        compared += await twin(session, rule, guard, access, stored[rule.name])
            assert compared > 500
    finally:
        await engine.dispose()


async def twin(
    session: AsyncSession, rule: RowRule, guard: Guard, access: ClientAccess, stored: list[Any]
) -> int:
    who, client = guard.principal, access.client_id
    key = client_column(rule.model).key
    mine = [r for r in stored if getattr(r, key) == client]
    candidates = list(python_rows(rule, access, mine))
    facts = access.facts
    owned = {python_key(rule, r) for r in candidates if rule.owner.of(r, who, facts)}
    assert await sql_keys(session, rule, client, rule.owner.where(who)) == owned, (rule.name, who)
    audited = {python_key(rule, r) for r in candidates if rule.audited.of(r, who, facts)}
    assert await sql_keys(session, rule, client, rule.audited.where(who)) == audited, (
        rule.name,
        who,
    )
    visible = rule.visible(guard, access)
    knowable = {python_key(rule, r) for r in candidates if rule.knowable(guard, access, r)}
    assert await sql_keys(session, rule, client, rule.where(who, visible)) == knowable, (
        rule.name,
        who,
    )
    return len(candidates)
