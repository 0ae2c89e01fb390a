"""Property: for random principals, consent histories and questions, the guard answers
exactly what access.md's rules give, computed here independently from the table and
the raw events. In particular it never shows a field those rules deny."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from authz.guard import ClientAccess, Guard
from authz.policy import Policy
from authz.principal import Principal
from authz.relation import ClientFacts, subjects
from ledger.chain import GENESIS, make_event
from ledger.state import ConsentState, RowRef
from schema.enums import DataCategory, GuardianshipKind, OrganisationType, Role
from tests.authz.matrix import MATRIX

POLICY = Policy()
START = datetime(2026, 1, 1, tzinfo=UTC)
ORGS = {
    "kela": OrganisationType.KELA,
    "wc-pirkanmaa": OrganisationType.WELLBEING_COUNTY,
    "wc-lappi": OrganisationType.WELLBEING_COUNTY,
    "helsinki": OrganisationType.MUNICIPALITY,
}
PERSONS = ["010190-900C", "020290-901H", "030390-902S"]
ROWS = [RowRef("DECISION", "d1"), RowRef("NOTICE", "n1")]
CATEGORIES = [c.value for c in DataCategory]


@st.composite
def principals(draw: st.DrawFn) -> Principal:
    org = draw(st.sampled_from(sorted(ORGS)))
    fitting: list[Role] = [Role.client, Role.guardian, Role.dpo]
    if ORGS[org] == OrganisationType.KELA:
        fitting += [Role.kela_handler, Role.kela_advisor]
    else:
        fitting += [Role.social_worker, Role.social_counsellor]
    roles = frozenset(draw(st.sets(st.sampled_from(fitting), min_size=1, max_size=3)))
    has_org = bool(roles - {Role.client, Role.guardian})
    return Principal(
        subject="p",
        roles=roles,
        organisation_id=org if has_org else None,
        organisation_type=ORGS[org] if has_org else None,
        person=draw(st.sampled_from(PERSONS)),
    )


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[dict[str, Any]], datetime]:
    """A valid event sequence (times increasing) and a moment after it."""
    events: list[dict[str, Any]] = []
    at = START
    grants: dict[int, dict[str, Any]] = {}
    prohibitions: set[int] = set()
    prev = GENESIS
    for seq in range(1, draw(st.integers(0, 8)) + 1):
        at += timedelta(hours=draw(st.integers(1, 48)))
        active = [
            s
            for s, g in grants.items()
            if not g["withdrawn"] and (g["until"] is None or at < g["until"])
        ]
        options = (
            ["GRANT", "PROHIBIT"]
            + (["WITHDRAW"] if active else [])
            + (["LIFT"] if prohibitions else [])
        )
        kind = draw(st.sampled_from(options))
        if kind == "GRANT":
            start = at + timedelta(hours=draw(st.integers(-24, 24)))
            hours = draw(st.one_of(st.none(), st.integers(1, 200)))
            until = None if hours is None else start + timedelta(hours=hours)
            body: dict[str, Any] = {
                "grantee": draw(st.sampled_from(sorted(ORGS))),
                "categories": sorted(
                    draw(st.sets(st.sampled_from(CATEGORIES), min_size=1, max_size=4))
                ),
                "purpose": "p",
                "validFrom": start.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "validUntil": None if until is None else until.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "method": "ELECTRONIC",
                "evidenceAttachmentId": None,
            }
            grants[seq] = {"withdrawn": False, "until": until}
            type_ = "GRANT"
        elif kind == "WITHDRAW":
            target = draw(st.sampled_from(active))
            grants[target]["withdrawn"] = True
            body, type_ = {"grant": target, "reason": None, "method": "ELECTRONIC"}, "WITHDRAW"
        elif kind == "PROHIBIT":
            aim = draw(
                st.one_of(
                    st.sampled_from(sorted(ORGS)).map(
                        lambda o: {"kind": "ORGANISATION", "organisation": o}
                    ),
                    st.sampled_from(CATEGORIES).map(lambda c: {"kind": "CATEGORY", "category": c}),
                    st.sampled_from(ROWS).map(
                        lambda r: {"kind": "ROW", "rowType": r.type, "rowId": r.id}
                    ),
                )
            )
            prohibitions.add(seq)
            body, type_ = {"target": aim, "method": "ELECTRONIC"}, "PROHIBIT"
        else:
            target = draw(st.sampled_from(sorted(prohibitions)))
            prohibitions.discard(target)
            body, type_ = {"prohibition": target, "method": "ELECTRONIC"}, "LIFT_PROHIBITION"
        event = make_event(
            client="c",
            seq=seq,
            type_=type_,
            at=at,
            actor={"sub": "x", "org": None, "roles": []},
            grantor={"kind": "CLIENT"},
            body=body,
            prev=prev,
        )
        prev = event["hash"]
        events.append(event)
    return events, at + timedelta(hours=draw(st.integers(0, 300)))


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def reference_consent(
    events: list[dict[str, Any]], org: str | None, category: str, row: RowRef | None, now: datetime
) -> bool:
    """From the raw events: a grant in force to ``org`` covering ``category``, and no
    prohibition in force covering the organisation, the category or the row."""
    ended = {
        e["body"].get("grant") or e["body"].get("prohibition")
        for e in events
        if e["type"] in ("WITHDRAW", "LIFT_PROHIBITION") and parse(e["at"]) <= now
    }
    for event in events:
        if event["type"] != "PROHIBIT" or event["seq"] in ended or parse(event["at"]) > now:
            continue
        target = event["body"]["target"]
        if (
            (target["kind"] == "ORGANISATION" and target["organisation"] == org)
            or (target["kind"] == "CATEGORY" and target["category"] == category)
            or (
                target["kind"] == "ROW"
                and row is not None
                and (target["rowType"], target["rowId"]) == (row.type, row.id)
            )
        ):
            return False
    for event in events:
        if event["type"] != "GRANT" or event["seq"] in ended or parse(event["at"]) > now:
            continue
        body = event["body"]
        until = body["validUntil"]
        if (
            body["grantee"] == org
            and category in body["categories"]
            and parse(body["validFrom"]) <= now
            and (until is None or now < parse(until))
        ):
            return True
    return False


def reference_subjects(who: Principal, facts: ClientFacts) -> list[str]:
    """access.md's relation rules, restated."""
    found = []
    for role in who.roles:
        if role == Role.client and who.person == facts.personal_id:
            found.append("client")
        elif role == Role.guardian:
            if facts.guardianships & {
                GuardianshipKind.PARENT_OF_MINOR,
                GuardianshipKind.GUARDIAN_FULL,
            }:
                found.append("guardian:FULL")
            if GuardianshipKind.GUARDIAN_ECONOMIC in facts.guardianships:
                found.append("guardian:ECON")
        elif role in (Role.kela_handler, Role.kela_advisor, Role.dpo) or (
            role in (Role.social_worker, Role.social_counsellor)
            and (who.organisation_id in facts.relationships or facts.notice_party)
        ):
            found.append(role.value)
    return found


