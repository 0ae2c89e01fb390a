"""Appending to the consent ledger and keeping its projection; the I/O around ``chain``
and ``state``. Takes the caller's session and never commits."""

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ledger import metrics
from ledger.chain import GENESIS, event_bytes, make_event, parse_time
from ledger.errors import InvalidEvent
from ledger.state import ConsentState, Grant, Prohibition, RowRef
from schema.enums import ConsentEventType, ConsentMethod, DataCategory
from schema.models import ConsentEvent, ConsentRule, LedgerHead


@dataclass(frozen=True)
class Actor:
    """Who recorded an event: the token's subject, organisation and roles."""

    sub: str
    org: str | None
    roles: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {"sub": self.sub, "org": self.org, "roles": sorted(self.roles)}


CLIENT_GRANTOR: Mapping[str, Any] = {"kind": "CLIENT"}


def guardian_grantor(person: str) -> dict[str, Any]:
    return {"kind": "GUARDIAN", "person": person}


async def start_chain(session: AsyncSession, client_id: uuid.UUID) -> None:
    """Give a new client an empty chain (its head row, which appends lock)."""
    session.add(LedgerHead(client_id=client_id, seq=0, head=GENESIS))
    await session.flush()


async def append(
    session: AsyncSession,
    *,
    client_id: uuid.UUID,
    type_: ConsentEventType,
    body: Mapping[str, Any],
    actor: Actor,
    grantor: Mapping[str, Any] | None,
    at: datetime,
) -> ConsentEvent:
    """Append one event to the client's chain and update the projection with it.

    The head row's UPDATE comes first: on PostgreSQL it locks that client's chain until
    the transaction ends, and on SQLite it takes the write lock before anything is
    read, so a concurrent append waits and then sees this one.
    """
    locked = await session.execute(
        update(LedgerHead)
        .where(LedgerHead.client_id == client_id)
        .values(seq=LedgerHead.seq + 1)
        .returning(LedgerHead.seq, LedgerHead.head)
    )
    head = locked.one_or_none()
    if head is None:
        raise InvalidEvent("unknown client")
    seq, prev = head
    state = (await load_states(session, [client_id]))[client_id]
    event = make_event(
        client=str(client_id),
        seq=seq,
        type_=type_.value,
        at=at,
        actor=actor.as_json(),
        grantor=grantor,
        body=body,
        prev=prev,
    )
    state.apply(event)
    row = ConsentEvent(
        client_id=client_id,
        seq=seq,
        type=type_,
        at=parse_time(event["at"]),
        actor_org=actor.org,
        party_org=party_of(state, event),
        canonical=canonical_text(event),
        hash=event["hash"],
        prev=prev,
    )
    session.add(row)
    await _project(session, client_id, event)
    await session.execute(
        update(LedgerHead).where(LedgerHead.client_id == client_id).values(head=event["hash"])
    )
    await session.flush()
    metrics.appended()
    return row


def party_of(state: ConsentState, event: Mapping[str, Any]) -> str | None:
    """The organisation an event concerns: a grant's grantee, a prohibited organisation,
    or that of the grant or prohibition a WITHDRAW or LIFT ends."""
    body, kind = event["body"], event["type"]
    if kind == ConsentEventType.GRANT:
        return str(body["grantee"])
    if kind == ConsentEventType.PROHIBIT:
        organisation = body["target"].get("organisation")
        return None if organisation is None else str(organisation)
    if kind == ConsentEventType.WITHDRAW:
        grant = state.grant(int(body["grant"]))
        return None if grant is None else grant.grantee
    if kind == ConsentEventType.LIFT_PROHIBITION:
        prohibition = state.prohibition(int(body["prohibition"]))
        return None if prohibition is None else prohibition.organisation
    return None


def canonical_text(event: Mapping[str, Any]) -> str:
    """The exact text that was hashed."""
    return event_bytes(event).decode()


