"""Policy operations (issue 9): the deployment's policy file, reloading it without a
restart (the ``reloadPolicy`` mutation, SIGHUP, following a reload recorded elsewhere),
the record of changes, the hash in ``me`` and in every access-log row, and one policy
for the whole of a request."""

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from starlette.applications import Starlette

from graph.app import create_app
from graph.context import Context
from graph.settings import Settings
from schema.db import make_sync_engine
from schema.enums import DataCategory
from schema.models import AccessLogEntry, PolicyChange
from tests.factories import KELA_HANDLER, PIRKANMAA_WORKER, register, save_plan
from tests.support import Api, Clock, principal

KELA_DPO = principal("dpo", "kela")
COUNTY_DPO = principal("dpo", "wc-pirkanmaa")
RELOAD = "mutation { reloadPolicy { previousSha256 sha256 changed at } }"
PLAN = "query($id: ID!) { client(id: $id) { plan { goals } redactions { field reason } } }"
ME = "{ me { subject policySha256 } }"
CONSENT_LINE = "p, kela_handler, PLAN, read, CONSENT"
STATUTORY_LINE = "p, kela_handler, PLAN, read, STATUTORY"


def changed_policy(path: Path, old: str = CONSENT_LINE, new: str = STATUTORY_LINE) -> None:
    text_ = path.read_text(encoding="utf-8")
    assert old in text_
    path.write_text(text_.replace(old, new), encoding="utf-8")


@pytest.fixture
def policy_settings(settings: Settings, policy_file: Path) -> Settings:
    return replace(settings, policy_file=policy_file, policy_poll_seconds=0)


@pytest.fixture
async def policy_app(policy_settings: Settings, clock: Clock) -> AsyncIterator[Starlette]:
    app = create_app(policy_settings, clock=clock)
    async with app.router.lifespan_context(app):
        yield app


async def changes(api: Api) -> list[PolicyChange]:
    async with api.runtime.sessions() as session:
        return list(await session.scalars(select(PolicyChange).order_by(PolicyChange.id)))


async def plan_readable(api: Api, client_id: str) -> bool:
    data = await api.ok(KELA_HANDLER, PLAN, id=client_id)
    # The plan is a container: present whenever a field may be known of; its goals are PLAN.
    return (data["client"]["plan"] or {}).get("goals") is not None


async def test_the_configured_policy_file_is_the_one_in_force(policy_app, policy_file):
    changed_policy(policy_file)
    app = create_app(replace(policy_app.state.runtime.settings, policy_file=policy_file))
    async with app.router.lifespan_context(app):
        api = Api(app)
        assert api.runtime.policy.sha256 != Api(policy_app).runtime.policy.sha256
        client_id = await register(api)
        await save_plan(api, client_id)
        assert await plan_readable(api, client_id)


async def test_reload_changes_the_next_requests_decisions_and_is_recorded(policy_app, policy_file):
    api = Api(policy_app)
    client_id = await register(api)
    await save_plan(api, client_id)
    before = api.runtime.policy.sha256
    assert not await plan_readable(api, client_id)
    [started] = await changes(api)
    assert (started.how, started.new_sha256) == ("START", before)

    changed_policy(policy_file)
    out = await api.ok(KELA_DPO, RELOAD)
    reload = out["reloadPolicy"]
    assert reload["changed"] is True
    assert reload["previousSha256"] == before
    assert reload["sha256"] == api.runtime.policy.sha256 != before

    assert await plan_readable(api, client_id)
    data = await api.ok(KELA_HANDLER, ME)
    assert data["me"]["policySha256"] == reload["sha256"]
    async with api.runtime.sessions() as session:
        hashes = set(
            await session.scalars(
                select(AccessLogEntry.policy_hash).where(
                    AccessLogEntry.subject == KELA_HANDLER.subject,
                    AccessLogEntry.category == DataCategory.PLAN,
                )
            )
        )
    assert hashes == {before, reload["sha256"]}

    recorded = (await changes(api))[-1]
    assert recorded.how == "MUTATION"
    assert (recorded.old_sha256, recorded.new_sha256) == (before, reload["sha256"])
    assert (recorded.subject, recorded.organisation_id) == (KELA_DPO.subject, "kela")
    assert recorded.azp == KELA_DPO.azp
    assert STATUTORY_LINE in recorded.policy


