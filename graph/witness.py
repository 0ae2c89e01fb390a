"""``infocap witness serve``: a witness of c2sp.org/tlog-witness as a small Starlette app.

``POST /add-checkpoint`` is decided by ``ledger.witness``; the latest checkpoint cosigned
for each log is kept in a JSON state file, replaced atomically (written beside it,
fsynced, renamed, the directory fsynced) before the answer goes out. One lock makes the
check and the write one step, so two requests can never roll the state back.
"""

import asyncio
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from ledger.checkpoints import read_private_key
from ledger.note import COSIGNATURE_V1, VerifierKey
from ledger.witness import Seen, WitnessCore

MAX_BODY = 64 * 1024


class StateFile:
    """What the witness has seen, per log origin, durable across restarts."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, Seen]:
        if not self.path.exists():
            return {}
        data: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        return {origin: Seen.from_json(seen) for origin, seen in data.get("logs", {}).items()}

    def save(self, seen: dict[str, Seen]) -> None:
        body = json.dumps({"logs": {o: s.as_json() for o, s in sorted(seen.items())}}, indent=1)
        scratch = self.path.with_name(self.path.name + ".new")
        with scratch.open("w", encoding="utf-8") as out:
            out.write(body + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(scratch, self.path)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def witness_app(core: WitnessCore, state: StateFile) -> Starlette:
    seen = state.load()
    lock = asyncio.Lock()

    async def add_checkpoint(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY:
            return PlainTextResponse("request too large\n", status_code=413)
        async with lock:
            answer = core.add_checkpoint(body, seen, int(time.time()))
            if answer.seen is not None and answer.origin is not None:
                updated = dict(seen) | {answer.origin: answer.seen}
                await asyncio.to_thread(state.save, updated)
                seen.clear()
                seen.update(updated)
        return Response(answer.body, status_code=answer.status, media_type=answer.content_type)

    return Starlette(routes=[Route("/add-checkpoint", add_checkpoint, methods=["POST"])])


def witness_core(name: str, key_file: Path, logs: Sequence[VerifierKey]) -> WitnessCore:
    return WitnessCore(name, read_private_key(key_file), list(logs))


def public_key(name: str, key_file: Path) -> str:
    """``<name>+<key id>+base64(0x04 ‖ public key)``."""
    return str(VerifierKey.of(name, COSIGNATURE_V1, read_private_key(key_file)))
