"""Prometheus metrics, served at ``/metrics``.

With several workers (``infocap serve --workers N``) each process writes its figures to
``PROMETHEUS_MULTIPROC_DIR`` and a scrape, whichever worker answers it, adds them up
(``MultiProcessCollector``); a worker that stops is marked dead so that its gauges
leave the sum. Labels are bounded: an operation is named by its root field (a name
from the schema), never by what a caller chose to call it.

Defined here and wired where their work happens:
- requests, latency and errors by the request observer (``middleware.py``);
- decisions at the end of each unit of work, one increment per distinct
  (category, action, outcome) of the request, not per field;
- ledger appends and checkpoints in ``ledger.metrics``;
- database connections in use by pool events; the policy in force by each reload.
``SUBSCRIPTIONS``, ``RATE_LIMIT_REFUSALS`` and ``TOKEN_REFUSALS`` are for the code that
opens subscriptions, limits rates and refuses tokens to call.
"""

import collections
import os
import time
from collections.abc import Iterable
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from ledger.access_log import AccessRecord

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

REQUESTS = Counter(
    "infocap_requests",
    "Requests answered, by kind (query, mutation, subscription, http), operation (root "
    "field or route) and outcome code (OK or the error code).",
    ["kind", "operation", "code"],
)
LATENCY = Histogram(
    "infocap_request_duration_seconds",
    "Time from a request's arrival to its answer, by kind and operation.",
    ["kind", "operation"],
)
ERRORS = Counter("infocap_errors", "Errors answered, by code.", ["code"])
DECISIONS = Counter(
    "infocap_decisions",
    "Access decisions written to the access log, by category, action, outcome, the "
    "basis that allowed and the reason that denied.",
    ["category", "action", "outcome", "basis", "reason"],
)
SUBSCRIPTIONS = Gauge(
    "infocap_subscriptions", "Open GraphQL subscriptions.", multiprocess_mode="livesum"
)
POOL_IN_USE = Gauge(
    "infocap_db_connections_in_use",
    "Database connections checked out of the pool.",
    multiprocess_mode="livesum",
)
RATE_LIMIT_REFUSALS = Counter(
    "infocap_rate_limit_refusals", "Requests refused by a rate limit, by limit.", ["limit"]
)
TOKEN_REFUSALS = Counter("infocap_token_refusals", "Bearer tokens refused, by reason.", ["reason"])
POLICY = Gauge(
    "infocap_policy",
    "1 for the policy (by SHA-256) each worker decides with, 0 for one it replaced.",
    ["sha256"],
    multiprocess_mode="liveall",
)
POLICY_RELOADS = Counter("infocap_policy_reloads", "Policy reloads, by outcome.", ["outcome"])
WORKER_STARTED = Gauge(
    "infocap_worker_start_time_seconds",
    "When each worker process started (Unix time).",
    multiprocess_mode="liveall",
)


def observe_request(kind: str, operation: str, code: str, seconds: float) -> None:
    REQUESTS.labels(kind, operation, code).inc()
    LATENCY.labels(kind, operation).observe(seconds)
    if code != "OK":
        ERRORS.labels(code).inc()


def count_decisions(records: Iterable[AccessRecord]) -> None:
    """One increment per distinct decision of the request, however many rows it had."""
    counted = collections.Counter(
        (r.category.value, r.action.value, r.allowed, r.basis or "", r.reason or "")
        for r in records
    )
    for (category, action, allowed, basis, reason), count in counted.items():
        outcome = "allowed" if allowed else "denied"
        DECISIONS.labels(category, action, outcome, basis, reason).inc(count)


def count_token_refusal(check: str) -> None:
    """A bearer token refused, by the check that failed (``authz.authn.CHECKS``)."""
    TOKEN_REFUSALS.labels(check).inc()


def track_pool(engine: AsyncEngine) -> None:
    """Keep ``POOL_IN_USE`` with the engine's checkouts and checkins."""

    def checked_out(*_: Any) -> None:
        POOL_IN_USE.inc()

    def checked_in(*_: Any) -> None:
        POOL_IN_USE.dec()

    event.listen(engine.sync_engine, "checkout", checked_out)
    event.listen(engine.sync_engine, "checkin", checked_in)


def policy_in_force(previous: str | None, current: str) -> None:
    if previous is not None and previous != current:
        POLICY.labels(previous).set(0)
    POLICY.labels(current).set(1)


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def worker_started() -> None:
    WORKER_STARTED.set(time.time())


def worker_stopped() -> None:
    """Take this process's live gauges out of the sum (multi-process mode)."""
    if multiprocess_dir() is not None:
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def scrape() -> bytes:
    """The exposition: this process's registry, or every worker's in multi-process mode."""
    if multiprocess_dir() is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry)
