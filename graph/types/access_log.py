from datetime import datetime

import strawberry

from authz.guard import ClientAccess
from graph.context import Context
from graph.types.connection import Connection
from graph.types.enums import Basis
from graph.types.guarding import Redaction, Scope, guarded, redactions_field
from graph.types.organisation import Organisation
from schema.enums import AccessAction, DataCategory
from schema.models import AccessLogEntry as AccessLogRow

ACCESS_LOG = DataCategory.ACCESS_LOG


@strawberry.type(
    description="Who saw or changed which category of the client's data, and on what basis."
)
class AccessLogEntry:
    id: strawberry.ID
    scope: strawberry.Private[Scope]
    redactions: list[Redaction] = redactions_field()
    at: datetime | None = guarded(ACCESS_LOG)
    request_id: str | None = guarded(ACCESS_LOG)
    subject: str | None = guarded(ACCESS_LOG)
    subject_name: str | None = guarded(ACCESS_LOG)
    organisation: Organisation | None = guarded(ACCESS_LOG)
    roles: list[str] | None = guarded(ACCESS_LOG)
    system: str | None = guarded(ACCESS_LOG, description="The calling system (the token's azp).")
    category: DataCategory | None = guarded(ACCESS_LOG)
    action: AccessAction | None = guarded(ACCESS_LOG)
    allowed: bool | None = guarded(ACCESS_LOG)
    basis: Basis | None = guarded(ACCESS_LOG)
    reason: str | None = guarded(ACCESS_LOG)
    policy_rule: str | None = guarded(ACCESS_LOG, description="The policy line that decided.")
    consent_seq: int | None = guarded(ACCESS_LOG, description="The grant that allowed it.")
    prohibition_seq: int | None = guarded(
        ACCESS_LOG, description="The prohibition that blocked it."
    )
    policy_hash: str | None = guarded(ACCESS_LOG)

    @classmethod
    def from_row(cls, row: AccessLogRow, access: ClientAccess, ctx: Context) -> "AccessLogEntry":
        org = row.organisation_id
        return cls(
            id=strawberry.ID(str(row.id)),
            scope=Scope(access),
            at=row.at,
            request_id=str(row.request_id),
            subject=row.subject,
            subject_name=row.subject_name,
            organisation=None if org is None else Organisation.from_record(ctx.organisations[org]),
            roles=row.roles.split(",") if row.roles else [],
            system=row.azp,
            category=row.category,
            action=row.action,
            allowed=row.allowed,
            basis=None if row.basis is None else Basis(row.basis),
            reason=row.reason,
            policy_rule=row.policy_rule,
            consent_seq=row.consent_seq,
            prohibition_seq=row.prohibition_seq,
            policy_hash=row.policy_hash,
        )


@strawberry.type(name="AccessLogConnection")
class AccessLogConnection(Connection[AccessLogEntry]):
    """The name front-end teams build against (``api.graphql``)."""
