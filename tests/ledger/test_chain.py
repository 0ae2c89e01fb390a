"""The ledger's pure core against the rules of the ledger specification.

The reference hashes here are computed by code written from the specification alone
(a hand-written canonical JSON encoder and ``hashlib``), not by ``ledger.chain``'s
helpers, so a mistake shared by the implementation and its tests cannot hide.
"""

import copy
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ledger.chain import Break, event_hash, make_event, verify_chain

ZEROS = "0" * 64
CLIENT = "0191f2a0-7c1e-7000-8000-00000000abcd"
OTHER_CLIENT = "0191f2a0-7c1e-7000-8000-00000000ffff"
ACTOR = {"sub": "social_worker@wc-pirkanmaa", "org": "wc-pirkanmaa", "roles": ["social_worker"]}
T0 = datetime(2026, 3, 1, 9, 30, 15, 250000, tzinfo=UTC)
RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")


# --- an independent implementation of the specification's canonical bytes and hashes ---

_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r"}
_SHORT_ESCAPES["\t"] = "\\t"


def _string(text: str) -> str:
    out = ['"']
    for char in text:
        if char in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[char])
        elif ord(char) < 0x20:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)  # non-ASCII characters as themselves
    out.append('"')
    return "".join(out)


def spec_json(value: Any) -> str:
    """JSON with keys sorted and no insignificant white space; refuses floats."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        raise TypeError("no floating-point numbers in the ledger")
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(spec_json(item) for item in value) + "]"
    if isinstance(value, Mapping):
        items = sorted(value.items())
        return "{" + ",".join(_string(k) + ":" + spec_json(v) for k, v in items) + "}"
    raise TypeError(f"not JSON: {type(value).__name__}")


def spec_bytes(value: Any) -> bytes:
    return spec_json(value).encode("utf-8")


def spec_hash(event: Mapping[str, Any]) -> str:
    """Lowercase hex SHA-256 of the whole event's canonical bytes, without its own hash."""
    without_hash = {k: v for k, v in event.items() if k != "hash"}
    return hashlib.sha256(spec_bytes(without_hash)).hexdigest()


def spec_event(
    *,
    client: str,
    seq: int,
    type_: str,
    at_text: str,
    actor: Mapping[str, Any],
    grantor: Mapping[str, Any] | None,
    body: Mapping[str, Any],
    prev: str,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "client": client,
        "seq": seq,
        "type": type_,
        "at": at_text,
        "actor": actor,
        "grantor": grantor,
        "body": body,
        "prev": prev,
    }
    event["hash"] = spec_hash(event)
    return event


def build_chain(
    client: str, items: Sequence[tuple[str, Mapping[str, Any]]], start: datetime = T0
) -> list[dict[str, Any]]:
    """Events made by ``ledger.chain.make_event``, linked one to the next."""
    chain: list[dict[str, Any]] = []
    prev = ZEROS
    for index, (type_, body) in enumerate(items):
        event = make_event(
            client=client,
            seq=index + 1,
            type_=type_,
            at=start + timedelta(minutes=index),
            actor=ACTOR,
            grantor={"kind": "CLIENT"},
            body=body,
            prev=prev,
        )
        chain.append(event)
        prev = event["hash"]
    return chain


GRANT_BODY = {
    "grantee": "kela",
    "categories": ["LIFE_ECONOMY", "LIFE_HOUSING"],
    "purpose": "Perustoimeentulotuen käsittely: selvitys ja päätös",
    "validFrom": "2026-03-01T00:00:00.000000Z",
    "validUntil": None,
    "method": "ELECTRONIC",
    "evidenceAttachmentId": None,
}
SAMPLE_ITEMS: list[tuple[str, Mapping[str, Any]]] = [
    ("INFORMED", {"textVersion": "2026-01 ä", "channel": "verkkopalvelu"}),
    ("GRANT", GRANT_BODY),
    ("WITHDRAW", {"grant": 2, "reason": "En halua jakaa tietoja \u2013 ö å ä", "method": "ORAL"}),
    ("PROHIBIT", {"target": {"kind": "ORGANISATION", "organisation": "kela"}, "method": "WRITTEN"}),
    ("LIFT_PROHIBITION", {"prohibition": 4, "method": "WRITTEN"}),
]


