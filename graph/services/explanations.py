"""Explaining an access: the decision for (client, organisation, role, category) at any
past moment, and the replay of one access-log row, built on the guard's own decision
(``authz.explain``) over the client as it stood then (``authz.history``) under the policy
in force then (``policy_changes`` keeps each policy's text).

Who may ask: whoever may read the client's access log (the policy's ``ACCESS_LOG`` cell:
by default the client, a full guardian and a dpo), and a caller whose only relation is
``AUDIT`` (a dpo) only about its own organisation's accesses — the rows it audits. The
asking is itself a read of ``ACCESS_LOG``, on the access log.
"""

import functools
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from authz import rows
from authz.errors import Forbidden
from authz.explain import Replay, explain, logged, logged_principal, replay
from authz.guard import Decision
from authz.history import Guardians, Replayed, access_at
from authz.policy import Policy
from authz.principal import Principal, misfitting_roles
from graph.context import Context
from graph.domain.workdays import helsinki_date
from graph.errors import BadUserInput, NotFound
from graph.loaders import ClientView
from graph.services.lookup import client_view, known_organisation, parse_id
from schema.enums import AccessAction, DataCategory, Role
from schema.models import AccessLogEntry, Guardianship, PolicyChange


@dataclass(frozen=True)
class PolicyAt:
    """The policy a moment was (or an access-log row was) decided under."""

    policy: Policy
    since: datetime | None
    """When it was put in force (``policy_changes``); ``None`` when not recorded."""
    recorded: bool
    """Its text comes from ``policy_changes``; ``False``: none was recorded by then, and
    the policy in force now stands in for it."""


@dataclass(frozen=True)
class Explained:
    decision: Decision
    principal: Principal
    category: DataCategory
    replayed: Replayed
    policy: PolicyAt
    own: bool | None
    action: AccessAction = AccessAction.READ


@dataclass(frozen=True)
class ExplainedEntry:
    entry: AccessLogEntry
    view: ClientView
    explained: Explained
    replay: Replay
    notes: tuple[str, ...]


@functools.lru_cache(maxsize=32)
def _compiled(model: Path, sha256: str, text: str) -> Policy:
    """A recorded policy, compiled once per process (``sha256`` keys it; ``text`` is it)."""
    return Policy(model, Path(f"policy {sha256[:12]}"), content=text.encode("utf-8"))


def _recorded(ctx: Context, change: PolicyChange) -> Policy:
    current = ctx.guard.policy
    if change.new_sha256 == current.sha256:
        return current
    return _compiled(ctx.runtime.policies.model, change.new_sha256, change.policy)


async def policy_at(ctx: Context, at: datetime) -> PolicyAt:
    """The policy last put in force at or before ``at``."""
    change = await ctx.session.scalar(
        select(PolicyChange)
        .where(PolicyChange.at <= at)
        .order_by(PolicyChange.at.desc(), PolicyChange.id.desc())
        .limit(1)
    )
    if change is None:
        return PolicyAt(ctx.guard.policy, None, recorded=False)
    return PolicyAt(_recorded(ctx, change), change.at, recorded=True)


async def policy_of_hash(ctx: Context, sha256: str, at: datetime) -> PolicyAt | None:
    """The policy whose SHA-256 is ``sha256`` (an access-log row's), if its text is known:
    recorded in ``policy_changes``, or the one in force now."""
    change = await ctx.session.scalar(
        select(PolicyChange)
        .where(PolicyChange.new_sha256 == sha256)
        .order_by((PolicyChange.at <= at).desc(), PolicyChange.at.desc(), PolicyChange.id.desc())
        .limit(1)
    )
    if change is not None:
        return PolicyAt(_recorded(ctx, change), change.at, recorded=True)
    if ctx.guard.policy.sha256 == sha256:
        return PolicyAt(ctx.guard.policy, None, recorded=False)
    return None


def _may_explain(ctx: Context, view: ClientView, organisation_id: str | None) -> None:
    """Refuse (``Forbidden``) unless the caller may explain this organisation's accesses to
    the client; the asking is recorded as a read of the client's access log."""
    access = view.access
    if not ctx.guard.check(access, DataCategory.ACCESS_LOG).allowed:
        raise Forbidden("explaining an access needs the right to read the client's access log")
    if access.audit_only and organisation_id != ctx.principal.organisation_id:
        raise Forbidden("a data-protection officer explains its own organisation's accesses")


