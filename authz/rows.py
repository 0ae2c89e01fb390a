"""Rows know their own rules: for each type of row about a client, the categories its
fields carry, whose it is (the ``OWN`` basis), the row a prohibition may name, and which
of its rows a caller may know of — in Python for one row, and as one SQL condition for a
list. ``tests/authz/test_rows.py`` holds the two forms equal for every type.

A row is *knowable* to a caller when one of its fields would be shown, or withheld for a
reason the caller may be told (consent, protected identity); and, for a caller whose only
relation is ``AUDIT`` (a dpo), when it is a row of their own organisation's processing.
A row that is not knowable is left out of every list, as if it did not exist, and no
other row names it: a field that holds its id, or embeds it, is withheld.

The rules are plain data and functions, so the guard (per field today) and any later
per-object decision can share them.
"""

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    String,
    and_,
    bindparam,
    exists,
    false,
    literal_column,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.orm import InstrumentedAttribute, aliased
from sqlalchemy.sql import visitors

from authz.basis import Basis
from authz.guard import NOT_PERMITTED, ClientAccess, Guard
from authz.principal import Principal
from authz.relation import ClientFacts
from authz.relation import owns as owns  # the question every ownership asks, writes too
from ledger.state import Grant, Prohibition, RowRef
from schema.base import Base
from schema.enums import AttachmentKind, Authority, DataCategory, OrganisationType, Role, RowType
from schema.models import (
    AccessLogEntry,
    Application,
    Attachment,
    Client,
    ClientRelationship,
    ConsentEvent,
    ConsentRule,
    ContactPerson,
    Decision,
    Guardianship,
    Notice,
    PlanVersion,
)

NAMES_UNKNOWN_ROW = NOT_PERMITTED
"""The decision on a field that names a row the caller may not know of: the same answer
as for a field the policy never allows, so that the row is not disclosed."""

Kind = Hashable
"""What decides a row's categories: a decision's authority, whether an attachment is a
medical statement; ``None`` for types whose categories are fixed."""
Condition = ColumnElement[bool]

ASKER_ORG = bindparam("asker_org", type_=String(64))
"""The asking principal's organisation, in the SQL forms: bound when a statement runs
(``asker_values``), so that each form is built once (per ``Asker`` and visibility class)
and serves every principal alike."""


@dataclass(frozen=True)
class Asker:
    """What the SQL forms depend on of the asking principal besides its organisation's id:
    whether it acts for an organisation, whether that is Kela, and whether it is a dpo."""

    organisation: bool
    kela: bool
    dpo: bool = False

    @classmethod
    def of(cls, principal: Principal) -> "Asker":
        return cls(principal.organisation_id is not None, kela_owns(principal), _dpo(principal))


def asker_values(principal: Principal) -> dict[str, Any]:
    """The values a statement built from the SQL forms runs with."""
    return {ASKER_ORG.key: principal.organisation_id}


def bound(condition: Condition, principal: Principal) -> Condition:
    """A SQL form with the principal's values in it, for a statement built once-off."""
    values = asker_values(principal)

    def value(element: Any, **_: Any) -> Any:
        if isinstance(element, BindParameter) and element.key in values:
            return element._with_value(  # type: ignore[no-untyped-call]
                values[element.key], maintain_key=True, required=False
            )
        return None

    return visitors.replacement_traverse(condition, {}, value)


@dataclass(frozen=True)
class Test:
    """One rule about a row, as a test of one row and as the same test in SQL."""

    of: Callable[[Any, Principal, ClientFacts], bool]
    sql: Callable[[Asker], Condition]
    """The SQL form, in terms of ``ASKER_ORG``."""

    def where(self, principal: Principal) -> Condition:
        """The SQL form for ``principal``, its values bound."""
        return bound(self.sql(Asker.of(principal)), principal)


NOBODYS = Test(lambda _row, _principal, _facts: False, lambda _asker: false())
EVERY_ROW = Test(lambda _row, _principal, _facts: True, lambda _asker: true())


def _organisation(principal: Principal) -> str | None:
    return principal.organisation_id


