"""``infocap ledger rebuild`` (issue 6, item 7): the events replayed into a fresh
projection and compared with the live one, row by row and column by column; drift made
by hand (as the table's owner) is reported exactly, ``--apply`` replaces the drifted
clients' rows, and the events are never touched."""

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update

from graph.cli import main
from graph.runtime import running
from graph.services import consents
from graph.settings import Settings
from graph.unit_of_work import acting
from ledger.rebuild import Drift, compare, rebuilt
from schema.db import make_sync_engine
from schema.enums import ConsentEventType, ConsentMethod
from schema.models import ConsentEvent, ConsentRule
from tests.graph.test_cli import grant, register, use_database
from tests.graph.test_ledger_cli import FIRST, SECOND
from tests.support import principal

EXTRA_AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path) -> Settings:
    return use_database(monkeypatch, database_url, tmp_path)


def withdraw(settings: Settings, client_id: str, code: str, seq: int) -> None:
    async def go() -> None:
        async with (
            running(settings) as runtime,
            acting(runtime, principal("client", person=code)) as ctx,
        ):
            await consents.withdraw(ctx, client_id, seq, None, ConsentMethod.ELECTRONIC)

    asyncio.run(go())


def events(settings: Settings) -> list[tuple[Any, ...]]:
    engine = make_sync_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(ConsentEvent.client_id, ConsentEvent.seq, ConsentEvent.hash).order_by(
                    ConsentEvent.client_id, ConsentEvent.seq
                )
            )
            return [tuple(r) for r in rows]
    finally:
        engine.dispose()


def ended_at(settings: Settings, client_id: uuid.UUID, seq: int) -> datetime:
    engine = make_sync_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                select(ConsentRule.ended_at).where(
                    ConsentRule.client_id == client_id, ConsentRule.seq == seq
                )
            ).scalar_one()
            assert found is not None
            return found
    finally:
        engine.dispose()


def test_drift_made_by_hand_is_reported_exactly_and_replaced(environment, capsys):
    settings = environment
    ids = register(settings, [FIRST, SECOND])
    first, second = (uuid.UUID(i) for i in ids)
    grant(settings, ids[0], FIRST, ["Toimeentulotuki", "Asumisen tuki"])
    grant(settings, ids[1], SECOND, ["Kuntoutus"])
    withdraw(settings, ids[0], FIRST, 2)  # the first's seq 4 ends its seq 2
    withdrawn_at = ended_at(settings, first, 2)
    assert main(["ledger", "rebuild"]) == 0
    assert capsys.readouterr().out == "projection matches the ledger: 3 rows of 2 clients\n"
    before = events(settings)

    engine = make_sync_engine(settings.database_url)  # the owner, as an operator could
    try:
        with engine.begin() as connection:
            connection.execute(
                update(ConsentRule)
                .where(ConsentRule.client_id == first, ConsentRule.seq == 2)
                .values(ended_seq=None, ended_at=None)
            )
            connection.execute(
                delete(ConsentRule).where(ConsentRule.client_id == second, ConsentRule.seq == 2)
            )
            connection.execute(
                insert(ConsentRule).values(
                    client_id=first,
                    seq=99,
                    kind=ConsentEventType.GRANT,
                    organisation_id="kela",
                    categories=["PLAN"],
                    method=ConsentMethod.ORAL,
                    recorded_at=EXTRA_AT,
                    valid_from=EXTRA_AT,
                )
            )
    finally:
        engine.dispose()

    assert main(["ledger", "rebuild"]) == 1
    out = capsys.readouterr()
    drifted = {
        first: [
            f"client {first} seq 2: differs: ended_seq live none, ledger 4; "
            f"ended_at live none, ledger {withdrawn_at.isoformat()}",
            f"client {first} seq 99: extra (no event makes it)",
        ],
        second: [f"client {second} seq 2: missing (an event makes it; the projection lacks it)"],
    }
    assert out.out.splitlines() == [line for c in sorted(drifted) for line in drifted[c]]
    assert out.err == (
        "projection drifted from the ledger: 1 missing, 1 extra, 1 differing, in 2 clients\n"
    )

    assert main(["ledger", "rebuild", "--apply"]) == 1
    assert capsys.readouterr().err.endswith("projection rebuilt from the events for 2 clients\n")
    assert main(["ledger", "rebuild"]) == 0
    assert capsys.readouterr().out == "projection matches the ledger: 3 rows of 2 clients\n"
    assert ended_at(settings, first, 2) == withdrawn_at
    assert events(settings) == before, "the events are never touched"


def test_an_empty_ledger_matches(environment, capsys):
    assert main(["ledger", "rebuild"]) == 0
    assert capsys.readouterr().out == "projection matches the ledger: 0 rows of 0 clients\n"


def test_the_fold_makes_what_appends_make():
    """The pure core: a grant, a prohibition, the grant withdrawn and the prohibition
    lifted, folded; then compared with itself and with a changed copy."""
    at = "2026-05-01T10:00:00Z"

    def event(seq: int, type_: str, body: dict[str, Any]) -> dict[str, Any]:
        return {"seq": seq, "type": type_, "at": at, "actor": {"org": "kela"}, "body": body}

    grant_body = {
        "grantee": "kela",
        "categories": ["PLAN"],
        "purpose": "p",
        "validFrom": at,
        "validUntil": None,
        "method": "ORAL",
    }
    prohibit_body = {"target": {"kind": "CATEGORY", "category": "PLAN"}, "method": "ORAL"}
    found = rebuilt(
        [
            event(1, "GRANT", grant_body),
            event(2, "PROHIBIT", prohibit_body),
            event(3, "WITHDRAW", {"grant": 1, "reason": None, "method": "ORAL"}),
            event(4, "LIFT_PROHIBITION", {"prohibition": 2, "method": "ORAL"}),
        ]
    )
    assert sorted(found) == [1, 2]
    assert (found[1]["ended_seq"], found[2]["ended_seq"]) == (3, 4)
    assert found[2]["category"] == "PLAN"
    client = uuid.uuid4()
    assert compare(client, found, found) == []
    changed = {1: found[1] | {"purpose": "q"}, 2: found[2]}
    assert compare(client, changed, found) == [
        Drift(client, 1, "differs", (("purpose", "q", "p"),))
    ]