def reference(
    who: Principal,
    facts: ClientFacts,
    events: list[dict[str, Any]],
    category: str,
    own: bool | None,
    row: RowRef | None,
    now: datetime,
) -> tuple[bool, str | None]:
    names = reference_subjects(who, facts)
    if category == "CONTACT" and facts.protected_identity and "client" not in names:
        return False, "PROTECTED_IDENTITY"
    consent_asked = False
    for name in names:
        basis = MATRIX[(name, category)]
        if basis in ("STATUTORY", "SELF", "GUARDIANSHIP") or (basis == "OWN" and own is True):
            return True, None
        if basis == "CONSENT":
            if reference_consent(events, who.organisation_id, category, row, now):
                return True, None
            consent_asked = True
    return False, "CONSENT_REQUIRED" if consent_asked else "NOT_PERMITTED"


@settings(max_examples=400, deadline=None)
@given(
    who=principals(),
    organiser=st.sampled_from(["wc-pirkanmaa", "helsinki", "wc-lappi"]),
    personal_id=st.sampled_from(PERSONS),
    protected=st.booleans(),
    kinds=st.sets(st.sampled_from(list(GuardianshipKind)), max_size=2),
    notice_party=st.booleans(),
    others=st.sets(st.sampled_from(sorted(o for o in ORGS if o != "kela")), max_size=2),
    history=histories(),
    category=st.sampled_from(CATEGORIES),
    own=st.sampled_from([None, True, False]),
    row=st.sampled_from([None, *ROWS]),
)
def test_the_guard_answers_as_the_reference_rules(
    who, organiser, personal_id, protected, kinds, notice_party, others, history, category, own, row
):
    """``others``: the organisers besides the responsible one with a client relationship."""
    events, now = history
    facts = ClientFacts(
        uuid.uuid4(),
        organiser,
        personal_id,
        protected,
        frozenset(kinds),
        notice_party,
        relationships=frozenset({organiser, *others}),
    )
    state = ConsentState()
    for event in events:
        state = state.apply(event)
    access = ClientAccess(facts, subjects(who, facts), state)
    decision = Guard(POLICY, who, now).decide(access, DataCategory(category), own=own, row=row)
    expected_allowed, expected_reason = reference(who, facts, events, category, own, row, now)
    assert decision.allowed == expected_allowed
    assert (None if decision.reason is None else decision.reason.value) == expected_reason
    assert access.visible == bool(reference_subjects(who, facts))
