import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, validates

from schema.base import Base, UTCDateTime, new_id
from schema.columns import enum_of
from schema.enums import Language, RelationshipOrigin


class Client(Base):
    """A person receiving social assistance. The personal identity code is never an API id."""

    __tablename__ = "clients"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    personal_id: Mapped[str] = mapped_column(String(11))
    """Unique: ``PersonalIdIndex`` holds the rule, keyed by the code's lookup key."""
    name: Mapped[str] = mapped_column(String(200))
    search_name: Mapped[str] = mapped_column(String(200), index=True)
    """The name case-folded in Python, since SQLite's lower() folds ASCII only (Å, Ö)."""
    language: Mapped[Language] = mapped_column(enum_of(Language))
    organiser_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(400))
    phone: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254))
    protected_identity: Mapped[bool] = mapped_column(Boolean, default=False)
    immigrant: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Arrived in Finland as an immigrant: the long-term-recipient notice comes sooner."""
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registered_by_org: Mapped[str] = mapped_column(ForeignKey("organisations.id"))

    @validates("name")
    def _fold(self, _: str, value: str) -> str:
        self.search_name = value.casefold()
        return value


class PersonalIdIndex(Base):
    """Which client a personal identity code is: the one global rule about clients (a code
    is one client's), kept in a table of its own, keyed and distributed by the code's
    lookup key and written in the transaction that registers the client.

    ``lookup`` is ``personal_id_lookup(code)``; no foreign key ties it to ``clients``, as
    a distributed table keyed otherwise cannot have one."""

    __tablename__ = "personal_id_index"

    lookup: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)


def personal_id_lookup(code: str) -> str:
    """The lookup key of a (checked, normalised) personal identity code: the code itself,
    as ``clients.personal_id`` holds it. Where the code is stored encrypted, this is the
    keyed hash the ``clients`` row holds beside it, and nothing else changes."""
    return code


class DigitalProfile(Base):
    """The client's digital equipment and skills at a time; rows are history, newest wins."""

    __tablename__ = "client_digital_profiles"

    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    has_equipment: Mapped[bool] = mapped_column(Boolean)
    has_skills: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_org: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"))

    __table_args__ = (Index("ix_client_digital_profiles_client", "client_id", "recorded_at"),)


class ContactPerson(Base):
    """The named counterpart for the client in one organisation."""

    __tablename__ = "contact_persons"

    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("client_id", "organisation_id"),)


class ClientRelationship(Base):
    """An organiser's client relationship (asiakkuus) with a client: the basis of the
    organiser's staff's access. A client may have several; exactly one is the responsible
    organiser's (``Client.organiser_id``), which every client has.

    Rows are not deleted. The one change a row sees is ``responsible``, moved when the
    client's organiser changes."""

    __tablename__ = "client_relationships"

    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    responsible: Mapped[bool] = mapped_column(Boolean)
    origin: Mapped[RelationshipOrigin] = mapped_column(enum_of(RelationshipOrigin))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_by_sub: Mapped[str] = mapped_column(String(200))
    opened_by_org: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    purpose: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_client_relationships_organisation", "organisation_id", "client_id"),
        Index(
            "uq_client_relationships_responsible",
            "client_id",
            unique=True,
            sqlite_where=text("responsible"),
            postgresql_where=text("responsible"),
        ),
    )


class ClientFactChange(Base):
    """The history of the client facts that access decisions depend on and that change in
    place on ``clients``: the protected-identity flag and the responsible organiser. A row
    at registration and at every change of either; append-only, so that an access can be
    explained with the facts as they stood at its moment (``authz/history.py``).

    ``how`` is ``REGISTRATION``, ``UPDATE``, or ``MIGRATION`` for the one row each client
    registered before this history got (the values then, standing for all time before)."""

    __tablename__ = "client_fact_changes"

    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    protected_identity: Mapped[bool] = mapped_column(Boolean)
    organiser_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    how: Mapped[str] = mapped_column(String(20))
    by_sub: Mapped[str | None] = mapped_column(String(200))
    by_org: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index(
            "ix_client_fact_changes_protected",
            "client_id",
            sqlite_where=text("protected_identity"),
            postgresql_where=text("protected_identity"),
        ),
    )
