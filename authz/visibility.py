"""Which clients exist for a principal, as one SQL condition (for lists and search).

It states in SQL what ``relation.subjects`` states for one client; a test holds the two
to the same answers.
"""

from datetime import date

from sqlalchemy import ColumnElement, false, or_, select, true

from authz.facts import active_guardianship
from authz.principal import COUNTY_ROLES, KELA_ROLES, Principal
from schema.enums import Role
from schema.models import Client, ClientRelationship, Guardianship, Notice, PersonalIdIndex
from schema.models.client import personal_id_lookup
from schema.pii import Keyring


def visible_clients(principal: Principal, today: date, pii: Keyring) -> ColumnElement[bool]:
    roles = principal.roles
    if roles & KELA_ROLES or Role.dpo in roles:
        return true()
    clauses: list[ColumnElement[bool]] = []
    org = principal.organisation_id
    if roles & COUNTY_ROLES and org:
        clauses.append(
            Client.id.in_(
                select(ClientRelationship.client_id).where(
                    ClientRelationship.organisation_id == org
                )
            )
        )
        clauses.append(
            Client.id.in_(
                select(Notice.client_id).where(
                    or_(Notice.sender_id == org, Notice.recipient_id == org)
                )
            )
        )
    if Role.client in roles and principal.person:
        own = select(PersonalIdIndex.client_id).where(
            PersonalIdIndex.lookup == personal_id_lookup(principal.person, pii)
        )
        clauses.append(Client.id == own.scalar_subquery())
    if Role.guardian in roles and principal.person:
        clauses.append(
            Client.id.in_(
                select(Guardianship.ward_id).where(
                    *active_guardianship(pii.lookup(principal.person), today)
                )
            )
        )
    return or_(*clauses) if clauses else false()
