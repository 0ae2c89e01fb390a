"""The client: identity, contact, and every list about them, each field guarded."""

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry.dataloader import DataLoader

from authz import rows
from authz.disclosure import disclosed
from authz.guard import ClientAccess
from authz.principal import Principal
from authz.rows import RowRule
from graph.context import Context, Info
from graph.loaders import ClientView, CountKey, Narrowing, PageKey
from graph.pagination import Page, PageArgs, cut, int_key, page_args, uuid_key
from graph.records import DigitalProfileRecord, GuardianshipRecord, RelationshipRecord
from graph.types.access_log import AccessLogConnection, AccessLogEntry
from graph.types.application import Application
from graph.types.attachment import Attachment
from graph.types.connection import (
    AFTER,
    FIRST,
    Connection,
    connection,
    empty_connection,
)
from graph.types.consent import ConsentGrant, ConsentProhibition
from graph.types.contact import ContactPerson
from graph.types.decision import Decision
from graph.types.guarding import (
    Redaction,
    Scope,
    container_resolver,
    guarded,
    guarded_resolver,
    redactions_field,
    resolver_field,
)
from graph.types.notice import Notice
from graph.types.organisation import Organisation
from graph.types.period import DecisionPeriod
from graph.types.plan import Plan
from graph.types.selection import selects
from ledger.access_log import entries
from schema.enums import Authority, DataCategory, GuardianshipKind, Language, RelationshipOrigin
from schema.models import Client as ClientRow
from schema.models import ClientRelationship as ClientRelationshipRow
from schema.models import Guardianship as GuardianshipRow
from schema.pii import GUARDIAN_CODE, Keyring

T = TypeVar("T")
IDENTITY = DataCategory.IDENTITY
PLAN = DataCategory.PLAN
CONTACT = DataCategory.CONTACT


def _organiser_owns(client: Any, principal: Principal) -> bool:
    return rows.organiser_owns(client.access.facts, principal)


def _kela_owns(_client: Any, principal: Principal) -> bool:
    return rows.kela_owns(principal)


@strawberry.type
class DigitalProfile:
    has_equipment: bool
    has_skills: bool
    recorded_at: datetime

    @classmethod
    def of(cls, row: DigitalProfileRecord) -> "DigitalProfile":
        return cls(
            has_equipment=row.has_equipment, has_skills=row.has_skills, recorded_at=row.recorded_at
        )


@strawberry.type(description="An active or past guardianship over the client.")
class Guardianship:
    id: strawberry.ID
    scope: strawberry.Private[Scope]
    redactions: list[Redaction] = redactions_field()
    kind: GuardianshipKind | None = guarded(IDENTITY)
    valid_from: date | None = guarded(IDENTITY)
    valid_until: date | None = guarded(IDENTITY)
    active: bool | None = guarded(IDENTITY)
    guardian_personal_id: str | None = guarded(DataCategory.PERSONAL_ID)

    @classmethod
    def from_row(
        cls,
        row: GuardianshipRecord | GuardianshipRow,
        access: ClientAccess,
        today: date,
        pii: Keyring,
    ) -> "Guardianship":
        return cls(
            id=strawberry.ID(str(row.id)),
            scope=Scope(access),
            kind=row.kind,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            active=row.valid_from <= today
            and (row.valid_until is None or today <= row.valid_until),
            guardian_personal_id=pii.decrypt(row.guardian_cipher, GUARDIAN_CODE),
        )


@strawberry.type(
    description="An organiser's client relationship with the client: the basis of its staff's "
    "access. The responsible organiser always has one."
)
class ClientRelationship:
    organisation: Organisation
    responsible: bool = strawberry.field(description="The client's responsible organiser.")
    origin: RelationshipOrigin = strawberry.field(
        description="RESPONSIBLE: as the responsible organiser; REGISTRATION: by registering "
        "a personal identity code that already was a client."
    )
    opened_at: datetime
    opened_by_organisation: Organisation
    purpose: str | None = strawberry.field(description="The purpose stated when it was opened.")

    @classmethod
    def from_row(
        cls, row: RelationshipRecord | ClientRelationshipRow, ctx: Context
    ) -> "ClientRelationship":
        orgs = ctx.organisations
        return cls(
            organisation=Organisation.from_record(orgs[row.organisation_id]),
            responsible=row.responsible,
            origin=row.origin,
            opened_at=row.opened_at,
            opened_by_organisation=Organisation.from_record(orgs[row.opened_by_org]),
            purpose=row.purpose,
        )


