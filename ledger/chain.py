"""The ledger's pure core: canonical bytes, hashes and chain verification. No I/O.

An independent verifier needs only ``docs/ledger.md``; this module is the reference.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
NOT_CANONICAL = "the event's text is not its canonical bytes"
BROKEN_LINK = "prev does not match the previous event's hash"
ENVELOPE = frozenset({"client", "seq", "type", "at", "actor", "grantor", "body", "prev"})


def canonical(value: Any) -> bytes:
    """JSON, UTF-8, keys sorted, no insignificant white space, non-ASCII as itself."""
    _refuse_floats(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def event_bytes(event: Mapping[str, Any]) -> bytes:
    """What an event's hash is taken over: its canonical bytes, its own ``hash`` left out."""
    return canonical({k: v for k, v in event.items() if k != "hash"})


def event_hash(event: Mapping[str, Any]) -> str:
    return sha256_hex(event_bytes(event))


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with ``Z``, always with microseconds, so one instant has one text."""
    if moment.tzinfo is None:
        raise ValueError("a ledger time needs a zone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    if not text.endswith("Z"):
        raise ValueError(f"not a UTC time: {text!r}")
    return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)


def make_event(
    *,
    client: str,
    seq: int,
    type_: str,
    at: datetime,
    actor: Mapping[str, Any],
    grantor: Mapping[str, Any] | None,
    body: Mapping[str, Any],
    prev: str,
) -> dict[str, Any]:
    """An event with its hash, ready to append."""
    event: dict[str, Any] = {
        "client": client,
        "seq": seq,
        "type": type_,
        "at": format_time(at),
        "actor": dict(actor),
        "grantor": None if grantor is None else dict(grantor),
        "body": dict(body),
        "prev": prev,
    }
    event["hash"] = event_hash(event)
    return event


@dataclass(frozen=True)
class Break:
    """The first place a chain does not hold, and why."""

    client: str
    seq: int
    problem: str


class ChainVerifier:
    """Checks events fed in (client, seq) order: hashes, links, and seq without gaps.

    Incremental, so a whole ledger can be streamed through it."""

    def __init__(self) -> None:
        self._client: str | None = None
        self._seq, self._prev = 1, GENESIS
        self.events = 0
        self.chains = 0

    def feed(self, event: Mapping[str, Any]) -> Break | None:
        client, seq = str(event.get("client")), event.get("seq")
        if client != self._client:
            self._client, self._seq, self._prev = client, 1, GENESIS
            self.chains += 1
        if not isinstance(seq, int) or seq != self._seq:
            return Break(client, self._seq, f"expected seq {self._seq}, found {seq!r}")
        if event.get("prev") != self._prev:
            return Break(client, seq, BROKEN_LINK)
        try:
            recomputed = event_hash(event)
        except (TypeError, ValueError) as error:
            return Break(client, seq, f"event cannot be hashed: {error}")
        if event.get("hash") != recomputed:
            return Break(client, seq, "hash does not match the event's canonical bytes")
        self._seq, self._prev = seq + 1, recomputed
        self.events += 1
        return None


def verify_chain(events: Iterable[Mapping[str, Any]]) -> Break | None:
    """The first break in events given in (client, seq) order, or ``None``."""
    verifier = ChainVerifier()
    for event in events:
        found = verifier.feed(event)
        if found is not None:
            return found
    return None


def text_problem(text: str, *, client: str, seq: int, hash_: str, prev: str) -> str | None:
    """What is wrong with an event's stored text, decoded and re-encoded in full: it must
    be the canonical bytes of an envelope whose client, seq and prev are those given, and
    hash to ``hash_``. ``None`` when it holds."""
    try:
        event = json.loads(text)
    except ValueError:
        return "the event's text is not JSON"
    if not isinstance(event, dict) or set(event) != ENVELOPE:
        return "the event's text is not an event envelope"
    try:
        data = canonical(event)
    except (TypeError, ValueError) as error:
        return f"event cannot be hashed: {error}"
    if sha256_hex(data) != hash_:
        return "hash does not match the event's canonical bytes"
    if event["client"] != client:
        return "the event's text names another client"
    if event["seq"] != seq:
        return "the event's text has another seq"
    if event["prev"] != prev:
        return BROKEN_LINK
    if data != text.encode():
        return NOT_CANONICAL
    return None


def _refuse_floats(value: Any) -> None:
    if isinstance(value, float):
        raise TypeError("the ledger holds no floating-point numbers")
    if isinstance(value, Mapping):
        for item in value.values():
            _refuse_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_floats(item)