async def test_a_reload_of_the_same_file_changes_and_records_nothing(policy_app):
    api = Api(policy_app)
    out = await api.ok(KELA_DPO, RELOAD)
    assert out["reloadPolicy"]["changed"] is False
    assert out["reloadPolicy"]["sha256"] == out["reloadPolicy"]["previousSha256"]
    assert [c.how for c in await changes(api)] == ["START"]


@pytest.mark.parametrize(
    "breakage",
    [
        ("p, dpo, CONTACT, read, DENY", "p, dpo, CONTACT, read, STATUTORY"),
        ("p, kela_handler, PLAN, read, CONSENT", "p, kela_handler, PLAN, read, MAYBE"),
        ("p, client, PLAN, read, SELF\n", ""),
        ("p, social_worker, PLAN, read, STATUTORY", "p, social_worker, PLAN, read, SELF"),
    ],
    ids=["dpo-reads-content", "unknown-basis", "missing-cell", "self-for-staff"],
)
async def test_a_bad_file_is_refused_and_the_old_policy_stays(policy_app, policy_file, breakage):
    api = Api(policy_app)
    client_id = await register(api)
    await save_plan(api, client_id)
    before = api.runtime.policy.sha256
    changed_policy(policy_file, *breakage)
    out = await api.fails(KELA_DPO, RELOAD, "POLICY_INVALID")
    [error] = out["errors"]
    assert "policy in force stays" in error["message"]
    assert str(policy_file) not in error["message"]
    assert api.runtime.policy.sha256 == before
    assert not await plan_readable(api, client_id)
    assert [c.how for c in await changes(api)] == ["START"]


async def test_an_unreadable_file_is_refused(policy_app, policy_file):
    api = Api(policy_app)
    before = api.runtime.policy.sha256
    policy_file.unlink()
    out = await api.fails(KELA_DPO, RELOAD, "POLICY_INVALID")
    assert str(policy_file) not in out["errors"][0]["message"]
    assert api.runtime.policy.sha256 == before


@pytest.mark.parametrize(
    "who",
    [COUNTY_DPO, KELA_HANDLER, PIRKANMAA_WORKER, principal("client", person="010101A9999")],
    ids=["county-dpo", "kela-handler", "county-worker", "client"],
)
async def test_only_a_dpo_of_kela_reloads(policy_app, policy_file, who):
    api = Api(policy_app)
    before = api.runtime.policy.sha256
    changed_policy(policy_file)
    await api.fails(who, RELOAD, "FORBIDDEN")
    assert api.runtime.policy.sha256 == before
    assert [c.how for c in await changes(api)] == ["START"]


async def test_a_request_keeps_one_policy_for_its_whole_unit_of_work(policy_app, policy_file):
    api = Api(policy_app)
    client_id = await register(api)
    await save_plan(api, client_id)
    before = api.runtime.policy.sha256
    in_flight = Context.open(api.runtime, KELA_HANDLER)  # begun before the reload
    try:
        changed_policy(policy_file)
        await api.ok(KELA_DPO, RELOAD)
        assert api.runtime.policy.sha256 != before
        assert in_flight.guard.policy.sha256 == before
        assert in_flight.accessor().policy_hash == before
        result = await policy_app.state.schema.execute(
            PLAN, variable_values={"id": client_id}, context_value=in_flight
        )
        assert result.errors is None
        # still the old policy's CONSENT: the plan's PLAN fields are withheld
        assert (result.data["client"]["plan"] or {}).get("goals") is None
    finally:
        await in_flight.session.close()
    async with api.runtime.sessions() as session:
        rows = list(
            await session.scalars(
                select(AccessLogEntry).where(AccessLogEntry.request_id == in_flight.request_id)
            )
        )
    assert rows
    assert {r.policy_hash for r in rows} == {before}
    assert await plan_readable(api, client_id)  # the next request has the new one


