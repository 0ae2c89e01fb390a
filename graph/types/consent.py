"""The consent ledger's events, and the grants and prohibitions they add up to."""

import json
from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from authz.guard import ClientAccess
from graph.context import Context
from graph.types.guarding import Redaction, Scope, guarded, redactions_field
from graph.types.organisation import Organisation
from ledger.state import Grant, Prohibition
from schema.enums import ConsentEventType, ConsentMethod, DataCategory
from schema.models import ConsentEvent as ConsentEventRow

CONSENT = DataCategory.CONSENT


@strawberry.type
class ConsentActor:
    subject: str
    organisation: str | None
    roles: list[str]


@strawberry.type
class ConsentGrantor:
    kind: str
    personal_id: str | None


@strawberry.type(description="One event of the client's consent ledger, as hashed.")
class ConsentEvent:
    id: strawberry.ID
    scope: strawberry.Private[Scope]
    redactions: list[Redaction] = redactions_field()
    client_id: strawberry.ID | None = guarded(CONSENT)
    seq: int | None = guarded(CONSENT)
    type: ConsentEventType | None = guarded(CONSENT)
    at: datetime | None = guarded(CONSENT)
    actor: ConsentActor | None = guarded(CONSENT)
    grantor: ConsentGrantor | None = guarded(CONSENT)
    body: JSON | None = guarded(CONSENT)
    prev: str | None = guarded(CONSENT)
    hash: str | None = guarded(CONSENT)
    canonical: str | None = guarded(CONSENT, description="The exact text that was hashed.")

    @classmethod
    def from_row(cls, row: ConsentEventRow, access: ClientAccess) -> "ConsentEvent":
        event = json.loads(row.canonical)
        grantor = event["grantor"]
        actor = event["actor"]
        return cls(
            id=strawberry.ID(str(row.id)),
            scope=Scope(access),
            client_id=strawberry.ID(event["client"]),
            seq=row.seq,
            type=row.type,
            at=row.at,
            actor=ConsentActor(
                subject=actor["sub"], organisation=actor["org"], roles=list(actor["roles"])
            ),
            grantor=None
            if grantor is None
            else ConsentGrantor(kind=grantor["kind"], personal_id=grantor.get("person")),
            body=event["body"],
            prev=row.prev,
            hash=row.hash,
            canonical=row.canonical,
        )


@strawberry.type(description="A grant in the client's ledger, as it stands now.")
class ConsentGrant:
    scope: strawberry.Private[Scope]
    redactions: list[Redaction] = redactions_field()
    seq: int | None = guarded(CONSENT)
    grantee: Organisation | None = guarded(CONSENT)
    categories: list[DataCategory] | None = guarded(CONSENT)
    purpose: str | None = guarded(CONSENT)
    method: ConsentMethod | None = guarded(CONSENT)
    valid_from: datetime | None = guarded(CONSENT)
    valid_until: datetime | None = guarded(CONSENT)
    recorded_at: datetime | None = guarded(CONSENT)
    withdrawn_at: datetime | None = guarded(CONSENT)
    in_force: bool | None = guarded(CONSENT, description="Valid now and not withdrawn.")

    @classmethod
    def from_grant(cls, grant: Grant, access: ClientAccess, ctx: Context) -> "ConsentGrant":
        return cls(
            scope=Scope(access),
            seq=grant.seq,
            grantee=Organisation.from_record(ctx.organisations[grant.grantee]),
            categories=sorted(DataCategory(c) for c in grant.categories),
            purpose=grant.purpose,
            method=None if grant.method is None else ConsentMethod(grant.method),
            valid_from=grant.valid_from,
            valid_until=grant.valid_until,
            recorded_at=grant.recorded_at,
            withdrawn_at=grant.ended_at,
            in_force=grant.in_force(ctx.now),
        )


@strawberry.type(description="A prohibition of disclosure in the client's ledger.")
class ConsentProhibition:
    scope: strawberry.Private[Scope]
    redactions: list[Redaction] = redactions_field()
    seq: int | None = guarded(CONSENT)
    organisation: Organisation | None = guarded(CONSENT)
    category: DataCategory | None = guarded(CONSENT)
    row_type: str | None = guarded(CONSENT)
    row_id: str | None = guarded(CONSENT)
    recorded_at: datetime | None = guarded(CONSENT)
    lifted_at: datetime | None = guarded(CONSENT)
    in_force: bool | None = guarded(CONSENT)

    @classmethod
    def from_prohibition(
        cls, item: Prohibition, access: ClientAccess, ctx: Context
    ) -> "ConsentProhibition":
        org = item.organisation
        return cls(
            scope=Scope(access),
            seq=item.seq,
            organisation=None if org is None else Organisation.from_record(ctx.organisations[org]),
            category=None if item.category is None else DataCategory(item.category),
            row_type=None if item.row is None else item.row.type,
            row_id=None if item.row is None else item.row.id,
            recorded_at=item.recorded_at,
            lifted_at=item.ended_at,
            in_force=item.in_force(ctx.now),
        )


@strawberry.input(description="A grant: the client allows the grantee to see the categories.")
class ConsentGrantInput:
    client_id: strawberry.ID
    grantee_id: strawberry.ID
    categories: list[DataCategory]
    purpose: str
    valid_from: datetime | None = strawberry.field(default=None, description="Defaults to now.")
    valid_until: datetime | None = None
    method: ConsentMethod = ConsentMethod.ELECTRONIC
    evidence_attachment_id: strawberry.ID | None = None


@strawberry.input(description="Exactly one target: an organisation, a category, or one row.")
class ProhibitionInput:
    client_id: strawberry.ID
    organisation_id: strawberry.ID | None = None
    category: DataCategory | None = None
    row_type: str | None = strawberry.field(
        default=None, description="APPLICATION, DECISION, ATTACHMENT or NOTICE."
    )
    row_id: strawberry.ID | None = None
    method: ConsentMethod = ConsentMethod.ELECTRONIC
