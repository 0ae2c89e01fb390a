"""``infocap`` commands, run in-process through ``graph.cli.main``.

``main`` runs its own event loop (``asyncio.run``), so these tests are plain functions;
what they set up in the database they set up through ``asyncio.run`` as well."""

import asyncio
import json
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from strawberry import ID

from graph.cli import main
from graph.domain.personal_id import make
from graph.runtime import running
from graph.schema import print_sdl
from graph.services import clients, consents
from graph.settings import Settings
from graph.types.client_inputs import RegisterClientInput
from graph.types.consent import ConsentGrantInput
from graph.unit_of_work import acting
from schema.db import MIGRATIONS, is_sqlite, make_sync_engine
from schema.distribution import CLIENT_TABLES, INDEX_TABLES, key_problems
from schema.enums import DataCategory, GuardianshipKind, Language
from schema.models import Guardianship, Organisation
from schema.partitioning import PARTITION_SCHEMA
from schema.pii import DEVELOPMENT, GUARDIAN_CODE
from tests.support import principal

COMMITTED_SCHEMA = Path(__file__).resolve().parents[2] / "schema" / "schema.graphql"
WORKER = principal("social_worker", "wc-pirkanmaa")
HEADER = "guardian_personal_id,ward_personal_id,kind,valid_from,valid_until"

ADULT_WARD = make(date(1948, 3, 9), 931)
MINOR_WARD = make(date(2015, 8, 20), 932)
GUARDIAN_A = make(date(1975, 1, 4), 933)
GUARDIAN_B = make(date(1982, 11, 30), 934)
STRANGER = make(date(1990, 7, 7), 935)  # valid, but no registered client


