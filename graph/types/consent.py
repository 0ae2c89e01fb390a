"""The consent ledger's events, and the grants and prohibitions they add up to."""

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import select
from strawberry.scalars import JSON

from authz import rows
from authz.guard import ClientAccess
from authz.rows import RowRule
from graph.context import Context, Info
from graph.types.guarding import (
    Redaction,
    Scope,
    guarded,
    guarded_resolver,
    knowable_row,
    redactions_field,
    resolver_field,
)
from graph.types.organisation import Organisation
from ledger.service import GUARDIANSHIP_PREFIX
from ledger.state import Grant, Prohibition, RowRef, self_recorded
from schema.enums import ConsentEventType, ConsentMethod, DataCategory, RowType
from schema.models import ConsentEvent as ConsentEventRow
from schema.models import Guardianship as GuardianshipRow
from schema.pii import GUARDIAN_CODE

CONSENT = DataCategory.CONSENT
ROW_TYPES = frozenset(r.value for r in RowType)
Named = tuple[RowRule, uuid.UUID | None]
"""A row an event or a prohibition names: its type's rules and its id (``None`` for an id
that is not one, which names nothing the caller may know of)."""


def _named_row(ref: RowRef | None) -> Named | None:
    if ref is None:
        return None
    rule = rows.BY_ROW_TYPE.get(RowType(ref.type)) if ref.type in ROW_TYPES else None
    if rule is None:
        return None
    try:
        return rule, uuid.UUID(ref.id)
    except ValueError:
        return rule, None


def _named_by_event(event: Mapping[str, Any]) -> Named | None:
    """The row an event's body names: a grant's evidence attachment, a row prohibition's
    target."""
    body = event["body"]
    if event["type"] == ConsentEventType.GRANT and body.get("evidenceAttachmentId"):
        return _named_row(RowRef(RowType.ATTACHMENT.value, body["evidenceAttachmentId"]))
    target = body.get("target") if event["type"] == ConsentEventType.PROHIBIT else None
    if target is not None and target.get("kind") == "ROW":
        return _named_row(RowRef(target["rowType"], target["rowId"]))
    return None


async def _knowable(named: Named | None, access: ClientAccess, info: Info) -> bool:
    if named is None:
        return True
    rule, key = named
    if key is None:
        return False
    known = knowable_row(info, access, rule, key)  # a row an event names: read
    return known if isinstance(known, bool) else await known


@strawberry.type
class ConsentActor:
    subject: str
    organisation: str | None
    roles: list[str]


@strawberry.type
class ConsentGrantor:
    kind: str
    person: strawberry.Private[str | None]
    scope: strawberry.Private[Scope]

    @resolver_field(
        description="A guardian grantor's personal identity code, to those who may see the "
        "client's (PERSONAL_ID); null otherwise. The event itself names the guardianship."
    )
    async def personal_id(self, info: Info) -> str | None:
        if self.person is None:
            return None
        access = self.scope.access
        if not info.context.guard.check(access, DataCategory.PERSONAL_ID).allowed:
            return None
        if not self.person.startswith(GUARDIANSHIP_PREFIX):
            return self.person  # an event recorded before codes were kept encrypted
        try:
            key = uuid.UUID(self.person.removeprefix(GUARDIANSHIP_PREFIX))
        except ValueError:
            return None
        # Guardian grants are few: a statement each, by the ward's key (one shard).
        cipher = await info.context.session.scalar(
            select(GuardianshipRow.guardian_cipher).where(
                GuardianshipRow.ward_id == access.client_id, GuardianshipRow.id == key
            )
        )
        if cipher is None:
            return None
        return info.context.pii.decrypt(cipher, GUARDIAN_CODE)


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
    self_recorded: bool | None = guarded(
        CONSENT, description="Recorded as given orally by staff of the grantee itself."
    )

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
            self_recorded=grant.self_recorded,
        )


@strawberry.type(description="A prohibition of disclosure in the client's ledger.")
class ConsentProhibition:
    scope: strawberry.Private[Scope]
    item: strawberry.Private[Prohibition]
    redactions: list[Redaction] = redactions_field()
    seq: int | None = guarded(CONSENT)
    organisation: Organisation | None = guarded(CONSENT)
    category: DataCategory | None = guarded(CONSENT)
    row_type: RowType | None = guarded(CONSENT)

    async def row_known(self, info: Info) -> bool:
        """The prohibited row may be known of by the caller."""
        return await _knowable(_named_row(self.item.row), self.scope.access, info)

    @guarded_resolver(
        CONSENT,
        link=lambda prohibition, info: prohibition.row_known(info),
        description="The prohibited row's id, shown to those who may know of that row.",
    )
    async def row_id(self) -> str | None:
        return None if self.item.row is None else self.item.row.id

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
            item=item,
            seq=item.seq,
            organisation=None if org is None else Organisation.from_record(ctx.organisations[org]),
            category=None if item.category is None else DataCategory(item.category),
            row_type=None if item.row is None else RowType(item.row.type),
            recorded_at=item.recorded_at,
            lifted_at=item.ended_at,
            in_force=item.in_force(ctx.now),
        )


