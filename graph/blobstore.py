"""Attachment content on disk, addressed by SHA-256: ``<dir>/ab/abcdef…``.

Content is written once (to a temporary file, then renamed into place), so a second
upload of the same bytes writes nothing and a crash never leaves half a file under a
hash. Files whose row was rolled back stay as unreferenced content until
``infocap attachments sweep`` removes them (``graph/blob_sweep.py``); an upload of bytes
already stored touches the file, so that a sweep keeps what it is about to refer to.
"""

import hashlib
import os
import tempfile
from pathlib import Path

import anyio.to_thread


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256

    async def put(self, content: bytes) -> str:
        sha256 = hashlib.sha256(content).hexdigest()
        await anyio.to_thread.run_sync(self._write, sha256, content)
        return sha256

    def _write(self, sha256: str, content: bytes) -> None:
        target = self.path(sha256)
        if target.exists():
            try:
                os.utime(target)  # wanted again: young for the sweep's grace period
                return
            except FileNotFoundError:
                pass  # swept away just now: write it anew
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, target)

    async def read(self, sha256: str) -> bytes:
        return await anyio.to_thread.run_sync(self.path(sha256).read_bytes)
