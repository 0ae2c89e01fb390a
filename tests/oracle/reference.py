"""``access.md`` restated for the oracle, from the stored facts alone.

Independent of ``authz/``: the read matrix comes from ``tests/authz/matrix.py`` (the
specification's table as data), relations, bases, consent, prohibitions, ownership,
knowability and the dpo's audit scope are written out here again from the text of
``access.md`` and ``docs/access.md``. Nothing here imports the service's decision code.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any

from tests.authz.matrix import MATRIX
from tests.oracle.world import KELA, Snapshot

KELA_ROLES = {"kela_handler", "kela_advisor"}
COUNTY_ROLES = {"social_worker", "social_counsellor"}
STAFF_ROLES = KELA_ROLES | COUNTY_ROLES
FULL = {"PARENT_OF_MINOR", "GUARDIAN_FULL"}
NOT_PERMITTED = "NOT_PERMITTED"
CONSENT_REQUIRED = "CONSENT_REQUIRED"
PROTECTED_IDENTITY = "PROTECTED_IDENTITY"
LIFE = ("LIFE_ECONOMY", "LIFE_FAMILY", "LIFE_HEALTH", "LIFE_HOUSING")


@dataclass(frozen=True)
class Who:
    """A principal as its token says: roles, organisation, person."""

    roles: frozenset[str]
    org: str | None = None
    person: str | None = None
    sub: str = ""

    @property
    def kela(self) -> bool:
        return self.org == KELA

    def __repr__(self) -> str:
        at = self.org or self.person
        return f"Who({'+'.join(sorted(self.roles))}@{at})"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str | None = None

    @property
    def knowable(self) -> bool:
        return self.allowed or self.reason != NOT_PERMITTED


ALLOWED = Verdict(True)


@dataclass(frozen=True)
class Row:
    """A row as a prohibition names it."""

    type: str
    id: str


# ---- consent -----------------------------------------------------------------------------


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class GrantFact:
    seq: int
    grantee: str
    categories: frozenset[str]
    valid_from: datetime
    valid_until: datetime | None
    recorded_at: datetime
    recorder: str | None
    method: str
    ended_at: datetime | None = None

    def in_force(self, at: datetime) -> bool:
        return (
            self.recorded_at <= at
            and (self.ended_at is None or at < self.ended_at)
            and self.valid_from <= at
            and (self.valid_until is None or at < self.valid_until)
        )


@dataclass
class ProhibitionFact:
    seq: int
    org: str | None
    category: str | None
    row: Row | None
    recorded_at: datetime
    recorder: str | None
    ended_at: datetime | None = None

    def in_force(self, at: datetime) -> bool:
        return self.recorded_at <= at and (self.ended_at is None or at < self.ended_at)

    def covers(self, org: str | None, category: str, row: Row | None) -> bool:
        if self.org is not None:
            return self.org == org
        if self.category is not None:
            return self.category == category
        return self.row is not None and self.row == row


@dataclass
class Ledger:
    """One client's grants and prohibitions, folded from its events (ledger.md)."""

    grants: dict[int, GrantFact]
    prohibitions: dict[int, ProhibitionFact]
    party: dict[int, str | None]
    """Each event's party organisation, for a dpo's scope."""
    ended: dict[int, "GrantFact | ProhibitionFact"]
    """What each WITHDRAW or LIFT_PROHIBITION event ended, by the event's seq."""

    @classmethod
    def fold(cls, events: list[dict[str, Any]]) -> "Ledger":
        grants: dict[int, GrantFact] = {}
        prohibitions: dict[int, ProhibitionFact] = {}
        party: dict[int, str | None] = {}
        ended: dict[int, GrantFact | ProhibitionFact] = {}
        for event in events:
            seq, body, at = event["seq"], event["body"], _time(event["at"])
            assert at is not None
            recorder = event["actor"].get("org")
            kind = event["type"]
            party[seq] = None
            if kind == "GRANT":
                grants[seq] = GrantFact(
                    seq,
                    body["grantee"],
                    frozenset(body["categories"]),
                    _time(body["validFrom"]) or at,
                    _time(body.get("validUntil")),
                    at,
                    recorder,
                    body["method"],
                )
                party[seq] = body["grantee"]
            elif kind == "PROHIBIT":
                target = body["target"]
                row = Row(target["rowType"], target["rowId"]) if target.get("rowType") else None
                prohibitions[seq] = ProhibitionFact(
                    seq, target.get("organisation"), target.get("category"), row, at, recorder
                )
                party[seq] = target.get("organisation")
            elif kind == "WITHDRAW":
                grant = grants[int(body["grant"])]
                grant.ended_at = at
                party[seq] = grant.grantee
                ended[seq] = grant
            elif kind == "LIFT_PROHIBITION":
                prohibition = prohibitions[int(body["prohibition"])]
                prohibition.ended_at = at
                party[seq] = prohibition.org
                ended[seq] = prohibition
        return cls(grants, prohibitions, party, ended)

    def allows(self, org: str | None, category: str, row: Row | None, at: datetime) -> bool:
        if org is None:
            return False
        if not any(
            g.grantee == org and category in g.categories and g.in_force(at)
            for g in self.grants.values()
        ):
            return False
        return not any(
            p.in_force(at) and p.covers(org, category, row) for p in self.prohibitions.values()
        )


