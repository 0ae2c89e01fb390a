from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from schema.base import Base, UTCDateTime
from schema.columns import BigId


class PolicyChange(Base):
    """A policy put in force: at start when it differs from the last one recorded, or on a
    reload (SIGHUP, or ``reloadPolicy`` by a dpo of Kela).

    Append-only: the database refuses changes. Reference data, not a client's: every
    access-log row names the ``policy_hash`` it was decided under, and ``new_sha256`` with
    ``policy`` here tells what that policy said.
    """

    __tablename__ = "policy_changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    how: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str | None] = mapped_column(String(200))
    organisation_id: Mapped[str | None] = mapped_column(String(64))
    azp: Mapped[str | None] = mapped_column(String(200))
    process: Mapped[str] = mapped_column(String(200))
    old_sha256: Mapped[str | None] = mapped_column(String(64))
    new_sha256: Mapped[str] = mapped_column(String(64))
    policy: Mapped[str] = mapped_column(Text)
