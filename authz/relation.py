"""Relation to a client: the first question of every access decision. Pure; no I/O.

A principal's roles become policy subjects only where the relation holds: ``client``
only for the client themself, ``guardian`` only with an active guardianship (and then as
``guardian:FULL`` or ``guardian:ECON``), county roles only for clients their organisation
has a client relationship with (the responsible organiser always has one) and clients it
sent or received a notice about, Kela roles and ``dpo`` for everyone.
"""

import uuid
from dataclasses import dataclass
from enum import StrEnum

from authz.principal import COUNTY_ROLES, KELA_ROLES, Principal
from schema.enums import GuardianshipKind, Role


class Relation(StrEnum):
    SELF = "SELF"
    GUARDIAN = "GUARDIAN"
    KELA = "KELA"
    COUNTY = "COUNTY"
    AUDIT = "AUDIT"


FULL_GUARDIANSHIPS = frozenset({GuardianshipKind.PARENT_OF_MINOR, GuardianshipKind.GUARDIAN_FULL})
GUARDIAN_FULL = "guardian:FULL"
GUARDIAN_ECON = "guardian:ECON"


@dataclass(frozen=True)
class ClientFacts:
    """What the relation depends on, for one client and the asking principal.

    ``organiser_id`` is the responsible organiser, ``relationships`` every organisation
    with an open client relationship (the responsible organiser's included);
    ``guardianships`` and ``notice_party`` are the asking principal's. For a dpo,
    ``log_named`` are the ledger seqs its organisation's access-log rows name (the grant
    that allowed, the prohibition that blocked), and ``audited_ends`` the seqs of the
    events that ended a grant or prohibition it audits (``rows.py``)."""

    client_id: uuid.UUID
    organiser_id: str
    personal_id: str
    protected_identity: bool
    guardianships: frozenset[GuardianshipKind] = frozenset()
    notice_party: bool = False
    relationships: frozenset[str] = frozenset()
    log_named: frozenset[int] = frozenset()
    audited_ends: frozenset[int] = frozenset()

    def related(self, organisation_id: str | None) -> bool:
        """The organisation has an open client relationship with the client."""
        return organisation_id is not None and organisation_id in self.relationships


@dataclass(frozen=True)
class Subject:
    """A policy subject the principal acts as towards one client."""

    name: str
    relation: Relation | None
    role: Role


def owns(organisation_id: str | None, principal: Principal) -> bool:
    """The organisation is the principal's own (no organisation is nobody's)."""
    return organisation_id is not None and organisation_id == principal.organisation_id


def guardian_subjects(kinds: frozenset[GuardianshipKind]) -> list[str]:
    names = []
    if kinds & FULL_GUARDIANSHIPS:
        names.append(GUARDIAN_FULL)
    if GuardianshipKind.GUARDIAN_ECONOMIC in kinds:
        names.append(GUARDIAN_ECON)
    return names


def subjects(principal: Principal, facts: ClientFacts) -> tuple[Subject, ...]:
    """The subjects under which ``principal`` relates to the client; empty for no relation."""
    found: list[Subject] = []
    for role in sorted(principal.roles, key=lambda r: r.value):
        if role == Role.client:
            if principal.person is not None and principal.person == facts.personal_id:
                found.append(Subject(role.value, Relation.SELF, role))
        elif role == Role.guardian:
            found.extend(
                Subject(name, Relation.GUARDIAN, role)
                for name in guardian_subjects(facts.guardianships)
            )
        elif role in KELA_ROLES:
            found.append(Subject(role.value, Relation.KELA, role))
        elif role in COUNTY_ROLES:
            if facts.related(principal.organisation_id) or facts.notice_party:
                found.append(Subject(role.value, Relation.COUNTY, role))
        elif role == Role.dpo:
            found.append(Subject(role.value, Relation.AUDIT, role))
    return tuple(found)
