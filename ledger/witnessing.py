"""Making a checkpoint and asking the witnesses to cosign it (the log's side of
c2sp.org/tlog-witness).

Each configured witness gets ``POST <url>/add-checkpoint`` with ``old <size>``, the
consistency proof from that size, a blank line and the signed note. ``old`` is the
largest checkpoint the witness has cosigned for us; a witness that answers 409 with
``text/x.tlog.size`` names the size it holds and is asked once more from there. A witness
that is down or refuses is logged and the checkpoint is served with the cosignatures it
has; each cosignature is verified under the witness's key before it is kept (in an
append-only table, beside the checkpoint, so the checkpoint row never changes).
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ledger import checkpoints, log
from ledger.checkpoints import LogConfig, StoredCheckpoint, Witness
from ledger.note import NoteError, Signature, b64, split_note, verify_cosignature
from schema.models import LogCosignature

logger = logging.getLogger("infocap.ledger")

SIZE_TYPE = "text/x.tlog.size"
TIMEOUT_SECONDS = 10.0
ProofSource = Callable[[int, int], Awaitable[list[bytes]]]


def request_body(old: int, proof: Sequence[bytes], note: str) -> bytes:
    return (f"old {old}\n" + "".join(b64(p) + "\n" for p in proof) + "\n" + note).encode()


def cosignature_in(answer: str, text: str, witness: Witness) -> Signature | None:
    """The witness's valid cosignature among the signature lines it answered with."""
    for line in answer.splitlines():
        try:
            _, found = split_note("x\n\n" + line + "\n")
        except NoteError:
            continue
        for signature in found:
            if (
                signature.name == witness.key.name
                and signature.key_id == witness.key.key_id
                and verify_cosignature(text, signature, witness.key) is not None
            ):
                return signature
    return None


async def ask(
    http: httpx.AsyncClient,
    witness: Witness,
    *,
    old: int,
    note: str,
    tree_size: int,
    proofs: ProofSource,
) -> Signature | None:
    """One witness's cosignature on the checkpoint ``note``, or ``None`` (logged)."""
    text, _ = split_note(note)
    name = witness.key.ident
    url = witness.url.rstrip("/") + "/add-checkpoint"
    for attempt in range(2):
        proof = await proofs(old, tree_size) if old else []
        try:
            answer = await http.post(
                url, content=request_body(old, proof, note), timeout=TIMEOUT_SECONDS
            )
        except httpx.HTTPError as error:
            logger.warning("witness %s is unreachable: %s", name, error)
            return None
        if answer.status_code == 200:
            signature = cosignature_in(answer.text, text, witness)
            if signature is None:
                logger.warning("witness %s answered without a valid cosignature", name)
            return signature
        holds = _size_of(answer) if answer.status_code == 409 and attempt == 0 else None
        if holds is not None and holds != old and 0 <= holds <= tree_size:
            old = holds
            continue
        logger.warning(
            "witness %s refused checkpoint %d (old %d): HTTP %d %s",
            name,
            tree_size,
            old,
            answer.status_code,
            answer.text[:200].strip(),
        )
        return None
    return None


def _size_of(answer: httpx.Response) -> int | None:
    if not answer.headers.get("content-type", "").startswith(SIZE_TYPE):
        return None
    value = answer.text.strip()
    return int(value) if value.isascii() and value.isdigit() else None


async def gather(
    sessions: async_sessionmaker[AsyncSession],
    config: LogConfig,
    tree_size: int,
    clock: Callable[[], datetime],
    http: httpx.AsyncClient | None = None,
) -> list[str]:
    """Ask every witness that has not cosigned checkpoint ``tree_size`` yet; keep what
    verifies. The witnesses that cosigned now."""
    if not config.witnesses:
        return []
    async with sessions() as session:
        row = await checkpoints.at_size(session, tree_size)
        if row is None:
            raise LookupError(f"no checkpoint of size {tree_size}")
        note = row.note
        have = {c.witness for c in await checkpoints.cosignatures(session, tree_size)}
        latest = await session.execute(
            select(LogCosignature.witness, func.max(LogCosignature.tree_size)).group_by(
                LogCosignature.witness
            )
        )
        seen: dict[str, int] = {witness: size for witness, size in latest}

    async def proofs(old: int, new: int) -> list[bytes]:
        async with sessions() as session:
            return await log.consistency_proof(session, old, new)

    wanted = [
        w
        for w in config.witnesses
        if w.key.ident not in have and seen.get(w.key.ident, 0) <= tree_size
    ]
    client = http or httpx.AsyncClient()
    try:
        answers = await asyncio.gather(
            *(
                ask(
                    client,
                    w,
                    old=seen.get(w.key.ident, 0),
                    note=note,
                    tree_size=tree_size,
                    proofs=proofs,
                )
                for w in wanted
            )
        )
    finally:
        if http is None:
            await client.aclose()
    got = [(w, s) for w, s in zip(wanted, answers, strict=True) if s is not None]
    if got:
        await _keep(sessions, tree_size, got, clock())
    return [w.key.ident for w, _ in got]


async def _keep(
    sessions: async_sessionmaker[AsyncSession],
    tree_size: int,
    got: list[tuple[Witness, Signature]],
    now: datetime,
) -> None:
    async with sessions() as session, session.begin():
        await log.lock(session)  # one writer of cosignatures at a time, too
        present = {c.witness for c in await checkpoints.cosignatures(session, tree_size)}
        for witness, signature in got:
            if witness.key.ident in present:
                continue
            session.add(
                LogCosignature(
                    tree_size=tree_size,
                    witness=witness.key.ident,
                    line=signature.line,
                    cosigned_at=int.from_bytes(signature.signature[:8], "big"),
                    received_at=now,
                )
            )


async def checkpoint_now(
    sessions: async_sessionmaker[AsyncSession],
    config: LogConfig,
    clock: Callable[[], datetime],
    http: httpx.AsyncClient | None = None,
) -> StoredCheckpoint:
    """Integrate, sign a checkpoint if the log grew, gather cosignatures, and return the
    latest checkpoint as served. The signing transaction is over before any witness is
    asked: appends and other readers never wait on a witness."""
    async with sessions() as session, session.begin():
        row, _ = await checkpoints.sign_next(session, config, clock())
        tree_size = row.tree_size
    await gather(sessions, config, tree_size, clock, http)
    async with sessions() as session:
        stored = await checkpoints.at_size(session, tree_size)
        if stored is None:
            raise LookupError(f"checkpoint {tree_size} vanished")
        return await checkpoints.served(session, stored, config)