@strawberry.type(
    description="A client of basic social assistance. The personal identity code is never an id."
)
class Client:
    id: strawberry.ID
    scope: strawberry.Private[Scope]
    row: strawberry.Private[ClientRow]
    redactions: list[Redaction] = redactions_field()
    name: str | None = guarded(IDENTITY)
    language: Language | None = guarded(IDENTITY)
    organiser: Organisation | None = guarded(IDENTITY)
    protected_identity: bool | None = guarded(IDENTITY)
    immigrant: bool | None = guarded(
        IDENTITY,
        description="Marked as an immigrant: the long-term-recipient notice comes sooner.",
    )
    personal_id: str | None = guarded(DataCategory.PERSONAL_ID)
    address: str | None = guarded(CONTACT)
    phone: str | None = guarded(CONTACT)
    email: str | None = guarded(CONTACT)

    @classmethod
    def from_view(cls, view: ClientView, ctx: Context) -> "Client":
        row = view.row
        return cls(
            id=strawberry.ID(str(row.id)),
            scope=Scope(view.access),
            row=row,
            name=row.name,
            language=row.language,
            organiser=Organisation.from_record(ctx.organisations[row.organiser_id]),
            protected_identity=row.protected_identity,
            immigrant=row.immigrant,
            personal_id=view.access.facts.personal_id,
            address=row.address,
            phone=row.phone,
            email=row.email,
        )

    @property
    def access(self) -> ClientAccess:
        return self.scope.access

    @guarded_resolver(IDENTITY, description="Digital equipment and skills, as last recorded.")
    async def digital_profile(self, info: Info) -> DigitalProfile | None:
        history = await info.context.loaders.digital_profiles.load(self.row.id)
        return DigitalProfile.of(history[-1]) if history else None

    @guarded_resolver(IDENTITY, description="Every recorded digital profile, oldest first.")
    async def digital_profile_history(self, info: Info) -> list[DigitalProfile] | None:
        history = await info.context.loaders.digital_profiles.load(self.row.id)
        return [DigitalProfile.of(r) for r in history]

    @guarded_resolver(IDENTITY)
    async def guardianships(self, info: Info) -> list[Guardianship] | None:
        found = await info.context.loaders.guardianships.load(self.row.id)
        ctx = info.context
        return [Guardianship.from_row(r, self.access, ctx.today, ctx.pii) for r in found]

    @guarded_resolver(
        IDENTITY,
        description="The organisers with a client relationship with the client, the "
        "responsible one among them.",
    )
    async def relationships(self, info: Info) -> list[ClientRelationship] | None:
        found = await info.context.loaders.relationships.load(self.row.id)
        return [ClientRelationship.from_row(r, info.context) for r in found]

    @guarded_resolver(
        PLAN, own=_organiser_owns, description="The client's counterpart in each organisation."
    )
    async def contact_persons(self, info: Info) -> list[ContactPerson] | None:
        found = await info.context.loaders.contact_persons.load(self.row.id)
        return [ContactPerson.from_row(r, info.context.organisations) for r in found]

    @container_resolver(
        description="The current version of the shared plan: a container, present when one "
        "of its fields may be known of; each field is guarded by its own category."
    )
    async def plan(self, info: Info) -> Plan | None:
        row = await info.context.loaders.plan.load(self.row.id)
        return None if row is None else Plan.from_row(row, self.access, info.context)

    @guarded_resolver(
        PLAN, own=_organiser_owns, description="Every version of the plan, newest first."
    )
    async def plan_history(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Plan] | None:
        args = page_args("plan", first, after)
        after_version = int_key(args.after)
        loaders = info.context.loaders
        key = PageKey(self.row.id, args.first, after_version, counted=selects(info, "totalCount"))
        return connection(
            "plan",
            await loaders.plan_versions.load(key),
            lambda r: Plan.from_row(r, self.access, info.context),
            lambda r: r.version,
            count=lambda: loaders.plan_version_counts.load(CountKey.of(key)),
        )

    @guarded_resolver(DataCategory.APPLICATION, own=_kela_owns, description="Newest first.")
    async def applications(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Application] | None:
        args = page_args("application", first, after)
        loaders = info.context.loaders
        key = PageKey(
            self.row.id, args.first, uuid_key(args.after), counted=selects(info, "totalCount")
        )
        return connection(
            "application",
            await loaders.applications.load(key),
            lambda r: Application.from_row(r, self.access, info.context),
            lambda r: r.id,
            count=lambda: loaders.application_counts.load(CountKey.of(key)),
        )

    async def _rows(
        self,
        info: Info,
        rule: RowRule,
        loaders: tuple[DataLoader[PageKey, Page[Any]], DataLoader[CountKey, int]],
        first: int | None,
        after: str | None,
        node: Callable[[Any], T],
        kinds: tuple[Any, ...] | None = None,
        narrowing: Narrowing | None = None,
        nested: bool = False,
    ) -> Connection[T]:
        """A page of a list whose rows guard themselves. Rows the caller may not know of
        are left out in SQL, so pages stay full. ``nested``: the page's statement reads
        its rows' own list too (``PageKey.nested``)."""
        kind = rule.name.lower()
        args = page_args(kind, first, after)
        visible = rule.visible(info.context.guard, self.access, kinds)
        if not visible.classes:
            return empty_connection()
        pages, counts = loaders
        key = PageKey(
            self.row.id,
            args.first,
            uuid_key(args.after),
            visible,
            narrowing,
            selects(info, "totalCount"),
            nested,
        )
        return connection(
            kind,
            await pages.load(key),
            node,
            lambda r: r.id,
            count=lambda: counts.load(CountKey.of(key)),
        )

    @resolver_field(
        description="The client's decisions of both authorities, newest first. Each row is "
        "guarded by its own category (KELA_DECISION or WC_DECISION); rows the caller may not "
        "know of are left out."
    )
    async def decisions(
        self,
        info: Info,
        authority: Annotated[
            Authority | None,
            strawberry.argument(description="Only the decisions of this authority."),
        ] = None,
        first: FIRST = None,
        after: AFTER = None,
        period_from: Annotated[
            date | None,
            strawberry.argument(
                description="With periodTo: only decisions whose period overlaps "
                "periodFrom to periodTo (both days included; an open bound is unbounded). A "
                "decision overlaps when it starts on or before periodTo and ends on or after "
                "periodFrom; one with no end runs on. A decision without a period, or whose "
                "period the caller may not see (withheld for consent), is left out when either "
                "bound is given."
            ),
        ] = None,
        period_to: Annotated[
            date | None,
            strawberry.argument(description="The last day of the period; see periodFrom."),
        ] = None,
    ) -> Connection[Decision] | None:
        kinds = None if authority is None else (authority,)
        narrowing = None
        if period_from is not None or period_to is not None:
            narrowing = DecisionPeriod.of(
                period_from,
                period_to,
                disclosed(rows.DECISION, info.context.guard, self.access, kinds),
            )
        loaders = info.context.loaders
        return await self._rows(
            info,
            rows.DECISION,
            (loaders.decisions, loaders.decision_counts),
            first,
            after,
            lambda r: Decision.from_row(r, self.access, info.context),
            kinds=kinds,
            narrowing=narrowing,
            nested=selects(info, "edges", "node", "calculation"),
        )

    @resolver_field(description="Newest first. Each row is guarded by its own category.")
    async def attachments(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Attachment] | None:
        return await self._rows(
            info,
            rows.ATTACHMENT,
            (info.context.loaders.attachments, info.context.loaders.attachment_counts),
            first,
            after,
            lambda r: Attachment.from_row(r, self.access, info.context),
        )

    @resolver_field(description="Newest first. Each row is guarded by its own category.")
    async def notices(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Notice] | None:
        return await self._rows(
            info,
            rows.NOTICE,
            (info.context.loaders.notices, info.context.loaders.notice_counts),
            first,
            after,
            lambda r: Notice.from_row(r, self.access, info.context),
        )

    @guarded_resolver(DataCategory.CONSENT, description="The grants in the client's ledger.")
    def consents(self, info: Info) -> list[ConsentGrant] | None:
        guard = info.context.guard
        return [
            ConsentGrant.from_grant(g, self.access, info.context)
            for g in self.access.consent.grants
            if rows.CONSENT_RULE.knowable(guard, self.access, g)
        ]

    @guarded_resolver(DataCategory.CONSENT, description="The prohibitions in the client's ledger.")
    def prohibitions(self, info: Info) -> list[ConsentProhibition] | None:
        guard = info.context.guard
        return [
            ConsentProhibition.from_prohibition(p, self.access, info.context)
            for p in self.access.consent.prohibitions
            if rows.CONSENT_RULE.knowable(guard, self.access, p)
        ]

    @guarded_resolver(
        DataCategory.ACCESS_LOG, description="Who accessed the client's data; newest first."
    )
    async def access_log(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> AccessLogConnection | None:
        ctx = info.context
        args = page_args("access", first, after)
        after_id = int_key(args.after)
        rule = rows.ACCESS_LOG_ENTRY
        visible = rule.visible(ctx.guard, self.access)
        found = await entries(
            ctx.session,
            client_id=self.row.id,
            condition=rule.where(ctx.principal, visible),
            limit=args.first + 1,
            before_id=after_id,
        )
        page = cut(found, PageArgs(args.first, args.after))
        count = CountKey(self.row.id, visible)
        return connection(
            "access",
            page,
            lambda r: AccessLogEntry.from_row(r, self.access, ctx),
            lambda r: r.id,
            AccessLogConnection,
            count=lambda: ctx.loaders.access_log_counts.load(count),
        )  # type: ignore[return-value]
