"""The per-field decision, and the write policy, for one request.

``decide`` answers for a (client, category, ownership, row) from the policy line of each
subject the principal acts as: the strongest allowing basis wins; if none allows, the
reason is ``CONSENT_REQUIRED`` when consent could have allowed it, else
``NOT_PERMITTED``. The protected-identity overlay comes first. Answers are memoised for
the request; every answer a resolver uses is recorded for the access log.
"""

import uuid
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime

from authz.basis import PRECEDENCE, Basis, RedactionReason
from authz.errors import Forbidden
from authz.policy import Policy, Rule
from authz.principal import Principal
from authz.relation import GUARDIAN_ECON, ClientFacts, Relation, Subject, owns
from authz.relation import subjects as relation_subjects
from ledger.access_log import AccessRecord
from ledger.state import ConsentState, RowRef
from schema.enums import AccessAction, DataCategory

READ = "read"


@dataclass(frozen=True)
class ClientAccess:
    """One client as the asking principal stands to it: facts, subjects, consent state."""

    facts: ClientFacts
    subjects: tuple[Subject, ...]
    consent: ConsentState

    @property
    def client_id(self) -> uuid.UUID:
        return self.facts.client_id

    @property
    def visible(self) -> bool:
        """The client exists for the principal: it has a relation to them."""
        return bool(self.subjects)

    @property
    def is_self(self) -> bool:
        """The principal is the client."""
        return self.has(Relation.SELF)

    @property
    def is_guardian(self) -> bool:
        """The principal is an active guardian of the client."""
        return self.has(Relation.GUARDIAN)

    @property
    def audit_only(self) -> bool:
        """The principal's only relation is ``AUDIT`` (a dpo): of the client's ledger and
        log it sees only the rows of its own organisation's processing (``rows.py``)."""
        return self.visible and all(s.relation == Relation.AUDIT for s in self.subjects)

    def has(self, relation: Relation) -> bool:
        return any(s.relation == relation for s in self.subjects)

    @property
    def subject_names(self) -> str:
        """The policy subjects, as the access log records them."""
        return subject_names(self.subjects)


def subject_names(found: Collection[Subject]) -> str:
    return ",".join(sorted(s.name for s in found))


@dataclass(frozen=True)
class Decision:
    allowed: bool
    basis: Basis | None = None
    reason: RedactionReason | None = None
    rule: Rule | None = None
    consent_seq: int | None = None
    prohibition_seq: int | None = None

    @property
    def knowable(self) -> bool:
        """The field may be known of: shown, or withheld for a reason the caller may be
        told (consent, protected identity). A row none of whose fields is knowable is left
        out of its list, and a container none of whose fields is knowable is null."""
        return self.allowed or self.reason != RedactionReason.NOT_PERMITTED

    @property
    def redaction(self) -> RedactionReason:
        """Why the field is withheld (only asked of a denial)."""
        return self.reason or RedactionReason.NOT_PERMITTED


NOT_PERMITTED = Decision(False, reason=RedactionReason.NOT_PERMITTED)
PROTECTED = Decision(False, reason=RedactionReason.PROTECTED_IDENTITY)

_RELATION_OF_BASIS = {Basis.SELF: Relation.SELF, Basis.GUARDIANSHIP: Relation.GUARDIAN}


