"""Explanations of access decisions (``explainAccess``, ``explainAccessLogEntry``).

An explanation is asked as a read of the client's access log and answered whole; its
facts are those the decision depended on, as they stood at the moment explained."""

from datetime import datetime

import strawberry

from authz.basis import RedactionReason
from graph.context import Context
from graph.services.explanations import Explained, ExplainedEntry
from graph.types.access_log import AccessLogEntry
from graph.types.enums import Basis
from graph.types.organisation import Organisation
from schema.enums import AccessAction, DataCategory, GuardianshipKind, Role


@strawberry.type(
    description="Why a caller of a role in an organisation could, or could not, see a "
    "category of the client's data at a moment: the guard's own decision made again over "
    "the client as it stood then (its ledger replayed from the events, its relationships, "
    "notices, guardianships and protected-identity flag as they were) under the policy in "
    "force then. See docs/audit.md."
)
class AccessExplanation:
    allowed: bool = strawberry.field(description="Whether it was (would have been) shown.")
    basis: Basis | None = strawberry.field(description="The basis that allowed it.")
    reason: RedactionReason | None = strawberry.field(description="Why it was withheld.")
    policy_rule: str | None = strawberry.field(
        description="The policy line that decided, as written (p, subject, object, action, "
        "basis); null when no line names the category for any of the caller's subjects."
    )
    consent_event_seq: int | None = strawberry.field(
        description="The seq of the GRANT event that allowed it (CONSENT)."
    )
    prohibition_event_seq: int | None = strawberry.field(
        description="The seq of the PROHIBIT event that blocked it."
    )
    at: datetime = strawberry.field(description="The moment explained.")
    client_id: strawberry.ID = strawberry.field(description="The client (Client.id).")
    organisation: Organisation | None = strawberry.field(
        description="The caller's organisation; null for a person without one."
    )
    roles: list[Role] = strawberry.field(description="The caller's roles.")
    category: DataCategory = strawberry.field(description="The category explained.")
    action: AccessAction = strawberry.field(description="READ, or WRITE for a logged write.")
    own: bool | None = strawberry.field(
        description="Whether the row was taken to be the caller's organisation's own (the OWN "
        "basis): as asked, or for a logged row the assumption that reproduced it."
    )
    relations: list[str] = strawberry.field(
        description="The caller's relations to the client at that moment: SELF, GUARDIAN, "
        "KELA, COUNTY or AUDIT (docs/access.md); empty: the client did not exist for the "
        "caller then."
    )
    subjects: list[str] = strawberry.field(
        description="The policy subjects the caller acted as (e.g. guardian:ECON)."
    )
    client_registered: bool = strawberry.field(
        description="The client was registered by then (before, it existed for nobody)."
    )
    protected_identity: bool = strawberry.field(
        description="The protected-identity flag at that moment."
    )
    organiser: Organisation = strawberry.field(
        description="The responsible organiser at that moment."
    )
    relationships: list[Organisation] = strawberry.field(
        description="The organisations with a client relationship with the client then."
    )
    guardianships: list[GuardianshipKind] = strawberry.field(
        description="For a guardian: the kinds of the guardianships in force then that stood "
        "for the caller."
    )
    notice_party: bool = strawberry.field(
        description="The caller's organisation had sent or received a notice about the "
        "client by then."
    )
    facts_recorded: bool = strawberry.field(
        description="The protected-identity flag and the organiser come from their history; "
        "false: the client has none and today's values stand in."
    )
    ledger_events: int = strawberry.field(
        description="How many of the client's ledger events were recorded by then."
    )
    policy_sha256: str = strawberry.field(description="The SHA-256 of the policy decided on.")
    policy_since: datetime | None = strawberry.field(
        description="When that policy was put in force; null when not recorded."
    )
    policy_recorded: bool = strawberry.field(
        description="The policy's text is the one recorded as in force (policy_changes); "
        "false: none was recorded by then and the policy in force now stands in."
    )

    @classmethod
    def of(cls, found: Explained, ctx: Context) -> "AccessExplanation":
        decision, replayed, orgs = found.decision, found.replayed, ctx.organisations
        facts = replayed.access.facts
        org = found.principal.organisation_id
        return cls(
            allowed=decision.allowed,
            basis=None if decision.basis is None else Basis(decision.basis.value),
            reason=decision.reason,
            policy_rule=None if decision.rule is None else decision.rule.line,
            consent_event_seq=decision.consent_seq,
            prohibition_event_seq=decision.prohibition_seq,
            at=replayed.at,
            client_id=strawberry.ID(str(facts.client_id)),
            organisation=None if org is None else Organisation.from_record(orgs[org]),
            roles=sorted(found.principal.roles, key=lambda r: r.value),
            category=found.category,
            action=found.action,
            own=found.own,
            relations=replayed.relation_names,
            subjects=replayed.policy_subjects,
            client_registered=replayed.registered,
            protected_identity=facts.protected_identity,
            organiser=Organisation.from_record(orgs[facts.organiser_id]),
            relationships=[Organisation.from_record(orgs[o]) for o in sorted(facts.relationships)],
            guardianships=sorted(facts.guardianships),
            notice_party=facts.notice_party,
            facts_recorded=replayed.facts_recorded,
            ledger_events=replayed.events,
            policy_sha256=found.policy.policy.sha256,
            policy_since=found.policy.since,
            policy_recorded=found.policy.recorded,
        )


@strawberry.type(
    description="One access-log row replayed at its moment with its organisation, roles "
    "and category, and whether today's replay agrees with what was logged (a disagreement "
    "is itself a finding)."
)
class AccessLogExplanation:
    entry: AccessLogEntry = strawberry.field(description="The row, as the caller sees it.")
    replay: AccessExplanation = strawberry.field(
        description="The decision made again; for a row the log does not fully describe "
        "(which row was read, which categories a write concerned), the possibility nearest "
        "the logged answer."
    )
    agrees: bool = strawberry.field(
        description="The replay gives exactly the logged answer: allowed, basis, reason, "
        "policy line, grant and prohibition."
    )
    replayable: bool = strawberry.field(
        description="False when the row does not say enough to replay it (a write that "
        "names no policy line)."
    )
    differences: list[str] = strawberry.field(
        description="Each field where the replay differs: 'name: logged X, replayed Y'."
    )
    notes: list[str] = strawberry.field(
        description="What the replay had to assume (a policy whose text was never "
        "recorded, a row from before logged subjects)."
    )

    @classmethod
    def of(cls, found: ExplainedEntry, ctx: Context) -> "AccessLogExplanation":
        return cls(
            entry=AccessLogEntry.from_row(found.entry, found.view.access, ctx),
            replay=AccessExplanation.of(found.explained, ctx),
            agrees=found.replay.agrees,
            replayable=found.replay.replayable,
            differences=list(found.replay.differences),
            notes=list(found.notes),
        )
