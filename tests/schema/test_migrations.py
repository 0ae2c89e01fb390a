"""The migrated schema on both databases: it is the models' schema, it holds the
organisations, its append-only tables refuse change, and it migrates down and up."""

import asyncio
import csv
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine, Uuid, column, inspect, select, text
from sqlalchemy import table as sa_table
from sqlalchemy.exc import DBAPIError

import schema.models  # noqa: F401  (registers every table)
from ledger import access_log, events
from ledger.service import CLIENT_GRANTOR, Actor, append, start_chain
from schema.base import Base, UTCDateTime
from schema.db import (
    APPEND_ONLY_TABLES,
    MIGRATIONS,
    head_revisions,
    is_sqlite,
    make_engine,
    make_sessions,
    make_sync_engine,
    migrate,
)
from schema.distribution import GLOBAL_ORDER
from schema.enums import (
    AccessAction,
    ConsentEventType,
    DataCategory,
    Language,
    RelationshipOrigin,
)
from schema.models import (
    AccessLogEntry,
    ClientRelationship,
    IdempotencyKey,
    Organisation,
    PersonalIdIndex,
)
from schema.partitioning import PARTITION_SCHEMA
from tests.factories import client_row

T0 = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)
ORGANISATIONS_CSV = MIGRATIONS.parent / "data" / "organisations.csv"
APPEND_ONLY = ("consent_events", "access_log")


