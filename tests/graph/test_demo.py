"""Demo mode: the synthetic data it seeds, and its tokens, accepted only in demo mode."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import jwt
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette

from graph.app import create_app
from graph.demo import DemoClock, DemoKeys, Seeded, seed, tokens
from graph.domain.personal_id import parse
from graph.runtime import running
from graph.settings import DEMO_ISSUER, Settings
from ledger.verify import verify_database
from schema.enums import (
    Authority,
    ConsentEventType,
    GuardianshipKind,
    Language,
    NoticeStatus,
    OrganisationType,
    Role,
)
from schema.models import (
    Application,
    Attachment,
    Client,
    ClientRelationship,
    ConsentEvent,
    Decision,
    Guardianship,
    Notice,
    Organisation,
    PlanVersion,
)
from schema.pii import CLIENT_CODE, GUARDIAN_CODE

ME = "{ me { subject name roles personalId organisation { id type } } }"
COUNTED = (Client, Guardianship, PlanVersion, Application, Decision, Attachment, Notice)


def demo_settings(database_url: str, tmp_path: Path, keys: DemoKeys, *, demo: bool) -> Settings:
    return Settings(
        database_url=database_url,
        jwks_file=keys.jwks_path,
        jwt_issuer=DEMO_ISSUER,
        demo=demo,
        attachment_dir=tmp_path / "attachments",
    )


async def counts(session: AsyncSession) -> dict[str, int]:
    out = {}
    for model in (*COUNTED, ConsentEvent):
        out[model.__name__] = int(
            await session.scalar(select(func.count()).select_from(model)) or 0
        )
    return out


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


async def test_seed_fills_what_demo_mode_promises(database_url: str, tmp_path: Path) -> None:
    settings = Settings(database_url=database_url, attachment_dir=tmp_path / "attachments")
    clock = DemoClock()
    async with running(settings, clock=clock) as runtime:
        seeded = await seed(runtime, clock)
        assert seeded is not None
        async with runtime.sessions() as session:
            clients = list((await session.scalars(select(Client))).all())
            organisations = {o.id: o for o in (await session.scalars(select(Organisation))).all()}
            guardianships = list((await session.scalars(select(Guardianship))).all())
            decisions = list((await session.scalars(select(Decision))).all())
            notices = list((await session.scalars(select(Notice))).all())
            events = list((await session.scalars(select(ConsentEvent))).all())
            plans = list((await session.scalars(select(PlanVersion))).all())
            relationships = list((await session.scalars(select(ClientRelationship))).all())
            before = await counts(session)
            ledger = await verify_database(session)

        # Synthetic clients: temporary personal identity codes only (900-999).
        assert len(clients) >= 20
        pii = runtime.pii
        code_of = {c.id: pii.decrypt(c.personal_id_cipher, CLIENT_CODE) for c in clients}
        assert all(parse(code).temporary for code in code_of.values())
        by_code = {code_of[c.id]: c for c in clients}
        by_id = {str(c.id): c for c in clients}

        # Across several organisers, each a wellbeing county or a municipality.
        organisers = {c.organiser_id for c in clients}
        assert len(organisers) >= 4
        assert {organisations[o].type for o in organisers} == {
            OrganisationType.WELLBEING_COUNTY,
            OrganisationType.MUNICIPALITY,
        }

        # Finnish and Swedish speakers, and a protected identity.
        languages = {c.language for c in clients}
        assert {Language.FI, Language.SV} <= languages
        assert sum(c.language == Language.SV for c in clients) >= 2
        assert any(c.protected_identity for c in clients)

        # The people the tokens are made for.
        assert seeded.client_person in by_code
        assert code_of[by_id[seeded.example_client].id] == seeded.client_person
        assert seeded.guardian_person not in by_code  # a guardian, not a client

        # Guardianships: a parent of a minor, and an economic guardian.
        kinds = {g.kind: g for g in guardianships}
        assert {GuardianshipKind.PARENT_OF_MINOR, GuardianshipKind.GUARDIAN_ECONOMIC} <= set(kinds)
        parental = kinds[GuardianshipKind.PARENT_OF_MINOR]
        minor = next(c for c in clients if c.id == parental.ward_id)
        born = parse(code_of[minor.id]).birth_date
        assert age_on(born, parental.valid_from) < 18
        assert parental.valid_until is not None
        assert age_on(born, parental.valid_until) == 17
        assert all(
            pii.decrypt(g.guardian_cipher, GUARDIAN_CODE) == seeded.guardian_person
            for g in guardianships
        )

        # Plans, for several clients.
        assert len({p.client_id for p in plans}) >= 5

        # Decisions of both authorities.
        assert {d.authority for d in decisions} == {Authority.KELA, Authority.WELLBEING_COUNTY}
        assert all(d.issuer_id == "kela" for d in decisions if d.authority == Authority.KELA)

        # Notices in every status; closed ones with an outcome, others without.
        assert {n.status for n in notices} == set(NoticeStatus)
        for notice in notices:
            assert (notice.outcome is not None) == (notice.status == NoticeStatus.CLOSED)
            assert notice.due_at > notice.sent_at

        # Client relationships: every client's responsible organiser's, and the example
        # client's with a second county too.
        responsible = {(r.client_id, r.organisation_id) for r in relationships if r.responsible}
        assert responsible == {(c.id, c.organiser_id) for c in clients}
        example = {
            r.organisation_id for r in relationships if str(r.client_id) == seeded.example_client
        }
        assert example == {"wc-pirkanmaa", "wc-lappi"}

        # Consent events: grants (one by a guardian) and prohibitions, in intact chains,
        # each grant after the client was informed.
        types = {e.type for e in events}
        assert {ConsentEventType.GRANT, ConsentEventType.PROHIBIT} <= types
        for client in {e.client_id for e in events if e.type == ConsentEventType.GRANT}:
            chain = sorted((e for e in events if e.client_id == client), key=lambda e: e.seq)
            first_grant = next(e.seq for e in chain if e.type == ConsentEventType.GRANT)
            assert any(e.type == ConsentEventType.INFORMED and e.seq < first_grant for e in chain)
        grantors = [json.loads(e.canonical).get("grantor") or {} for e in events]
        assert any(g.get("kind") == "GUARDIAN" for g in grantors)
        assert ledger.problem is None
        assert ledger.events == len(events)

        # Attachments and applications are there too.
        assert before["Attachment"] >= 1
        assert before["Application"] >= len(clients)

        # Seeding again: nothing to do, nothing added.
        assert await seed(runtime, clock) is None
        async with runtime.sessions() as session:
            assert await counts(session) == before


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app: Starlette = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://infocap.test") as http:
            yield http


async def ask_me(http: httpx.AsyncClient, token: str) -> httpx.Response:
    return await http.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"}
    )


async def test_a_token_per_role_answers_me(database_url: str, tmp_path: Path) -> None:
    keys = DemoKeys.create(tmp_path / "demo")
    settings = demo_settings(database_url, tmp_path, keys, demo=True)
    clock = DemoClock()
    async with running(settings, clock=clock) as runtime:
        seeded = await seed(runtime, clock)
    assert seeded is not None

    issued = tokens(keys, settings, seeded)
    assert set(issued) == {r.value for r in Role}
    assert len(set(issued.values())) == len(Role)

    persons: dict[str, str | None] = {
        "client": seeded.client_person,
        "guardian": seeded.guardian_person,
    }
    async with serving(settings) as http:
        for role, token in issued.items():
            response = await ask_me(http, token)
            assert response.status_code == 200, (role, response.text)
            body: dict[str, Any] = response.json()
            assert "errors" not in body, (role, body)
            me = body["data"]["me"]
            assert me["roles"] == [role]
            assert me["subject"]
            assert me["personalId"] == persons.get(role)
            if role in persons:
                assert me["organisation"] is None
            else:
                assert me["organisation"] is not None
                assert me["organisation"]["type"] in {t.value for t in OrganisationType}


async def test_demo_tokens_are_refused_outside_demo_mode(database_url: str, tmp_path: Path) -> None:
    keys = DemoKeys.create(tmp_path / "demo")
    demo = demo_settings(database_url, tmp_path, keys, demo=True)
    plain = demo_settings(database_url, tmp_path, keys, demo=False)
    seeded = Seeded(client_person="131052-308T", guardian_person="010594Y9021", example_client="")
    issued = tokens(keys, demo, seeded)
    assert set(issued) == {r.value for r in Role}

    async with serving(demo) as http:  # the same token and key are good in demo mode
        response = await ask_me(http, issued["kela_handler"])
        assert response.status_code == 200, response.text
        assert response.json()["data"]["me"]["roles"] == ["kela_handler"]

    async with serving(plain) as http:
        for role, token in issued.items():
            response = await ask_me(http, token)
            assert response.status_code == 401, (role, response.text)
            assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
            body = response.json()
            assert body["data"] is None
            assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


async def test_the_demo_key_is_refused_outside_demo_mode_without_a_kid(
    database_url: str, tmp_path: Path
) -> None:
    """A token signed with the demo key is a demo token whatever its header names."""
    keys = DemoKeys.create(tmp_path / "demo")
    plain = demo_settings(database_url, tmp_path, keys, demo=False)
    issued = tokens(keys, plain, None)["kela_handler"]
    claims = jwt.decode(issued, options={"verify_signature": False})
    assert jwt.get_unverified_header(issued)["kid"] == keys.kid
    no_kid = jwt.encode(claims, keys.key, algorithm="ES256")
    assert "kid" not in jwt.get_unverified_header(no_kid)

    async with serving(plain) as http:
        response = await ask_me(http, no_kid)
    assert response.status_code == 401, response.text
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["UNAUTHENTICATED"]
