"""Helpers for the log's storage tests: a database with a configured log, events appended
through the service, and changes made behind its back as the tables' owner."""

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ledger import events
from ledger.chain import event_hash
from ledger.checkpoints import LogConfig
from ledger.service import CLIENT_GRANTOR, Actor, append, canonical_text, start_chain
from schema.db import is_sqlite, make_sync_engine
from schema.enums import ConsentEventType
from schema.models import ConsentEvent
from tests.factories import client_row

ORIGIN = "log.infocap.test/consent"
T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
ACTOR = Actor("social_worker@wc-pirkanmaa", "wc-pirkanmaa", ("social_worker",))
KNOWN = {"kela", "wc-pirkanmaa", "helsinki", "wc-lappi"}


@dataclass
class LogDb:
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    config: LogConfig

    @property
    def sqlite(self) -> bool:
        return is_sqlite(self.url)

    def clock(self) -> datetime:
        return T0 + timedelta(hours=1)

    def client_param(self, client: uuid.UUID) -> str:
        """A client id as raw SQL compares it (SQLite stores UUIDs as hex)."""
        return client.hex if self.sqlite else str(client)


def log_config(**changes: Any) -> LogConfig:
    arguments: dict[str, Any] = {"origin": ORIGIN, "key": Ed25519PrivateKey.generate()}
    return LogConfig(**(arguments | changes))


async def new_client(db: LogDb, client_id: uuid.UUID | None = None) -> uuid.UUID:
    client_id = client_id or uuid.uuid4()
    async with db.sessions() as session, session.begin():
        session.add(client_row(client_id, T0))
        await session.flush()
        await start_chain(session, client_id)
    return client_id


async def grant(db: LogDb, client_id: uuid.UUID, purpose: str = "Toimeentulotuki") -> int:
    """One GRANT to Kela, committed; its seq."""
    async with db.sessions() as session, session.begin():
        row = await append(
            session,
            client_id=client_id,
            type_=ConsentEventType.GRANT,
            body=events.grant_body(
                grantee="kela",
                categories=["PLAN", "LIFE_ECONOMY"],
                purpose=purpose,
                valid_from=T0,
                valid_until=None,
                method="ELECTRONIC",
                evidence_attachment_id=None,
                known_organisations=KNOWN,
            ),
            actor=ACTOR,
            grantor=CLIENT_GRANTOR,
            at=T0,
        )
        return row.seq


async def clients_with_grants(db: LogDb, counts: list[int]) -> list[uuid.UUID]:
    ids = []
    for count in counts:
        client_id = await new_client(db)
        for n in range(count):
            await grant(db, client_id, f"Tarkoitus {n} \u2013 ä")
        ids.append(client_id)
    return ids


APPEND_ONLY = (
    "consent_events",
    "ledger_log",
    "ledger_log_nodes",
    "ledger_checkpoints",
    "ledger_cosignatures",
)


def as_owner(url: str, *statements: tuple[str, dict[str, Any]]) -> None:
    """Run statements as the tables' owner with the append-only triggers out of the way:
    on PostgreSQL with ``session_replication_role = replica`` (triggers, foreign keys
    included, do not fire); on SQLite by dropping them, as anyone holding the file can."""
    engine = make_sync_engine(url)
    try:
        with engine.begin() as connection:
            if is_sqlite(url):
                names = connection.execute(
                    text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                ).scalars()
                for name in list(names):
                    connection.execute(text(f"DROP TRIGGER {name}"))
            else:
                connection.execute(text("SET LOCAL session_replication_role = replica"))
            for statement, parameters in statements:
                connection.execute(text(statement), parameters)
    finally:
        engine.dispose()


async def rewrite_history(db: LogDb, client_id: uuid.UUID, seq: int) -> None:
    """What an operator rewriting history does: change an event, recompute its hash,
    throw away the log (so that the integrator rebuilds it from the changed events)."""
    async with db.sessions() as session:
        row = await session.scalar(
            select(ConsentEvent).where(ConsentEvent.client_id == client_id, ConsentEvent.seq == seq)
        )
        assert row is not None
        event = json.loads(row.canonical)
    event["body"]["purpose"] = "Jotain aivan muuta"
    digest = event_hash(event)
    as_owner(
        db.url,
        (
            "UPDATE consent_events SET canonical = :text, hash = :hash "
            "WHERE client_id = :client AND seq = :seq",
            {
                "text": canonical_text(event),
                "hash": digest,
                "client": db.client_param(client_id),
                "seq": seq,
            },
        ),
        ("DELETE FROM ledger_log", {}),
        ("DELETE FROM ledger_log_nodes", {}),
    )
