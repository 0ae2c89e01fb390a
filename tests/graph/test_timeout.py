"""The server-side time limit per operation (``INFOCAP_OPERATION_TIMEOUT``): an operation
past it is cancelled, answers ``TIMEOUT`` with HTTP 503, keeps nothing it wrote, and
leaves the worker and the database free for the next request."""

import asyncio
import dataclasses
import time

import httpx
import pytest
from sqlalchemy import func, select, text

from graph.app import create_app
from graph.services import clients as client_service
from schema.db import is_sqlite
from schema.models import Client
from tests.factories import personal_id
from tests.support import Http

REGISTER = "mutation($input: RegisterClientInput!) { registerClient(input: $input) { id } }"
TIMEOUT_SECONDS = 0.5
SLOW_SECONDS = 30


def registration() -> dict[str, object]:
    return {
        "input": {
            "personalId": personal_id(),
            "name": "Hidas Asiakas",
            "language": "FI",
            "organiserId": "wc-pirkanmaa",
            "purpose": "asiakkuuden avaus",
        }
    }


@pytest.fixture
async def slow_app(settings, clock, keys, monkeypatch):
    """The service with a tiny time limit, and a registration that writes its client and
    then waits in the database (PostgreSQL: ``pg_sleep``) or in the event loop (SQLite)."""
    real = client_service.register

    async def slow(ctx, data):
        view = await real(ctx, data)
        if is_sqlite(ctx.runtime.settings.database_url):
            await asyncio.sleep(SLOW_SECONDS)
        else:
            await ctx.session.execute(text(f"SELECT pg_sleep({SLOW_SECONDS})"))
        return view

    monkeypatch.setattr(client_service, "register", slow)
    app = create_app(dataclasses.replace(settings, operation_timeout=TIMEOUT_SECONDS), clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://infocap.test") as c:
            yield app, Http(c, keys)


async def count(app, model) -> int:
    async with app.state.runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_an_operation_past_its_time_limit_is_cancelled_and_rolled_back(slow_app):
    app, http = slow_app
    token = http.token("social_worker", org="wc-pirkanmaa")
    started = time.monotonic()
    response = await http.post(REGISTER, token, registration())
    took = time.monotonic() - started
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "TIMEOUT"
    assert "0.5 seconds" in error["message"]
    assert took < SLOW_SECONDS / 2, "the caller was answered at the limit, not after the work"
    assert await count(app, Client) == 0, "what the operation wrote was rolled back"
    assert app.state.runtime.errors["TIMEOUT"] == 1


async def test_the_worker_and_the_database_are_free_after_a_timeout(slow_app):
    app, http = slow_app
    token = http.token("social_worker", org="wc-pirkanmaa")
    for _ in range(3):
        assert (await http.post(REGISTER, token, registration())).status_code == 503
    # The same worker answers at once, from a pool the cancelled operations gave back.
    data = await http.ok("{ me { subject } clients { edges { cursor } } }", token)
    assert data["clients"]["edges"] == []
    url = app.state.runtime.settings.database_url
    if not is_sqlite(url):
        async with app.state.runtime.sessions() as session:
            sleeping = await session.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE query LIKE 'SELECT pg_sleep%' AND state = 'active'"
                )
            )
        assert sleeping == 0, "the database statement was cancelled with the operation"
    assert await count(app, Client) == 0