@pytest.fixture
def sync_engine(database_url: str) -> Iterator[Engine]:
    engine = make_sync_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def schema_differences(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return [d for d in compare_metadata(context, Base.metadata) if not by_partitioning(d)]


def by_partitioning(difference: Any) -> bool:
    """What hash-partitioning by client changes by design (``schema.partitioning``): the
    foreign keys PostgreSQL clones onto each referenced partition (in the schema
    ``partitions``, which the reflection reports beside the declared key), and the change
    feed's global order kept per client (``schema.distribution.GLOBAL_ORDER``)."""
    kind, item = difference[0], difference[1]
    if kind == "remove_fk":
        return all(e.column.table.schema == PARTITION_SCHEMA for e in item.elements)
    if kind in ("add_constraint", "remove_constraint") and item.table.name in GLOBAL_ORDER:
        name = str(item.name).removesuffix("_per_client")
        return name in GLOBAL_ORDER[item.table.name]
    return False


def alembic_config(connection: Any) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


# --- the schema ---


def test_the_migrated_schema_matches_the_models(sync_engine: Engine) -> None:
    assert schema_differences(sync_engine) == []
    tables = set(inspect(sync_engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert {
        "consent_events",
        "ledger_heads",
        "consent_rules",
        "access_log",
        "policy_changes",
    } <= tables
    with sync_engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    assert set(current) == set(head_revisions())


def test_the_organisations_are_seeded(sync_engine: Engine) -> None:
    with ORGANISATIONS_CSV.open(encoding="utf-8", newline="") as source:
        expected = {
            (row["id"], row["type"], row["name_fi"], row["name_sv"])
            for row in csv.DictReader(source)
        }
    assert len(expected) == 23
    with sync_engine.connect() as connection:
        rows = connection.execute(
            select(Organisation.id, Organisation.type, Organisation.name_fi, Organisation.name_sv)
        ).all()
    stored = {(r.id, r.type.value, r.name_fi, r.name_sv) for r in rows}
    assert len(rows) == 23
    assert stored == expected
    by_id = {r.id: r for r in rows}
    assert by_id["kela"].type.value == "KELA"
    assert by_id["helsinki"].type.value == "MUNICIPALITY"
    assert sum(1 for r in rows if r.type.value == "WELLBEING_COUNTY") == 21
    assert by_id["wc-ita-uusimaa"].name_sv == "Östra Nylands välfärdsområde"
    assert by_id["wc-paijat-hame"].name_fi == "Päijät-Hämeen hyvinvointialue"


# --- append-only ---


async def record_rows(url: str) -> uuid.UUID:
    """A real ledger event (through ``append``) and a real access-log row (through
    ``access_log.write``), committed."""
    client_id = uuid.uuid4()
    engine = make_engine(url)
    try:
        async with make_sessions(engine)() as session, session.begin():
            session.add(client_row(client_id, T0, "Äijälä Östen", Language.FI))
            await session.flush()
            await start_chain(session, client_id)
            await append(
                session,
                client_id=client_id,
                type_=ConsentEventType.GRANT,
                body=events.grant_body(
                    grantee="kela",
                    categories=["LIFE_ECONOMY"],
                    purpose="käsittely",
                    valid_from=T0,
                    valid_until=None,
                    method="ELECTRONIC",
                    evidence_attachment_id=None,
                    known_organisations={"kela"},
                ),
                actor=Actor("worker", "wc-pirkanmaa", ("social_worker",)),
                grantor=CLIENT_GRANTOR,
                at=T0,
            )
            await access_log.write(
                session,
                access_log.Accessor(
                    request_id=uuid.uuid4(),
                    at=T0,
                    subject="kela_handler@kela",
                    subject_name="Kaisa Käsittelijä",
                    organisation_id="kela",
                    roles=("kela_handler",),
                    azp="test-system",
                    policy_hash="0" * 64,
                ),
                [
                    access_log.AccessRecord(
                        client_id=client_id,
                        category=DataCategory.LIFE_ECONOMY,
                        action=AccessAction.READ,
                        allowed=True,
                        basis="CONSENT",
                        reason=None,
                        policy_rule="kela_handler, LIFE_ECONOMY, read, consent",
                        consent_seq=1,
                    )
                ],
            )
    finally:
        await engine.dispose()
    return client_id


def table_rows(engine: Engine, table: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(f"SELECT * FROM {table}"))]  # noqa: S608


CHANGES = {
    "consent_events": [
        "UPDATE consent_events SET canonical = 'forged'",
        "UPDATE consent_events SET seq = seq + 1 WHERE seq = 1",
        "DELETE FROM consent_events WHERE seq = 1",
        "DELETE FROM consent_events",  # SQLite's TRUNCATE
    ],
    "access_log": [
        "UPDATE access_log SET allowed = NOT allowed",
        "UPDATE access_log SET subject = 'someone else' WHERE id = (SELECT min(id) FROM access_log)",
        "DELETE FROM access_log WHERE id = (SELECT min(id) FROM access_log)",
        "DELETE FROM access_log",
    ],
}
TRUNCATES = {
    "consent_events": ["TRUNCATE consent_events", "TRUNCATE consent_events CASCADE"],
    "access_log": ["TRUNCATE access_log", "TRUNCATE TABLE access_log RESTART IDENTITY"],
}
# An INSERT whose conflict resolution rewrites the existing row: an UPDATE (upsert, both
# databases) or a DELETE and an INSERT (REPLACE, SQLite). The conflict targets are the
# tables' keys, which include the client (0007).
UPSERTS = {
    "consent_events": [
        "INSERT INTO consent_events (id, client_id, seq, type, at, actor_org, party_org,"
        " canonical, hash, prev) SELECT id, client_id, seq, type, at, actor_org, party_org,"
        " 'forged', hash, prev FROM consent_events WHERE true"
        " ON CONFLICT (client_id, id) DO UPDATE SET canonical = excluded.canonical",
    ],
    "access_log": [
        "INSERT INTO access_log (id, request_id, at, client_id, subject, roles, category,"
        " action, allowed, policy_hash) SELECT id, request_id, at, client_id, 'forged', roles,"
        " category, action, allowed, policy_hash FROM access_log WHERE true"
        " ON CONFLICT (id, client_id) DO UPDATE SET subject = excluded.subject",
    ],
}
REPLACES = {
    "consent_events": [
        "INSERT OR REPLACE INTO consent_events (id, client_id, seq, type, at, actor_org,"
        " party_org, canonical, hash, prev) SELECT id, client_id, seq, type, at, actor_org,"
        " party_org, 'forged', hash, prev FROM consent_events",
        # a new id, replacing the row that holds the same (client_id, seq)
        "REPLACE INTO consent_events (id, client_id, seq, type, at, actor_org,"
        " party_org, canonical, hash, prev) SELECT '00112233445566778899aabbccddeeff',"
        " client_id, seq, type, at, actor_org, party_org, 'forged', hash, prev"
        " FROM consent_events",
    ],
    "access_log": [
        "REPLACE INTO access_log (id, request_id, at, client_id, subject, roles, category,"
        " action, allowed, policy_hash) SELECT id, request_id, at, client_id, 'forged', roles,"
        " category, action, allowed, policy_hash FROM access_log"
    ],
}


def changes_for(url: str, table: str) -> list[str]:
    return CHANGES[table] + ([] if is_sqlite(url) else TRUNCATES[table])


def refusal_problems(engine: Engine, table: str, statements: list[str]) -> list[str]:
    """What went wrong when each statement was tried on ``table``: every one should raise
    in the database and leave the table's rows as they were."""
    problems: list[str] = []
    for statement in statements:
        before = table_rows(engine, table)
        assert before, f"{table} should hold a row to protect"
        refusal: DBAPIError | None = None
        try:
            with engine.begin() as connection:
                connection.execute(text(statement))
        except DBAPIError as error:
            refusal = error
        if refusal is None:
            problems.append(f"allowed: {statement}")
        elif "append-only" not in str(refusal.orig):
            problems.append(f"refused for another reason ({refusal.orig}): {statement}")
        if table_rows(engine, table) != before:
            problems.append(f"changed {table}: {statement}")
    return problems


async def test_the_database_refuses_changes_to_append_only_tables(
    database_url: str, sync_engine: Engine
) -> None:
    await record_rows(database_url)
    problems = [
        problem
        for table in APPEND_ONLY
        for problem in refusal_problems(sync_engine, table, changes_for(database_url, table))
    ]
    assert problems == [], "\n".join(problems)
    # inserting stays possible: the tables grow
    await record_rows(database_url)
    assert [len(table_rows(sync_engine, table)) for table in APPEND_ONLY] == [2, 2]


async def test_an_insert_cannot_rewrite_an_append_only_row(
    database_url: str, sync_engine: Engine
) -> None:
    """Upsert's DO UPDATE is an UPDATE; SQLite's REPLACE deletes the row it conflicts with."""
    await record_rows(database_url)
    problems = [
        problem
        for table in APPEND_ONLY
        for problem in refusal_problems(
            sync_engine,
            table,
            UPSERTS[table] + (REPLACES[table] if is_sqlite(database_url) else []),
        )
    ]
    assert problems == [], "\n".join(problems)


async def test_the_guards_hold_on_an_async_connection_too(database_url: str) -> None:
    await record_rows(database_url)
    engine = make_engine(database_url)
    try:
        for statement in ("UPDATE consent_events SET prev = 'x'", "DELETE FROM access_log"):
            async with engine.connect() as connection:
                with pytest.raises(DBAPIError, match="append-only"):
                    await connection.execute(text(statement))
                await connection.rollback()
        async with engine.connect() as connection:
            prev = (await connection.execute(text("SELECT prev FROM consent_events"))).scalar()
            logged = (await connection.execute(text("SELECT count(*) FROM access_log"))).scalar()
        assert prev == "0" * 64
        assert logged == 1
    finally:
        await engine.dispose()


# --- down and up again ---


def guards(engine: Engine) -> set[str]:
    """The names of the append-only triggers installed on the append-only tables."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        else:
            query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        names = {row[0] for row in connection.execute(text(query))}
    # The change feed's capture triggers (``<table>_changes``, on SQLite ``…_insert`` and
    # ``…_update``) are not guards.
    capture = re.compile(r"_changes(_insert|_update)?$")
    return {n for n in names if n.startswith(APPEND_ONLY_TABLES) and not capture.search(n)}


def partitioned(engine: Engine) -> bool:
    """A database whose client-owned tables are hash-partitioned (``schema.partitioning``)."""
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as connection:
        return bool(connection.execute(text("SELECT count(*) FROM pg_partitioned_table")).scalar())


def test_a_partitioned_database_refuses_the_keys_before_0007(database_url: str) -> None:
    """PostgreSQL itself refuses a key without the partition column: migrating a
    partitioned database below 0007 fails, and changes nothing."""
    engine = make_sync_engine(database_url)
    try:
        if not partitioned(engine):
            pytest.skip("the database is not partitioned")
        with (
            pytest.raises(DBAPIError, match="must include all partitioning columns"),
            engine.begin() as connection,
        ):
            command.downgrade(alembic_config(connection), "0006")
        assert schema_differences(engine) == []
    finally:
        engine.dispose()


async def test_downgrade_to_base_and_upgrade_to_head(database_url: str) -> None:
    # SQLite rebuilds tables to change their keys (0007): migrations run with foreign
    # keys off, as ``migrate`` runs them.
    engine = make_sync_engine(database_url, foreign_keys=False)
    try:
        if partitioned(engine):
            pytest.skip("a partitioned database cannot go below 0007 (the test above)")
        installed = guards(engine)
        # PostgreSQL: UPDATE/DELETE and TRUNCATE on each append-only table; SQLite:
        # UPDATE, DELETE and REPLACE (an insert meeting an existing key) on each.
        per_table = 3 if engine.dialect.name == "sqlite" else 2
        assert len(installed) == per_table * len(APPEND_ONLY_TABLES)

        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        assert guards(engine) == set()
        if engine.dialect.name == "postgresql":
            with engine.connect() as connection:
                functions = connection.execute(
                    text("SELECT count(*) FROM pg_proc WHERE proname = 'infocap_refuse_change'")
                ).scalar()
            assert functions == 0

        migrate(database_url)
        assert schema_differences(engine) == []
        assert guards(engine) == installed
        with engine.connect() as connection:
            organisations = connection.execute(text("SELECT count(*) FROM organisations"))
            assert organisations.scalar() == 23
    finally:
        engine.dispose()

    await record_rows(database_url)
    engine = make_sync_engine(database_url)
    try:
        problems = [
            problem
            for table in APPEND_ONLY
            for problem in refusal_problems(engine, table, changes_for(database_url, table))
        ]
        assert problems == [], "\n".join(problems)
    finally:
        engine.dispose()


# --- 0004: client relationships ---


def test_0004_gives_every_existing_client_its_responsible_organisers_relationship(
    database_url: str,
) -> None:
    """Clients registered before relationships existed keep their organiser's access: the
    migration opens the responsible organiser's relationship, as and when registered."""
    engine = make_sync_engine(database_url, foreign_keys=False)  # as ``migrate`` runs them
    try:
        if partitioned(engine):
            pytest.skip("a partitioned database cannot go below 0007")
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0001")
        clients = {uuid.uuid4(): "wc-pirkanmaa", uuid.uuid4(): "helsinki"}
        with engine.begin() as connection:
            for client_id, organiser in clients.items():
                row = client_row(client_id, T0)
                connection.execute(
                    text(
                        "INSERT INTO clients (id, personal_id, name, search_name, language,"
                        " organiser_id, protected_identity, registered_at, registered_by_org)"
                        " VALUES (:id, :pid, :name, :name, 'FI', :org, :protected, :at, 'kela')"
                    ),
                    {
                        "id": client_id.hex if is_sqlite(database_url) else client_id,
                        "pid": row.personal_id,
                        "name": row.name,
                        "org": organiser,
                        "protected": False,
                        "at": T0.replace(tzinfo=None) if is_sqlite(database_url) else T0,
                    },
                )
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
        with engine.connect() as connection:
            found = connection.execute(
                select(
                    ClientRelationship.client_id,
                    ClientRelationship.organisation_id,
                    ClientRelationship.responsible,
                    ClientRelationship.origin,
                    ClientRelationship.opened_at,
                    ClientRelationship.opened_by_org,
                )
            ).all()
        assert {(r.client_id, r.organisation_id) for r in found} == set(clients.items())
        assert all(r.responsible for r in found)
        assert {r.origin for r in found} == {RelationshipOrigin.RESPONSIBLE}
        assert {(r.opened_at, r.opened_by_org) for r in found} == {(T0, "kela")}
    finally:
        engine.dispose()


# --- 0007: keys by client ---


def put(connection: Any, table: str, **values: Any) -> None:
    """A row as it was before 0007, whatever the database (typed for UUIDs and times)."""

    def typed(name: str, value: Any) -> Any:
        if isinstance(value, uuid.UUID):
            return column(name, Uuid())
        if isinstance(value, datetime):
            return column(name, UTCDateTime())
        return column(name)

    target = sa_table(table, *(typed(name, value) for name, value in values.items()))
    connection.execute(target.insert().values(**values))


def test_0007_gives_child_rows_their_client_and_indexes_the_global_rules(
    database_url: str,
) -> None:
    """Rows written before 0007 keep every value; child rows get their parent's client;
    the personal identity codes and the external ids are indexed; the access log keeps
    its ids (and SQLite numbers the next one after them); and back down, as they were."""
    engine = make_sync_engine(database_url, foreign_keys=False)  # as ``migrate`` runs them
    try:
        if partitioned(engine):
            pytest.skip("a partitioned database cannot go below 0007")
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0006")
        client, other = uuid.uuid4(), uuid.uuid4()
        app, decision, attachment, notice = (uuid.uuid4() for _ in range(4))
        sha = "ab" * 32
        with engine.begin() as connection:
            for who, code in ((client, "010101A900A"), (other, "020202A901B")):
                put(
                    connection,
                    "clients",
                    id=who,
                    personal_id=code,
                    name="Asiakas",
                    search_name="asiakas",
                    language="FI",
                    organiser_id="wc-pirkanmaa",
                    protected_identity=False,
                    registered_at=T0,
                    registered_by_org="kela",
                )
            put(
                connection,
                "applications",
                id=app,
                client_id=client,
                external_id="H-1",
                received_at=T0,
                channel="ONLINE",
                status="RECEIVED",
                urgent=False,
                recorded_at=T0,
                recorded_by_org="kela",
                content_hash=sha,
            )
            put(
                connection,
                "information_requests",
                id=uuid.uuid4(),
                application_id=app,
                requested_at=T0,
                items="[]",
                due=T0.date(),
                requested_by="Kaisa",
            )
            put(
                connection,
                "decisions",
                id=decision,
                client_id=client,
                issuer_id="kela",
                authority="KELA",
                kind="BASIC",
                external_id="K-1",
                application_id=app,
                decided_at=T0,
                outcome="GRANTED",
                total_amount_cents=100,
                content_hash=sha,
                recorded_at=T0,
                recorded_by_sub="kaisa",
            )
            put(
                connection,
                "decision_calculation_rows",
                id=uuid.uuid4(),
                decision_id=decision,
                position=0,
                type="INCOME",
                description="Palkka",
                amount_cents=100,
            )
            put(connection, "blobs", sha256=sha, size=3, stored_at=T0)
            put(
                connection,
                "attachments",
                id=attachment,
                client_id=client,
                kind="OTHER",
                filename="a.pdf",
                media_type="application/pdf",
                size=3,
                sha256=sha,
                uploaded_at=T0,
                uploaded_by_sub="kaisa",
                uploaded_by_role="kela_handler",
                decision_id=decision,
            )
            put(connection, "decision_attachments", decision_id=decision, attachment_id=attachment)
            put(
                connection,
                "notices",
                id=notice,
                client_id=client,
                type="CONCERN_NOTICE",
                sender_id="kela",
                recipient_id="wc-pirkanmaa",
                external_id="N-1",
                status="SENT",
                sent_at=T0,
                due_at=T0,
                content_hash=sha,
                sent_by_sub="kaisa",
            )
            put(
                connection,
                "notice_moves",
                id=uuid.uuid4(),
                notice_id=notice,
                to_status="SENT",
                at=T0,
                by_sub="kaisa",
                by_org="kela",
            )
            put(connection, "notice_attachments", notice_id=notice, attachment_id=attachment)
            for n, who in enumerate((client, other), start=1):
                numbered = {"id": n * 10} if is_sqlite(database_url) else {}  # else the sequence
                put(
                    connection,
                    "access_log",
                    **numbered,
                    request_id=uuid.uuid4(),
                    at=T0,
                    client_id=who,
                    subject="kaisa",
                    roles="kela_handler",
                    category="IDENTITY",
                    action="READ",
                    allowed=True,
                    policy_hash="0" * 64,
                )
        with engine.connect() as connection:
            logged_before = set(connection.execute(text("SELECT id, client_id FROM access_log")))
        migrate(database_url)
        with engine.connect() as connection:
            for child in (
                "information_requests",
                "decision_calculation_rows",
                "decision_attachments",
                "notice_moves",
                "notice_attachments",
            ):
                found = connection.execute(text(f"SELECT client_id FROM {child}")).scalars().all()  # noqa: S608
                assert [uuid.UUID(str(c)) for c in found] == [client], child
            index = connection.execute(select(PersonalIdIndex.lookup, PersonalIdIndex.client_id))
            assert set(index) == {("010101A900A", client), ("020202A901B", other)}
            keys = connection.execute(
                select(IdempotencyKey.kind, IdempotencyKey.external_id, IdempotencyKey.record_id)
            )
            assert set(keys) == {
                ("DECISION", "K-1", decision),
                ("NOTICE", "N-1", notice),
                ("APPLICATION", "H-1", app),
            }
            logged = connection.execute(select(AccessLogEntry.id, AccessLogEntry.client_id))
            assert {(i, str(c).replace("-", "")) for i, c in logged} == {
                (i, str(c).replace("-", "")) for i, c in logged_before
            }
        assert schema_differences(engine) == []
    finally:
        engine.dispose()
    asyncio.run(record_rows(database_url))
    engine = make_sync_engine(database_url, foreign_keys=False)
    try:
        with engine.connect() as connection:
            ids = connection.execute(select(AccessLogEntry.id)).scalars().all()
        assert max(ids) > max(i for i, _ in logged_before)
        assert len(ids) == len(set(ids)) == 3
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0006")
        with engine.connect() as connection:
            moves = connection.execute(text("SELECT notice_id FROM notice_moves")).scalars().all()
            assert [uuid.UUID(str(m)) for m in moves] == [notice]
            assert "client_id" not in {
                c["name"] for c in inspect(engine).get_columns("notice_moves")
            }
    finally:
        engine.dispose()


# --- 0008: the history of client facts, subjects on the access log ---


def test_0008_gives_every_client_a_history_and_guards_it(database_url: str) -> None:
    """Clients registered before 0008 get one history row each (how MIGRATION, their
    values then); the history refuses change like the ledger; down and up keeps the
    access log's rows."""
    engine = make_sync_engine(database_url)
    try:
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0007")
        client_id = uuid.uuid4()
        sqlite = is_sqlite(database_url)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO clients (id, personal_id, name, search_name, language,"
                    " organiser_id, protected_identity, immigrant, registered_at,"
                    " registered_by_org) VALUES (:id, '010180-900J', 'A', 'a', 'FI',"
                    " 'wc-lappi', :protected, :protected, :at, 'wc-lappi')"
                ),
                {
                    "id": client_id.hex if sqlite else client_id,
                    "protected": True,
                    "at": T0.replace(tzinfo=None) if sqlite else T0,
                },
            )
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT seq, protected_identity, organiser_id, how FROM client_fact_changes")
            ).all()
        assert [tuple(r) for r in rows] == [(1, True, "wc-lappi", "MIGRATION")]
        problems = refusal_problems(
            engine,
            "client_fact_changes",
            [
                "UPDATE client_fact_changes SET protected_identity = NOT protected_identity",
                "DELETE FROM client_fact_changes",
                *(
                    [
                        "INSERT OR REPLACE INTO client_fact_changes (client_id, seq, at,"
                        " protected_identity, organiser_id, how) SELECT client_id, seq, at,"
                        " false, organiser_id, 'forged' FROM client_fact_changes"
                    ]
                    if sqlite
                    else ["TRUNCATE client_fact_changes"]
                ),
            ],
        )
        assert problems == [], "\n".join(problems)
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0007")
        assert "client_fact_changes" not in inspect(engine).get_table_names()
        assert "subjects" not in {c["name"] for c in inspect(engine).get_columns("access_log")}
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
        assert schema_differences(engine) == []
    finally:
        engine.dispose()
