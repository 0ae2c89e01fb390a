"""A witness: the decision of c2sp.org/tlog-witness ``add-checkpoint``. No I/O.

For each log it knows (by origin, with the log's verifier key) the witness keeps the
latest checkpoint it cosigned: size and root. A request is ``old <size>``, consistency
proof lines, a blank line, and the signed checkpoint. In the order the protocol gives:

- malformed request or checkpoint, or ``old`` above the checkpoint's size: 400;
- unknown origin: 404; no signature by the log's key verifies: 403;
- ``old`` is not the size it holds: 409, with that size (``text/x.tlog.size``);
- same size but another root: 409;
- the consistency proof from its root to the new one does not verify: 422;
- otherwise it records the new checkpoint and answers 200 with a ``cosignature/v1`` line.

The caller persists the new state before it answers, atomically with the check.
"""

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.merkle import HASH_SIZE, verify_consistency
from ledger.note import (
    COSIGNATURE_V1,
    NoteError,
    VerifierKey,
    b64,
    cosign,
    open_checkpoint,
    parse_checkpoint,
    split_note,
    unb64,
    valid_name,
)

MAX_PROOF_LINES = 63
SIZE_TYPE = "text/x.tlog.size"
TEXT_TYPE = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Seen:
    """The latest checkpoint the witness cosigned for one log."""

    size: int
    root: bytes

    def as_json(self) -> dict[str, Any]:
        return {"size": self.size, "root": b64(self.root)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Seen":
        return cls(int(data["size"]), unb64(str(data["root"])))


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    content_type: str = TEXT_TYPE
    seen: Seen | None = None
    """The log's new state, to persist before answering (only on 200)."""
    origin: str | None = None


@dataclass(frozen=True)
class Request:
    old: int
    proof: list[bytes]
    note: str


def parse_request(body: bytes) -> Request:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NoteError("the request is not UTF-8") from error
    head, blank, note = text.partition("\n\n")
    if not blank:
        raise NoteError("no blank line before the checkpoint")
    lines = head.split("\n")
    first = lines[0]
    size = first.removeprefix("old ")
    if (
        size == first
        or not size.isascii()
        or not size.isdigit()
        or (size != "0" and size[0] == "0")
    ):
        raise NoteError("the first line is 'old <size>'")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise NoteError("too many consistency proof lines")
    proof = [unb64(line) for line in lines[1:]]
    if any(len(p) != HASH_SIZE for p in proof):
        raise NoteError("a proof line is not a 32-byte hash")
    return Request(int(size), proof, note)


class WitnessCore:
    """The witness's identity and the logs it follows."""

    def __init__(self, name: str, key: Ed25519PrivateKey, logs: list[VerifierKey]) -> None:
        if not valid_name(name):
            raise NoteError(f"not a witness name: {name!r}")
        self.name = name
        self.key = key
        self.logs = {log.name: log for log in logs}
        self.verifier = VerifierKey.of(name, COSIGNATURE_V1, key)

    def add_checkpoint(self, body: bytes, seen: dict[str, Seen], now: int) -> Answer:
        """The answer to one request, given what the witness has seen per origin."""
        try:
            request = parse_request(body)
            text, _ = split_note(request.note)
            origin = parse_checkpoint(text).origin
        except NoteError as error:
            return Answer(400, f"{error}\n")
        log_key = self.logs.get(origin)
        if log_key is None:
            return Answer(404, "unknown log\n")
        try:
            checkpoint, _ = open_checkpoint(request.note, log_key)
        except NoteError:
            return Answer(403, "no valid signature by the log's key\n")
        if request.old > checkpoint.size:
            return Answer(400, "old size is larger than the checkpoint's\n")
        held = seen.get(origin)
        held_size = 0 if held is None else held.size
        if request.old != held_size:
            return Answer(409, f"{held_size}\n", SIZE_TYPE)
        if held is not None and held.size == checkpoint.size:
            if held.root != checkpoint.root or request.proof:
                return Answer(409, f"{held_size}\n", SIZE_TYPE)
        elif held is None or held.size == 0:
            if request.proof:
                return Answer(422, "a proof from size 0 is empty\n")
        elif not verify_consistency(
            held.size, checkpoint.size, held.root, checkpoint.root, request.proof
        ):
            return Answer(422, "the consistency proof does not verify\n")
        line = cosign(text, self.name, self.key, now).line
        return Answer(200, line, seen=Seen(checkpoint.size, checkpoint.root), origin=origin)
