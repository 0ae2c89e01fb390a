"""Checkpoints on a schedule while the service runs (``INFOCAP_CHECKPOINT_INTERVAL``).

Every worker process runs the schedule; the integrator's lock makes the runs one at a
time, and a run that finds the log no larger than its latest checkpoint signs nothing,
so several workers never make duplicate or conflicting checkpoints.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from graph.background import running
from graph.context import Runtime
from ledger.errors import LedgerBroken
from ledger.witnessing import checkpoint_now

log = logging.getLogger("infocap.ledger")


async def every(runtime: Runtime, seconds: int) -> None:
    """Make a checkpoint every ``seconds``, until cancelled. A refusal or a fault is
    logged and the schedule goes on."""
    config = runtime.log
    if config is None:
        return
    while True:
        await asyncio.sleep(seconds)
        try:
            await checkpoint_now(runtime.sessions, config, runtime.clock)
        except LedgerBroken as refused:
            log.error("no checkpoint signed: %s", refused.message)
        except Exception:
            log.exception("the scheduled checkpoint failed")


@contextlib.asynccontextmanager
async def scheduled(runtime: Runtime) -> AsyncIterator[None]:
    """The schedule for as long as the block runs, when a log and an interval are set."""
    seconds = runtime.settings.checkpoint_interval
    if runtime.log is None or seconds <= 0:
        yield
        return
    async with running(every(runtime, seconds)):
        yield