def owned_by(column: InstrumentedAttribute[Any]) -> Test:
    """The row is the organisation's that ``column`` names (a row naming none is nobody's)."""
    key = column.key

    def sql(asker: Asker) -> Condition:
        return and_(column.is_not(None), column == ASKER_ORG) if asker.organisation else false()

    return Test(lambda row, principal, _facts: owns(getattr(row, key), principal), sql)


def organiser_owns(facts: ClientFacts, principal: Principal) -> bool:
    """The client's plan, its history and its contact persons are its responsible
    organiser's."""
    return owns(facts.organiser_id, principal)


def kela_owns(principal: Principal) -> bool:
    """Applications are Kela's."""
    return principal.organisation_type == OrganisationType.KELA


@dataclass(frozen=True)
class Visible:
    """The rows of one type a caller may know of, for one client: the (kind, own) classes
    with a knowable field, and whether only the audited rows count. Hashable, so lists of
    several clients that see alike share one query."""

    classes: frozenset[tuple[Kind, bool]]
    audit_only: bool


@dataclass(frozen=True)
class RowRule:
    name: str
    model: type[Base]
    kinds: tuple[Kind, ...]
    categories_of: Callable[[Kind], tuple[DataCategory, ...]]
    """The categories a row of the kind carries, the main one first."""
    kind_of: Callable[[Any], Kind]
    kind_where: Callable[[Kind], Condition]
    owner: Test = NOBODYS
    audited: Test = EVERY_ROW
    """Whether a dpo's organisation processed the row (what a dpo may see of it)."""
    row_type: RowType | None = None
    """What a prohibition names such a row by (``None``: not prohibited row by row)."""
    by_reference: bool = False
    """Whether ``knowable`` reads nothing of the row but that it exists: one kind, an owner
    test and an audit that ignore the row. Where a foreign key names the row (so that it
    exists) the answer needs no read of it (``knowable_by_reference``)."""
    _conditions: dict[tuple[Asker, Visible], Condition] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    # ---- one row -------------------------------------------------------------------------

    def categories(self, row: Any) -> tuple[DataCategory, ...]:
        return self.categories_of(self.kind_of(row))

    def category(self, row: Any) -> DataCategory:
        """The category of the row's fields (its main one, where it has several)."""
        return self.categories(row)[0]

    def own(self, row: Any, principal: Principal, access: ClientAccess) -> bool:
        return self.owner.of(row, principal, access.facts)

    def ref(self, row: Any) -> RowRef | None:
        return None if self.row_type is None else RowRef(self.row_type.value, str(row.id))

    def knowable(self, guard: Guard, access: ClientAccess, row: Any) -> bool:
        principal = guard.principal
        own = self.own(row, principal, access)
        if not any(guard.decide(access, c, own=own).knowable for c in self.categories(row)):
            return False
        return not access.audit_only or self.audited.of(row, principal, access.facts)

    def knowable_by_reference(self, guard: Guard, access: ClientAccess) -> bool:
        """``knowable`` of a row that exists, unread (``by_reference`` rules only)."""
        if not self.by_reference:
            raise ValueError(f"{self.name}'s rows are not knowable by reference")
        return self.knowable(guard, access, None)

    # ---- a list --------------------------------------------------------------------------

    def visible(
        self, guard: Guard, access: ClientAccess, kinds: tuple[Kind, ...] | None = None
    ) -> Visible:
        """Which rows of the client the caller may know of (of ``kinds`` only, if given)."""
        classes = frozenset(
            (kind, own)
            for kind in (self.kinds if kinds is None else kinds)
            for own in (True, False)
            if any(guard.decide(access, c, own=own).knowable for c in self.categories_of(kind))
        )
        return Visible(classes, access.audit_only)

    def where(self, principal: Principal, visible: Visible) -> Condition:
        """``visible`` in SQL: the rows ``knowable`` admits, over any number of clients."""
        return bound(self.condition(Asker.of(principal), visible), principal)

    def condition(self, asker: Asker, visible: Visible) -> Condition:
        """``where``, in terms of ``ASKER_ORG``: built once per asker and class, for
        statements built once (run them with ``asker_values``)."""
        key = (asker, visible)
        found = self._conditions.get(key)
        if found is None:
            found = self._conditions[key] = self._condition(asker, visible)
        return found

    def _condition(self, asker: Asker, visible: Visible) -> Condition:
        owned = self.owner.sql(asker)
        clauses = []
        for kind in self.kinds:
            owns_seen = {own for k, own in visible.classes if k == kind}
            if owns_seen == {True, False}:
                clauses.append(self.kind_where(kind))
            elif owns_seen:
                clauses.append(
                    and_(self.kind_where(kind), owned if True in owns_seen else not_(owned))
                )
        condition = or_(false(), *clauses)
        if visible.audit_only:
            condition = and_(condition, self.audited.sql(asker))
        return condition