@strawberry.type(description="One event of the client's consent ledger, as hashed.")
class ConsentEvent:
    id: strawberry.ID
    scope: strawberry.Private[Scope]
    row: strawberry.Private[ConsentEventRow]
    named: strawberry.Private[Named | None]
    redactions: list[Redaction] = redactions_field()
    client_id: strawberry.ID | None = guarded(CONSENT)
    seq: int | None = guarded(CONSENT)
    type: ConsentEventType | None = guarded(CONSENT)
    at: datetime | None = guarded(CONSENT)
    actor: ConsentActor | None = guarded(CONSENT)
    grantor: ConsentGrantor | None = guarded(CONSENT)
    prev: str | None = guarded(CONSENT)
    hash: str | None = guarded(CONSENT)
    self_recorded: bool | None = guarded(
        CONSENT,
        description="For a grant: recorded as given orally by staff of the grantee itself.",
    )

    async def named_known(self, info: Info) -> bool:
        """The body and the hashed text may be shown: whole to a dpo, to anyone else when
        the row the event names (an evidence attachment, a prohibited row), if any, may be
        known of by them (``rows.event_names_disclosed``)."""
        if rows.event_names_disclosed(self.scope.access):
            return True
        return await _knowable(self.named, self.scope.access, info)

    def _about(self, made: ConsentEventType, ended: ConsentEventType, key: str) -> int | None:
        """The seq of what this event made (its own seq) or ended (the seq its body names
        under ``key``); ``None`` for an event of another type."""
        if self.row.type == made:
            return self.row.seq
        if self.row.type == ended:
            return int(json.loads(self.row.canonical)["body"][key])
        return None

    def _grant(self) -> Grant | None:
        seq = self._about(ConsentEventType.GRANT, ConsentEventType.WITHDRAW, "grant")
        return None if seq is None else self.scope.access.consent.grant(seq)

    def _prohibition(self) -> Prohibition | None:
        seq = self._about(
            ConsentEventType.PROHIBIT, ConsentEventType.LIFT_PROHIBITION, "prohibition"
        )
        return None if seq is None else self.scope.access.consent.prohibition(seq)

    async def grant_known(self, info: Info) -> bool:
        """The grant the event made or ended may be known of, as ``Client.consents`` lists
        it (``True`` for an event about no grant)."""
        found = self._grant()
        return found is None or rows.CONSENT_RULE.knowable(
            info.context.guard, self.scope.access, found
        )

    async def prohibition_known(self, info: Info) -> bool:
        found = self._prohibition()
        return found is None or rows.CONSENT_RULE.knowable(
            info.context.guard, self.scope.access, found
        )

    @guarded_resolver(
        CONSENT,
        link=lambda event, info: event.grant_known(info),
        description="For a GRANT or WITHDRAW event: the grant it made or ended, as it stands "
        "now and exactly as Client.consents shows it (withdrawnAt is set once withdrawn). "
        "Null for other events, and withheld (NOT_PERMITTED) where Client.consents would "
        "leave the grant out.",
    )
    async def grant(self, info: Info) -> ConsentGrant | None:
        found = self._grant()
        return (
            None
            if found is None
            else ConsentGrant.from_grant(found, self.scope.access, info.context)
        )

    @guarded_resolver(
        CONSENT,
        link=lambda event, info: event.prohibition_known(info),
        description="For a PROHIBIT or LIFT_PROHIBITION event: the prohibition it made or "
        "ended, as it stands now and exactly as Client.prohibitions shows it (liftedAt is set "
        "once lifted). Null for other events, and withheld (NOT_PERMITTED) where "
        "Client.prohibitions would leave it out.",
    )
    async def prohibition(self, info: Info) -> ConsentProhibition | None:
        found = self._prohibition()
        if found is None:
            return None
        return ConsentProhibition.from_prohibition(found, self.scope.access, info.context)

    @guarded_resolver(CONSENT, link=lambda event, info: event.named_known(info))
    async def body(self) -> JSON | None:
        body: JSON = json.loads(self.row.canonical)["body"]
        return body

    @guarded_resolver(
        CONSENT,
        link=lambda event, info: event.named_known(info),
        description="The exact text that was hashed.",
    )
    async def canonical(self) -> str | None:
        return self.row.canonical

    @classmethod
    def from_row(cls, row: ConsentEventRow, access: ClientAccess) -> "ConsentEvent":
        event = json.loads(row.canonical)
        grantor = event["grantor"]
        actor = event["actor"]
        body = event["body"]
        return cls(
            id=strawberry.ID(str(row.id)),
            scope=Scope(access),
            row=row,
            named=_named_by_event(event),
            client_id=strawberry.ID(event["client"]),
            seq=row.seq,
            type=row.type,
            at=row.at,
            actor=ConsentActor(
                subject=actor["sub"], organisation=actor["org"], roles=list(actor["roles"])
            ),
            grantor=None
            if grantor is None
            else ConsentGrantor(
                kind=grantor["kind"], person=grantor.get("person"), scope=Scope(access)
            ),
            prev=row.prev,
            hash=row.hash,
            self_recorded=self_recorded(body.get("method"), actor["org"], body.get("grantee"))
            if row.type == ConsentEventType.GRANT
            else None,
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
    evidence_attachment_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The signed form, an attachment of the client's: required when staff "
        "record a WRITTEN grant.",
    )
    note: str | None = strawberry.field(
        default=None,
        description="Required when staff record an ORAL grant to their own organisation.",
    )


@strawberry.input(description="Exactly one target: an organisation, a category, or one row.")
class ProhibitionInput:
    client_id: strawberry.ID
    organisation_id: strawberry.ID | None = None
    category: DataCategory | None = None
    row_type: RowType | None = None
    row_id: strawberry.ID | None = None
    method: ConsentMethod = ConsentMethod.ELECTRONIC