async def _project(session: AsyncSession, client_id: uuid.UUID, event: Mapping[str, Any]) -> None:
    seq, at, body, kind = int(event["seq"]), parse_time(event["at"]), event["body"], event["type"]
    if kind == ConsentEventType.GRANT:
        until = body["validUntil"]
        session.add(
            ConsentRule(
                client_id=client_id,
                seq=seq,
                kind=ConsentEventType.GRANT,
                organisation_id=body["grantee"],
                categories=list(body["categories"]),
                purpose=body["purpose"],
                method=ConsentMethod(body["method"]),
                valid_from=parse_time(body["validFrom"]),
                valid_until=None if until is None else parse_time(until),
                recorded_at=at,
                recorded_by_org=event["actor"].get("org"),
            )
        )
    elif kind == ConsentEventType.PROHIBIT:
        target = body["target"]
        category = target.get("category")
        session.add(
            ConsentRule(
                client_id=client_id,
                seq=seq,
                kind=ConsentEventType.PROHIBIT,
                organisation_id=target.get("organisation"),
                categories=[],
                category=None if category is None else DataCategory(category),
                row_type=target.get("rowType"),
                row_id=target.get("rowId"),
                method=ConsentMethod(body["method"]),
                recorded_at=at,
                recorded_by_org=event["actor"].get("org"),
            )
        )
    elif kind in (ConsentEventType.WITHDRAW, ConsentEventType.LIFT_PROHIBITION):
        ended = int(body["grant"] if kind == ConsentEventType.WITHDRAW else body["prohibition"])
        await session.execute(
            update(ConsentRule)
            .where(ConsentRule.client_id == client_id, ConsentRule.seq == ended)
            .values(ended_seq=seq, ended_at=at)
        )


def state_from_rules(rules: Sequence[Any]) -> ConsentState:
    """The state a client's projection rows (ORM rows or plain rows of its columns) hold."""
    grants: list[Grant] = []
    prohibitions: list[Prohibition] = []
    for rule in sorted(rules, key=lambda r: r.seq):
        if rule.kind == ConsentEventType.GRANT:
            grants.append(
                Grant(
                    seq=rule.seq,
                    grantee=rule.organisation_id or "",
                    categories=frozenset(rule.categories),
                    purpose=rule.purpose,
                    method=rule.method,
                    valid_from=rule.valid_from or rule.recorded_at,
                    valid_until=rule.valid_until,
                    recorded_at=rule.recorded_at,
                    ended_seq=rule.ended_seq,
                    ended_at=rule.ended_at,
                    recorded_by=rule.recorded_by_org,
                )
            )
        else:
            row = RowRef(rule.row_type, rule.row_id) if rule.row_type and rule.row_id else None
            prohibitions.append(
                Prohibition(
                    seq=rule.seq,
                    organisation=rule.organisation_id,
                    category=rule.category,
                    row=row,
                    recorded_at=rule.recorded_at,
                    ended_seq=rule.ended_seq,
                    ended_at=rule.ended_at,
                    recorded_by=rule.recorded_by_org,
                )
            )
    return ConsentState(tuple(grants), tuple(prohibitions))


_RULES = cast(Table, ConsentRule.__table__)
# Built once; read as plain rows (the projection's columns, as the ORM rows had them).
_STATES = select(_RULES).where(_RULES.c.client_id.in_(bindparam("ids", expanding=True)))


async def load_states(
    session: AsyncSession, client_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, ConsentState]:
    """The consent state of every client asked for, in one query."""
    if not client_ids:
        return {}
    if session.new or session.dirty or session.deleted:
        await session.flush()  # as an ORM read would: the projection as written so far
    rows = await session.execute(_STATES, {"ids": list(client_ids)})
    by_client: dict[uuid.UUID, list[Any]] = {cid: [] for cid in client_ids}
    for row in rows:
        by_client[row.client_id].append(row)
    return {cid: state_from_rules(rules) for cid, rules in by_client.items()}


async def events(
    session: AsyncSession,
    client_id: uuid.UUID,
    *,
    condition: ColumnElement[bool] | None,
    limit: int,
    after_seq: int | None,
) -> list[ConsentEvent]:
    """A client's events in seq order; only those meeting ``condition`` when it is given
    (the events the caller may see, ``authz.rows``)."""
    query = select(ConsentEvent).where(ConsentEvent.client_id == client_id)
    if condition is not None:
        query = query.where(condition)
    if after_seq is not None:
        query = query.where(ConsentEvent.seq > after_seq)
    return list((await session.scalars(query.order_by(ConsentEvent.seq).limit(limit))).all())
