from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from schema.base import Base
from schema.columns import enum_of
from schema.enums import OrganisationType


class Organisation(Base):
    """Kela, Helsinki and the 21 wellbeing services counties (reference data)."""

    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[OrganisationType] = mapped_column(enum_of(OrganisationType))
    name_fi: Mapped[str] = mapped_column(String(200))
    name_sv: Mapped[str] = mapped_column(String(200))
