"""Consent state, folded from events, and the event body builders. Pure; no I/O."""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ledger import events
from ledger.chain import make_event
from ledger.errors import EventConflict, InvalidEvent
from ledger.state import ConsentState, RowRef, Verdict

ORGS = frozenset({"kela", "helsinki", "wc-pirkanmaa", "wc-lappi"})
T0 = datetime(2026, 2, 2, 8, 0, tzinfo=UTC)
DAY = timedelta(days=1)
ACTOR = {"sub": "client@010180-900A", "org": None, "roles": ["client"]}


class Ledger:
    """A client's events built the way the service builds them, folded into a state."""

    def __init__(self) -> None:
        self.state = ConsentState()
        self.seq = 0
        self.prev = "0" * 64

    def event(self, type_: str, body: Mapping[str, Any], at: datetime) -> dict[str, Any]:
        return make_event(
            client="client-1",
            seq=self.seq + 1,
            type_=type_,
            at=at,
            actor=ACTOR,
            grantor={"kind": "CLIENT"},
            body=body,
            prev=self.prev,
        )

    def apply(self, type_: str, body: Mapping[str, Any], at: datetime) -> int:
        event = self.event(type_, body, at)
        self.state = self.state.apply(event)
        self.seq, self.prev = event["seq"], event["hash"]
        return self.seq

    def grant(
        self,
        at: datetime,
        grantee: str = "kela",
        categories: tuple[str, ...] = ("LIFE_ECONOMY",),
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
    ) -> int:
        body = events.grant_body(
            grantee=grantee,
            categories=categories,
            purpose="perustoimeentulotuki",
            valid_from=valid_from or at,
            valid_until=valid_until,
            method="ELECTRONIC",
            evidence_attachment_id=None,
            known_organisations=ORGS,
        )
        return self.apply("GRANT", body, at)

    def withdraw(self, grant_seq: int, at: datetime) -> int:
        body = events.withdraw_body(grant_seq=grant_seq, reason="en halua", method="ELECTRONIC")
        return self.apply("WITHDRAW", body, at)

    def prohibit(self, at: datetime, **target: str) -> int:
        body = events.prohibit_body(
            organisation=target.get("organisation"),
            category=target.get("category"),
            row_type=target.get("row_type"),
            row_id=target.get("row_id"),
            method="ELECTRONIC",
            known_organisations=ORGS,
        )
        return self.apply("PROHIBIT", body, at)

    def lift(self, prohibition_seq: int, at: datetime) -> int:
        body = events.lift_body(prohibition_seq=prohibition_seq, method="ELECTRONIC")
        return self.apply("LIFT_PROHIBITION", body, at)


def verdict(
    ledger: Ledger,
    at: datetime,
    organisation: str | None = "kela",
    category: str = "LIFE_ECONOMY",
    row: RowRef | None = None,
) -> Verdict:
    return ledger.state.verdict(organisation, category, row, at)


# --- grants ---


def test_no_events_allow_nothing() -> None:
    assert verdict(Ledger(), T0) == Verdict(False)


def test_a_grant_in_force_allows_its_grantee_and_categories_only() -> None:
    ledger = Ledger()
    seq = ledger.apply("INFORMED", events.informed_body(text_version="v1", channel="web"), T0)
    assert seq == 1
    grant = ledger.grant(T0, categories=("LIFE_ECONOMY", "LIFE_HOUSING"))
    later = T0 + DAY
    assert verdict(ledger, later) == Verdict(True, grant_seq=grant)
    assert verdict(ledger, later, category="LIFE_HOUSING") == Verdict(True, grant_seq=grant)
    assert verdict(ledger, T0) == Verdict(True, grant_seq=grant)  # from its first instant
    assert verdict(ledger, later, category="LIFE_HEALTH") == Verdict(False)
    assert verdict(ledger, later, organisation="helsinki") == Verdict(False)
    assert verdict(ledger, later, organisation=None) == Verdict(False)


def test_a_grant_not_yet_valid_allows_nothing_until_it_starts() -> None:
    ledger = Ledger()
    starts = T0 + 10 * DAY
    grant = ledger.grant(T0, valid_from=starts)
    assert verdict(ledger, T0 + DAY) == Verdict(False)
    assert verdict(ledger, starts - timedelta(microseconds=1)) == Verdict(False)
    assert verdict(ledger, starts) == Verdict(True, grant_seq=grant)
    assert verdict(ledger, starts + DAY) == Verdict(True, grant_seq=grant)


def test_an_expired_grant_allows_nothing() -> None:
    ledger = Ledger()
    ends = T0 + 5 * DAY
    grant = ledger.grant(T0, valid_until=ends)
    assert verdict(ledger, T0 + 4 * DAY) == Verdict(True, grant_seq=grant)
    assert verdict(ledger, ends) == Verdict(False)  # valid until is exclusive
    assert verdict(ledger, ends + DAY) == Verdict(False)


