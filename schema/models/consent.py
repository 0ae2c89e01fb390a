import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from schema.base import Base, UTCDateTime, new_id
from schema.columns import enum_of
from schema.enums import ConsentEventType, ConsentMethod, DataCategory


class ConsentEvent(Base):
    """One event of a client's consent ledger. Append-only: the database refuses changes.

    ``canonical`` is the event's canonical JSON without its hash, exactly as hashed;
    ``hash`` is the SHA-256 of it and ``prev`` the hash of the client's previous event.
    """

    __tablename__ = "consent_events"

    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[ConsentEventType] = mapped_column(enum_of(ConsentEventType))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_org: Mapped[str | None] = mapped_column(String(64))
    party_org: Mapped[str | None] = mapped_column(String(64))
    """The organisation the event concerns (grantee, prohibited organisation), for audits."""
    canonical: Mapped[str] = mapped_column(Text)
    hash: Mapped[str] = mapped_column(String(64))
    prev: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("client_id", "seq"),
        # The hash covers the client and the seq, so (client_id, seq) already makes it
        # unique everywhere; kept per client, as a distributed table can enforce it.
        UniqueConstraint("client_id", "hash"),
        Index("ix_consent_events_actor_org", "actor_org"),
        Index("ix_consent_events_party_org", "party_org"),
    )


class LedgerHead(Base):
    """The head of one client's chain. Appends lock this row: one writer per client."""

    __tablename__ = "ledger_heads"

    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    head: Mapped[str] = mapped_column(String(64))


class ConsentRule(Base):
    """Projection of the ledger: one row per GRANT or PROHIBIT, ended by its WITHDRAW or LIFT.

    Rebuilt from the events on demand; never the source of truth.
    """

    __tablename__ = "consent_rules"

    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[ConsentEventType] = mapped_column(enum_of(ConsentEventType))
    organisation_id: Mapped[str | None] = mapped_column(String(64))
    categories: Mapped[list[str]] = mapped_column(JSON)
    category: Mapped[DataCategory | None] = mapped_column(enum_of(DataCategory))
    row_type: Mapped[str | None] = mapped_column(String(40))
    row_id: Mapped[str | None] = mapped_column(String(64))
    purpose: Mapped[str | None] = mapped_column(Text)
    method: Mapped[ConsentMethod | None] = mapped_column(enum_of(ConsentMethod))
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_org: Mapped[str | None] = mapped_column(String(64))
    ended_seq: Mapped[int | None] = mapped_column(Integer)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
