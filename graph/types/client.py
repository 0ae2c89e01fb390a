"""The client: identity, contact, and every list about them, each field guarded."""

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any, TypeVar

import strawberry
from strawberry.dataloader import DataLoader

from authz.basis import RedactionReason
from authz.guard import ClientAccess, Guard
from authz.principal import Principal
from authz.relation import Relation
from graph.context import Context, Info
from graph.loaders import ClientView, PageKey
from graph.pagination import Page, PageArgs, cut, int_key, page_args, uuid_key
from graph.types.access_log import AccessLogConnection, AccessLogEntry
from graph.types.application import Application, kela_owns
from graph.types.attachment import Attachment, attachment_category
from graph.types.connection import Connection, connection, empty_connection
from graph.types.consent import ConsentGrant, ConsentProhibition
from graph.types.contact import ContactPerson
from graph.types.decision import CATEGORIES, Decision
from graph.types.guarding import (
    Redaction,
    Scope,
    guarded,
    guarded_resolver,
    redactions_field,
    resolver_field,
)
from graph.types.notice import Notice
from graph.types.organisation import Organisation
from graph.types.plan import Plan
from ledger.access_log import entries
from schema.enums import AttachmentKind, Authority, DataCategory, GuardianshipKind, Language
from schema.models import Client as ClientRow
from schema.models import Guardianship as GuardianshipRow

T = TypeVar("T")
IDENTITY = DataCategory.IDENTITY
PLAN = DataCategory.PLAN
CONTACT = DataCategory.CONTACT


def organiser_owns(client: Any, principal: Principal) -> bool:
    """The plan and contact persons are the organiser's: ``OWN`` holds for its staff."""
    return bool(client.row.organiser_id == principal.organisation_id)


def _shown(
    guard: Guard, access: ClientAccess, categories: Iterable[DataCategory], own: bool
) -> bool:
    return any(
        guard.decide(access, c, own=own).reason != RedactionReason.NOT_PERMITTED for c in categories
    )