class Guard:
    def __init__(self, policy: Policy, principal: Principal, now: datetime) -> None:
        self.policy = policy
        self.principal = principal
        self.now = now
        self._memo: dict[tuple[object, ...], Decision] = {}
        self._records: set[AccessRecord] = set()
        self._reads: dict[tuple[int, int, int], tuple[ClientAccess, DataCategory, Decision]] = {}

    # ---- reads ---------------------------------------------------------------------------

    def decide(
        self,
        access: ClientAccess,
        category: DataCategory,
        *,
        own: bool | None = None,
        row: RowRef | None = None,
    ) -> Decision:
        row_key = row if access.consent.has_row_prohibitions else None
        key = (access.client_id, category, own, row_key)
        found = self._memo.get(key)
        if found is None:
            found = self._decide(access, category, own, row_key)
            self._memo[key] = found
        return found

    def check(
        self,
        access: ClientAccess,
        category: DataCategory,
        *,
        own: bool | None = None,
        row: RowRef | None = None,
    ) -> Decision:
        """``decide``, recorded for the access log: use it where a value is disclosed."""
        decision = self.decide(access, category, own=own, row=row)
        self.record_read(access, category, decision)
        return decision

    def record_read(self, access: ClientAccess, category: DataCategory, decision: Decision) -> None:
        """Record a read ``decide`` answered, for the access log (each answer once: a
        dictionary lookup when it has been recorded already)."""
        key = (id(access), id(category), id(decision))
        if key not in self._reads:
            self._reads[key] = (access, category, decision)  # kept: the ids stay theirs

    def _decide(
        self, access: ClientAccess, category: DataCategory, own: bool | None, row: RowRef | None
    ) -> Decision:
        if (
            category == DataCategory.CONTACT
            and access.facts.protected_identity
            and not access.has(Relation.SELF)
        ):
            return PROTECTED
        outcomes = [self._by_subject(s, access, category, own, row) for s in access.subjects]
        allowed = [d for d in outcomes if d.allowed]
        if allowed:
            return min(allowed, key=lambda d: PRECEDENCE.index(d.basis or Basis.CONSENT))
        return next(
            (d for d in outcomes if d.reason == RedactionReason.CONSENT_REQUIRED),
            outcomes[0] if outcomes else NOT_PERMITTED,
        )

    def _by_subject(
        self,
        subject: Subject,
        access: ClientAccess,
        category: DataCategory,
        own: bool | None,
        row: RowRef | None,
    ) -> Decision:
        rule = self.policy.rule(subject.name, category.value, READ)
        basis = Basis.DENY if rule is None else rule.basis
        if basis == Basis.CONSENT:
            verdict = access.consent.verdict(
                self.principal.organisation_id, category.value, row, self.now
            )
            if verdict.allowed:
                return Decision(True, basis, rule=rule, consent_seq=verdict.grant_seq)
            return Decision(
                False,
                reason=RedactionReason.CONSENT_REQUIRED,
                rule=rule,
                prohibition_seq=verdict.prohibition_seq,
            )
        if self._basis_holds(basis, subject, own):
            return Decision(True, basis, rule=rule)
        return Decision(False, reason=RedactionReason.NOT_PERMITTED, rule=rule)

    @staticmethod
    def _basis_holds(basis: Basis, subject: Subject, own: bool | None) -> bool:
        if basis in _RELATION_OF_BASIS:
            return subject.relation == _RELATION_OF_BASIS[basis]
        if basis == Basis.OWN:
            return own is True
        return basis == Basis.STATUTORY

    # ---- writes --------------------------------------------------------------------------

    def authorize(
        self,
        access: ClientAccess | None,
        obj: str,
        action: str,
        *,
        category: DataCategory,
        own: bool | None = None,
        categories: Collection[str] = (),
    ) -> Decision:
        """Allow a write or raise ``Forbidden``; either way the decision is recorded.

        Without a client (registering one) the principal's roles are the subjects. For an
        economic guardian, ``categories`` are the categories the write concerns: each must
        be one its read column allows on ``GUARDIANSHIP`` (a FULL guardian acts for the
        client in everything).
        """
        subjects = access.subjects if access is not None else self.role_subjects()
        decision = self.write_decision(subjects, obj, action, own=own, categories=categories)
        if access is not None:
            self.record(
                access.client_id, category, AccessAction.WRITE, decision, access.subject_names
            )
        if not decision.allowed:
            raise Forbidden(f"the policy does not allow {action} on {obj} for this caller")
        return decision

    def role_subjects(self) -> tuple[Subject, ...]:
        """The principal's roles as subjects, for a write about no client yet."""
        return tuple(Subject(r.value, None, r) for r in sorted(self.principal.roles))

    def write_decision(
        self,
        subjects: tuple[Subject, ...],
        obj: str,
        action: str,
        *,
        own: bool | None = None,
        categories: Collection[str] = (),
    ) -> Decision:
        """The write policy's answer for these subjects, neither recorded nor raised: the
        first subject whose line holds allows it (``authorize``, and replays of a write)."""
        decision = NOT_PERMITTED
        for subject in subjects:
            rule = self.policy.rule(subject.name, obj, action)
            if rule is None:
                continue
            holds = self._basis_holds(rule.basis, subject, own)
            if holds and subject.name == GUARDIAN_ECON:
                holds = all(
                    self.policy.basis(subject.name, c, READ) == Basis.GUARDIANSHIP
                    for c in categories
                )
            if holds:
                return Decision(True, rule.basis, rule=rule)
            decision = Decision(False, reason=RedactionReason.NOT_PERMITTED, rule=rule)
        return decision

    def audits_every_client(self, category: DataCategory) -> Decision:
        """A dpo's decision on ``category`` for every client (``for_every_client`` of the
        ``AUDIT`` relation): what lets a dpo review across clients."""
        return self.for_every_client(Relation.AUDIT, category)

    def for_every_client(self, relation: Relation, category: DataCategory) -> Decision:
        """The read decision on ``category`` that holds for every client the principal
        relates to by ``relation``, where it cannot depend on the client: allowed only on
        a ``STATUTORY`` line (``CONSENT``, ``OWN`` and the person bases depend on the client,
        its ledger or the row). Lists over many clients (a dpo's review) ask this."""
        nobody = ClientFacts(uuid.UUID(int=0), "", "", protected_identity=False)
        for subject in relation_subjects(self.principal, nobody):
            if subject.relation != relation:
                continue
            rule = self.policy.rule(subject.name, category.value, READ)
            if rule is not None and rule.basis == Basis.STATUTORY:
                return Decision(True, Basis.STATUTORY, rule=rule)
        return NOT_PERMITTED

    def authorize_registration(self, organiser_id: str) -> Decision:
        """Registering a client for ``organiser_id``, or opening the caller's organisation's
        client relationship with one that exists: organiser staff for their own
        organisation (``OWN``), Kela staff for any organiser; others ``Forbidden``."""
        return self.authorize(
            None,
            "client",
            "register",
            category=DataCategory.IDENTITY,
            own=owns(organiser_id, self.principal),
        )

    def record_registration(self, client_id: uuid.UUID, decision: Decision) -> None:
        """The registration on the client's access log: a write on its own basis,
        ``REGISTRATION``, naming the policy line that allowed it. The same row whether
        the code was new or a client already."""
        self.record(
            client_id,
            DataCategory.IDENTITY,
            AccessAction.WRITE,
            replace(decision, basis=Basis.REGISTRATION),
            subject_names(self.role_subjects()),
        )

    # ---- the access log ------------------------------------------------------------------

    def record(
        self,
        client_id: uuid.UUID,
        category: DataCategory,
        action: AccessAction,
        decision: Decision,
        subjects: str | None = None,
    ) -> None:
        self._records.add(
            AccessRecord(
                client_id=client_id,
                category=category,
                action=action,
                allowed=decision.allowed,
                basis=None if decision.basis is None else decision.basis.value,
                reason=None if decision.reason is None else decision.reason.value,
                policy_rule=None if decision.rule is None else decision.rule.line,
                consent_seq=decision.consent_seq,
                prohibition_seq=decision.prohibition_seq,
                subjects=subjects,
            )
        )

    def records(self) -> list[AccessRecord]:
        names: dict[int, str] = {}
        for access, category, decision in self._reads.values():
            subjects = names.get(id(access))
            if subjects is None:
                subjects = names[id(access)] = access.subject_names
            self.record(access.client_id, category, AccessAction.READ, decision, subjects)
        self._reads.clear()
        return sorted(
            self._records, key=lambda r: (str(r.client_id), r.category.value, r.action.value)
        )
