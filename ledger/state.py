"""Consent state: what a client's ledger allows and forbids at a moment. Pure; no I/O.

The same fold serves the live projection (``service.py`` checks every event against it
before appending) and replays of the past: every grant and prohibition keeps when it
was recorded and when it ended, so ``verdict(…, at)`` answers for any moment.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from typing import Any

from ledger.chain import parse_time
from ledger.errors import EventConflict
from schema.enums import ConsentMethod


def self_recorded(method: str | None, recorder: str | None, grantee: str | None) -> bool:
    """A grant recorded as given orally by someone of the grantee organisation itself: the
    organisation vouches for its own permission, so the grant is shown as self-recorded
    (``docs/ledger.md``). Derived from the event (method, actor, grantee), never stored."""
    return method == ConsentMethod.ORAL.value and recorder is not None and recorder == grantee


@dataclass(frozen=True)
class RowRef:
    """One row a prohibition can name: its type (``schema.enums.RowType``) and id."""

    type: str
    id: str


@dataclass(frozen=True)
class Grant:
    seq: int
    grantee: str
    categories: frozenset[str]
    purpose: str | None
    method: str | None
    valid_from: datetime
    valid_until: datetime | None
    recorded_at: datetime
    ended_seq: int | None = None
    ended_at: datetime | None = None
    recorded_by: str | None = None

    @property
    def self_recorded(self) -> bool:
        return self_recorded(self.method, self.recorded_by, self.grantee)

    def in_force(self, at: datetime) -> bool:
        recorded = self.recorded_at <= at and (self.ended_at is None or at < self.ended_at)
        valid = self.valid_from <= at and (self.valid_until is None or at < self.valid_until)
        return recorded and valid

    def withdrawable(self, at: datetime) -> bool:
        """Not yet withdrawn and not expired (a grant valid from a later date may be withdrawn)."""
        return self.ended_seq is None and (self.valid_until is None or at < self.valid_until)


@dataclass(frozen=True)
class Prohibition:
    seq: int
    organisation: str | None
    category: str | None
    row: RowRef | None
    recorded_at: datetime
    ended_seq: int | None = None
    ended_at: datetime | None = None
    recorded_by: str | None = None

    def in_force(self, at: datetime) -> bool:
        return self.recorded_at <= at and (self.ended_at is None or at < self.ended_at)

    def covers(self, organisation: str | None, category: str, row: RowRef | None) -> bool:
        if self.organisation is not None:
            return self.organisation == organisation
        if self.category is not None:
            return self.category == category
        return self.row is not None and self.row == row


@dataclass(frozen=True)
class Verdict:
    """Whether consent allows a disclosure, and the event that decided it."""

    allowed: bool
    grant_seq: int | None = None
    prohibition_seq: int | None = None


@dataclass(frozen=True)
class ConsentState:
    grants: tuple[Grant, ...] = ()
    prohibitions: tuple[Prohibition, ...] = ()

    @cached_property
    def has_row_prohibitions(self) -> bool:
        """Asked for every decision: computed once per state (which never changes)."""
        return any(p.row is not None for p in self.prohibitions)

    def verdict(
        self, organisation: str | None, category: str, row: RowRef | None, at: datetime
    ) -> Verdict:
        """A grant to ``organisation`` covering ``category`` in force at ``at``, unless a
        prohibition in force covers the organisation, the category or the row."""
        for prohibition in self.prohibitions:
            if prohibition.in_force(at) and prohibition.covers(organisation, category, row):
                return Verdict(False, prohibition_seq=prohibition.seq)
        for grant in reversed(self.grants):
            if (
                grant.grantee == organisation
                and category in grant.categories
                and grant.in_force(at)
            ):
                return Verdict(True, grant_seq=grant.seq)
        return Verdict(False)

    def grant(self, seq: int) -> Grant | None:
        return next((g for g in self.grants if g.seq == seq), None)

    def prohibition(self, seq: int) -> Prohibition | None:
        return next((p for p in self.prohibitions if p.seq == seq), None)

    def apply(self, event: Mapping[str, Any]) -> "ConsentState":
        """The state after ``event``; raises ``EventConflict`` if the event contradicts it."""
        at, seq, body = parse_time(event["at"]), int(event["seq"]), event["body"]
        kind = event["type"]
        recorded_by = event.get("actor", {}).get("org")
        if kind == "GRANT":
            grant = replace(_grant(seq, at, body), recorded_by=recorded_by)
            return replace(self, grants=(*self.grants, grant))
        if kind == "WITHDRAW":
            target = self.grant(int(body["grant"]))
            if target is None or not target.withdrawable(at):
                raise EventConflict(f"grant {body['grant']} is not active")
            ended = replace(target, ended_seq=seq, ended_at=at)
            return replace(self, grants=tuple(ended if g is target else g for g in self.grants))
        if kind == "PROHIBIT":
            prohibition = replace(_prohibition(seq, at, body), recorded_by=recorded_by)
            return replace(self, prohibitions=(*self.prohibitions, prohibition))
        if kind == "LIFT_PROHIBITION":
            lifted = self.prohibition(int(body["prohibition"]))
            if lifted is None or lifted.ended_seq is not None:
                raise EventConflict(f"prohibition {body['prohibition']} is not in force")
            ended_p = replace(lifted, ended_seq=seq, ended_at=at)
            return replace(
                self, prohibitions=tuple(ended_p if p is lifted else p for p in self.prohibitions)
            )
        return self


def _grant(seq: int, at: datetime, body: Mapping[str, Any]) -> Grant:
    until = body.get("validUntil")
    return Grant(
        seq=seq,
        grantee=body["grantee"],
        categories=frozenset(body["categories"]),
        purpose=body.get("purpose"),
        method=body.get("method"),
        valid_from=parse_time(body["validFrom"]),
        valid_until=None if until is None else parse_time(until),
        recorded_at=at,
    )


def _prohibition(seq: int, at: datetime, body: Mapping[str, Any]) -> Prohibition:
    target = body["target"]
    row = RowRef(target["rowType"], target["rowId"]) if target["kind"] == "ROW" else None
    return Prohibition(
        seq=seq,
        organisation=target.get("organisation"),
        category=target.get("category"),
        row=row,
        recorded_at=at,
    )
