"""Appending to the consent ledger and keeping its projection; the I/O around ``chain``
and ``state``. Takes the caller's session and never commits."""

import json
import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ledger import metrics
from ledger.chain import GENESIS, event_bytes, make_event, parse_time
from ledger.errors import EventConflict, InvalidEvent, LedgerBroken
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


GUARDIANSHIP_PREFIX = "guardianship:"


def guardian_grantor(person: str) -> dict[str, Any]:
    """A guardian who decides, named by a pseudonym (``guardianship_pseudonym``); events
    recorded before personal identity codes were kept encrypted name the code itself."""
    return {"kind": "GUARDIAN", "person": person}


def guardianship_pseudonym(guardianship_id: uuid.UUID) -> str:
    return f"{GUARDIANSHIP_PREFIX}{guardianship_id}"


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


PROJECTED = (
    "kind",
    "organisation_id",
    "categories",
    "category",
    "row_type",
    "row_id",
    "purpose",
    "method",
    "valid_from",
    "valid_until",
    "recorded_at",
    "recorded_by_org",
    "ended_seq",
    "ended_at",
)
"""The projection's columns beside its key (client, seq): what a rebuild compares."""


def projected_row(event: Mapping[str, Any]) -> dict[str, Any] | None:
    """The projection row a GRANT or PROHIBIT event makes (its columns in ``PROJECTED``,
    not yet ended); ``None`` for other events. Pure: appends and rebuilds share it."""
    at, body, kind = parse_time(event["at"]), event["body"], event["type"]
    common = {
        "recorded_at": at,
        "recorded_by_org": event["actor"].get("org"),
        "method": ConsentMethod(body["method"]) if kind in _MAKERS else None,
        "ended_seq": None,
        "ended_at": None,
    }
    if kind == ConsentEventType.GRANT:
        until = body["validUntil"]
        return common | {
            "kind": ConsentEventType.GRANT,
            "organisation_id": body["grantee"],
            "categories": list(body["categories"]),
            "category": None,
            "row_type": None,
            "row_id": None,
            "purpose": body["purpose"],
            "valid_from": parse_time(body["validFrom"]),
            "valid_until": None if until is None else parse_time(until),
        }
    if kind == ConsentEventType.PROHIBIT:
        target = body["target"]
        category = target.get("category")
        return common | {
            "kind": ConsentEventType.PROHIBIT,
            "organisation_id": target.get("organisation"),
            "categories": [],
            "category": None if category is None else DataCategory(category),
            "row_type": target.get("rowType"),
            "row_id": target.get("rowId"),
            "purpose": None,
            "valid_from": None,
            "valid_until": None,
        }
    return None


_MAKERS = (ConsentEventType.GRANT, ConsentEventType.PROHIBIT)


def projected_end(event: Mapping[str, Any]) -> tuple[int, int, datetime] | None:
    """For a WITHDRAW or LIFT_PROHIBITION: the seq of the row it ends, its own seq and
    time (the row's ``ended_seq`` and ``ended_at``); ``None`` for other events."""
    kind, body = event["type"], event["body"]
    if kind == ConsentEventType.WITHDRAW:
        return int(body["grant"]), int(event["seq"]), parse_time(event["at"])
    if kind == ConsentEventType.LIFT_PROHIBITION:
        return int(body["prohibition"]), int(event["seq"]), parse_time(event["at"])
    return None


async def _project(session: AsyncSession, client_id: uuid.UUID, event: Mapping[str, Any]) -> None:
    row = projected_row(event)
    if row is not None:
        session.add(ConsentRule(client_id=client_id, seq=int(event["seq"]), **row))
    end = projected_end(event)
    if end is not None:
        ended, seq, at = end
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


def fold(events: Iterable[Mapping[str, Any]]) -> ConsentState:
    """The consent state the events add up to, in the order given (seq order)."""
    state = ConsentState()
    for event in events:
        state = state.apply(event)
    return state


async def state_at(
    session: AsyncSession, client_id: uuid.UUID, at: datetime
) -> tuple[ConsentState, int]:
    """The client's consent state replayed from the ledger's events recorded up to ``at``
    (the events themselves, not the projection), and how many events that was. A chain
    that does not fold is ``LedgerBroken``."""
    texts = (
        await session.scalars(
            select(ConsentEvent.canonical)
            .where(ConsentEvent.client_id == client_id, ConsentEvent.at <= at)
            .order_by(ConsentEvent.seq)
        )
    ).all()
    try:
        return fold(json.loads(text) for text in texts), len(texts)
    except EventConflict as conflict:
        raise LedgerBroken(f"client {client_id}'s ledger does not replay: {conflict}") from None


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