def test_a_withdrawn_grant_allows_nothing_after_its_withdrawal() -> None:
    ledger = Ledger()
    grant = ledger.grant(T0)
    withdrawn_at = T0 + 3 * DAY
    withdrawal = ledger.withdraw(grant, withdrawn_at)
    assert withdrawal == grant + 1
    assert verdict(ledger, withdrawn_at) == Verdict(False)
    assert verdict(ledger, withdrawn_at + DAY) == Verdict(False)
    ended = ledger.state.grant(grant)
    assert ended is not None
    assert (ended.ended_seq, ended.ended_at) == (withdrawal, withdrawn_at)


def test_replay_at_a_past_moment_sees_a_grant_withdrawn_later() -> None:
    ledger = Ledger()
    grant = ledger.grant(T0, valid_from=T0 - 30 * DAY)
    withdrawn_at = T0 + 3 * DAY
    ledger.withdraw(grant, withdrawn_at)
    assert verdict(ledger, T0 + DAY) == Verdict(True, grant_seq=grant)
    assert verdict(ledger, withdrawn_at - timedelta(microseconds=1)) == Verdict(
        True, grant_seq=grant
    )
    assert verdict(ledger, withdrawn_at) == Verdict(False)
    # before the grant was recorded the client had not yet given it, even though it is
    # valid from an earlier date
    assert verdict(ledger, T0 - DAY) == Verdict(False)


def test_a_newer_grant_is_named_when_several_allow() -> None:
    ledger = Ledger()
    older = ledger.grant(T0)
    newer = ledger.grant(T0 + DAY)
    assert verdict(ledger, T0 + 2 * DAY) == Verdict(True, grant_seq=newer)
    assert verdict(ledger, T0 + timedelta(hours=1)) == Verdict(True, grant_seq=older)
    ledger.withdraw(newer, T0 + 3 * DAY)
    assert verdict(ledger, T0 + 4 * DAY) == Verdict(True, grant_seq=older)


def test_a_grant_valid_from_a_later_date_may_be_withdrawn() -> None:
    ledger = Ledger()
    grant = ledger.grant(T0, valid_from=T0 + 10 * DAY)
    ledger.withdraw(grant, T0 + DAY)
    assert verdict(ledger, T0 + 11 * DAY) == Verdict(False)


# --- prohibitions ---


def test_a_prohibition_of_an_organisation_beats_its_grant() -> None:
    ledger = Ledger()
    ledger.grant(T0, categories=("LIFE_ECONOMY", "LIFE_HOUSING"))
    helsinki = ledger.grant(T0, grantee="helsinki")
    prohibition = ledger.prohibit(T0 + DAY, organisation="kela")
    after = T0 + 2 * DAY
    denied = Verdict(False, prohibition_seq=prohibition)
    assert verdict(ledger, after) == denied
    assert verdict(ledger, after, category="LIFE_HOUSING") == denied
    assert verdict(ledger, after, organisation="helsinki") == Verdict(True, grant_seq=helsinki)


def test_a_prohibition_of_a_category_beats_every_grant_of_it() -> None:
    ledger = Ledger()
    kela = ledger.grant(T0, categories=("LIFE_ECONOMY", "LIFE_HOUSING"))
    ledger.grant(T0, grantee="helsinki", categories=("LIFE_ECONOMY",))
    prohibition = ledger.prohibit(T0 + DAY, category="LIFE_ECONOMY")
    after = T0 + 2 * DAY
    denied = Verdict(False, prohibition_seq=prohibition)
    assert verdict(ledger, after) == denied
    assert verdict(ledger, after, organisation="helsinki") == denied
    assert verdict(ledger, after, category="LIFE_HOUSING") == Verdict(True, grant_seq=kela)


def test_a_prohibition_of_a_row_covers_that_row_only() -> None:
    ledger = Ledger()
    grant = ledger.grant(T0, categories=("APPLICATION",))
    prohibition = ledger.prohibit(T0 + DAY, row_type="APPLICATION", row_id="app-1")
    assert ledger.state.has_row_prohibitions
    after = T0 + 2 * DAY
    row = RowRef("APPLICATION", "app-1")
    assert verdict(ledger, after, category="APPLICATION", row=row) == Verdict(
        False, prohibition_seq=prohibition
    )
    other_row = RowRef("APPLICATION", "app-2")
    allowed = Verdict(True, grant_seq=grant)
    assert verdict(ledger, after, category="APPLICATION", row=other_row) == allowed
    assert verdict(ledger, after, category="APPLICATION", row=RowRef("DECISION", "app-1")) == (
        allowed
    )
    assert verdict(ledger, after, category="APPLICATION", row=None) == allowed