# --- the spec's worked rules, checked by hand ---


def test_spec_encoder_agrees_with_the_spec_one_liner() -> None:
    """The hand-written encoder is the spec's ``json.dumps`` call, byte for byte."""
    sample = {
        "ö": [1, -2, True, False, None, 'a"b\\c\nd\te\u0001'],
        "a": {"z": "å", "ä": {"deep": ["Ö", {"x": 0}]}},
        "B": "emoji 😀 and \u2028",
    }
    one_liner = json.dumps(sample, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert spec_bytes(sample) == one_liner.encode()


def test_canonical_bytes_of_a_known_event_are_exactly_as_specified() -> None:
    event = make_event(
        client="c-1",
        seq=1,
        type_="INFORMED",
        at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        actor={"sub": "s", "org": None, "roles": []},
        grantor=None,
        body={"textVersion": "v1", "channel": "Pöytä"},
        prev=ZEROS,
    )
    expected_text = (
        '{"actor":{"org":null,"roles":[],"sub":"s"},"at":"' + event["at"] + '",'
        '"body":{"channel":"Pöytä","textVersion":"v1"},"client":"c-1","grantor":null,'
        '"prev":"' + ZEROS + '","seq":1,"type":"INFORMED"}'
    )
    assert event["hash"] == hashlib.sha256(expected_text.encode("utf-8")).hexdigest()
    # "ö" is two UTF-8 bytes in the hashed text, not a \u escape
    assert "Pöytä".encode() in expected_text.encode("utf-8")


@pytest.mark.parametrize(
    ("type_", "body", "grantor"),
    [
        ("INFORMED", {"textVersion": "2026-01", "channel": "paperi"}, None),
        ("GRANT", GRANT_BODY, {"kind": "CLIENT"}),
        (
            "GRANT",
            GRANT_BODY | {"purpose": "Äitiys- ja perhetilanne, selvitys ölj", "method": "WRITTEN"},
            {"kind": "GUARDIAN", "person": "010180-900A"},
        ),
        (
            "WITHDRAW",
            {"grant": 2, "reason": "Hyvä ystävä, en enää \u2013 åäö ÅÄÖ", "method": "ORAL"},
            {"kind": "CLIENT"},
        ),
        (
            "PROHIBIT",
            {
                "target": {"kind": "ROW", "rowType": "APPLICATION", "rowId": "ä-1"},
                "method": "ELECTRONIC",
                "nested": {"list": [{"b": 1, "a": [None, True, "å"]}], "z": {"y": {"x": "ö"}}},
            },
            {"kind": "CLIENT"},
        ),
        ("LIFT_PROHIBITION", {"prohibition": 4, "method": "WRITTEN"}, {"kind": "CLIENT"}),
    ],
)
def test_make_event_hash_matches_an_independent_recomputation(
    type_: str, body: dict[str, Any], grantor: dict[str, Any] | None
) -> None:
    prev = hashlib.sha256(b"the previous event").hexdigest()
    made = make_event(
        client=CLIENT,
        seq=7,
        type_=type_,
        at=T0,
        actor=ACTOR,
        grantor=grantor,
        body=body,
        prev=prev,
    )
    independent = spec_event(
        client=CLIENT,
        seq=7,
        type_=type_,
        at_text=made["at"],
        actor=ACTOR,
        grantor=grantor,
        body=body,
        prev=prev,
    )
    assert made == independent
    assert HEX64.match(made["hash"])
    assert event_hash(made) == spec_hash(made) == made["hash"]
    # the hash field itself is left out of the hashed bytes
    assert event_hash(made | {"hash": "anything"}) == made["hash"]


def test_event_hash_of_a_hand_built_event_matches_the_independent_one() -> None:
    event = {
        "client": CLIENT,
        "seq": 3,
        "type": "GRANT",
        "at": "2026-05-01T12:00:00Z",
        "actor": ACTOR,
        "grantor": {"kind": "GUARDIAN", "person": "Åsa Öhman"},
        "body": {"categories": ["LIFE_FAMILY"], "deep": {"ä": {"ö": ["å", 1, None]}}},
        "prev": "f" * 64,
    }
    assert event_hash(event) == spec_hash(event)


def test_a_whole_chain_matches_the_independent_recomputation() -> None:
    chain = build_chain(CLIENT, SAMPLE_ITEMS)
    prev = ZEROS
    for seq, event in enumerate(chain, start=1):
        assert event["seq"] == seq
        assert event["prev"] == prev
        assert event["hash"] == spec_hash(event)
        prev = event["hash"]
    assert len({e["hash"] for e in chain}) == len(chain)


def test_prev_of_the_first_event_is_64_zeros() -> None:
    chain = build_chain(CLIENT, SAMPLE_ITEMS[:2])
    assert chain[0]["prev"] == "0" * 64
    assert chain[1]["prev"] == chain[0]["hash"]
    assert verify_chain(chain) is None


def test_first_event_with_another_prev_is_a_break() -> None:
    event = make_event(
        client=CLIENT,
        seq=1,
        type_="INFORMED",
        at=T0,
        actor=ACTOR,
        grantor=None,
        body={"textVersion": "v", "channel": "c"},
        prev="1" * 64,
    )
    broken = verify_chain([event])
    assert isinstance(broken, Break)
    assert (broken.client, broken.seq) == (CLIENT, 1)


# --- times ---


def test_times_are_rfc3339_utc_with_z() -> None:
    helsinki_summer = timezone(timedelta(hours=3))
    moment = datetime(2026, 6, 15, 12, 0, 0, 123456, tzinfo=helsinki_summer)
    event = make_event(
        client=CLIENT,
        seq=1,
        type_="INFORMED",
        at=moment,
        actor=ACTOR,
        grantor=None,
        body={"textVersion": "v", "channel": "c"},
        prev=ZEROS,
    )
    text = event["at"]
    assert RFC3339_UTC.match(text), text
    assert text.startswith("2026-06-15T09:00:00")
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert parsed == moment
    assert parsed.utcoffset() == timedelta(0)


def test_one_instant_has_one_text() -> None:
    in_utc = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
    in_helsinki = in_utc.astimezone(timezone(timedelta(hours=2)))
    texts = {
        make_event(
            client=CLIENT,
            seq=1,
            type_="INFORMED",
            at=moment,
            actor=ACTOR,
            grantor=None,
            body={},
            prev=ZEROS,
        )["at"]
        for moment in (in_utc, in_helsinki)
    }
    assert len(texts) == 1
    assert RFC3339_UTC.match(texts.pop())


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="zone"):
        make_event(
            client=CLIENT,
            seq=1,
            type_="INFORMED",
            at=datetime(2026, 1, 1, 10, 0),
            actor=ACTOR,
            grantor=None,
            body={},
            prev=ZEROS,
        )


