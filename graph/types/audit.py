"""A dpo's review of the access log over a period: the summary and the signals."""

from datetime import datetime

import strawberry

from graph.context import Context
from graph.organisations import Organisations
from graph.services.access_review import Reviewed
from graph.types.organisation import Organisation
from schema.enums import DataCategory


def _organisation(orgs: Organisations, org: str | None) -> Organisation | None:
    return None if org is None or org not in orgs else Organisation.from_record(orgs[org])


@strawberry.type(description="Allowed and denied decisions of one organisation on one category.")
class AccessTally:
    organisation: Organisation | None = strawberry.field(
        description="The deciding caller's organisation; null for persons without one."
    )
    category: DataCategory
    allowed: int = strawberry.field(description="Access-log rows allowed.")
    denied: int = strawberry.field(description="Access-log rows denied.")


@strawberry.type(
    description="A client relationship opened by registering a personal identity code that "
    "already was a client (the REGISTRATION basis): the organisation learnt of the client "
    "by asserting it has them."
)
class RegistrationSignal:
    client_id: strawberry.ID = strawberry.field(description="The client (Client.id).")
    organisation: Organisation = strawberry.field(description="Whose relationship it opened.")
    opened_at: datetime
    opened_by: str = strawberry.field(description="The subject (token sub) who registered.")
    purpose: str | None = strawberry.field(description="The purpose stated when it was opened.")


@strawberry.type(
    description="An ORAL grant recorded by staff of the grantee itself: the organisation "
    "vouches for its own permission (ConsentGrant.selfRecorded)."
)
class SelfRecordedSignal:
    client_id: strawberry.ID = strawberry.field(description="The client (Client.id).")
    seq: int = strawberry.field(description="The GRANT event's seq in the client's ledger.")
    event_id: strawberry.ID = strawberry.field(description="The event (ConsentEvent.id).")
    grantee: Organisation
    categories: list[DataCategory]
    recorded_at: datetime
    withdrawn_at: datetime | None


@strawberry.type(
    description="A burst of denials: at least INFOCAP_AUDIT_BURST_DENIALS refusals of one "
    "subject within INFOCAP_AUDIT_BURST_SECONDS (a refusal: a request refused something "
    "about one client; overlapping windows merge)."
)
class DenialBurst:
    subject: str = strawberry.field(description="The token subject refused.")
    organisation: Organisation | None
    start: datetime = strawberry.field(description="The first refusal of the burst.")
    end: datetime = strawberry.field(description="The last refusal of the burst.")
    denials: int = strawberry.field(description="Refusals in the burst.")
    clients: int = strawberry.field(description="Distinct clients they concerned.")


@strawberry.type(
    description="Reads of a client's data by one subject while the client's identity was "
    "protected (as the client's history of the flag says)."
)
class ProtectedIdentityRead:
    client_id: strawberry.ID = strawberry.field(description="The client (Client.id).")
    subject: str = strawberry.field(description="The token subject who read.")
    organisation: Organisation | None
    requests: int = strawberry.field(description="Requests that read something of the client.")
    first: datetime
    last: datetime


@strawberry.type(
    description="A dpo's review of its organisation's access-log rows over a period (and "
    "the registrations of its clients by others): allowed and denied per organisation and "
    "category, and the signals a data-protection officer looks for. See docs/audit.md."
)
class AccessSummary:
    from_: datetime = strawberry.field(name="from", description="The period's start.")
    to: datetime = strawberry.field(description="The period's end (excluded).")
    tallies: list[AccessTally] = strawberry.field(
        description="Per organisation and category, in that order."
    )
    registrations: list[RegistrationSignal] = strawberry.field(
        description="Client relationships opened by registration: by the organisation, and "
        "by others with a client it has a relationship with."
    )
    self_recorded_consents: list[SelfRecordedSignal] = strawberry.field(
        description="ORAL grants to the organisation recorded by its own staff."
    )
    denial_bursts: list[DenialBurst] = strawberry.field(
        description="Bursts of denials of the organisation's callers."
    )
    protected_identity_reads: list[ProtectedIdentityRead] = strawberry.field(
        description="The organisation's reads of clients with a protected identity."
    )

    @classmethod
    def of(cls, found: Reviewed, ctx: Context) -> "AccessSummary":
        orgs, signals = ctx.organisations, found.signals
        return cls(
            from_=found.since,
            to=found.until,
            tallies=[
                AccessTally(
                    organisation=_organisation(orgs, t.organisation_id),
                    category=t.category,
                    allowed=t.allowed,
                    denied=t.denied,
                )
                for t in found.tallies
            ],
            registrations=[
                RegistrationSignal(
                    client_id=strawberry.ID(str(s.client_id)),
                    organisation=Organisation.from_record(orgs[s.organisation_id]),
                    opened_at=s.opened_at,
                    opened_by=s.opened_by_sub,
                    purpose=s.purpose,
                )
                for s in signals.opened
            ],
            self_recorded_consents=[
                SelfRecordedSignal(
                    client_id=strawberry.ID(str(s.client_id)),
                    seq=s.seq,
                    event_id=strawberry.ID(str(s.event_id)),
                    grantee=Organisation.from_record(orgs[s.grantee]),
                    categories=sorted(DataCategory(c) for c in s.categories),
                    recorded_at=s.recorded_at,
                    withdrawn_at=s.withdrawn_at,
                )
                for s in signals.self_recorded
            ],
            denial_bursts=[
                DenialBurst(
                    subject=b.subject,
                    organisation=_organisation(orgs, b.organisation_id),
                    start=b.start,
                    end=b.end,
                    denials=b.denials,
                    clients=len(b.clients),
                )
                for b in signals.bursts
            ],
            protected_identity_reads=[
                ProtectedIdentityRead(
                    client_id=strawberry.ID(str(r.client_id)),
                    subject=r.subject,
                    organisation=_organisation(orgs, r.organisation_id),
                    requests=r.requests,
                    first=r.first,
                    last=r.last,
                )
                for r in signals.protected_reads
            ],
        )
