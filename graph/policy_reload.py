"""Putting a changed policy in force without a restart, and recording that it was.

A reload reads ``INFOCAP_POLICY_FILE`` again, checks it (``authz.policy_check``) and
keeps the policy in force when the new one fails. A policy that passes is recorded in
``policy_changes`` (when, how, who, the old and new SHA-256, the text) before it is put
in force: if it cannot be recorded it does not take effect. Three ways in:

- ``SIGHUP`` to a worker process;
- the ``reloadPolicy`` mutation, by a dpo of Kela (the worker that answers it);
- following: every worker looks at the last recorded policy every
  ``INFOCAP_POLICY_POLL_SECONDS`` and, when its own file now holds that policy, puts it
  in force too, so a reload made through one worker or replica reaches the others.

A request keeps the policy its guard took when it began (``Context.open``).
"""

import asyncio
import contextlib
import logging
import os
import signal
import socket
import weakref
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import anyio.to_thread
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from authz.active_policy import ActivePolicy, PolicyRefused
from authz.policy import Policy
from authz.principal import Principal
from graph.context import Runtime
from graph.observability import metrics
from schema.models import PolicyChange

log = logging.getLogger("infocap.policy")


class How(StrEnum):
    START = "START"
    SIGNAL = "SIGNAL"
    MUTATION = "MUTATION"
    FOLLOW = "FOLLOW"


@dataclass(frozen=True)
class Reloaded:
    previous_sha256: str
    sha256: str
    changed: bool
    at: datetime


_locks: "weakref.WeakKeyDictionary[ActivePolicy, asyncio.Lock]" = weakref.WeakKeyDictionary()


def _lock(policies: ActivePolicy) -> asyncio.Lock:
    return _locks.setdefault(policies, asyncio.Lock())


def _process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


async def last_recorded(session: AsyncSession) -> str | None:
    return await session.scalar(
        select(PolicyChange.new_sha256).order_by(PolicyChange.id.desc()).limit(1)
    )


async def _record(
    runtime: Runtime,
    how: How,
    principal: Principal | None,
    previous: str | None,
    policy: Policy,
    at: datetime,
) -> None:
    """Record ``policy`` as put in force, unless it already is the last one recorded (a
    sibling worker recorded the same change)."""
    async with runtime.sessions() as session, session.begin():
        if await last_recorded(session) == policy.sha256:
            return
        session.add(
            PolicyChange(
                at=at,
                how=how.value,
                subject=None if principal is None else principal.subject,
                organisation_id=None if principal is None else principal.organisation_id,
                azp=None if principal is None else principal.azp,
                process=_process(),
                old_sha256=previous,
                new_sha256=policy.sha256,
                policy=policy.content.decode("utf-8"),
            )
        )


async def reload_policy(runtime: Runtime, how: How, principal: Principal | None = None) -> Reloaded:
    """Check the policy file again and put it in force if it changed; raises
    ``PolicyRefused`` (the policy in force stays) when the file fails its check."""
    async with _lock(runtime.policies):
        current = runtime.policies.current
        try:
            candidate = await anyio.to_thread.run_sync(runtime.policies.candidate)
        except PolicyRefused as refused:
            metrics.POLICY_RELOADS.labels("refused").inc()
            log.warning(
                "policy reload refused; %s stays in force: %s",
                current.sha256,
                "; ".join(refused.problems),
            )
            raise
        at = runtime.clock()
        if candidate.sha256 == current.sha256:
            metrics.POLICY_RELOADS.labels("unchanged").inc()
            return Reloaded(current.sha256, current.sha256, False, at)
        await _record(runtime, how, principal, current.sha256, candidate, at)
        runtime.policies.adopt(candidate)
        metrics.policy_in_force(current.sha256, candidate.sha256)
        metrics.POLICY_RELOADS.labels("changed").inc()
        log.info("policy %s in force (was %s), by %s", candidate.sha256, current.sha256, how)
        return Reloaded(current.sha256, candidate.sha256, True, at)


async def record_start(runtime: Runtime) -> None:
    """At start: record the policy in force when it is not the last one recorded."""
    policy = runtime.policy
    async with runtime.sessions() as session:
        previous = await last_recorded(session)
    if previous != policy.sha256:
        await _record(runtime, How.START, None, previous, policy, runtime.clock())
    metrics.policy_in_force(None, policy.sha256)


async def follow(runtime: Runtime) -> None:
    """Put in force the last recorded policy when this worker's file now holds it."""
    async with runtime.sessions() as session:
        recorded = await last_recorded(session)
    if recorded is None or recorded == runtime.policy.sha256:
        return
    try:
        candidate = await anyio.to_thread.run_sync(runtime.policies.candidate)
    except PolicyRefused:
        return  # reported by whoever reloads it; nothing to follow here
    if candidate.sha256 == recorded:
        await reload_policy(runtime, How.FOLLOW)


async def _quietly(work: Awaitable[object]) -> None:
    try:
        await work
    except PolicyRefused:
        pass  # logged by reload_policy
    except Exception:
        log.exception("policy reload failed; the policy in force stays")


@contextlib.asynccontextmanager
async def watching(runtime: Runtime, poll_seconds: float) -> AsyncIterator[None]:
    """For as long as the service runs: record the policy it started with, reload on
    SIGHUP, and follow reloads recorded elsewhere."""
    await record_start(runtime)
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()

    def on_hangup() -> None:
        task = loop.create_task(_quietly(reload_policy(runtime, How.SIGNAL)))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    try:
        loop.add_signal_handler(signal.SIGHUP, on_hangup)
        hangup = True
    except (NotImplementedError, RuntimeError, ValueError):
        log.warning("SIGHUP cannot be handled here; reload with the reloadPolicy mutation")
        hangup = False

    async def poll() -> None:
        while True:
            await asyncio.sleep(poll_seconds)
            await _quietly(follow(runtime))

    poller = loop.create_task(poll()) if poll_seconds > 0 else None
    try:
        yield
    finally:
        if hangup:
            loop.remove_signal_handler(signal.SIGHUP)
        for task in [*tasks, *([poller] if poller else [])]:
            task.cancel()
        for task in [*tasks, *([poller] if poller else [])]:
            with contextlib.suppress(asyncio.CancelledError):
                await task
