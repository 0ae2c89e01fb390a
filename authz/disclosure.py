"""Which rows of a list a caller may see a field of: the rows a filter on that field may
match.

A list filtered on a guarded field (decisions by their period) must not tell a caller
anything about a value withheld from them: a row whose field the caller may not see is
left out of the filtered list, whatever its value. A row's field is disclosed when the
decision on the row's main category, for the row's kind and ownership, allows it, and no
prohibition of that very row takes it away.
"""

import uuid
from dataclasses import dataclass

from sqlalchemy import and_, false, or_

from authz.guard import ClientAccess, Guard
from authz.principal import Principal
from authz.rows import Condition, Kind, RowRule, Visible
from ledger.state import RowRef


@dataclass(frozen=True)
class Disclosed:
    """For one client: the (kind, own) classes whose main-category fields the caller may
    see, each with the ids of its rows a row prohibition withholds. Hashable."""

    classes: frozenset[tuple[Kind, bool, frozenset[uuid.UUID]]]
    audit_only: bool

    def where(self, rule: RowRule, principal: Principal) -> Condition:
        """The same, in SQL."""
        clauses = []
        for kind, own, withheld in self.classes:
            clause = rule.where(principal, Visible(frozenset({(kind, own)}), self.audit_only))
            if withheld:
                clause = and_(clause, rule.model.id.not_in(sorted(withheld)))  # type: ignore[attr-defined]
            clauses.append(clause)
        return or_(false(), *clauses)


def disclosed(
    rule: RowRule, guard: Guard, access: ClientAccess, kinds: tuple[Kind, ...] | None = None
) -> Disclosed:
    named = _prohibited_rows(rule, access)
    classes = set()
    for kind in rule.kinds if kinds is None else kinds:
        category = rule.categories_of(kind)[0]
        for own in (True, False):
            if not guard.decide(access, category, own=own).allowed:
                continue
            withheld = frozenset(
                key
                for key, ref in named
                if not guard.decide(access, category, own=own, row=ref).allowed
            )
            classes.add((kind, own, withheld))
    return Disclosed(frozenset(classes), access.audit_only)


def _prohibited_rows(rule: RowRule, access: ClientAccess) -> list[tuple[uuid.UUID, RowRef]]:
    """The rows of the rule's type that a prohibition names (in force or not: the guard
    decides which count)."""
    if rule.row_type is None or not access.consent.has_row_prohibitions:
        return []
    found = []
    for prohibition in access.consent.prohibitions:
        ref = prohibition.row
        if ref is None or ref.type != rule.row_type.value:
            continue
        try:
            found.append((uuid.UUID(ref.id), ref))
        except ValueError:
            continue
    return found