@strawberry.type
class DigitalProfile:
    has_equipment: bool
    has_skills: bool
    recorded_at: datetime


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
    def from_row(cls, row: GuardianshipRow, access: ClientAccess, today: date) -> "Guardianship":
        return cls(
            id=strawberry.ID(str(row.id)),
            scope=Scope(access),
            kind=row.kind,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            active=row.valid_from <= today
            and (row.valid_until is None or today <= row.valid_until),
            guardian_personal_id=row.guardian_personal_id,
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
            personal_id=row.personal_id,
            address=row.address,
            phone=row.phone,
            email=row.email,
        )

    @property
    def access(self) -> ClientAccess:
        return self.scope.access

    @property
    def _audit_only(self) -> bool:
        """A dpo sees only the rows of their own organisation's processing."""
        return all(s.relation == Relation.AUDIT for s in self.access.subjects)

    @guarded_resolver(IDENTITY, description="Digital equipment and skills, as last recorded.")
    async def digital_profile(self, info: Info) -> DigitalProfile | None:
        row = await info.context.loaders.digital_profile.load(self.row.id)
        if row is None:
            return None
        return DigitalProfile(
            has_equipment=row.has_equipment, has_skills=row.has_skills, recorded_at=row.recorded_at
        )

    @guarded_resolver(IDENTITY, description="Every recorded digital profile, oldest first.")
    async def digital_profile_history(self, info: Info) -> list[DigitalProfile] | None:
        rows = await info.context.loaders.digital_profiles.load(self.row.id)
        return [
            DigitalProfile(
                has_equipment=r.has_equipment, has_skills=r.has_skills, recorded_at=r.recorded_at
            )
            for r in rows
        ]

    @guarded_resolver(IDENTITY)
    async def guardianships(self, info: Info) -> list[Guardianship] | None:
        rows = await info.context.loaders.guardianships.load(self.row.id)
        return [Guardianship.from_row(r, self.access, info.context.today) for r in rows]

    @guarded_resolver(
        PLAN, own=organiser_owns, description="The client's counterpart in each organisation."
    )
    async def contact_persons(self, info: Info) -> list[ContactPerson] | None:
        rows = await info.context.loaders.contact_persons.load(self.row.id)
        return [ContactPerson.from_row(r, info.context.organisations) for r in rows]

    @guarded_resolver(
        PLAN, own=organiser_owns, description="The current version of the shared plan."
    )
    async def plan(self, info: Info) -> Plan | None:
        row = await info.context.loaders.plan.load(self.row.id)
        return None if row is None else Plan.from_row(row, self.scope, info.context)

    @guarded_resolver(
        PLAN, own=organiser_owns, description="Every version of the plan, newest first."
    )
    async def plan_history(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Plan] | None:
        args = page_args("plan", first, after)
        after_version = int_key(args.after)
        page = await info.context.loaders.plan_versions.load(
            PageKey(self.row.id, args.first, after_version)
        )
        return connection(
            "plan", page, lambda r: Plan.from_row(r, self.scope, info.context), lambda r: r.version
        )

    @guarded_resolver(DataCategory.APPLICATION, own=kela_owns, description="Newest first.")
    async def applications(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Application] | None:
        args = page_args("application", first, after)
        page = await info.context.loaders.applications.load(
            PageKey(self.row.id, args.first, uuid_key(args.after))
        )
        return connection(
            "application",
            page,
            lambda r: Application.from_row(r, self.scope, info.context),
            lambda r: r.id,
        )

    async def _rows(
        self,
        info: Info,
        kind: str,
        loader: DataLoader[PageKey, Page[Any]],
        first: int | None,
        after: str | None,
        classes: frozenset[Any],
        node: Callable[[Any], T],
    ) -> Connection[T]:
        """A page of a list whose rows guard themselves. ``classes`` are the kinds of row
        (by category and ownership) the caller may see a field of; the others are left
        out in SQL, so pages stay full."""
        args = page_args(kind, first, after)
        if not classes:
            return empty_connection()
        page = await loader.load(PageKey(self.row.id, args.first, uuid_key(args.after), classes))
        return connection(kind, page, node, lambda r: r.id)

    def _classes(self, info: Info, categories: dict[Any, list[DataCategory]]) -> frozenset[Any]:
        guard = info.context.guard
        return frozenset(
            (key, own)
            for key, of in categories.items()
            for own in (True, False)
            if _shown(guard, self.access, of, own)
        )

    @resolver_field(description="Newest first. Each row is guarded by its own category.")
    async def decisions(
        self,
        info: Info,
        authority: Authority | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Decision] | None:
        wanted = {a: list(CATEGORIES[a]) for a in Authority if authority in (None, a)}
        return await self._rows(
            info,
            "decision",
            info.context.loaders.decisions,
            first,
            after,
            self._classes(info, wanted),
            lambda r: Decision.from_row(r, self.access, info.context),
        )

    @resolver_field(description="Newest first. Each row is guarded by its own category.")
    async def attachments(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Attachment] | None:
        by_health = {
            True: [attachment_category(AttachmentKind.MEDICAL_STATEMENT)],
            False: [attachment_category(AttachmentKind.OTHER)],
        }
        return await self._rows(
            info,
            "attachment",
            info.context.loaders.attachments,
            first,
            after,
            self._classes(info, by_health),
            lambda r: Attachment.from_row(r, self.scope, info.context),
        )

    @resolver_field(description="Newest first. Each row is guarded by its own category.")
    async def notices(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Notice] | None:
        notice = {None: [DataCategory.NOTICE, DataCategory.NOTICE_DETAIL]}
        own = frozenset(own for _, own in self._classes(info, notice))
        return await self._rows(
            info,
            "notice",
            info.context.loaders.notices,
            first,
            after,
            own,
            lambda r: Notice.from_row(r, self.access, info.context),
        )

    @guarded_resolver(DataCategory.CONSENT, description="The grants in the client's ledger.")
    def consents(self, info: Info) -> list[ConsentGrant] | None:
        grants = self.access.consent.grants
        if self._audit_only:
            org = info.context.principal.organisation_id
            grants = tuple(g for g in grants if org in (g.grantee, g.recorded_by))
        return [ConsentGrant.from_grant(g, self.access, info.context) for g in grants]

    @guarded_resolver(DataCategory.CONSENT, description="The prohibitions in the client's ledger.")
    def prohibitions(self, info: Info) -> list[ConsentProhibition] | None:
        items = self.access.consent.prohibitions
        if self._audit_only:
            org = info.context.principal.organisation_id
            items = tuple(p for p in items if org in (p.organisation, p.recorded_by))
        return [ConsentProhibition.from_prohibition(p, self.access, info.context) for p in items]

    @guarded_resolver(
        DataCategory.ACCESS_LOG, description="Who accessed the client's data; newest first."
    )
    async def access_log(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> AccessLogConnection | None:
        ctx = info.context
        args = page_args("access", first, after)
        after_id = int_key(args.after)
        rows = await entries(
            ctx.session,
            client_id=self.row.id,
            organisation_id=ctx.principal.organisation_id if self._audit_only else None,
            limit=args.first + 1,
            before_id=after_id,
        )
        page = cut(rows, PageArgs(args.first, args.after))
        return connection(
            "access",
            page,
            lambda r: AccessLogEntry.from_row(r, self.access, ctx),
            lambda r: r.id,
            AccessLogConnection,
        )  # type: ignore[return-value]
