"""The client's access log: who saw or changed which category, and on what basis."""

from datetime import datetime

import strawberry

from authz import rows
from authz.guard import ClientAccess
from graph.context import Context, Info
from graph.types.connection import Connection
from graph.types.enums import Basis
from graph.types.guarding import Redaction, Scope, guarded, guarded_resolver, redactions_field
from graph.types.organisation import Organisation
from ledger.state import Grant, Prohibition
from schema.enums import AccessAction, DataCategory
from schema.models import AccessLogEntry as AccessLogRow

ACCESS_LOG = DataCategory.ACCESS_LOG


@strawberry.type(
    description="Who saw or changed which category of the client's data, and on what basis."
)
class AccessLogEntry:
    id: strawberry.ID
    scope: strawberry.Private[Scope]
    row: strawberry.Private[AccessLogRow]
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
    policy_hash: str | None = guarded(ACCESS_LOG)

    def _known(self, item: Grant | Prohibition | None, info: Info) -> bool:
        access = self.scope.access
        return item is not None and rows.CONSENT_RULE.knowable(info.context.guard, access, item)

    async def grant_known(self, info: Info) -> bool:
        seq = self.row.consent_seq
        return seq is None or self._known(self.scope.access.consent.grant(seq), info)

    async def prohibition_known(self, info: Info) -> bool:
        seq = self.row.prohibition_seq
        return seq is None or self._known(self.scope.access.consent.prohibition(seq), info)

    @guarded_resolver(
        ACCESS_LOG,
        link=lambda entry, info: entry.grant_known(info),
        description="The grant that allowed it (to those who may see that grant).",
    )
    async def consent_seq(self) -> int | None:
        return self.row.consent_seq

    @guarded_resolver(
        ACCESS_LOG,
        link=lambda entry, info: entry.prohibition_known(info),
        description="The prohibition that blocked it (to those who may see that prohibition).",
    )
    async def prohibition_seq(self) -> int | None:
        return self.row.prohibition_seq

    @classmethod
    def from_row(cls, row: AccessLogRow, access: ClientAccess, ctx: Context) -> "AccessLogEntry":
        org = row.organisation_id
        return cls(
            id=strawberry.ID(str(row.id)),
            scope=Scope(access),
            row=row,
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
            policy_hash=row.policy_hash,
        )


@strawberry.type(name="AccessLogConnection")
class AccessLogConnection(Connection[AccessLogEntry]):
    """The name front-end teams build against (``api.graphql``)."""
