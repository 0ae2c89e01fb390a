import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, ForeignKeyConstraint, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from schema.base import Base, UTCDateTime, new_id
from schema.columns import enum_of
from schema.enums import AttachmentKind


class Blob(Base):
    """Stored content, addressed by its SHA-256; the bytes live in the attachment store."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Attachment(Base):
    """A document about a client: metadata here, content in ``blobs`` (stored once)."""

    __tablename__ = "attachments"

    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    kind: Mapped[AttachmentKind] = mapped_column(enum_of(AttachmentKind))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uploaded_by_org: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"))
    uploaded_by_sub: Mapped[str] = mapped_column(String(200))
    uploaded_by_role: Mapped[str] = mapped_column(String(40))
    application_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    decision_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    plan_version_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    notice_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)

    __table_args__ = (
        *(
            ForeignKeyConstraint(["client_id", column], [f"{table}.client_id", f"{table}.id"])
            for column, table in (
                ("application_id", "applications"),
                ("decision_id", "decisions"),
                ("plan_version_id", "plan_versions"),
                ("notice_id", "notices"),
            )
        ),
        Index("ix_attachments_id", "id"),
        Index("ix_attachments_sha256", "sha256"),
    )
