"""Signing checkpoints of the log, keeping them, and serving them with their cosignatures.

A checkpoint is signed only after its tree is proven consistent with the latest stored
checkpoint (whose own signature and root are checked first). Every stored checkpoint was
proven consistent with the one before it when it was signed, so the new one is
consistent with every earlier one. Integration, the check and the signature happen in one
transaction under the integrator's lock: several processes never sign two checkpoints of
one size, nor two that disagree.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
)
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger import log, metrics
from ledger.errors import LedgerBroken
from ledger.merkle import verify_consistency
from ledger.note import (
    COSIGNATURE_V1,
    ED25519,
    Checkpoint,
    NoteError,
    VerifierKey,
    b64,
    check_origin,
    open_checkpoint,
    sign,
)
from schema.models import LogCheckpoint, LogCosignature

logger = logging.getLogger("infocap.ledger")


def read_private_key(path: Path) -> Ed25519PrivateKey:
    """An Ed25519 private key from an unencrypted PEM file (PKCS#8)."""
    try:
        key = load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise ValueError(f"no readable PEM key: {error}") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return key


@dataclass(frozen=True)
class Witness:
    """A witness the log asks at every checkpoint: its base URL and verifier key (0x04)."""

    url: str
    key: VerifierKey

    def __post_init__(self) -> None:
        if self.key.kind != COSIGNATURE_V1:
            raise NoteError("a witness key is a cosignature/v1 key (type 0x04)")


@dataclass(frozen=True)
class LogConfig:
    """Who the log is (origin and signing key) and whom it asks to cosign."""

    origin: str
    key: Ed25519PrivateKey
    witnesses: tuple[Witness, ...] = ()
    quorum: int = 0

    def __post_init__(self) -> None:
        check_origin(self.origin)
        if not 0 <= self.quorum <= len(self.witnesses):
            raise NoteError(f"a quorum of {self.quorum} from {len(self.witnesses)} witness(es)")

    @property
    def verifier(self) -> VerifierKey:
        return VerifierKey.of(self.origin, ED25519, self.key)

    @property
    def public_pem(self) -> str:
        return (
            self.key.public_key()
            .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )

    def sign(self, checkpoint: Checkpoint) -> str:
        text = checkpoint.text
        return text + "\n" + sign(text, self.origin, self.key).line


@dataclass(frozen=True)
class StoredCheckpoint:
    """A checkpoint as the API serves it: the note with every cosignature line."""

    tree_size: int
    root: bytes
    note: str
    created_at: datetime
    previous_tree_size: int | None
    consistency_proof: list[str]
    cosigned_by: list[str]
    witnessed: bool


async def latest(session: AsyncSession) -> LogCheckpoint | None:
    return await session.scalar(
        select(LogCheckpoint).order_by(LogCheckpoint.tree_size.desc()).limit(1)
    )


async def at_size(session: AsyncSession, tree_size: int) -> LogCheckpoint | None:
    return await session.get(LogCheckpoint, tree_size)


async def cosignatures(session: AsyncSession, tree_size: int) -> list[LogCosignature]:
    rows = await session.scalars(
        select(LogCosignature)
        .where(LogCosignature.tree_size == tree_size)
        .order_by(LogCosignature.witness)
    )
    return list(rows.all())


async def served(
    session: AsyncSession, row: LogCheckpoint, config: LogConfig | None
) -> StoredCheckpoint:
    lines = await cosignatures(session, row.tree_size)
    configured = {w.key.ident for w in config.witnesses} if config else set()
    counted = sum(1 for c in lines if c.witness in configured)
    quorum = config.quorum if config else 0
    return StoredCheckpoint(
        tree_size=row.tree_size,
        root=bytes(row.root_hash),
        note=row.note + "".join(c.line for c in lines),
        created_at=row.created_at,
        previous_tree_size=row.previous_tree_size,
        consistency_proof=list(row.consistency_proof),
        cosigned_by=[c.witness for c in lines],
        witnessed=quorum > 0 and counted >= quorum,
    )


def signed_root(row: LogCheckpoint, key: VerifierKey) -> bytes:
    """The root the stored checkpoint's note signs, checked against its columns."""
    try:
        checkpoint, _ = open_checkpoint(row.note, key)
    except NoteError as error:
        raise LedgerBroken(f"checkpoint {row.tree_size}: {error}") from error
    if checkpoint.size != row.tree_size or checkpoint.root != bytes(row.root_hash):
        raise LedgerBroken(f"checkpoint {row.tree_size}: its columns disagree with its note")
    return checkpoint.root


async def sign_next(
    session: AsyncSession, config: LogConfig, now: datetime
) -> tuple[LogCheckpoint, bool]:
    """Integrate, then sign a checkpoint of the whole log if it grew: the checkpoint and
    whether it is new. Raises ``LedgerBroken`` rather than sign a tree inconsistent with
    the latest checkpoint. Runs in the caller's transaction and takes the lock."""
    await log.lock(session)
    await log.integrate(session, now)
    tree_size = await log.size(session)
    root = await log.root_at(session, tree_size)
    previous = await latest(session)
    proof: list[bytes] = []
    if previous is not None:
        previous_root = signed_root(previous, config.verifier)
        if previous.tree_size > tree_size:
            raise LedgerBroken(
                f"refusing to sign: the log holds {tree_size} entries, fewer than "
                f"checkpoint {previous.tree_size}"
            )
        if previous.tree_size == tree_size:
            if previous_root != root:
                raise LedgerBroken(
                    f"refusing to sign: the log's root at size {tree_size} differs from "
                    "the checkpoint of that size"
                )
            return previous, False
        proof = await log.consistency_proof(session, previous.tree_size, tree_size)
        if not verify_consistency(previous.tree_size, tree_size, previous_root, root, proof):
            raise LedgerBroken(
                f"refusing to sign: the log at size {tree_size} is not consistent with "
                f"checkpoint {previous.tree_size}"
            )
    row = LogCheckpoint(
        tree_size=tree_size,
        root_hash=root,
        note=config.sign(Checkpoint(config.origin, tree_size, root)),
        created_at=now,
        previous_tree_size=None if previous is None else previous.tree_size,
        consistency_proof=[b64(p) for p in proof],
    )
    session.add(row)
    await session.flush()
    metrics.checkpoint_made()
    logger.info("signed checkpoint %d", tree_size)
    return row, True
