"""The rows the hot reads return: plain frozen records of a table's columns.

The loaders read the lists a response shows (decisions, notices, attachments, their
calculation rows, …) with Core statements built once, and map each row into one of these
records: no ORM identity map, instrumented attributes or lazy loading, and nothing a
resolver could change by accident. Each record has exactly its table's columns, in
order (``tests/graph/test_records.py``), so a statement reads ``columns(Record)``.

A type built from a row takes either its record or its ORM row (what a mutation just
wrote), which have the same attributes.
"""

import uuid
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, ClassVar, Self, cast

from sqlalchemy import ColumnElement, Row, Table

from schema.enums import (
    ApplicationChannel,
    ApplicationStatus,
    AttachmentKind,
    Authority,
    CalculationRowType,
    DecisionKind,
    DecisionOutcome,
    GuardianshipKind,
    NoticeOutcome,
    NoticeStatus,
    NoticeType,
    PlanStatus,
    PlanType,
    RelationshipOrigin,
)
from schema.models import (
    Application,
    Attachment,
    CalculationRow,
    ClientRelationship,
    ContactPerson,
    Decision,
    DigitalProfile,
    Guardianship,
    Notice,
    PaymentCommitment,
    PlanVersion,
)


class Record:
    """A record type: ``table`` is the table whose columns are its fields."""

    __slots__ = ()
    table: ClassVar[Table]

    @classmethod
    def columns(cls) -> tuple[ColumnElement[Any], ...]:
        """The table's columns, in the record's order."""
        found = _COLUMNS.get(cls)
        if found is None:
            found = _COLUMNS[cls] = tuple(cls.table.c[f.name] for f in fields(cls))  # type: ignore[arg-type]
        return found

    @classmethod
    def of(cls, row: Row[Any] | tuple[Any, ...]) -> Self:
        """The record of a row that read ``columns()``, in order."""
        return cls(*row)


_COLUMNS: dict[type[Record], tuple[ColumnElement[Any], ...]] = {}


@dataclass(frozen=True, slots=True)
class DecisionRecord(Record):
    table = cast(Table, Decision.__table__)
    client_id: uuid.UUID
    id: uuid.UUID
    issuer_id: str
    authority: Authority
    kind: DecisionKind
    external_id: str
    application_id: uuid.UUID | None
    decided_at: datetime
    period_start: date | None
    period_end: date | None
    outcome: DecisionOutcome
    total_amount_cents: int
    grounds: str | None
    reduction_percent: int | None
    reduction_grounds: str | None
    reduction_until: date | None
    content_hash: str
    recorded_at: datetime
    recorded_by_sub: str


@dataclass(frozen=True, slots=True)
class CalculationRecord(Record):
    table = cast(Table, CalculationRow.__table__)
    client_id: uuid.UUID
    id: uuid.UUID
    decision_id: uuid.UUID
    position: int
    type: CalculationRowType
    description: str
    amount_cents: int


@dataclass(frozen=True, slots=True)
class CommitmentRecord(Record):
    table = cast(Table, PaymentCommitment.__table__)
    client_id: uuid.UUID
    id: uuid.UUID
    decision_id: uuid.UUID
    position: int
    payee: str
    purpose: str
    amount_cents: int
    valid_until: date | None


@dataclass(frozen=True, slots=True)
class NoticeRecord(Record):
    table = cast(Table, Notice.__table__)
    client_id: uuid.UUID
    id: uuid.UUID
    type: NoticeType
    sender_id: str
    recipient_id: str
    external_id: str
    detail: str | None
    status: NoticeStatus
    outcome: NoticeOutcome | None
    sent_at: datetime
    due_at: datetime
    consent_seq: int | None
    content_hash: str
    sent_by_sub: str
    responsible_name: str | None
    responsible_title: str | None
    responsible_phone: str | None
    responsible_email: str | None


@dataclass(frozen=True, slots=True)
class ApplicationRecord(Record):
    table = cast(Table, Application.__table__)
    client_id: uuid.UUID
    id: uuid.UUID
    external_id: str | None
    received_at: datetime
    channel: ApplicationChannel
    status: ApplicationStatus
    urgent: bool
    urgency_grounds: str | None
    urgency_assessed_by: str | None
    urgency_assessed_at: datetime | None
    recorded_at: datetime
    recorded_by_org: str
    content_hash: str


@dataclass(frozen=True, slots=True)
class AttachmentRecord(Record):
    table = cast(Table, Attachment.__table__)
    client_id: uuid.UUID
    id: uuid.UUID
    kind: AttachmentKind
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    uploaded_by_org: str | None
    uploaded_by_sub: str
    uploaded_by_role: str
    application_id: uuid.UUID | None
    decision_id: uuid.UUID | None
    plan_version_id: uuid.UUID | None
    notice_id: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class PlanRecord(Record):
    table = cast(Table, PlanVersion.__table__)
    client_id: uuid.UUID
    id: uuid.UUID
    version: int
    type: PlanType
    status: PlanStatus
    content: dict[str, Any]
    kela_special_service_planned: bool
    kela_special_service_note: str | None
    next_follow_up: date | None
    organiser_id: str
    saved_at: datetime
    saved_by_sub: str
    saved_by_name: str | None


@dataclass(frozen=True, slots=True)
class GuardianshipRecord(Record):
    table = cast(Table, Guardianship.__table__)
    ward_id: uuid.UUID
    id: uuid.UUID
    guardian_cipher: str
    guardian_hash: str
    kind: GuardianshipKind
    valid_from: date
    valid_until: date | None
    recorded_at: datetime
    source: str


@dataclass(frozen=True, slots=True)
class ContactPersonRecord(Record):
    table = cast(Table, ContactPerson.__table__)
    client_id: uuid.UUID
    id: uuid.UUID
    organisation_id: str
    name: str
    title: str | None
    phone: str | None
    email: str | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class DigitalProfileRecord(Record):
    table = cast(Table, DigitalProfile.__table__)
    client_id: uuid.UUID
    id: uuid.UUID
    has_equipment: bool
    has_skills: bool
    recorded_at: datetime
    recorded_by_org: str | None


@dataclass(frozen=True, slots=True)
class RelationshipRecord(Record):
    table = cast(Table, ClientRelationship.__table__)
    client_id: uuid.UUID
    organisation_id: str
    responsible: bool
    origin: RelationshipOrigin
    opened_at: datetime
    opened_by_sub: str
    opened_by_org: str
    purpose: str | None
