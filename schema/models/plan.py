import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from schema.base import Base, UTCDateTime, new_id
from schema.columns import enum_of
from schema.enums import PlanStatus, PlanType


class PlanVersion(Base):
    """One saved version of a client's shared plan; versions are never changed.

    ``content`` holds the life situation, goals, measures and service-need assessment as
    JSON (see ``graph/services/plans.py`` for its shape).
    """

    __tablename__ = "plan_versions"

    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    version: Mapped[int] = mapped_column(Integer)
    type: Mapped[PlanType] = mapped_column(enum_of(PlanType))
    status: Mapped[PlanStatus] = mapped_column(enum_of(PlanStatus))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    kela_special_service_planned: Mapped[bool] = mapped_column(Boolean, default=False)
    kela_special_service_note: Mapped[str | None] = mapped_column(Text)
    next_follow_up: Mapped[date | None] = mapped_column(Date)
    organiser_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    saved_by_sub: Mapped[str] = mapped_column(String(200))
    saved_by_name: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (UniqueConstraint("client_id", "version"),)