# --- floats ---


@pytest.mark.parametrize(
    "body",
    [
        {"amount": 1.5},
        {"nested": {"deeper": [1, 2, {"x": 0.0}]}},
        {"list": [1, 2.0]},
        {"tuple": (1, 2.5)},
    ],
)
def test_floats_are_refused_when_making_an_event(body: dict[str, Any]) -> None:
    with pytest.raises(TypeError, match="floating-point"):
        make_event(
            client=CLIENT,
            seq=1,
            type_="GRANT",
            at=T0,
            actor=ACTOR,
            grantor=None,
            body=body,
            prev=ZEROS,
        )


def test_floats_are_refused_in_the_actor_too() -> None:
    with pytest.raises(TypeError):
        make_event(
            client=CLIENT,
            seq=1,
            type_="INFORMED",
            at=T0,
            actor={"sub": "s", "org": None, "roles": [], "weight": 0.5},
            grantor=None,
            body={},
            prev=ZEROS,
        )


def test_an_event_holding_a_float_does_not_verify() -> None:
    chain = build_chain(CLIENT, SAMPLE_ITEMS)
    chain[1] = copy.deepcopy(chain[1])
    chain[1]["body"]["extra"] = 1.0
    broken = verify_chain(chain)
    assert broken is not None
    assert (broken.client, broken.seq) == (CLIENT, 2)


