"""Verifying the ledger as stored, or as exported: every event's hash and link, the log
rebuilt from its leaves in index order, and every checkpoint's signature, root and
consistency with the one before. The first problem is named: an event by (client, seq),
else a checkpoint by its tree size.

The checkpoints are read before the events: whatever is appended meanwhile only adds
events after them, so one pass sees a consistent ledger without holding a snapshot.
"""

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import String, and_, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger import apart, log
from ledger.chain import BROKEN_LINK
from ledger.errors import LedgerBroken
from ledger.merkle import verify_consistency
from ledger.note import (
    NoteError,
    VerifierKey,
    open_checkpoint,
    signatures_by,
    split_note,
    unb64,
    verify_cosignature,
)
from ledger.tree import leaf_hashes
from ledger.verifier import ROOT_DIFFERS, LedgerVerifier, Problem
from schema.models import ConsentEvent, LogCheckpoint, LogCosignature, LogEntry

EVENTS = ConsentEvent.__table__
LOG = LogEntry.__table__
BATCH = 10_000
READ_BYTES = 1 << 20
APART_FROM = 50_000
"""From this many events on, verification is shared by processes of its own."""

_JOIN = EVENTS.outerjoin(
    LOG, and_(LOG.c.client_id == EVENTS.c.client_id, LOG.c.seq == EVENTS.c.seq)
)
_COLUMNS = (
    cast(EVENTS.c.client_id, String),
    EVENTS.c.seq,
    EVENTS.c.canonical,
    EVENTS.c.hash,
    LOG.c.log_index,
)
EVENT_ROWS = select(*_COLUMNS).select_from(_JOIN).order_by(EVENTS.c.client_id, EVENTS.c.seq)
EVENT_ROWS_FULL = (
    select(*_COLUMNS, EVENTS.c.prev).select_from(_JOIN).order_by(EVENTS.c.client_id, EVENTS.c.seq)
)


@dataclass(frozen=True)
class Verification:
    events: int
    chains: int
    tree_size: int
    checkpoints: int
    problem: Problem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass
class Checked:
    """Checkpoints in size order: the signed roots of those that hold, up to the first
    that does not."""

    roots: dict[int, bytes] = field(default_factory=dict)
    problem: Problem | None = None

    @property
    def trusted(self) -> int:
        return max(self.roots, default=0)


def _result(verifier: LedgerVerifier, checked: Checked, found: Problem | None) -> Verification:
    """An event's problem first; else the failing checkpoint of the smallest size."""
    problem = found
    late = checked.problem
    if late is not None and (
        found is None
        or (found.client is None and (found.checkpoint or 0) >= (late.checkpoint or 0))
    ):
        problem = late
    return Verification(
        verifier.events, verifier.chains, verifier.log_size, len(checked.roots), problem
    )


# --- the database ------------------------------------------------------------------------


async def verify_database(
    session: AsyncSession,
    key: VerifierKey | None = None,
    witnesses: Sequence[VerifierKey] = (),
    *,
    full: bool = False,
    apart_from: int = APART_FROM,
) -> Verification:
    """The stored ledger. ``key`` is the log's verifier key (needed once a checkpoint
    exists); cosignatures by ``witnesses`` must verify where present; ``full`` decodes
    every event instead of trusting the checkpoints' leaves (see ``verifier``). From
    ``apart_from`` events on, the work is shared by processes of its own: the events by
    ranges of clients, one a core, and the tree from the log meanwhile."""
    checked = await stored_checkpoints(session, key, witnesses)
    count = await log.size(session)
    verifier = LedgerVerifier(0 if full else checked.trusted, count)
    events = await session.scalar(select(func.count()).select_from(EVENTS)) or 0
    if events >= apart_from and apart.file_backed(session):
        found = await apart.verify(session, verifier, events, full)
    else:
        found = await _stream(session, verifier, full)
    if found is not None:
        return _result(verifier, checked, await _pinpoint(session, found))
    problem = verifier.close(checked.roots)
    if problem is not None and problem.problem == ROOT_DIFFERS:
        problem = await _changed_event(session, verifier) or problem
    if problem is None and checked.roots:
        problem = await _stored_nodes_agree(session, checked.trusted, checked.roots)
    if problem is None and verifier.log_size < count:
        problem = Problem(f"the log has {count} entries but only {verifier.log_size} events in it")
    return _result(verifier, checked, problem)


async def _pinpoint(session: AsyncSession, found: Problem) -> Problem:
    """A broken link may be the fault of the event before it: one whose text and hash were
    both changed, so that only its successor's link (and the log) show it. The log
    recorded each event's hash when it integrated it; the event whose hash differs from
    that record is the one that changed."""
    if found.problem != BROKEN_LINK or found.client is None or not found.seq or found.seq < 2:
        return found
    pair = (
        await session.execute(
            select(EVENTS.c.hash, LOG.c.event_hash, LOG.c.log_index)
            .select_from(_JOIN)
            .where(cast(EVENTS.c.client_id, String) == _client_column(session, found.client))
            .where(EVENTS.c.seq == found.seq - 1)
        )
    ).first()
    if pair is None or pair[1] is None or pair[0] == pair[1]:
        return found
    return Problem(
        f"its hash is not the one the log recorded at index {pair[2]}", found.client, found.seq - 1
    )


async def _changed_event(session: AsyncSession, verifier: LedgerVerifier) -> Problem | None:
    """The first event whose hash is not what the log recorded at its index when it was
    integrated: an event changed together with its hash."""
    recorded = await session.execute(
        select(LOG.c.log_index, LOG.c.client_id, LOG.c.seq, LOG.c.event_hash).order_by(
            LOG.c.log_index
        )
    )
    for index, client, seq, digest in recorded:
        held = verifier.leaf_hash(index)
        if held is not None and held != leaf_hashes([digest])[0]:
            return Problem(
                f"its hash is not the one the log recorded at index {index}", str(client), seq
            )
    return None