async def test_sighup_reloads_the_policy(policy_app, policy_file):
    api = Api(policy_app)
    before = api.runtime.policy.sha256
    changed_policy(policy_file)
    os.kill(os.getpid(), signal.SIGHUP)
    for _ in range(200):
        if api.runtime.policy.sha256 != before:
            break
        await asyncio.sleep(0.02)
    assert api.runtime.policy.sha256 != before
    for _ in range(100):
        recorded = await changes(api)
        if recorded[-1].how == "SIGNAL":
            break
        await asyncio.sleep(0.02)
    assert (recorded[-1].how, recorded[-1].old_sha256) == ("SIGNAL", before)
    assert recorded[-1].subject is None


async def test_sighup_with_a_bad_file_keeps_the_policy(policy_app, policy_file):
    api = Api(policy_app)
    before = api.runtime.policy.sha256
    changed_policy(policy_file, CONSENT_LINE, "p, kela_handler, PLAN, read, SELF")
    os.kill(os.getpid(), signal.SIGHUP)
    await asyncio.sleep(0.3)
    assert api.runtime.policy.sha256 == before
    assert [c.how for c in await changes(api)] == ["START"]


async def test_another_worker_follows_a_recorded_reload(
    policy_settings: Settings, policy_file: Path, clock: Clock
):
    """Two apps on one database and one file, as two workers: a reload through one
    reaches the other within its poll interval, and is recorded once."""
    first = create_app(policy_settings, clock=clock)
    second = create_app(replace(policy_settings, policy_poll_seconds=0.05), clock=clock)
    async with first.router.lifespan_context(first), second.router.lifespan_context(second):
        one, two = Api(first), Api(second)
        before = two.runtime.policy.sha256
        changed_policy(policy_file)
        out = await one.ok(KELA_DPO, RELOAD)
        for _ in range(200):
            if two.runtime.policy.sha256 != before:
                break
            await asyncio.sleep(0.02)
        assert two.runtime.policy.sha256 == out["reloadPolicy"]["sha256"]
        assert [c.how for c in await changes(one)] == ["START", "MUTATION"]


async def test_a_start_under_a_new_policy_is_recorded_once(policy_settings, policy_file, clock):
    for _ in range(2):
        app = create_app(policy_settings, clock=clock)
        async with app.router.lifespan_context(app):
            api = Api(app)
    changed_policy(policy_file)
    app = create_app(policy_settings, clock=clock)
    async with app.router.lifespan_context(app):
        api = Api(app)
        recorded = await changes(api)
    assert [c.how for c in recorded] == ["START", "START"]
    assert recorded[1].old_sha256 == recorded[0].new_sha256 != recorded[1].new_sha256


async def test_the_service_refuses_to_start_with_a_bad_policy(policy_settings, policy_file):
    changed_policy(policy_file, CONSENT_LINE, "p, kela_handler, PLAN, read, GUARDIANSHIP")
    app = create_app(policy_settings)
    with pytest.raises(ValueError, match="INFOCAP_POLICY_FILE is refused: line"):
        async with app.router.lifespan_context(app):
            pass


async def test_me_names_the_policy_of_the_request(policy_app):
    api = Api(policy_app)
    data = await api.ok(KELA_HANDLER, ME)
    assert data["me"]["policySha256"] == api.runtime.policy.sha256
    assert len(data["me"]["policySha256"]) == 64


async def test_the_record_of_changes_is_append_only(policy_app, database_url):
    api = Api(policy_app)
    assert len(await changes(api)) == 1
    engine = make_sync_engine(database_url)
    try:
        statements = ["UPDATE policy_changes SET how = 'X'", "DELETE FROM policy_changes"]
        if engine.dialect.name == "postgresql":
            statements.append("TRUNCATE policy_changes")
        for statement in statements:
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
                connection.execute(text(statement))
        with engine.connect() as connection:
            count = connection.execute(select(func.count()).select_from(PolicyChange)).scalar()
        assert count == 1
    finally:
        engine.dispose()
