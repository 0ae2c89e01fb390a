import uuid
from datetime import datetime

from sqlalchemy import String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from schema.base import Base, UTCDateTime


class IdempotencyKey(Base):
    """An issuer's external id and the record it names: the idempotency of
    ``recordDecision`` (issuer + externalId), ``sendNotice`` (sender + externalId) and
    ``recordApplication`` (recording organisation + externalId).

    The rule is global — one external id of an issuer names one record, whichever client
    it is about — so it lives here, keyed and distributed by the external id, and is
    inserted in the transaction that writes the record (``kind`` says which table).
    No foreign key ties it to the record, as a distributed table keyed otherwise cannot
    have one."""

    __tablename__ = "idempotency_keys"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    issuer: Mapped[str] = mapped_column(String(64), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