def _fixed(*categories: DataCategory) -> Callable[[Kind], tuple[DataCategory, ...]]:
    return lambda _kind: categories


def _one_kind(_row: Any) -> Kind:
    return None


def _every_kind(_kind: Kind) -> Condition:
    return true()


# ---- decisions ---------------------------------------------------------------------------

DECISION_CATEGORIES: dict[Authority, tuple[DataCategory, ...]] = {
    Authority.KELA: (DataCategory.KELA_DECISION, DataCategory.KELA_CALCULATION),
    Authority.WELLBEING_COUNTY: (DataCategory.WC_DECISION,),
}


def decision_category(authority: Authority) -> DataCategory:
    """``KELA_DECISION`` for Kela's decisions, ``WC_DECISION`` for an organiser's."""
    return DECISION_CATEGORIES[authority][0]


def calculation_category(authority: Authority) -> DataCategory:
    """The category of a decision's calculation and basic-amount reduction."""
    return DECISION_CATEGORIES[authority][-1]


DECISION = RowRule(
    name="Decision",
    model=Decision,
    kinds=tuple(Authority),
    categories_of=lambda authority: DECISION_CATEGORIES[Authority(str(authority))],
    kind_of=lambda row: row.authority,
    kind_where=lambda authority: Decision.authority == authority,
    owner=owned_by(Decision.issuer_id),
    row_type=RowType.DECISION,
)

# ---- attachments -------------------------------------------------------------------------


def attachment_category(kind: AttachmentKind) -> DataCategory:
    """``HEALTH_ATTACHMENT`` for a medical statement, ``ATTACHMENT`` for anything else."""
    if kind == AttachmentKind.MEDICAL_STATEMENT:
        return DataCategory.HEALTH_ATTACHMENT
    return DataCategory.ATTACHMENT


def _medical(medical: Kind) -> Condition:
    if medical:
        return Attachment.kind == AttachmentKind.MEDICAL_STATEMENT
    return Attachment.kind != AttachmentKind.MEDICAL_STATEMENT


ATTACHMENT = RowRule(
    name="Attachment",
    model=Attachment,
    kinds=(True, False),
    categories_of=lambda medical: (
        DataCategory.HEALTH_ATTACHMENT if medical else DataCategory.ATTACHMENT,
    ),
    kind_of=lambda row: row.kind == AttachmentKind.MEDICAL_STATEMENT,
    kind_where=_medical,
    owner=owned_by(Attachment.uploaded_by_org),
    row_type=RowType.ATTACHMENT,
)

# ---- notices -----------------------------------------------------------------------------


def _notice_party(asker: Asker) -> Condition:
    if not asker.organisation:
        return false()
    return or_(Notice.sender_id == ASKER_ORG, Notice.recipient_id == ASKER_ORG)


NOTICE = RowRule(
    name="Notice",
    model=Notice,
    kinds=(None,),
    categories_of=_fixed(DataCategory.NOTICE, DataCategory.NOTICE_DETAIL),
    kind_of=_one_kind,
    kind_where=_every_kind,
    owner=Test(
        lambda row, principal, _facts: (
            owns(row.sender_id, principal) or owns(row.recipient_id, principal)
        ),
        _notice_party,
    ),
    row_type=RowType.NOTICE,
)

# ---- applications, plans, contact persons ------------------------------------------------