def _client_column(session: AsyncSession, client: str) -> str:
    """A client id as the text cast of its column reads (SQLite keeps UUIDs as hex)."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    return client.replace("-", "") if sqlite else client


async def _stream(session: AsyncSession, verifier: LedgerVerifier, full: bool) -> Problem | None:
    query = EVENT_ROWS_FULL if full else EVENT_ROWS
    feed = verifier.stored_full if full else verifier.stored
    result = await session.stream(query.execution_options(yield_per=BATCH))
    async for rows in result.partitions():
        found = feed(rows)
        if found is not None:
            await result.close()
            return found
    return None


async def stored_checkpoints(
    session: AsyncSession, key: VerifierKey | None, witnesses: Sequence[VerifierKey] = ()
) -> Checked:
    rows = (await session.scalars(select(LogCheckpoint).order_by(LogCheckpoint.tree_size))).all()
    lines: dict[int, list[LogCosignature]] = {}
    for line in (await session.scalars(select(LogCosignature))).all():
        lines.setdefault(line.tree_size, []).append(line)
    checked = Checked()
    previous: tuple[int, bytes] | None = None
    for row in rows:
        problem = _stored_problem(row, key, previous, witnesses, lines.get(row.tree_size, []))
        if problem is not None:
            checked.problem = Problem(problem, checkpoint=row.tree_size)
            break
        previous = (row.tree_size, bytes(row.root_hash))
        checked.roots[row.tree_size] = previous[1]
    return checked


def _stored_problem(
    row: LogCheckpoint,
    key: VerifierKey | None,
    previous: tuple[int, bytes] | None,
    witnesses: Sequence[VerifierKey],
    lines: list[LogCosignature],
) -> str | None:
    if key is None:
        return "no verifier key to check it with"
    try:
        checkpoint, _ = open_checkpoint(row.note, key)
    except NoteError as error:
        return str(error)
    if checkpoint.size != row.tree_size or checkpoint.root != bytes(row.root_hash):
        return "its columns disagree with its note"
    if row.previous_tree_size != (None if previous is None else previous[0]):
        return "it does not name the checkpoint before it"
    if previous is not None:
        try:
            proof = [unb64(p) for p in row.consistency_proof]
        except NoteError:
            return "its consistency proof is not base64"
        if not verify_consistency(previous[0], row.tree_size, previous[1], checkpoint.root, proof):
            return f"its consistency proof from checkpoint {previous[0]} does not verify"
    for witness in witnesses:
        for line in lines:
            if line.witness == witness.ident and not cosigned(checkpoint.text, line.line, witness):
                return f"the cosignature of {witness.ident} does not verify"
    return None


def cosigned(text: str, line: str, witness: VerifierKey) -> bool:
    """Whether a cosignature line by ``witness`` verifies on a checkpoint's text."""
    try:
        _, signatures = split_note("-\n\n" + line)
    except NoteError:
        return False
    mine = signatures_by(signatures, witness)
    return bool(mine) and all(verify_cosignature(text, s, witness) is not None for s in mine)


async def _stored_nodes_agree(
    session: AsyncSession, size: int, roots: dict[int, bytes]
) -> Problem | None:
    """The stored nodes proofs are served from give the latest checkpoint's root."""
    try:
        stored = await log.root_at(session, size)
    except LedgerBroken as error:
        return Problem(error.message, checkpoint=size)
    if stored != roots[size]:
        return Problem("the stored nodes proofs are made from give another root", checkpoint=size)
    return None


# --- an export ---------------------------------------------------------------------------


def verify_export(path: Path, key: VerifierKey, *, full: bool = False) -> Verification:
    """An export file (ledger.md's JSON Lines) with nothing but the log's verifier key."""
    checked = exported_checkpoints(path, key)
    verifier = LedgerVerifier(0 if full else checked.trusted)
    for batch in _event_batches(path):
        found = verifier.exported(batch)
        if found is not None:
            return _result(verifier, checked, found)
    return _result(verifier, checked, verifier.close(checked.roots))


def _checkpoint_line(line: bytes) -> bool:
    return b'"checkpoint"' in line[:32]


def _lines(path: Path) -> Iterator[bytes]:
    with path.open("rb", buffering=READ_BYTES) as source:
        for line in source:
            if line.strip():
                yield line


def _event_batches(path: Path) -> Iterator[list[bytes]]:
    batch: list[bytes] = []
    for line in _lines(path):
        if not _checkpoint_line(line):
            batch.append(line)
            if len(batch) == BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


def exported_checkpoints(path: Path, key: VerifierKey) -> Checked:
    opened: list[tuple[int, bytes, str | None]] = []
    for line in _lines(path):
        if not _checkpoint_line(line):
            continue
        try:
            note = json.loads(line)["checkpoint"]
            checkpoint, _ = open_checkpoint(note, key)
            opened.append((checkpoint.size, checkpoint.root, None))
        except (ValueError, KeyError, TypeError) as error:
            opened.append((_claimed_size(line), b"", f"it does not verify: {error}"))
    opened.sort(key=lambda item: item[0])
    checked = Checked()
    for size, root, problem in opened:
        if problem is None and size in checked.roots and checked.roots[size] != root:
            problem = "two checkpoints of one size disagree"
        if problem is not None:
            checked.problem = Problem(problem, checkpoint=size)
            break
        checked.roots[size] = root
    return checked


def _claimed_size(line: bytes) -> int:
    try:
        note = json.loads(line)["checkpoint"]
        return int(note.split("\n")[1])
    except (ValueError, KeyError, TypeError, IndexError):
        return -1
