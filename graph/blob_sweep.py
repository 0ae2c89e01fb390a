"""Sweeping attachment content that no attachment refers to.

Content is written before its row (``services/attachments.upload``): an upload whose
transaction rolls back or dies leaves a file no row names. Such a file is never served
(content is served only through an attachment row), and ``infocap attachments sweep``
removes it once it is older than the grace period.

An upload of the same bytes may be about to refer to a file the sweep found unreferenced:
the upload touches an existing file (``BlobStore.put``) before it writes its row, and
the sweep moves a file aside before it looks again — at the file's age and at the rows —
and puts it back if either says it is wanted. So a file is deleted only when it was old
and unreferenced both before and after it was out of reach of new uploads.
"""

import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from graph.blobstore import BlobStore
from schema.models import Attachment

ASIDE = ".sweeping"
BATCH = 500


@dataclass(frozen=True)
class Swept:
    removed: int
    removed_bytes: int
    kept_young: int
    kept_referenced: int


def _files(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for shard in sorted(root.iterdir()):
        if shard.is_dir() and len(shard.name) == 2:
            yield from (f for f in sorted(shard.iterdir()) if f.is_file())


def _old(path: Path, grace: float, now: float) -> bool:
    try:
        return path.stat().st_mtime <= now - grace
    except FileNotFoundError:
        return False


async def _referenced(
    sessions: async_sessionmaker[AsyncSession], hashes: Sequence[str]
) -> set[str]:
    async with sessions() as session:
        found = await session.scalars(
            select(Attachment.sha256).where(Attachment.sha256.in_(hashes)).distinct()
        )
        return set(found)


async def candidates(
    store: BlobStore,
    sessions: async_sessionmaker[AsyncSession],
    grace: float,
    now: float | None = None,
) -> list[Path]:
    """Files older than ``grace`` seconds that no attachment refers to (and leftovers of
    writes or sweeps that were cut short)."""
    now = time.time() if now is None else now
    old = [f for f in _files(store.root) if _old(f, grace, now)]
    found: list[Path] = []
    for start in range(0, len(old), BATCH):
        batch = old[start : start + BATCH]
        wanted = await _referenced(sessions, [f.name for f in batch])
        found += [f for f in batch if f.name not in wanted]
    return found


async def remove(
    path: Path,
    sessions: async_sessionmaker[AsyncSession],
    grace: float,
    now: float | None = None,
) -> bool:
    """Move ``path`` aside, look again, and delete it only if it is still old and
    unreferenced; otherwise put it back. True when it was deleted."""
    now = time.time() if now is None else now
    aside = path.with_name(path.name + ASIDE) if not path.name.endswith(ASIDE) else path
    try:
        os.replace(path, aside)
    except FileNotFoundError:
        return False
    still_old = _old(aside, grace, now)
    unreferenced = not await _referenced(sessions, [path.name.removesuffix(ASIDE)])
    if still_old and unreferenced:
        aside.unlink(missing_ok=True)
        return True
    target = aside.with_name(aside.name.removesuffix(ASIDE))
    if target.exists():  # an upload wrote the same bytes anew meanwhile
        aside.unlink(missing_ok=True)
    else:
        os.replace(aside, target)
    return False


async def sweep(
    store: BlobStore,
    sessions: async_sessionmaker[AsyncSession],
    grace: float,
    now: float | None = None,
) -> Swept:
    every = list(_files(store.root))
    found = await candidates(store, sessions, grace, now)
    removed = removed_bytes = 0
    for path in found:
        size = path.stat().st_size if path.exists() else 0
        if await remove(path, sessions, grace, now):
            removed += 1
            removed_bytes += size
    now = time.time() if now is None else now
    young = sum(1 for f in every if not _old(f, grace, now))
    return Swept(removed, removed_bytes, young, len(every) - young - len(found))
