"""The ledger as JSON Lines (docs/ledger.md): one event a line in (client, seq) order with
its ``hash`` and, once integrated, its ``logIndex``; then every checkpoint, one a line,
as ``{"checkpoint": "<the whole signed note, cosignatures included>"}``.

An event line is the event's canonical text with ``"hash"`` and ``"logIndex"`` put in
front: drop those two keys and the rest, re-encoded canonically, is what was hashed
(and, as written here, it already is those bytes). Checkpoints are read first, so every
one of them covers events the export holds.
"""

import json
from collections.abc import Callable

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from schema.models import ConsentEvent, LogCheckpoint, LogCosignature, LogEntry

EVENTS = ConsentEvent.__table__
LOG = LogEntry.__table__
BATCH = 10_000

EXPORT_ROWS = (
    select(EVENTS.c.canonical, EVENTS.c.hash, LOG.c.log_index)
    .select_from(
        EVENTS.outerjoin(
            LOG, and_(LOG.c.client_id == EVENTS.c.client_id, LOG.c.seq == EVENTS.c.seq)
        )
    )
    .order_by(EVENTS.c.client_id, EVENTS.c.seq)
)


def event_line(text: str, digest: str, index: int | None) -> str:
    if not text.startswith("{") or text == "{}":
        raise ValueError("an event's text is a JSON object with keys")
    place = "" if index is None else f'"logIndex":{index},'
    return f'{{"hash":"{digest}",{place}{text[1:]}\n'


def checkpoint_line(note: str) -> str:
    return json.dumps({"checkpoint": note}, ensure_ascii=False) + "\n"


async def export(session: AsyncSession, write: Callable[[str], object]) -> tuple[int, int]:
    """Write the export through ``write``; the number of events and of checkpoints."""
    rows = (await session.scalars(select(LogCheckpoint).order_by(LogCheckpoint.tree_size))).all()
    lines: dict[int, list[str]] = {}
    for cosigned in await session.scalars(
        select(LogCosignature).order_by(LogCosignature.tree_size, LogCosignature.witness)
    ):
        lines.setdefault(cosigned.tree_size, []).append(cosigned.line)
    notes = [row.note + "".join(lines.get(row.tree_size, [])) for row in rows]
    count = 0
    result = await session.stream(EXPORT_ROWS.execution_options(yield_per=BATCH))
    async for batch in result.partitions():
        write("".join(event_line(text, digest, index) for text, digest, index in batch))
        count += len(batch)
    for note in notes:
        write(checkpoint_line(note))
    return count, len(notes)
