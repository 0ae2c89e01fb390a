import uuid

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from schema.base import Base


class Change(Base):
    """One change of a client's entity, written by a trigger (``schema/change_capture.py``).

    ``position`` is its place in the change feed, given by the sequencer after the
    writing transaction committed; it is never changed again, and rows are never
    deleted (the database refuses both). ``txid`` is the writing transaction's id on
    PostgreSQL, which folds an entity's rows of one transaction into one.
    """

    __tablename__ = "changes"

    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    op: Mapped[str] = mapped_column(String(16))
    txid: Mapped[int | None] = mapped_column(BigInteger)
    appended: Mapped[int] = mapped_column(BigInteger, unique=True)
    """The order rows were appended in (not commit order): it orders a sequencer pass."""
    position: Mapped[int | None] = mapped_column(BigInteger, unique=True)

    __table_args__ = (
        Index(
            "ix_changes_unsequenced",
            "entity_type",
            "entity_id",
            postgresql_where=text("position IS NULL"),
            sqlite_where=text("position IS NULL"),
        ),
    )


class ChangeSequencer(Base):
    """The sequencer's one row: the last position given. Only the sequencer locks it."""

    __tablename__ = "change_sequencer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_position: Mapped[int] = mapped_column(BigInteger)