def test_a_prohibition_beats_a_grant_given_after_it() -> None:
    ledger = Ledger()
    prohibition = ledger.prohibit(T0, organisation="kela")
    ledger.grant(T0 + DAY)
    assert verdict(ledger, T0 + 2 * DAY) == Verdict(False, prohibition_seq=prohibition)


def test_a_prohibition_denies_even_without_a_grant_and_names_itself() -> None:
    ledger = Ledger()
    prohibition = ledger.prohibit(T0, category="LIFE_HEALTH")
    assert verdict(ledger, T0, category="LIFE_HEALTH") == Verdict(
        False, prohibition_seq=prohibition
    )


def test_lifting_a_prohibition_restores_the_grant_and_replay_keeps_history() -> None:
    ledger = Ledger()
    grant = ledger.grant(T0)
    prohibition = ledger.prohibit(T0 + DAY, organisation="kela")
    lifted_at = T0 + 5 * DAY
    lift = ledger.lift(prohibition, lifted_at)
    assert lift == prohibition + 1
    assert verdict(ledger, lifted_at) == Verdict(True, grant_seq=grant)
    assert verdict(ledger, lifted_at + DAY) == Verdict(True, grant_seq=grant)
    # replay: while the prohibition was in force, and before it was recorded
    assert verdict(ledger, T0 + 2 * DAY) == Verdict(False, prohibition_seq=prohibition)
    assert verdict(ledger, T0 + timedelta(hours=1)) == Verdict(True, grant_seq=grant)
    ended = ledger.state.prohibition(prohibition)
    assert ended is not None
    assert (ended.ended_seq, ended.ended_at) == (lift, lifted_at)


def test_informed_changes_no_verdict() -> None:
    ledger = Ledger()
    grant = ledger.grant(T0)
    before = ledger.state
    ledger.apply("INFORMED", events.informed_body(text_version="v2", channel="paperi"), T0 + DAY)
    assert ledger.state == before
    assert verdict(ledger, T0 + 2 * DAY) == Verdict(True, grant_seq=grant)


# --- conflicts ---


def test_withdrawing_an_unknown_grant_is_a_conflict() -> None:
    ledger = Ledger()
    ledger.grant(T0)
    prohibition = ledger.prohibit(T0, category="LIFE_HEALTH")
    for unknown in (99, prohibition):  # no such grant; a prohibition is not a grant
        with pytest.raises(EventConflict):
            ledger.withdraw(unknown, T0 + DAY)


def test_withdrawing_a_withdrawn_grant_is_a_conflict() -> None:
    ledger = Ledger()
    grant = ledger.grant(T0)
    ledger.withdraw(grant, T0 + DAY)
    before = ledger.state
    with pytest.raises(EventConflict, match="not active"):
        ledger.withdraw(grant, T0 + 2 * DAY)
    assert ledger.state == before


def test_withdrawing_an_expired_grant_is_a_conflict() -> None:
    ledger = Ledger()
    grant = ledger.grant(T0, valid_until=T0 + DAY)
    with pytest.raises(EventConflict):
        ledger.withdraw(grant, T0 + DAY)
    with pytest.raises(EventConflict):
        ledger.withdraw(grant, T0 + 2 * DAY)


def test_lifting_an_unknown_prohibition_is_a_conflict() -> None:
    ledger = Ledger()
    grant = ledger.grant(T0)
    for unknown in (42, grant):  # no such prohibition; a grant is not a prohibition
        with pytest.raises(EventConflict):
            ledger.lift(unknown, T0 + DAY)


def test_lifting_a_lifted_prohibition_is_a_conflict() -> None:
    ledger = Ledger()
    prohibition = ledger.prohibit(T0, organisation="wc-lappi")
    ledger.lift(prohibition, T0 + DAY)
    before = ledger.state
    with pytest.raises(EventConflict, match="not in force"):
        ledger.lift(prohibition, T0 + 2 * DAY)
    assert ledger.state == before


def test_apply_leaves_the_old_state_as_it_was() -> None:
    ledger = Ledger()
    grant = ledger.grant(T0)
    before = ledger.state
    ledger.withdraw(grant, T0 + DAY)
    assert before.grant(grant) is not None
    assert before.grant(grant).ended_seq is None  # type: ignore[union-attr]
    assert before.verdict("kela", "LIFE_ECONOMY", None, T0 + 2 * DAY) == Verdict(
        True, grant_seq=grant
    )


# --- body builders ---


def _grant_body(**overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "grantee": "kela",
        "categories": ["LIFE_HOUSING", "LIFE_ECONOMY", "LIFE_ECONOMY"],
        "purpose": "  toimeentulotuen käsittely  ",
        "valid_from": T0,
        "valid_until": T0 + DAY,
        "method": "WRITTEN",
        "evidence_attachment_id": None,
        "known_organisations": ORGS,
    } | overrides
    return events.grant_body(**arguments)