# ---- one client as one principal stands to it ---------------------------------------------


class Stand:
    """The principal's relation to one client, and every decision about it."""

    def __init__(self, world: "Reference", who: Who, client_id: uuid.UUID) -> None:
        self.world = world
        self.who = who
        self.client_id = client_id
        self.snap = world.snap
        self.client = self.snap.clients[client_id]
        self.ledger = world.ledger(client_id)

    @cached_property
    def log_named(self) -> set[int]:
        """The ledger seqs the caller's organisation's access-log rows about this client
        name (a grant that allowed, a prohibition that blocked): a dpo audits those."""
        org = self.who.org
        named: set[int] = set()
        for row in self.world.log:
            if row.client_id == self.client_id and org is not None and row.organisation_id == org:
                named.update(s for s in (row.consent_seq, row.prohibition_seq) if s is not None)
        return named

    @cached_property
    def relationships(self) -> set[str]:
        return {r.organisation_id for r in self.snap.relationships.get(self.client_id, [])}

    @cached_property
    def notice_party(self) -> bool:
        org = self.who.org
        return org is not None and any(
            n.client_id == self.client_id and org in (n.sender_id, n.recipient_id)
            for n in self.snap.notices.values()
        )

    def guardianship_kinds(self) -> set[str]:
        person, today = self.who.person, self.snap.today
        return {
            g.kind.value
            for g in self.snap.guardianships
            if g.ward_id == self.client_id
            and self.world.guardian_code(g) == person
            and g.valid_from <= today
            and (g.valid_until is None or today <= g.valid_until)
        }

    @cached_property
    def subjects(self) -> list[tuple[str, str]]:
        """(policy subject, relation) for every role whose relation holds."""
        found: list[tuple[str, str]] = []
        who = self.who
        for role in sorted(who.roles):
            if role == "client":
                if who.person is not None and who.person == self.snap.codes[self.client_id]:
                    found.append(("client", "SELF"))
            elif role == "guardian":
                if who.person is None:
                    continue
                kinds = self.guardianship_kinds()
                if kinds & FULL:
                    found.append(("guardian:FULL", "GUARDIAN"))
                if "GUARDIAN_ECONOMIC" in kinds:
                    found.append(("guardian:ECON", "GUARDIAN"))
            elif role in KELA_ROLES:
                found.append((role, "KELA"))
            elif role in COUNTY_ROLES:
                if who.org in self.relationships or self.notice_party:
                    found.append((role, "COUNTY"))
            elif role == "dpo":
                found.append((role, "AUDIT"))
        return found

    @property
    def visible(self) -> bool:
        return bool(self.subjects)

    @property
    def audit_only(self) -> bool:
        return self.visible and all(rel == "AUDIT" for _, rel in self.subjects)

    @property
    def is_self(self) -> bool:
        return any(rel == "SELF" for _, rel in self.subjects)

    def decide(self, category: str, own: bool | None = None, row: Row | None = None) -> Verdict:
        if category == "CONTACT" and self.client.protected_identity and not self.is_self:
            return Verdict(False, PROTECTED_IDENTITY)
        consent_asked = False
        for subject, relation in self.subjects:
            basis = MATRIX[(subject, category)]
            if basis == "STATUTORY":
                return ALLOWED
            if basis == "SELF" and relation == "SELF":
                return ALLOWED
            if basis == "GUARDIANSHIP" and relation == "GUARDIAN":
                return ALLOWED
            if basis == "OWN" and own is True:
                return ALLOWED
            if basis == "CONSENT":
                if self.ledger.allows(self.who.org, category, row, self.snap.now):
                    return ALLOWED
                consent_asked = True
        return Verdict(False, CONSENT_REQUIRED if consent_asked else NOT_PERMITTED)

    def any_knowable(self, categories: tuple[str, ...], own: bool | None) -> bool:
        return any(self.decide(c, own).knowable for c in categories)

    # ---- rows ------------------------------------------------------------------------

    def owns(self, org: str | None) -> bool:
        return org is not None and org == self.who.org

    def decision_categories(self, row: Any) -> tuple[str, ...]:
        if row.authority.value == "KELA":
            return ("KELA_DECISION", "KELA_CALCULATION")
        return ("WC_DECISION",)

    def attachment_category(self, row: Any) -> str:
        return "HEALTH_ATTACHMENT" if row.kind.value == "MEDICAL_STATEMENT" else "ATTACHMENT"

    def knows_decision(self, row: Any) -> bool:
        return self.any_knowable(self.decision_categories(row), self.owns(row.issuer_id))

    def knows_attachment(self, row: Any) -> bool:
        return self.any_knowable((self.attachment_category(row),), self.owns(row.uploaded_by_org))

    def notice_own(self, row: Any) -> bool:
        return self.owns(row.sender_id) or self.owns(row.recipient_id)

    def knows_notice(self, row: Any) -> bool:
        return self.any_knowable(("NOTICE", "NOTICE_DETAIL"), self.notice_own(row))

    def knows_application(self, _row: Any) -> bool:
        return self.any_knowable(("APPLICATION",), self.who.kela)

    def knows_plan(self, row: Any) -> bool:
        return self.any_knowable(("PLAN", *LIFE), self.owns(row.organiser_id))

    def knows_rule(self, rule: GrantFact | ProhibitionFact) -> bool:
        if not self.decide("CONSENT").knowable:
            return False
        if not self.audit_only:
            return True
        party = rule.grantee if isinstance(rule, GrantFact) else rule.org
        if rule.seq in self.log_named:
            return True
        return self.who.org is not None and self.who.org in (party, rule.recorder)

    def knows_event(self, event: dict[str, Any]) -> bool:
        if not self.decide("CONSENT").knowable:
            return False
        if not self.audit_only:
            return True
        org, seq = self.who.org, event["seq"]
        if seq in self.log_named:
            return True
        ended = self.ledger.ended.get(seq)
        if ended is not None and self.knows_rule(ended):
            return True
        return org is not None and org in (event["actor"].get("org"), self.ledger.party[seq])

    def knows_event_names(self, row: Row | None) -> bool:
        """An event's body and hashed text: whole to a dpo (one signed consent record),
        to anyone else when the row they name may be known of."""
        return self.audit_only or self.knows_row(row)

    def knows_log_entry(self, row: Any) -> bool:
        if not self.decide("ACCESS_LOG").knowable:
            return False
        if not self.audit_only:
            return True
        org = self.who.org
        if org is None:
            return False
        return row.organisation_id == org or (
            row.basis == "REGISTRATION" and org in self.relationships
        )

    def knows_row(self, row: Row | None) -> bool:
        """A row named by type and id (a link, a prohibition's target)."""
        if row is None:
            return True
        try:
            key = uuid.UUID(row.id)
        except ValueError:
            return False
        found: dict[str, tuple[dict[uuid.UUID, Any], Any]] = {
            "DECISION": (self.snap.decisions, self.knows_decision),
            "ATTACHMENT": (self.snap.attachments, self.knows_attachment),
            "NOTICE": (self.snap.notices, self.knows_notice),
            "APPLICATION": (self.snap.applications, self.knows_application),
            "PLAN": (self.snap.plans, self.knows_plan),
        }
        if row.type not in found:
            return False
        table, knows = found[row.type]
        target = table.get(key)
        return target is not None and knows(target)


class Reference:
    """The reference over one snapshot."""

    def __init__(self, snap: Snapshot, guardian_codes: dict[uuid.UUID, str]) -> None:
        self.snap = snap
        self._guardian_codes = guardian_codes
        self._ledgers: dict[uuid.UUID, Ledger] = {}
        self.log: list[Any] = []
        """The access log as the principal asking finds it (set before its questions)."""

    def guardian_code(self, row: Any) -> str:
        return self._guardian_codes[row.id]

    def guardian_code_by_id(self, guardianship_id: uuid.UUID) -> str | None:
        return self._guardian_codes.get(guardianship_id)

    def ledger(self, client_id: uuid.UUID) -> Ledger:
        if client_id not in self._ledgers:
            self._ledgers[client_id] = Ledger.fold(self.snap.events.get(client_id, []))
        return self._ledgers[client_id]

    def stand(self, who: Who, client_id: uuid.UUID) -> Stand:
        return Stand(self, who, client_id)

    @property
    def today(self) -> date:
        return self.snap.today
