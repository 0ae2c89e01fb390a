import strawberry

from authz.principal import Principal as PrincipalRecord
from graph.organisations import Organisations
from graph.types.organisation import Organisation
from schema.enums import Role


@strawberry.type(description="The caller, as their verified token states.")
class Principal:
    subject: str
    name: str | None
    roles: list[Role]
    organisation: Organisation | None
    personal_id: str | None = strawberry.field(
        description="For the client and guardian roles: the caller's own code."
    )
    system: str | None = strawberry.field(description="The calling system (the token's azp).")
    policy_sha256: str = strawberry.field(
        description="The SHA-256 of the policy file this request is decided under (the "
        "access log's policyHash)."
    )

    @classmethod
    def from_record(
        cls, principal: PrincipalRecord, organisations: Organisations, policy_sha256: str
    ) -> "Principal":
        org = principal.organisation_id
        return cls(
            subject=principal.subject,
            name=principal.name,
            roles=sorted(principal.roles, key=lambda r: r.value),
            organisation=None if org is None else Organisation.from_record(organisations[org]),
            personal_id=principal.person,
            system=principal.azp,
            policy_sha256=policy_sha256,
        )
