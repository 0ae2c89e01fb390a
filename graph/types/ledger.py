"""The transparency log as the API shows it: checkpoints, and a verification's outcome."""

from datetime import datetime

import strawberry

from ledger.checkpoints import StoredCheckpoint
from ledger.note import b64
from ledger.verify import Verification


@strawberry.type(description="A C2SP checkpoint of the ledger's global Merkle log.")
class LedgerCheckpoint:
    tree_size: int
    root_hash: str = strawberry.field(description="Standard base64.")
    note: str = strawberry.field(
        description="The whole C2SP signed note, witnesses' cosignature lines included."
    )
    created_at: datetime
    previous_tree_size: int | None
    consistency_proof: list[str] | None = strawberry.field(
        description="From the previous checkpoint: base64 hashes, RFC 9162 order."
    )
    witnessed: bool = strawberry.field(
        description="At least INFOCAP_WITNESS_QUORUM of the configured witnesses cosigned "
        "(false when none are configured)."
    )
    cosigned_by: list[str] = strawberry.field(
        description="The witnesses whose cosignatures the note carries, as <name>+<key id>."
    )

    @classmethod
    def from_stored(cls, stored: StoredCheckpoint) -> "LedgerCheckpoint":
        return cls(
            tree_size=stored.tree_size,
            root_hash=b64(stored.root),
            note=stored.note,
            created_at=stored.created_at,
            previous_tree_size=stored.previous_tree_size,
            consistency_proof=None
            if stored.previous_tree_size is None
            else stored.consistency_proof,
            witnessed=stored.witnessed,
            cosigned_by=stored.cosigned_by,
        )


@strawberry.type(description="What verifying the whole ledger found.")
class LedgerVerification:
    ok: bool
    events: int
    chains: int
    tree_size: int = strawberry.field(description="Entries in the global log.")
    checkpoints: int = strawberry.field(description="Checkpoints verified.")
    broken_client_id: strawberry.ID | None = strawberry.field(
        description="The client of the first broken event."
    )
    broken_seq: int | None = strawberry.field(description="The seq of the first broken event.")
    broken_checkpoint: int | None = strawberry.field(
        description="The tree size of the first checkpoint that does not hold."
    )
    problem: str | None

    @classmethod
    def from_verification(cls, found: Verification) -> "LedgerVerification":
        problem = found.problem
        return cls(
            ok=found.ok,
            events=found.events,
            chains=found.chains,
            tree_size=found.tree_size,
            checkpoints=found.checkpoints,
            broken_client_id=None
            if problem is None or problem.client is None
            else strawberry.ID(problem.client),
            broken_seq=None if problem is None else problem.seq,
            broken_checkpoint=None if problem is None else problem.checkpoint,
            problem=None if problem is None else problem.problem,
        )
