"""Verifying a whole ledger fast: every event's hash and link, and the log's leaves, fed in
(client, seq) order; then the tree is compared with the checkpoints. No I/O: ``verify.py``
feeds it from the database or from an export.

Why the hot loop may skip decoding JSON. Each event's text is hashed as stored and must
give its stored hash, so any change to a text shows. What the loop does not do for every
event is decode the text and re-encode it to prove it is *canonical* and that its fields
are those of its row. It need not, for events under a checkpoint whose signature
verified: the integrator decoded and checked each event in full (canonical bytes, its
envelope's client, seq and prev) before it gave it a log index; the event's hash is the
leaf at that index; and the tree rebuilt from these very hashes must give the signed
root. A text that hashes to a signed leaf is the text that was checked (SHA-256 has no
known second preimages). What the loop still reads from the text is cheap and fixed: the
envelope's ``"prev"``, which canonical JSON puts after the body, so it is the last
``,"prev":"`` in the text, and, once per chain, the ``"client"``. The link itself (prev =
the hash of the event before) is what chains the texts: a row moved, reordered or dropped
breaks it.

Every event past the latest verified checkpoint, every event whose text does not hash to
its stored hash, and with ``full`` every event at all, is decoded and re-encoded in full
(``chain.text_problem``), its row's client, seq and prev compared with its text.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ledger.chain import BROKEN_LINK, GENESIS, NOT_CANONICAL, canonical, sha256_hex, text_problem
from ledger.tree import leaf_hashes, roots

PREV_KEY = ',"prev":"'
ROOT_DIFFERS = "its root is not the log's"
PREV_BYTES = b',"prev":"'


@dataclass(frozen=True)
class Problem:
    """The first place the ledger does not hold: an event, a checkpoint, or the log."""

    problem: str
    client: str | None = None
    seq: int | None = None
    checkpoint: int | None = None

    def __str__(self) -> str:
        if self.client is not None:
            return f"client {self.client} seq {self.seq}: {self.problem}"
        if self.checkpoint is not None:
            return f"checkpoint {self.checkpoint}: {self.problem}"
        return self.problem


@dataclass(frozen=True)
class Answer:
    """What a ``ledger.chains`` process found in its range of clients."""

    events: int
    chains: int
    problem: Problem | None
    indexes: Sequence[int]
    leaves: bytes
    """The leaf hashes (32 bytes each) of its events at ``indexes``, in that order."""


def client_text(raw: object) -> str:
    """A client id as an event's text has it, from a column (a UUID, or SQLite's hex)."""
    text = str(raw)
    if len(text) == 32:
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return text


class LedgerVerifier:
    """Events in (client, seq) order, fed in batches; ``close`` then checks the log.

    ``trusted_size``: events at log indexes below it are under a verified checkpoint and
    take the fast path."""

    def __init__(self, trusted_size: int = 0, log_size: int = 0) -> None:
        self.trusted = trusted_size
        self.events = 0
        self.chains = 0
        self.leaves: list[str | None] = [None] * log_size
        """Event hashes (hex) by log index; sized for the log as it was when asked."""
        self.hashed: list[bytes | None] | None = None
        """Leaf hashes by log index, when helper processes checked the events."""
        self._raw: object = object()
        self._client = ""
        self._seq = 1
        self._prev = GENESIS
        self._last_index = -1
        self._unlogged = False

    # --- the database ------------------------------------------------------------------

    def stored(self, rows: Iterable[tuple[object, int, str, str, int | None]]) -> Problem | None:
        """Rows of (client column, seq, text, hash, log index). The hot loop: chain state
        lives in locals and goes back to ``self`` when the batch ends."""
        sha256, trusted, leaves = hashlib.sha256, self.trusted, self.leaves
        room = len(leaves)
        raw_now, client, expect, prev = self._raw, self._client, self._seq, self._prev
        last, unlogged, count = self._last_index, self._unlogged, 0
        problem: Problem | None = None
        for raw, seq, text, digest, index in rows:
            if raw != raw_now:
                raw_now, client, expect, prev = raw, client_text(raw), 1, GENESIS
                last, unlogged = -1, False
                self.chains += 1
            if seq != expect:
                problem = Problem(f"expected seq {expect}, found {seq}", client, expect)
                break
            if not (
                index is not None
                and index < trusted
                and sha256(text.encode()).hexdigest() == digest
                and text.startswith(prev, text.rfind(PREV_KEY) + 9)
                and (seq != 1 or f',"client":"{client}","grantor":' in text)
            ):
                self._client = client
                found = self._decoded(text, seq, digest, prev)
                if found is not None:
                    problem = Problem(found, client, seq)
                    break
            if index is None:
                unlogged = True
            elif not unlogged and last < index < room and leaves[index] is None:
                leaves[index] = digest
                last = index
            else:
                self._last_index, self._unlogged = last, unlogged
                try:
                    last = self._place(index, digest)
                except _Misplaced as misplaced:
                    problem = Problem(str(misplaced), client, seq)
                    break
                room = len(leaves)
            prev, expect = digest, seq + 1
            count += 1
        self._raw, self._client, self._seq, self._prev = raw_now, client, expect, prev
        self._last_index, self._unlogged = last, unlogged
        self.events += count
        return problem

    def stored_full(
        self, rows: Iterable[tuple[object, int, str, str, int | None, str]]
    ) -> Problem | None:
        """Rows of (client column, seq, text, hash, log index, prev column): each decoded."""
        for raw, seq, text, digest, index, prev_column in rows:
            if raw != self._raw:
                self._start(client_text(raw))
                self._raw = raw
            if seq != self._seq:
                return Problem(f"expected seq {self._seq}, found {seq}", self._client, self._seq)
            if prev_column != self._prev:
                return Problem(BROKEN_LINK, self._client, seq)
            problem = self._decoded(text, seq, digest, self._prev)
            if problem is not None:
                return Problem(problem, self._client, seq)
            try:
                self._take(index, digest)
            except _Misplaced as misplaced:
                return Problem(str(misplaced), self._client, seq)
            self._seq, self._prev = seq + 1, digest
            self.events += 1
        return None

    def _decoded(self, text: str, seq: int, digest: str, prev: str) -> str | None:
        problem = text_problem(text, client=self._client, seq=seq, hash_=digest, prev=prev)
        if problem == NOT_CANONICAL:
            return None  # another spelling of the event hashed: its hash and fields hold
        return problem

    # --- an export: one JSON line per event --------------------------------------------

    def exported(self, lines: Iterable[bytes]) -> Problem | None:
        """Export lines: ``{"hash": …, "logIndex": …, <the event's keys>}``."""
        sha256, trusted = hashlib.sha256, self.trusted
        for line in lines:
            fast = _fast_line(line)
            if fast is not None and fast[1] < trusted:
                digest, index, body = fast
                tail = _tail(body)
                if tail is not None and sha256(body).hexdigest() == digest:
                    problem = self._link(tail[0], tail[2], tail[1], digest, index)
                else:
                    problem = self._slow_line(line)
            else:
                problem = self._slow_line(line)
            if problem is not None:
                return problem
        return None

    def _slow_line(self, line: bytes) -> Problem | None:
        """One export line decoded in full, as ledger.md defines it."""
        try:
            event = json.loads(line)
        except ValueError:
            return Problem(f"event line {self.events + 1} is not JSON")
        if not isinstance(event, dict):
            return Problem(f"event line {self.events + 1} is not an object")
        digest, index = event.pop("hash", None), event.pop("logIndex", None)
        client, seq, prev = str(event.get("client")), event.get("seq"), event.get("prev")
        if not isinstance(seq, int) or not isinstance(prev, str) or not isinstance(digest, str):
            return Problem(f"event line {self.events + 1} has no seq, prev or hash")
        try:
            recomputed = sha256_hex(canonical(event))
        except (TypeError, ValueError) as error:
            return Problem(f"event cannot be hashed: {error}", client, seq)
        if recomputed != digest:
            return Problem("hash does not match the event's canonical bytes", client, seq)
        if index is not None and (not isinstance(index, int) or isinstance(index, bool)):
            return Problem("logIndex is not a whole number", client, seq)
        return self._link(client, seq, prev, digest, index)

    def _link(
        self, client: str, seq: int, prev: str, digest: str, index: int | None
    ) -> Problem | None:
        """Chain and log checks for an exported event whose hash holds."""
        if client != self._client:
            self._start(client)
        if seq != self._seq:
            return Problem(f"expected seq {self._seq}, found {seq}", client, self._seq)
        if prev != self._prev:
            return Problem(BROKEN_LINK, client, seq)
        try:
            self._take(index, digest)
        except _Misplaced as misplaced:
            return Problem(str(misplaced), client, seq)
        self._seq, self._prev = seq + 1, digest
        self.events += 1
        return None

    # --- shared ------------------------------------------------------------------------

    @property
    def log_size(self) -> int:
        """One past the largest log index an event holds."""
        leaves: Sequence[object] = self.leaves if self.hashed is None else self.hashed
        size = len(leaves)
        while size and leaves[size - 1] is None:
            size -= 1
        return size

    def _start(self, client: str) -> None:
        self._client = client
        self._seq, self._prev, self._last_index, self._unlogged = 1, GENESIS, -1, False
        self.chains += 1

    def _save(self, expect: int, prev: str) -> None:
        self._seq, self._prev = expect, prev

    def _take(self, index: int | None, digest: str) -> None:
        if index is None:
            self._unlogged = True
        else:
            self._last_index = self._place(index, digest)

    def _place(self, index: int, digest: str) -> int:
        if self._unlogged:
            raise _Misplaced("in the log although an earlier event of its chain is not")
        if index <= self._last_index or index < 0:
            raise _Misplaced(f"log index {index} is out of its chain's order")
        leaves = self.leaves
        if index >= len(leaves):
            leaves.extend([None] * max(index + 1 - len(leaves), len(leaves)))
        elif leaves[index] is not None:
            raise _Misplaced(f"log index {index} is given twice")
        leaves[index] = digest
        return index

    def merge(self, answers: Sequence[Answer]) -> Problem | None:
        """The answers of ``ledger.chains`` processes, one per range of clients in order:
        the first problem, else the leaf hashes of their events placed by log index."""
        for answer in answers:
            self.events += answer.events
            self.chains += answer.chains
            if answer.problem is not None:
                return answer.problem
        placed: list[bytes | None] = [None] * len(self.leaves)
        for answer in answers:
            for n, index in enumerate(answer.indexes):
                if index >= len(placed):
                    placed.extend([None] * (index + 1 - len(placed)))
                if placed[index] is not None:
                    return Problem(f"log index {index} is given twice")
                placed[index] = answer.leaves[32 * n : 32 * n + 32]
        self.hashed = placed
        return None

    def leaf_hash(self, index: int) -> bytes | None:
        if self.hashed is not None:
            return self.hashed[index] if index < len(self.hashed) else None
        value = self.leaves[index] if index < len(self.leaves) else None
        return None if value is None else leaf_hashes([value])[0]

    def close(self, checkpoints: Mapping[int, bytes]) -> Problem | None:
        """The log against the checkpoints (size → signed root): every index below the
        log's size holds a checked event, and the tree rebuilt from these events' hashes in
        index order has the signed root at each checkpoint's size."""
        last, length = max(checkpoints, default=0), self.log_size
        if last > length:
            return Problem(f"the log holds only {length} entries", checkpoint=last)
        present = self.leaves[:length] if self.hashed is None else self.hashed[:length]
        if None in present:
            gap = present.index(None)
            covering = min((s for s in checkpoints if s > gap), default=None)
            return Problem(f"the log has no event at index {gap}", checkpoint=covering)
        hashed = leaf_hashes(present) if self.hashed is None else present  # type: ignore[arg-type]
        rebuilt = roots(hashed[:last], checkpoints)  # type: ignore[arg-type]
        for size in sorted(checkpoints):
            if rebuilt.get(size) != checkpoints[size]:
                return Problem(ROOT_DIFFERS, checkpoint=size)
        return None


class _Misplaced(ValueError):
    pass


def _fast_line(line: bytes) -> tuple[str, int, bytes] | None:
    """``{"hash":"<64 hex>","logIndex":<n>,<rest>`` → (hash, n, the canonical bytes)."""
    if not line.startswith(b'{"hash":"') or line[73:86] != b'","logIndex":':
        return None
    comma = line.find(b",", 86)
    number = line[86:comma]
    if comma < 0 or not number.isdigit() or (len(number) > 1 and number[:1] == b"0"):
        return None
    end = len(line) - 1 if line.endswith(b"\n") else len(line)
    if line[end - 1 : end] == b"\r":
        end -= 1
    return line[9:73].decode("ascii", "replace"), int(number), b"{" + line[comma + 1 : end]


def _tail(text: bytes) -> tuple[str, str, int] | None:
    """(client, prev, seq) from the end of an event's canonical bytes."""
    at = text.rfind(PREV_BYTES)
    if at < 0 or text[at + 73 : at + 81] != b'","seq":':
        return None
    kind = text.find(b',"type":"', at + 81)
    number = text[at + 81 : kind]
    start = text.rfind(b',"client":"', 0, at)
    if kind < 0 or start < 0 or not number.isdigit():
        return None
    if text[start + 47 : start + 59] != b'","grantor":':
        return None
    return (
        text[start + 11 : start + 47].decode("ascii", "replace"),
        text[at + 9 : at + 73].decode("ascii", "replace"),
        int(number),
    )