APPLICATION = RowRule(
    name="Application",
    model=Application,
    kinds=(None,),
    categories_of=_fixed(DataCategory.APPLICATION),
    kind_of=_one_kind,
    kind_where=_every_kind,
    owner=Test(
        lambda _row, principal, _facts: kela_owns(principal),
        lambda asker: true() if asker.kela else false(),
    ),
    row_type=RowType.APPLICATION,
    by_reference=True,
)

LIFE_SITUATION = (
    DataCategory.LIFE_ECONOMY,
    DataCategory.LIFE_FAMILY,
    DataCategory.LIFE_HEALTH,
    DataCategory.LIFE_HOUSING,
)

PLAN = RowRule(
    name="PlanVersion",
    model=PlanVersion,
    kinds=(None,),
    categories_of=_fixed(DataCategory.PLAN, *LIFE_SITUATION),
    kind_of=_one_kind,
    kind_where=_every_kind,
    owner=owned_by(PlanVersion.organiser_id),
)


def _organiser_where(asker: Asker) -> Condition:
    if not asker.organisation:
        return false()
    return ContactPerson.client_id.in_(select(Client.id).where(Client.organiser_id == ASKER_ORG))


CONTACT_PERSON = RowRule(
    name="ContactPerson",
    model=ContactPerson,
    kinds=(None,),
    categories_of=_fixed(DataCategory.PLAN),
    kind_of=_one_kind,
    kind_where=_every_kind,
    owner=Test(lambda _row, principal, facts: organiser_owns(facts, principal), _organiser_where),
)

# ---- guardianships and client relationships ----------------------------------------------

GUARDIANSHIP = RowRule(
    name="Guardianship",
    model=Guardianship,
    kinds=(None,),
    categories_of=_fixed(DataCategory.IDENTITY, DataCategory.PERSONAL_ID),
    kind_of=_one_kind,
    kind_where=_every_kind,
)

CLIENT_RELATIONSHIP = RowRule(
    name="ClientRelationship",
    model=ClientRelationship,
    kinds=(None,),
    categories_of=_fixed(DataCategory.IDENTITY),
    kind_of=_one_kind,
    kind_where=_every_kind,
)

# ---- the access log ----------------------------------------------------------------------


def _log_audited(row: Any, principal: Principal, facts: ClientFacts) -> bool:
    org = _organisation(principal)
    if org is None:
        return False
    if row.organisation_id == org:
        return True
    return row.basis == Basis.REGISTRATION.value and facts.related(org)


def _log_audited_where(asker: Asker) -> Condition:
    if not asker.organisation:
        return false()
    related = exists().where(
        ClientRelationship.client_id == AccessLogEntry.client_id,
        ClientRelationship.organisation_id == ASKER_ORG,
    )
    return or_(
        AccessLogEntry.organisation_id == ASKER_ORG,
        # Registrations are few: read them by their partial index (the predicate a literal,
        # so that both databases match it) and look each client's relationship up.
        and_(AccessLogEntry.basis == literal_column(f"'{Basis.REGISTRATION.value}'"), related),
    )


ACCESS_LOG_ENTRY = RowRule(
    name="AccessLogEntry",
    model=AccessLogEntry,
    kinds=(None,),
    categories_of=_fixed(DataCategory.ACCESS_LOG),
    kind_of=_one_kind,
    kind_where=_every_kind,
    # A dpo audits its own organisation's accesses, and every registration (or opening of
    # a client relationship) of a client its organisation has a relationship with: a dpo
    # learns when another organiser opens a relationship with its client.
    audited=Test(_log_audited, _log_audited_where),
)

# ---- the consent ledger ------------------------------------------------------------------
# A dpo audits the consent rows (grants and prohibitions as they stand) its organisation
# is the party of (grantee, prohibited organisation) or recorded, and those one of its
# organisation's access-log rows names (the grant that allowed a read, the prohibition
# that blocked one: a category or row prohibition names no organisation). It may open
# every ledger event its organisation recorded or is the party of, that one of its
# access-log rows names, or that ended a consent row it audits.