def use_database(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> Settings:
    """The environment ``infocap`` reads: this database and nothing else."""
    for name in [n for n in os.environ if n.startswith("INFOCAP_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("INFOCAP_DATABASE_URL", database_url)
    monkeypatch.setenv("INFOCAP_ATTACHMENT_DIR", str(tmp_path / "attachments"))
    return Settings(database_url=database_url, attachment_dir=tmp_path / "attachments")


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> Settings:
    """On each database."""
    return use_database(monkeypatch, database_url, tmp_path)


@pytest.fixture
def sqlite_environment(
    monkeypatch: pytest.MonkeyPatch, sqlite_template: Path, tmp_path: Path
) -> Settings:
    """On SQLite alone, where someone with the file can drop its append-only triggers."""
    path = tmp_path / "tampered.db"
    shutil.copy(sqlite_template, path)
    return use_database(monkeypatch, f"sqlite:///{path}", tmp_path)


def register(settings: Settings, codes: list[str]) -> list[str]:
    """Register clients through the service, as a social worker would; their ids."""

    async def go() -> list[str]:
        ids = []
        async with running(settings) as runtime:
            for n, code in enumerate(codes):
                data = RegisterClientInput(
                    personal_id=code,
                    name=f"Asiakas {n}",
                    language=Language.FI,
                    organiser_id=ID("wc-pirkanmaa"),
                    purpose="Toimeentulotuki",
                )
                async with acting(runtime, WORKER) as ctx:
                    view = await clients.register(ctx, data)
                ids.append(str(view.row.id))
        return ids

    return asyncio.run(go())


def grant(settings: Settings, client_id: str, code: str, purposes: list[str]) -> None:
    """The client's own grants to Kela, one consent event each, after an INFORMED event
    (a grant needs one earlier in the chain)."""

    async def go() -> None:
        async with running(settings) as runtime:
            async with acting(runtime, principal("client", person=code)) as ctx:
                await consents.informed(ctx, client_id, "2026-1", "kela.fi")
            for purpose in purposes:
                data = ConsentGrantInput(
                    client_id=ID(client_id),
                    grantee_id=ID("kela"),
                    categories=[DataCategory.PLAN],
                    purpose=purpose,
                )
                async with acting(runtime, principal("client", person=code)) as ctx:
                    await consents.grant(ctx, data)

    asyncio.run(go())


def guardianships(database_url: str) -> list[Guardianship]:
    engine = make_sync_engine(database_url)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(Guardianship)).all())
    finally:
        engine.dispose()


def write_csv(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- schema export ----------------------------------------------------------------------


def test_schema_export_writes_the_printed_schema(tmp_path: Path, capsys) -> None:
    output = tmp_path / "out" / "schema.graphql"
    output.parent.mkdir()
    assert main(["schema", "export", "--output", str(output)]) == 0
    written = output.read_text(encoding="utf-8")
    assert written == print_sdl()
    assert written == COMMITTED_SCHEMA.read_text(encoding="utf-8")
    assert str(output) in capsys.readouterr().out


def test_schema_export_to_standard_output(capsys) -> None:
    assert main(["schema", "export", "--output", "-"]) == 0
    assert capsys.readouterr().out == print_sdl()


# --- migrate ----------------------------------------------------------------------------


@contextmanager
def empty_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A database of the same kind with no tables at all."""
    if is_sqlite(database_url):
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    url = make_url(database_url)
    name = f"e_{uuid.uuid4().hex[:12]}"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield url.set(database=name).render_as_string(False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_migrate_brings_an_empty_database_to_head(
    environment: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    with empty_database(environment.database_url, tmp_path) as url:
        monkeypatch.setenv("INFOCAP_DATABASE_URL", url)
        assert main(["migrate"]) == 0
        assert "current schema" in capsys.readouterr().out
        assert main(["migrate"]) == 0  # again: nothing to do, still fine
        engine = make_sync_engine(url)
        try:
            tables = set(inspect(engine).get_table_names())
            with Session(engine) as session:
                version = session.scalar(text("SELECT version_num FROM alembic_version"))
                organisations = session.scalar(select(func.count()).select_from(Organisation))
        finally:
            engine.dispose()
    assert {"clients", "consent_events", "guardianships", "notices", "decisions"} <= tables
    assert version == head
    assert organisations == 23  # all 21 counties, Helsinki and Kela


def test_migrate_on_a_migrated_database(environment: Settings) -> None:
    assert main(["migrate"]) == 0


def test_partition_keeps_the_data_and_the_service_runs_on_it(environment: Settings, capsys) -> None:
    """An operator partitions a database holding clients: the rows stay, the key rules
    hold, and the service reads and writes through the partitioned tables."""
    if is_sqlite(environment.database_url):
        assert main(["partition"]) == 2
        return
    before = register(environment, [ADULT_WARD])
    assert main(["partition", "--partitions", "3"]) == 0
    converted = capsys.readouterr().out
    engine = make_sync_engine(environment.database_url)
    try:
        assert key_problems(inspect(engine), PARTITION_SCHEMA) == []
        with engine.connect() as connection:
            partitioned = set(
                connection.execute(
                    text("SELECT partrelid::regclass::text FROM pg_partitioned_table")
                ).scalars()
            )
    finally:
        engine.dispose()
    assert partitioned == set(CLIENT_TABLES) | set(INDEX_TABLES)
    assert "tables partitioned by hash into 3" in converted
    after = register(environment, [MINOR_WARD, ADULT_WARD])
    assert after[1] == before[0]  # the code's index survived: the same client
    assert main(["partition"]) == 0  # again: nothing left to convert


# --- import guardianships ---------------------------------------------------------------


def test_import_guardianships_and_again(environment: Settings, tmp_path: Path, capsys) -> None:
    adult_id, minor_id = register(environment, [ADULT_WARD, MINOR_WARD])
    source = write_csv(
        tmp_path / "guardianships.csv",
        HEADER,
        f"{GUARDIAN_A},{ADULT_WARD},GUARDIAN_ECONOMIC,2025-01-01,",
        f"{GUARDIAN_B},{MINOR_WARD},PARENT_OF_MINOR,,",
        f"{GUARDIAN_A.lower()},{ADULT_WARD},GUARDIAN_FULL,2025-02-01,2030-12-31",
    )
    assert main(["import", "guardianships", str(source)]) == 0
    out = capsys.readouterr()
    assert "3 guardianships added, 0 already known" in out.out
    assert out.err == ""

    rows = {(str(g.ward_id), g.kind): g for g in guardianships(environment.database_url)}
    assert set(rows) == {
        (adult_id, GuardianshipKind.GUARDIAN_ECONOMIC),
        (minor_id, GuardianshipKind.PARENT_OF_MINOR),
        (adult_id, GuardianshipKind.GUARDIAN_FULL),
    }
    economic = rows[(adult_id, GuardianshipKind.GUARDIAN_ECONOMIC)]
    code = DEVELOPMENT.decrypt(economic.guardian_cipher, GUARDIAN_CODE)  # no key configured
    assert (code, economic.valid_from) == (GUARDIAN_A, date(2025, 1, 1))
    assert GUARDIAN_A not in economic.guardian_cipher
    assert economic.valid_until is None
    full = rows[(adult_id, GuardianshipKind.GUARDIAN_FULL)]
    # normalised to upper case
    assert DEVELOPMENT.decrypt(full.guardian_cipher, GUARDIAN_CODE) == GUARDIAN_A
    assert full.valid_until == date(2030, 12, 31)
    parental = rows[(minor_id, GuardianshipKind.PARENT_OF_MINOR)]
    assert parental.valid_until == date(2033, 8, 20) - timedelta(days=1)  # until 18
    assert all(g.source == "import" for g in rows.values())

    assert main(["import", "guardianships", str(source)]) == 0
    assert "0 guardianships added, 3 already known" in capsys.readouterr().out
    assert len(guardianships(environment.database_url)) == 3


def test_import_with_a_bad_row_writes_nothing(
    environment: Settings, tmp_path: Path, capsys
) -> None:
    register(environment, [ADULT_WARD, MINOR_WARD])
    bad_check = GUARDIAN_A[:-1] + ("X" if GUARDIAN_A[-1] != "X" else "Y")
    source = write_csv(
        tmp_path / "bad.csv",
        HEADER,
        f"{GUARDIAN_A},{ADULT_WARD},GUARDIAN_ECONOMIC,2025-01-01,",  # 2: good
        f"{bad_check},{ADULT_WARD},GUARDIAN_FULL,2025-01-01,",  # 3: invalid guardian code
        f"{GUARDIAN_B},{STRANGER},GUARDIAN_FULL,2025-01-01,",  # 4: unknown ward
        f"{GUARDIAN_B},{ADULT_WARD},GODPARENT,2025-01-01,",  # 5: unknown kind
        f"{GUARDIAN_B},{ADULT_WARD},GUARDIAN_FULL,2025-06-01,2025-05-31",  # 6: until < from
        f"{GUARDIAN_B},{ADULT_WARD}",  # 7: a row missing columns
        f"{GUARDIAN_B},{MINOR_WARD},,2025-01-01,",  # 8: empty kind
        f"{GUARDIAN_B},{MINOR_WARD},PARENT_OF_MINOR,2025-02-30,",  # 9: no such date
        f"{GUARDIAN_B},{ADULT_WARD}x,GUARDIAN_FULL,2025-01-01,",  # 10: ward code malformed
    )
    assert main(["import", "guardianships", str(source)]) != 0
    err = capsys.readouterr().err
    problems = [line for line in err.splitlines() if "line " in line]
    assert [p.split("line ")[1].split(":")[0] for p in problems] == [str(n) for n in range(3, 11)]
    assert "line 2:" not in err
    assert "check character" in err
    assert "kind" in err
    assert "before" in err
    assert "missing kind" in err
    assert "nothing imported" in err
    assert guardianships(environment.database_url) == []


def test_import_refuses_a_file_without_a_column(
    environment: Settings, tmp_path: Path, capsys
) -> None:
    register(environment, [ADULT_WARD])
    source = write_csv(
        tmp_path / "no-kind.csv",
        "guardian_personal_id,ward_personal_id,valid_from,valid_until",
        f"{GUARDIAN_A},{ADULT_WARD},2025-01-01,",
    )
    assert main(["import", "guardianships", str(source)]) != 0
    assert "kind" in capsys.readouterr().err
    assert guardianships(environment.database_url) == []


def test_import_of_a_missing_file(environment: Settings, tmp_path: Path, capsys) -> None:
    assert main(["import", "guardianships", str(tmp_path / "nowhere.csv")]) != 0
    assert "nowhere.csv" in capsys.readouterr().err


# --- ledger verify ----------------------------------------------------------------------


def test_ledger_verify_on_a_healthy_ledger(environment: Settings, capsys) -> None:
    first, second = register(environment, [ADULT_WARD, MINOR_WARD])
    grant(environment, first, ADULT_WARD, ["Toimeentulotuki", "Asumisen tuki"])
    grant(environment, second, MINOR_WARD, ["Toimeentulotuki"])
    assert main(["ledger", "verify"]) == 0
    assert "ledger verified: 5 events in 2 chains" in capsys.readouterr().out


def test_ledger_verify_on_an_empty_ledger(environment: Settings, capsys) -> None:
    assert main(["ledger", "verify"]) == 0
    assert "0 events" in capsys.readouterr().out


def test_ledger_verify_names_the_first_altered_event(sqlite_environment: Settings, capsys) -> None:
    environment = sqlite_environment
    ids = register(environment, [ADULT_WARD, MINOR_WARD])
    codes = dict(zip(ids, [ADULT_WARD, MINOR_WARD], strict=True))
    for client_id, code in codes.items():
        grant(environment, client_id, code, ["Toimeentulotuki", "Asumisen tuki", "Lääkkeet"])
    assert main(["ledger", "verify"]) == 0
    capsys.readouterr()

    path = make_url(environment.database_url).database
    assert path is not None
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT DISTINCT client_id FROM consent_events ORDER BY client_id")
        order = [uuid.UUID(r[0]) for r in rows]
        assert sorted(order, key=str) == order
        first, later = str(order[0]), str(order[1])
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute("UPDATE consent_events SET canonical = canonical")
        db.execute("DROP TRIGGER consent_events_no_update")

        def alter(client: str, seq: int) -> None:
            canonical = db.execute(
                "SELECT canonical FROM consent_events WHERE client_id = ? AND seq = ?",
                (uuid.UUID(client).hex, seq),
            ).fetchone()[0]
            event = json.loads(canonical)
            event["body"]["purpose"] = "Jotain muuta"
            changed = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            assert changed != canonical
            updated = db.execute(
                "UPDATE consent_events SET canonical = ? WHERE client_id = ? AND seq = ?",
                (changed, uuid.UUID(client).hex, seq),
            )
            assert updated.rowcount == 1

        alter(later, 1)
        alter(first, 2)
    db.close()

    assert main(["ledger", "verify"]) == 1
    err = capsys.readouterr().err
    assert f"client {first} seq 2" in err
    assert later not in err


def test_import_rows_keep_the_line_they_start_on(tmp_path: Path) -> None:
    from graph.services.guardianships import LINE, read_csv

    source = tmp_path / "multiline.csv"
    source.write_text(
        "\ufeffguardian_personal_id,ward_personal_id,kind,valid_from,valid_until,note\n"
        'a,b,GUARDIAN_FULL,,,"a note\nover two lines"\n'
        "c,d,GUARDIAN_FULL,,,\n",
        encoding="utf-8",
    )
    rows = read_csv(source)
    assert [row[LINE] for row in rows] == ["2", "4"]
    assert rows[0]["guardian_personal_id"] == "a"