def _moment(ctx: Context, at: datetime | None) -> datetime:
    if at is None:
        return ctx.now
    if at.tzinfo is None:
        raise BadUserInput("at needs a time zone")
    if at > ctx.now:
        raise BadUserInput("at is in the future: only what was can be explained")
    return at


async def _guardianship(ctx: Context, value: str | None, client_id: uuid.UUID) -> uuid.UUID | None:
    if value is None:
        return None
    key = parse_id(value, "guardianshipId")
    ward = await ctx.session.scalar(select(Guardianship.ward_id).where(Guardianship.id == key))
    if ward != client_id:
        raise NotFound("no such guardianship of the client")
    return key


async def explain_access(
    ctx: Context,
    client_id: str,
    organisation_id: str,
    role: Role,
    category: DataCategory,
    at: datetime | None,
    *,
    own: bool | None = None,
    guardianship_id: str | None = None,
) -> Explained:
    """The decision for a caller of ``role`` in ``organisation_id`` on the client's
    ``category`` at ``at`` (default now). A client is explained as the client themself, a
    guardian by the guardianship named (by default every one in force then)."""
    view = await client_view(ctx, client_id)
    org = known_organisation(ctx, organisation_id, "organisationId")
    _may_explain(ctx, view, org)
    moment = _moment(ctx, at)
    kind = ctx.organisations[org].type
    if misfitting_roles(frozenset({role}), kind):
        raise BadUserInput(f"a {role.value} cannot be of {org} (a {kind.value})")
    principal = Principal(
        subject="explain",
        roles=frozenset({role}),
        organisation_id=org,
        organisation_type=kind,
        person=view.row.personal_id if role == Role.client else None,
    )
    guardians = Guardians(await _guardianship(ctx, guardianship_id, view.row.id))
    replayed = await access_at(
        ctx.session, principal, view.row, moment, helsinki_date(moment), guardians
    )
    policy = await policy_at(ctx, moment)
    decision = explain(policy.policy, principal, replayed.access, category, moment, own=own)
    return Explained(decision, principal, category, replayed, policy, own)


def entry_key(value: str) -> int:
    try:
        key = int(str(value))
    except ValueError as error:
        raise BadUserInput("id is not an access-log row's id") from error
    if not 0 < key < 2**63:
        raise BadUserInput("id is not an access-log row's id")
    return key


async def explain_entry(ctx: Context, entry_id: str) -> ExplainedEntry | None:
    """One access-log row replayed at its moment, with its organisation, roles and
    category; ``None`` when the row does not exist for the caller."""
    # The row's key is (id, client_id) since 0007; its id alone is unique (one sequence).
    entry = await ctx.session.scalar(
        select(AccessLogEntry).where(AccessLogEntry.id == entry_key(entry_id))
    )
    if entry is None:
        return None
    view = await ctx.loaders.client.load(entry.client_id)
    if view is None or not view.access.visible:
        return None
    if not rows.ACCESS_LOG_ENTRY.knowable(ctx.guard, view.access, entry):
        return None
    if not ctx.guard.check(view.access, DataCategory.ACCESS_LOG).allowed:
        return None
    notes: list[str] = []
    policy = await policy_of_hash(ctx, entry.policy_hash, entry.at)
    if policy is None:
        notes.append(
            "the row's policy (SHA-256 "
            f"{entry.policy_hash}) was never recorded; the policy in force then stands in"
        )
        policy = await policy_at(ctx, entry.at)
    guardians = Guardians.of_logged(entry)
    if guardians is None:
        notes.append("the row predates logged subjects: every guardianship in force counts")
    org = entry.organisation_id
    kind = None if org is None or org not in ctx.organisations else ctx.organisations[org].type
    principal = logged_principal(entry, kind, view.row.personal_id)
    replayed = await access_at(
        ctx.session, principal, view.row, entry.at, helsinki_date(entry.at), guardians
    )
    found = replay(logged(entry), policy.policy, principal, replayed.access, entry.at)
    if found.note is not None:
        notes.append(found.note)
    explained = Explained(
        found.decision, principal, entry.category, replayed, policy, found.own, entry.action
    )
    return ExplainedEntry(entry, view, explained, found, tuple(notes))