def _log_names(client: Any, seq: Any) -> Condition:
    """One of the asker's organisation's access-log rows about ``client`` names the
    ledger's ``seq``."""
    log = AccessLogEntry
    mine = (log.client_id == client, log.organisation_id == ASKER_ORG)
    return or_(
        exists().where(*mine, log.consent_seq.is_not(None), log.consent_seq == seq),
        exists().where(*mine, log.prohibition_seq.is_not(None), log.prohibition_seq == seq),
    )


def _party(rule: Grant | Prohibition) -> str | None:
    return rule.grantee if isinstance(rule, Grant) else rule.organisation


def _rule_audited(rule: Grant | Prohibition, principal: Principal, facts: ClientFacts) -> bool:
    org = _organisation(principal)
    return org is not None and (
        org in (_party(rule), rule.recorded_by) or rule.seq in facts.log_named
    )


def _rule_audited_sql(rule: Any, dpo: bool) -> Condition:
    return or_(
        rule.organisation_id == ASKER_ORG,
        rule.recorded_by_org == ASKER_ORG,
        _log_names(rule.client_id, rule.seq) if dpo else false(),
    )


def _dpo(principal: Principal) -> bool:
    """Whether what its organisation's access-log rows name counts (``facts.log_named``
    and ``facts.audited_ends`` are loaded for a dpo only)."""
    return Role.dpo in principal.roles


def _rule_audited_where(asker: Asker) -> Condition:
    return _rule_audited_sql(ConsentRule, asker.dpo) if asker.organisation else false()


def _event_audited(row: Any, principal: Principal, facts: ClientFacts) -> bool:
    org = _organisation(principal)
    if org is None:
        return False
    if org in (row.actor_org, row.party_org):
        return True
    return row.seq in facts.log_named or row.seq in facts.audited_ends


def _event_audited_where(asker: Asker) -> Condition:
    if not asker.organisation:
        return false()
    event = ConsentEvent
    mine = or_(event.actor_org == ASKER_ORG, event.party_org == ASKER_ORG)
    if not asker.dpo:
        return mine
    ended = aliased(ConsentRule)
    return or_(
        mine,
        _log_names(event.client_id, event.seq),
        exists().where(
            ended.client_id == event.client_id,
            ended.ended_seq == event.seq,
            _rule_audited_sql(ended, dpo=True),
        ),
    )


CONSENT_EVENT = RowRule(
    name="ConsentEvent",
    model=ConsentEvent,
    kinds=(None,),
    categories_of=_fixed(DataCategory.CONSENT),
    kind_of=_one_kind,
    kind_where=_every_kind,
    audited=Test(_event_audited, _event_audited_where),
)

CONSENT_RULE = RowRule(
    name="ConsentRule",
    model=ConsentRule,
    kinds=(None,),
    categories_of=_fixed(DataCategory.CONSENT),
    kind_of=_one_kind,
    kind_where=_every_kind,
    # One row, a grant or a prohibition as it stands (``ledger.state``).
    audited=Test(_rule_audited, _rule_audited_where),
)


def event_names_disclosed(access: ClientAccess) -> bool:
    """Whether a ledger event's body and hashed text are shown whole, whatever rows they
    name, wherever the event itself is (its ``CONSENT`` fields allowed).

    To a caller who audits (its only relation ``AUDIT``: a dpo) the event is one signed
    consent record, and the ids in it (a grant's evidence attachment, a prohibited row)
    are part of that record: a dpo proving what a client allowed needs the record whole.
    The rows they name stay withheld from the dpo as ever (a dpo never reads content). To
    anyone else the body and text are shown only when the rows they name may be known of
    (a field that names a row is disclosed only when that row may be)."""
    return access.audit_only


RULES = (
    DECISION,
    ATTACHMENT,
    NOTICE,
    APPLICATION,
    PLAN,
    CONTACT_PERSON,
    GUARDIANSHIP,
    CLIENT_RELATIONSHIP,
    ACCESS_LOG_ENTRY,
    CONSENT_EVENT,
    CONSENT_RULE,
)
BY_ROW_TYPE: dict[RowType, RowRule] = {
    rule.row_type: rule for rule in RULES if rule.row_type is not None
}
