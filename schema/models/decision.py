import uuid
from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from schema.base import Base, UTCDateTime, new_id
from schema.columns import enum_of
from schema.enums import Authority, CalculationRowType, DecisionKind, DecisionOutcome


class Decision(Base):
    """A decision of Kela or an organiser; recorded once per issuer and external id.

    ``content_hash`` is the SHA-256 of the recorded input, so a repeat with the same
    content is recognised and a repeat with other content is refused.
    """

    __tablename__ = "decisions"

    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    authority: Mapped[Authority] = mapped_column(enum_of(Authority))
    kind: Mapped[DecisionKind] = mapped_column(enum_of(DecisionKind))
    external_id: Mapped[str] = mapped_column(String(200))
    application_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[DecisionOutcome] = mapped_column(enum_of(DecisionOutcome))
    total_amount_cents: Mapped[int] = mapped_column(Integer)
    grounds: Mapped[str | None] = mapped_column(Text)
    reduction_percent: Mapped[int | None] = mapped_column(Integer)
    reduction_grounds: Mapped[str | None] = mapped_column(Text)
    reduction_until: Mapped[date | None] = mapped_column(Date)
    content_hash: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_sub: Mapped[str] = mapped_column(String(200))

    # Idempotency on (issuer_id, external_id) is kept in ``idempotency_keys``.
    __table_args__ = (
        ForeignKeyConstraint(
            ["client_id", "application_id"], ["applications.client_id", "applications.id"]
        ),
    )


class CalculationRow(Base):
    """An income or expense line of a decision's calculation."""

    __tablename__ = "decision_calculation_rows"

    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    decision_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[CalculationRowType] = mapped_column(enum_of(CalculationRowType))
    description: Mapped[str] = mapped_column(String(400))
    amount_cents: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        ForeignKeyConstraint(["client_id", "decision_id"], ["decisions.client_id", "decisions.id"]),
        Index("ix_decision_calculation_rows_decision", "client_id", "decision_id"),
    )


class PaymentCommitment(Base):
    """A payment commitment (maksusitoumus) a decision gives to a payee."""

    __tablename__ = "payment_commitments"

    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    decision_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    position: Mapped[int] = mapped_column(Integer)
    payee: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(400))
    amount_cents: Mapped[int] = mapped_column(Integer)
    valid_until: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        ForeignKeyConstraint(["client_id", "decision_id"], ["decisions.client_id", "decisions.id"]),
        Index("ix_payment_commitments_decision", "client_id", "decision_id"),
    )


class DecisionAttachment(Base):
    """An attachment that influenced a decision."""

    __tablename__ = "decision_attachments"

    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    decision_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    attachment_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)

    __table_args__ = (
        ForeignKeyConstraint(["client_id", "decision_id"], ["decisions.client_id", "decisions.id"]),
        ForeignKeyConstraint(
            ["client_id", "attachment_id"], ["attachments.client_id", "attachments.id"]
        ),
    )
