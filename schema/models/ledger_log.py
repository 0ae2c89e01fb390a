"""The global Merkle log over every ledger event, and its signed checkpoints.

All but the integrator's lock row are append-only: the database refuses changes. The
log is global by design (one tree over every client's events, docs/ledger.md), so its
tables are keyed by log index and tree size, not by client: on a distributed database
they stay on one node, beside the single integrator that writes them.

No foreign keys tie them to the events or to each other: what keeps a log entry's event
there is the events' own append-only guard, and ``ledger verify`` finds an entry whose
event is missing. (A foreign key would also make PostgreSQL refuse a TRUNCATE of the
referenced table for its own reason before the append-only guard could.)
"""

import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from schema.base import Base, UTCDateTime


class LogEntry(Base):
    """One event's place in the log: its index, and the event hash that is the leaf."""

    __tablename__ = "ledger_log"

    log_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    seq: Mapped[int] = mapped_column(Integer)
    event_hash: Mapped[str] = mapped_column(String(64))
    integrated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("client_id", "seq"),)


class LogNode(Base):
    """The hash of one complete subtree: level 0 holds leaf hashes, node (l, i) covers
    leaves [i·2^l, (i+1)·2^l). Proofs are folded from these."""

    __tablename__ = "ledger_log_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    node_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LogCheckpoint(Base):
    """A C2SP checkpoint as the log signed it, with the consistency proof (base64 hashes,
    RFC 9162 order) from the checkpoint before it."""

    __tablename__ = "ledger_checkpoints"

    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    previous_tree_size: Mapped[int | None] = mapped_column(BigInteger)
    consistency_proof: Mapped[list[str]] = mapped_column(JSON)


class LogCosignature(Base):
    """A witness's cosignature line on one checkpoint (c2sp.org/tlog-cosignature)."""

    __tablename__ = "ledger_cosignatures"

    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    witness: Mapped[str] = mapped_column(String(300), primary_key=True)
    """The witness key as ``<name>+<key id>``."""
    line: Mapped[str] = mapped_column(Text)
    cosigned_at: Mapped[int] = mapped_column(BigInteger)
    """The cosignature's own timestamp (POSIX seconds)."""
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IntegratorLock(Base):
    """One row, locked (UPDATE) by the integrator and by nothing else: one integrator at a
    time, across processes, on both databases. Appends never touch it."""

    __tablename__ = "ledger_integrator"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    runs: Mapped[int] = mapped_column(BigInteger)