def test_a_grant_body_has_the_specified_shape() -> None:
    body = _grant_body()
    assert body == {
        "grantee": "kela",
        "categories": ["LIFE_ECONOMY", "LIFE_HOUSING"],
        "purpose": "toimeentulotuen käsittely",
        "validFrom": "2026-02-02T08:00:00.000000Z",
        "validUntil": "2026-02-03T08:00:00.000000Z",
        "method": "WRITTEN",
        "evidenceAttachmentId": None,
        "note": None,
    }
    assert _grant_body(valid_until=None)["validUntil"] is None
    assert _grant_body(note="  Soitto 1.12. klo 10  ")["note"] == "Soitto 1.12. klo 10"


def test_a_grant_body_refuses_an_unknown_category() -> None:
    with pytest.raises(InvalidEvent, match="unknown category: SHOE_SIZE"):
        _grant_body(categories=["LIFE_ECONOMY", "SHOE_SIZE"])


def test_a_grant_body_refuses_an_unknown_organisation() -> None:
    with pytest.raises(InvalidEvent, match="unknown organisation"):
        _grant_body(grantee="acme")


@pytest.mark.parametrize("until", [T0, T0 - timedelta(microseconds=1), T0 - DAY])
def test_a_grant_body_refuses_valid_until_not_after_valid_from(until: datetime) -> None:
    with pytest.raises(InvalidEvent, match="valid until"):
        _grant_body(valid_until=until)


def test_a_grant_body_refuses_empty_categories() -> None:
    with pytest.raises(InvalidEvent, match="at least one category"):
        _grant_body(categories=[])


def test_a_grant_body_refuses_an_unknown_method_and_an_empty_purpose() -> None:
    with pytest.raises(InvalidEvent, match="method"):
        _grant_body(method="TELEPATHY")
    with pytest.raises(InvalidEvent, match="purpose"):
        _grant_body(purpose="   ")


def _prohibit(**target: str | None) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "organisation": None,
        "category": None,
        "row_type": None,
        "row_id": None,
    } | target
    return events.prohibit_body(**arguments, method="ORAL", known_organisations=ORGS)


def test_prohibition_bodies_name_one_target() -> None:
    assert _prohibit(organisation="kela")["target"] == {
        "kind": "ORGANISATION",
        "organisation": "kela",
    }
    assert _prohibit(category="LIFE_HEALTH")["target"] == {
        "kind": "CATEGORY",
        "category": "LIFE_HEALTH",
    }
    assert _prohibit(row_type="NOTICE", row_id="n-1")["target"] == {
        "kind": "ROW",
        "rowType": "NOTICE",
        "rowId": "n-1",
    }


def test_a_prohibition_with_no_target_is_refused() -> None:
    with pytest.raises(InvalidEvent, match="exactly one target"):
        _prohibit()


@pytest.mark.parametrize(
    "targets",
    [
        {"organisation": "kela", "category": "LIFE_HEALTH"},
        {"organisation": "kela", "row_type": "NOTICE", "row_id": "n-1"},
        {"category": "LIFE_HEALTH", "row_type": "NOTICE", "row_id": "n-1"},
        {"organisation": "kela", "category": "LIFE_HEALTH", "row_type": "PLAN", "row_id": "p"},
    ],
)
def test_a_prohibition_with_two_targets_is_refused(targets: dict[str, str]) -> None:
    with pytest.raises(InvalidEvent, match="exactly one target"):
        _prohibit(**targets)


def test_a_prohibition_refuses_unknown_targets() -> None:
    with pytest.raises(InvalidEvent, match="unknown organisation"):
        _prohibit(organisation="acme")
    with pytest.raises(InvalidEvent, match="unknown category"):
        _prohibit(category="SHOE_SIZE")
    with pytest.raises(InvalidEvent, match="row"):
        _prohibit(row_type="SHOEBOX", row_id="1")
    with pytest.raises(InvalidEvent, match="row"):
        _prohibit(row_type="NOTICE", row_id="")
    with pytest.raises(InvalidEvent, match="row"):
        _prohibit(row_id="n-1")


def test_other_bodies() -> None:
    assert events.withdraw_body(grant_seq=3, reason=None, method="ORAL") == {
        "grant": 3,
        "reason": None,
        "method": "ORAL",
    }
    assert events.lift_body(prohibition_seq=4, method="WRITTEN") == {
        "prohibition": 4,
        "method": "WRITTEN",
    }
    assert events.informed_body(text_version=" v1 ", channel=" web ") == {
        "textVersion": "v1",
        "channel": "web",
    }
    with pytest.raises(InvalidEvent):
        events.withdraw_body(grant_seq=3, reason=None, method="FAX")
    with pytest.raises(InvalidEvent):
        events.informed_body(text_version=" ", channel="web")
