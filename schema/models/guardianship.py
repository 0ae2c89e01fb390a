import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from schema.base import Base, UTCDateTime, new_id
from schema.columns import enum_of
from schema.enums import GuardianshipKind


class Guardianship(Base):
    """A guardian person and a ward client; active on the dates valid_from..valid_until."""

    __tablename__ = "guardianships"

    ward_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    guardian_cipher: Mapped[str] = mapped_column(Text)
    """The guardian's personal identity code, encrypted (``schema/pii.py``)."""
    guardian_hash: Mapped[str] = mapped_column(String(64))
    """The guardian's code's keyed hash: what a guardian's token is matched by."""
    kind: Mapped[GuardianshipKind] = mapped_column(enum_of(GuardianshipKind))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(100))

    __table_args__ = (
        UniqueConstraint("guardian_hash", "ward_id", "kind", "valid_from"),
        Index("ix_guardianships_guardian", "guardian_hash"),
    )
