import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from schema.base import Base, UTCDateTime, new_id
from schema.columns import enum_of
from schema.enums import NoticeOutcome, NoticeStatus, NoticeType


class Notice(Base):
    """A message about one client between Kela and an organiser.

    ``status``, ``outcome`` and the responsible worker follow the moves in
    ``notice_moves``, which keep every transition.
    """

    __tablename__ = "notices"

    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    type: Mapped[NoticeType] = mapped_column(enum_of(NoticeType))
    sender_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    recipient_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    external_id: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)
    status: Mapped[NoticeStatus] = mapped_column(enum_of(NoticeStatus))
    outcome: Mapped[NoticeOutcome | None] = mapped_column(enum_of(NoticeOutcome))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consent_seq: Mapped[int | None] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    sent_by_sub: Mapped[str] = mapped_column(String(200))
    responsible_name: Mapped[str | None] = mapped_column(String(200))
    responsible_title: Mapped[str | None] = mapped_column(String(200))
    responsible_phone: Mapped[str | None] = mapped_column(String(64))
    responsible_email: Mapped[str | None] = mapped_column(String(254))

    # Idempotency on (sender_id, external_id) is kept in ``idempotency_keys``.
    __table_args__ = (
        Index("ix_notices_id", "id"),
        Index("ix_notices_recipient", "recipient_id", "status", "id"),
        Index("ix_notices_sender", "sender_id", "id"),
    )


class NoticeMove(Base):
    """One transition of a notice: who moved it, when, where to, and why."""

    __tablename__ = "notice_moves"

    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    notice_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    from_status: Mapped[NoticeStatus | None] = mapped_column(enum_of(NoticeStatus))
    to_status: Mapped[NoticeStatus] = mapped_column(enum_of(NoticeStatus))
    outcome: Mapped[NoticeOutcome | None] = mapped_column(enum_of(NoticeOutcome))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by_sub: Mapped[str] = mapped_column(String(200))
    by_name: Mapped[str | None] = mapped_column(String(200))
    by_org: Mapped[str] = mapped_column(ForeignKey("organisations.id"))

    __table_args__ = (
        ForeignKeyConstraint(["client_id", "notice_id"], ["notices.client_id", "notices.id"]),
        Index("ix_notice_moves_notice", "client_id", "notice_id"),
    )


class NoticeAttachment(Base):
    """An attachment sent with a notice (for instance an application transfer's documents)."""

    __tablename__ = "notice_attachments"

    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    notice_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    attachment_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)

    __table_args__ = (
        ForeignKeyConstraint(["client_id", "notice_id"], ["notices.client_id", "notices.id"]),
        ForeignKeyConstraint(
            ["client_id", "attachment_id"], ["attachments.client_id", "attachments.id"]
        ),
    )
