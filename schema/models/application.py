import uuid
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from schema.base import Base, UTCDateTime, new_id
from schema.columns import enum_of
from schema.enums import ApplicationChannel, ApplicationStatus


class Application(Base):
    """A basic-assistance application at Kela, with its urgency assessment."""

    __tablename__ = "applications"

    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    external_id: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[ApplicationChannel] = mapped_column(enum_of(ApplicationChannel))
    status: Mapped[ApplicationStatus] = mapped_column(enum_of(ApplicationStatus))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    urgency_grounds: Mapped[str | None] = mapped_column(Text)
    urgency_assessed_by: Mapped[str | None] = mapped_column(String(200))
    urgency_assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_org: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the input as first recorded: a repeat with other content is refused."""

    # Idempotency on (recorded_by_org, external_id) is kept in ``idempotency_keys``.
    __table_args__ = (Index("ix_applications_id", "id"),)


class InformationRequest(Base):
    """Kela's request for more information on an application."""

    __tablename__ = "information_requests"

    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    application_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    items: Mapped[list[str]] = mapped_column(JSON)
    due: Mapped[date] = mapped_column(Date)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requested_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        ForeignKeyConstraint(
            ["client_id", "application_id"], ["applications.client_id", "applications.id"]
        ),
        Index("ix_information_requests_application", "client_id", "application_id"),
    )