def test_an_integral_float_is_not_passed_off_as_an_int() -> None:
    """``1.0 == 1`` in Python, but a float seq is still refused."""
    chain = build_chain(CLIENT, SAMPLE_ITEMS[:2])
    chain[1] = dict(chain[1]) | {"seq": 2.0}
    broken = verify_chain(chain)
    assert broken is not None
    assert (broken.client, broken.seq) == (CLIENT, 2)


# --- verify_chain: the first broken (client, seq) ---


def _two_chains() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return build_chain(CLIENT, SAMPLE_ITEMS), build_chain(OTHER_CLIENT, SAMPLE_ITEMS)


def test_intact_chains_verify() -> None:
    first, second = _two_chains()
    assert verify_chain(first) is None
    assert verify_chain(first + second) is None
    assert verify_chain([]) is None


def test_a_changed_body_is_found() -> None:
    first, second = _two_chains()
    first[2] = copy.deepcopy(first[2])
    first[2]["body"]["reason"] = "toinen syy"
    broken = verify_chain(first + second)
    assert broken is not None
    assert (broken.client, broken.seq) == (CLIENT, 3)


def test_a_changed_nested_body_value_is_found() -> None:
    first, second = _two_chains()
    second[3] = copy.deepcopy(second[3])
    second[3]["body"]["target"]["organisation"] = "helsinki"
    broken = verify_chain(first + second)
    assert broken is not None
    assert (broken.client, broken.seq) == (OTHER_CLIENT, 4)


def test_a_changed_hash_is_found() -> None:
    first, second = _two_chains()
    first[1] = dict(first[1]) | {"hash": "a" * 64}
    broken = verify_chain(first + second)
    assert broken is not None
    assert (broken.client, broken.seq) == (CLIENT, 2)


def test_a_rehashed_changed_event_breaks_the_next_link() -> None:
    """Changing an event and recomputing its hash moves the break to the next event."""
    first, _ = _two_chains()
    changed = copy.deepcopy(first[1])
    changed["body"]["purpose"] = "jotain muuta"
    changed["hash"] = spec_hash(changed)
    first[1] = changed
    broken = verify_chain(first)
    assert broken is not None
    assert (broken.client, broken.seq) == (CLIENT, 3)


def test_a_broken_prev_link_is_found() -> None:
    first, second = _two_chains()
    relinked = dict(second[2]) | {"prev": first[1]["hash"]}
    relinked["hash"] = spec_hash(relinked)  # internally consistent, wrongly linked
    second[2] = relinked
    broken = verify_chain(first + second)
    assert broken is not None
    assert (broken.client, broken.seq) == (OTHER_CLIENT, 3)


def test_a_gap_in_seq_is_found() -> None:
    first, second = _two_chains()
    del first[2]
    broken = verify_chain(first + second)
    assert broken is not None
    assert (broken.client, broken.seq) == (CLIENT, 3)


def test_a_chain_not_starting_at_seq_1_is_found() -> None:
    first, second = _two_chains()
    broken = verify_chain(first + second[1:])
    assert broken is not None
    assert (broken.client, broken.seq) == (OTHER_CLIENT, 1)


def test_a_duplicate_seq_is_found() -> None:
    first, second = _two_chains()
    duplicated = [*first[:3], first[2], *first[3:]]
    broken = verify_chain(duplicated + second)
    assert broken is not None
    # the fourth place in the chain holds seq 3 again: the chain breaks at seq 4
    assert (broken.client, broken.seq) == (CLIENT, 4)


