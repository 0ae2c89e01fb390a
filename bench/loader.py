"""Loading the generated dataset into a migrated PostgreSQL database, fast: each chunk of
clients is generated and COPYed (psycopg's ``cursor.copy``) by one of several processes,
in a transaction of its own, with triggers off (``session_replication_role = replica``:
the change-capture triggers would add a second copy of the feed rows the generator
writes itself, and the foreign-key checks would cost more than the load; ``orphans``
checks the keys afterwards). Then the change feed gets its positions, the sequences are
moved past the loaded rows, and the tables are analysed.
"""

import multiprocessing
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import psycopg
from sqlalchemy import ForeignKeyConstraint

from bench.dataset import Generated, chunks, generate
from schema.base import Base

CHUNK = 500
APPENDED_BASE = 10**15
"""Loaded feed rows are appended (ordered) from here until they get their positions."""


@dataclass
class Loaded:
    """What was loaded: rows by table, seconds, and the clients the workloads use."""

    clients: int
    rows: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    rich: list[tuple[str, str]] = field(default_factory=list)
    """(client id, organiser) of the caseworker-overview clients."""
    heavy: list[tuple[str, str, int]] = field(default_factory=list)
    """(client id, organiser, decisions) of the clients with 50 or more decisions."""
    sample: list[tuple[str, str]] = field(default_factory=list)
    """(client id, organiser) of every 7th client: W5's many clients."""
    changes: int = 0


def dsn(url: str) -> str:
    """A libpq URL from a SQLAlchemy one."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def _load_chunk(
    args: tuple[str, int, datetime, int, int],
) -> tuple[Counter[str], list[Generated]]:
    url, seed, anchor, start, stop = args
    rows, made = generate(seed, anchor, start, stop)
    appended = APPENDED_BASE + start * 1000
    columns, changes = rows.tables.get("changes", ((), []))
    rows.tables["changes"] = (
        columns,
        [(*row[:6], appended + n, None) for n, row in enumerate(changes)],
    )
    counts: Counter[str] = Counter()
    with psycopg.connect(dsn(url)) as conn:
        conn.execute("SET session_replication_role = replica")
        with conn.cursor() as cursor:
            for table, (names, table_rows) in rows.tables.items():
                statement = f"COPY {table} ({', '.join(names)}) FROM STDIN"
                with cursor.copy(statement) as copy:
                    for row in table_rows:
                        copy.write_row(row)
                counts[table] += len(table_rows)
    return counts, made


def load(
    url: str,
    clients: int,
    *,
    seed: int = 2017,
    anchor: datetime,
    processes: int = 2,
    progress: bool = True,
) -> Loaded:
    """Generate and load ``clients`` clients into the migrated database at ``url``."""
    started = time.perf_counter()
    loaded = Loaded(clients)
    work = [(url, seed, anchor, start, stop) for start, stop in chunks(clients, CHUNK)]
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes) as pool:
        for done, (counts, made) in enumerate(pool.imap(_load_chunk, work), start=1):
            loaded.rows.update(counts)
            for item in made:
                entry = (str(item.client_id), item.organiser)
                if item.rich:
                    loaded.rich.append(entry)
                if item.decisions >= 50:
                    loaded.heavy.append((*entry, item.decisions))
            loaded.sample.extend(
                (str(m.client_id), m.organiser) for n, m in enumerate(made) if n % 7 == 3
            )
            if progress and (done % 20 == 0 or done == len(work)):
                seconds = time.perf_counter() - started
                print(
                    f"  loaded {min(done * CHUNK, clients):,} clients, {seconds:.0f} s", flush=True
                )
    loaded.changes = finish(url)
    loaded.seconds = time.perf_counter() - started
    return loaded


def finish(url: str) -> int:
    """Give the loaded feed rows their positions in time order, move the sequences past
    the loaded rows, and analyse. Returns the feed's last position."""
    with psycopg.connect(dsn(url), autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute(
            """
            UPDATE changes c SET position = o.n, appended = o.n, txid = NULL
            FROM (SELECT client_id, id, row_number() OVER (ORDER BY txid, appended) AS n
                  FROM changes WHERE position IS NULL) o
            WHERE c.client_id = o.client_id AND c.id = o.id
            """
        )
        row = conn.execute("SELECT coalesce(max(position), 0) FROM changes").fetchone()
        last = int(row[0]) if row else 0
        conn.execute("UPDATE change_sequencer SET last_position = %s WHERE id = 1", (last,))
        conn.execute("SELECT setval('changes_appended_seq', %s)", (max(last, 1),))
        conn.execute("VACUUM ANALYZE")
    return last


def orphans(url: str) -> list[str]:
    """Every foreign key of the schema that a loaded row breaks (none on a good load)."""
    found = []
    with psycopg.connect(dsn(url)) as conn:
        for table in Base.metadata.sorted_tables:
            for constraint in table.constraints:
                if not isinstance(constraint, ForeignKeyConstraint):
                    continue
                child = [c.name for c in constraint.columns]
                parent = [e.column.name for e in constraint.elements]
                target = constraint.elements[0].column.table.name
                joined = " AND ".join(f"p.{p} = c.{c}" for c, p in zip(child, parent, strict=True))
                present = " AND ".join(f"c.{c} IS NOT NULL" for c in child)
                query = (
                    f"SELECT count(*) FROM {table.name} c WHERE {present} AND NOT EXISTS "
                    f"(SELECT 1 FROM {target} p WHERE {joined})"
                )
                row = conn.execute(query).fetchone()
                if row and row[0]:
                    found.append(f"{table.name} ({', '.join(child)}) -> {target}: {row[0]} rows")
    return found


def counts(url: str, tables: Sequence[str]) -> dict[str, int]:
    with psycopg.connect(dsn(url)) as conn:
        out = {}
        for table in tables:
            row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            out[table] = int(row[0]) if row else 0
        return out
