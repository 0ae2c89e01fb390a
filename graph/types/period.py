"""A list's period filter: the decisions whose period overlaps the one asked for."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, or_

from authz import rows
from authz.disclosure import Disclosed
from authz.principal import Principal
from graph.errors import BadUserInput
from schema.models import Decision


@dataclass(frozen=True)
class DecisionPeriod:
    """``[start, end]`` (days, both included; ``None`` unbounded), over the decisions whose
    period the caller may see (``disclosed``)."""

    start: date | None
    end: date | None
    disclosed: Disclosed

    @classmethod
    def of(cls, start: date | None, end: date | None, disclosed: Disclosed) -> "DecisionPeriod":
        if start is not None and end is not None and start > end:
            raise BadUserInput("periodFrom is after periodTo")
        return cls(start, end, disclosed)

    def where(self, principal: Principal) -> ColumnElement[bool]:
        conditions: list[ColumnElement[bool]] = [Decision.period_start.is_not(None)]
        if self.end is not None:
            conditions.append(Decision.period_start <= self.end)
        if self.start is not None:
            conditions.append(or_(Decision.period_end.is_(None), Decision.period_end >= self.start))
        return and_(self.disclosed.where(rows.DECISION, principal), *conditions)