def test_a_fork_is_found() -> None:
    """Two different events both claiming seq 2 after seq 1."""
    first = build_chain(CLIENT, SAMPLE_ITEMS[:3])
    fork = make_event(
        client=CLIENT,
        seq=2,
        type_="INFORMED",
        at=T0 + timedelta(hours=1),
        actor=ACTOR,
        grantor=None,
        body={"textVersion": "haara", "channel": "c"},
        prev=first[0]["hash"],
    )
    broken = verify_chain([first[0], first[1], fork, first[2]])
    assert broken is not None
    assert (broken.client, broken.seq) == (CLIENT, 3)


def test_only_the_first_break_is_reported() -> None:
    first, second = _two_chains()
    first[4] = dict(first[4]) | {"hash": "b" * 64}
    first[1] = dict(first[1]) | {"hash": "c" * 64}
    second[0] = dict(second[0]) | {"hash": "d" * 64}
    broken = verify_chain(first + second)
    assert broken is not None
    assert (broken.client, broken.seq) == (CLIENT, 2)


# --- properties ---

_text = st.text(
    alphabet=st.characters(codec="utf-8") | st.sampled_from('äöåÄÖÅ"\\\n\t'),
    max_size=12,
)
_scalars = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | _text
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=12,
)
_bodies = st.dictionaries(_text, _json, max_size=5)
_types = st.sampled_from(["INFORMED", "GRANT", "WITHDRAW", "PROHIBIT", "LIFT_PROHIBITION"])
_items = st.lists(st.tuples(_types, _bodies), min_size=1, max_size=6)
_clients = st.lists(
    st.uuids().map(str), min_size=1, max_size=3, unique=True
)  # each with its own chain

FAST = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(clients=_clients, data=st.data())
def test_every_chain_built_by_make_event_verifies(clients: list[str], data: st.DataObject) -> None:
    events: list[dict[str, Any]] = []
    for client in clients:
        chain = build_chain(client, data.draw(_items))
        for event in chain:
            assert event["hash"] == spec_hash(event)
        events += chain
    assert verify_chain(events) is None


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in an event whose value can be replaced, nested ones included."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


def _set(value: Any, path: tuple[Any, ...], new: Any) -> None:
    for step in path[:-1]:
        value = value[step]
    value[path[-1]] = new


def _same_json(a: Any, b: Any) -> bool:
    return spec_json(a) == spec_json(b)


@FAST
@given(items=_items, data=st.data())
def test_any_single_field_change_is_detected(
    items: list[tuple[str, dict[str, Any]]], data: st.DataObject
) -> None:
    chain = build_chain(CLIENT, items)
    assert verify_chain(chain) is None
    index = data.draw(st.integers(0, len(chain) - 1), label="event")
    target = copy.deepcopy(chain[index])
    path = data.draw(st.sampled_from(_paths(target)), label="path")
    old = _get(target, path)
    new = data.draw(_json, label="new value")
    assume(not _same_json(old, new))
    _set(target, path, new)
    tampered = [*chain[:index], target, *chain[index + 1 :]]
    broken = verify_chain(tampered)
    assert broken is not None, (path, old, new)
    if path != ("client",):
        assert (broken.client, broken.seq) == (CLIENT, index + 1), (path, broken)


@FAST
@given(items=_items, data=st.data())
def test_removing_or_repeating_an_event_is_detected(
    items: list[tuple[str, dict[str, Any]]], data: st.DataObject
) -> None:
    chain = build_chain(CLIENT, [*items, ("INFORMED", {"textVersion": "v", "channel": "c"})])
    index = data.draw(st.integers(0, len(chain) - 2), label="event")
    removed = chain[:index] + chain[index + 1 :]
    broken = verify_chain(removed)
    assert broken is not None
    assert (broken.client, broken.seq) == (CLIENT, index + 1)
    repeated = [*chain[: index + 1], chain[index], *chain[index + 1 :]]
    broken = verify_chain(repeated)
    assert broken is not None
    assert (broken.client, broken.seq) == (CLIENT, index + 2)
