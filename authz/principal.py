"""The verified caller, and which roles each kind of organisation can hold."""

from dataclasses import dataclass
from datetime import datetime

from schema.enums import OrganisationType, Role

KELA_ROLES = frozenset({Role.kela_handler, Role.kela_advisor})
COUNTY_ROLES = frozenset({Role.social_worker, Role.social_counsellor})
STAFF_ROLES = KELA_ROLES | COUNTY_ROLES
PERSON_ROLES = frozenset({Role.client, Role.guardian})
ORGANISATION_ROLES = STAFF_ROLES | {Role.dpo}

ROLE_ORGANISATION_TYPES: dict[Role, frozenset[OrganisationType]] = {
    Role.kela_handler: frozenset({OrganisationType.KELA}),
    Role.kela_advisor: frozenset({OrganisationType.KELA}),
    Role.social_worker: frozenset(
        {OrganisationType.WELLBEING_COUNTY, OrganisationType.MUNICIPALITY}
    ),
    Role.social_counsellor: frozenset(
        {OrganisationType.WELLBEING_COUNTY, OrganisationType.MUNICIPALITY}
    ),
    Role.dpo: frozenset(OrganisationType),
}


@dataclass(frozen=True)
class Principal:
    subject: str
    roles: frozenset[Role]
    organisation_id: str | None
    organisation_type: OrganisationType | None
    person: str | None
    azp: str | None = None
    name: str | None = None
    expires_at: datetime | None = None
    """The token's ``exp``: a live subscription ends then."""

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    @property
    def staff_roles(self) -> frozenset[Role]:
        return self.roles & STAFF_ROLES


def misfitting_roles(
    roles: frozenset[Role], organisation_type: OrganisationType | None
) -> list[Role]:
    """Roles that an organisation of this type cannot hold (person roles fit anywhere)."""
    return sorted(
        (
            role
            for role in roles
            if role in ROLE_ORGANISATION_TYPES
            and organisation_type not in ROLE_ORGANISATION_TYPES[role]
        ),
        key=lambda r: r.value,
    )
