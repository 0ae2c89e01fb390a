"""Explaining a decision: the guard's own decision, made again for a past moment, and the
replay of one access-log row compared with what it logged. Pure; no I/O.

An explanation is ``Guard.decide`` (a read) or ``Guard.write_decision`` (a write) over a
``ClientAccess`` built for that moment (``history.py``) under the policy in force then:
the live code, never a copy of its rules.

A row is replayed by what its policy line names: a read by the read policy over its
category, anything else (a write, a lookup by personal identity code) by the line's object
and action, as ``Guard.authorize`` decides it.

An access-log row does not record everything a decision depended on: not the row read
(its ownership, for ``OWN``, and the row a prohibition may name), nor for a write which
categories an economic guardian's write concerned. The replay tries each possibility —
the row the organisation's own or not, the row the logged prohibition names — and the
row *agrees* when one of them gives exactly the logged answer (allowed, basis, reason,
policy line, grant, prohibition). A row no possibility reproduces is a finding.
"""

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from authz.basis import Basis, RedactionReason
from authz.guard import READ, ClientAccess, Decision, Guard
from authz.policy import Policy
from authz.principal import Principal
from authz.relation import Subject
from ledger.state import RowRef
from schema.enums import AccessAction, DataCategory, OrganisationType, Role
from schema.models import AccessLogEntry

EVERY_CATEGORY = tuple(c.value for c in DataCategory)


def explain(
    policy: Policy,
    principal: Principal,
    access: ClientAccess,
    category: DataCategory,
    at: datetime,
    *,
    own: bool | None = None,
    row: RowRef | None = None,
) -> Decision:
    """The read decision the guard makes for ``principal`` at ``at``."""
    return Guard(policy, principal, at).decide(access, category, own=own, row=row)


@dataclass(frozen=True)
class Logged:
    """What an access-log row says was decided."""

    category: DataCategory
    action: AccessAction
    allowed: bool
    basis: str | None
    reason: str | None
    policy_rule: str | None
    consent_seq: int | None
    prohibition_seq: int | None

    def outcome(self) -> tuple[object, ...]:
        return (
            self.allowed,
            self.basis,
            self.reason,
            self.policy_rule,
            self.consent_seq,
            self.prohibition_seq,
        )


OUTCOME_FIELDS = ("allowed", "basis", "reason", "policyRule", "consentSeq", "prohibitionSeq")


def outcome(decision: Decision) -> tuple[object, ...]:
    return (
        decision.allowed,
        None if decision.basis is None else decision.basis.value,
        None if decision.reason is None else decision.reason.value,
        None if decision.rule is None else decision.rule.line,
        decision.consent_seq,
        decision.prohibition_seq,
    )


@dataclass(frozen=True)
class Replay:
    """The replayed decision nearest the logged one, under which assumption."""

    decision: Decision
    own: bool | None
    row: RowRef | None
    agrees: bool
    differences: tuple[str, ...]
    replayable: bool = True
    note: str | None = None


def replay(
    logged: Logged, policy: Policy, principal: Principal, access: ClientAccess, at: datetime
) -> Replay:
    """The logged decision made again at its moment; see the module's docstring."""
    guard = Guard(policy, principal, at)
    line = _line_of(logged.policy_rule)
    if logged.action == AccessAction.READ and (line is None or line[1] == READ):
        candidates = list(_reads(logged, guard, access))
    elif line is None:
        decision = Decision(False, reason=RedactionReason.NOT_PERMITTED)
        return Replay(
            decision,
            None,
            None,
            agrees=False,
            differences=(),
            replayable=False,
            note="the row names no policy line, so which write it was is not known",
        )
    else:
        candidates = list(_writes(logged, guard, access, *line))
    expected = logged.outcome()
    for decision, own, row in candidates:
        if outcome(decision) == expected:
            return Replay(decision, own, row, agrees=True, differences=())
    decision, own, row = min(candidates, key=lambda c: len(differences(logged, c[0])))
    return Replay(decision, own, row, agrees=False, differences=differences(logged, decision))


def differences(logged: Logged, decision: Decision) -> tuple[str, ...]:
    """Each field where the replay differs: ``name: logged X, replayed Y``."""
    return tuple(
        f"{name}: logged {_shown(was)}, replayed {_shown(now)}"
        for name, was, now in zip(OUTCOME_FIELDS, logged.outcome(), outcome(decision), strict=True)
        if was != now
    )


def _shown(value: object) -> str:
    return (
        "none" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    )


Candidate = tuple[Decision, bool | None, RowRef | None]


def _reads(logged: Logged, guard: Guard, access: ClientAccess) -> Iterator[Candidate]:
    rows: list[RowRef | None] = [None]
    named = (
        None
        if logged.prohibition_seq is None
        else access.consent.prohibition(logged.prohibition_seq)
    )
    if named is not None and named.row is not None:
        rows.append(named.row)
    for own in (False, True):
        for row in rows:
            yield guard.decide(access, logged.category, own=own, row=row), own, row


def _line_of(line: str | None) -> tuple[str, str] | None:
    """The (object, action) a logged policy line names: a category and ``read``, or a
    write's object and action (or a lookup's, such as a dpo's by personal identity code)."""
    if line is None:
        return None
    parts = [part.strip() for part in line.split(",")]
    return (parts[2], parts[3]) if len(parts) == 5 else None


def _writes(
    logged: Logged, guard: Guard, access: ClientAccess, obj: str, action: str
) -> Iterator[Candidate]:
    registration = logged.basis == Basis.REGISTRATION.value
    subjects: tuple[Subject, ...] = guard.role_subjects() if registration else access.subjects
    # An economic guardian's write is allowed only for categories its column admits; the
    # log does not keep which ones it concerned: none, or one it does not admit.
    for own in (False, True):
        for categories in ((), EVERY_CATEGORY):
            decision = guard.write_decision(subjects, obj, action, own=own, categories=categories)
            if registration and decision.allowed:
                decision = replace(decision, basis=Basis.REGISTRATION)
            yield decision, own, None


def logged(entry: AccessLogEntry) -> Logged:
    """What the row says was decided."""
    return Logged(
        category=entry.category,
        action=entry.action,
        allowed=entry.allowed,
        basis=entry.basis,
        reason=entry.reason,
        policy_rule=entry.policy_rule,
        consent_seq=entry.consent_seq,
        prohibition_seq=entry.prohibition_seq,
    )


def logged_principal(
    entry: AccessLogEntry,
    organisation_type: OrganisationType | None,
    client_personal_id: str,
) -> Principal:
    """The caller an access-log row names, as far as a decision depends on it: roles and
    organisation. A client is taken to be the client themself when the row's subjects say
    it acted as ``client`` (rows from before subjects were logged: when it held the role)."""
    held = frozenset(Role(r) for r in entry.roles.split(",") if r in Role.__members__)
    claimed = None if entry.subjects is None else entry.subjects.split(",")
    self_claimed = Role.client.value in claimed if claimed is not None else Role.client in held
    return Principal(
        subject="replay",
        roles=held,
        organisation_id=entry.organisation_id,
        organisation_type=organisation_type,
        person=client_personal_id if self_claimed else None,
    )
