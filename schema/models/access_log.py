import uuid
from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, PrimaryKeyConstraint, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from schema.base import Base, UTCDateTime
from schema.columns import BigId, enum_of
from schema.enums import AccessAction, DataCategory

# Identity writes (registrations, updates) are few among the reads: partial indexes keep
# counting a caller's registrations in a window cheap without slowing every insert.
IDENTITY_WRITES = text("action = 'WRITE' AND category = 'IDENTITY'")
REGISTRATIONS = text("basis = 'REGISTRATION'")
CONSENT_NAMED = text("consent_seq IS NOT NULL")
PROHIBITION_NAMED = text("prohibition_seq IS NOT NULL")


class AccessLogEntry(Base):
    """One (request, client, category, decision): who, through which system, and on what basis.

    Append-only: the database refuses changes. ``policy_rule`` is the policy line that
    decided; ``consent_seq`` the grant that allowed, ``prohibition_seq`` the
    prohibition that blocked; ``policy_hash`` the SHA-256 of the policy file in force.
    """

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(BigId, autoincrement=True)
    """Global and increasing: PostgreSQL's sequence gives it; on SQLite, which has no
    sequence, the inserting statement does (``ledger.access_log.write``)."""
    request_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    subject: Mapped[str] = mapped_column(String(200))
    subject_name: Mapped[str | None] = mapped_column(String(200))
    organisation_id: Mapped[str | None] = mapped_column(String(64))
    roles: Mapped[str] = mapped_column(String(200))
    azp: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[DataCategory] = mapped_column(enum_of(DataCategory))
    action: Mapped[AccessAction] = mapped_column(enum_of(AccessAction))
    allowed: Mapped[bool] = mapped_column(Boolean)
    basis: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(40))
    policy_rule: Mapped[str | None] = mapped_column(Text)
    consent_seq: Mapped[int | None] = mapped_column(Integer)
    prohibition_seq: Mapped[int | None] = mapped_column(Integer)
    policy_hash: Mapped[str] = mapped_column(String(64))
    subjects: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        # The id leads, so SQLite finds the next one at the end of the key's index.
        PrimaryKeyConstraint("id", "client_id"),
        Index("ix_access_log_client", "client_id", "id"),
        Index("ix_access_log_org", "organisation_id", "id"),
        # Review: an organisation's rows over a period (a dpo's summary and signals).
        Index("ix_access_log_org_at", "organisation_id", "at"),
        # Registrations are few: a dpo's list reads those of its clients newest first.
        Index(
            "ix_access_log_registrations",
            "id",
            sqlite_where=REGISTRATIONS,
            postgresql_where=REGISTRATIONS,
        ),
        # The ledger events an organisation's rows name (what its dpo may open).
        Index(
            "ix_access_log_consent_named",
            "client_id",
            "consent_seq",
            "organisation_id",
            sqlite_where=CONSENT_NAMED,
            postgresql_where=CONSENT_NAMED,
        ),
        Index(
            "ix_access_log_prohibition_named",
            "client_id",
            "prohibition_seq",
            "organisation_id",
            sqlite_where=PROHIBITION_NAMED,
            postgresql_where=PROHIBITION_NAMED,
        ),
        Index(
            "ix_access_log_identity_writes_subject",
            "subject",
            "at",
            sqlite_where=IDENTITY_WRITES,
            postgresql_where=IDENTITY_WRITES,
        ),
        Index(
            "ix_access_log_identity_writes_org",
            "organisation_id",
            "at",
            sqlite_where=IDENTITY_WRITES,
            postgresql_where=IDENTITY_WRITES,
        ),
    )
