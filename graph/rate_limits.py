"""Rate limits per principal and per organisation (``docs/security.md``).

Which root fields are limited is one table, by field name:
- **expensive reads** (``EXPENSIVE``): lookups that enumerate clients, and any operation
  with a page larger than ``LARGE_PAGE`` rows. One token per such root field (aliases
  count one by one), plus one for a large page. Counted in token buckets held by this
  process: with N processes a caller may make up to N times the rate.
- **registrations** (``REGISTRATIONS``): counted from the access log in the database, so
  the limit holds across every process of the service.

A refusal is ``RATE_LIMITED`` with ``retryAfter`` (whole seconds); over HTTP it is 429
with a ``Retry-After`` header.
"""

import math
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from graphql import StringValueNode

from authz.principal import Principal
from graph.cost import is_connection, page_size
from graph.documents import Field, Operation
from graph.errors import RateLimited
from graph.observability.metrics import RATE_LIMIT_REFUSALS
from graph.settings import Settings

READS_WINDOW_SECONDS = 60.0
REGISTRATIONS_WINDOW = timedelta(hours=1)
LARGE_PAGE = 50
# Buckets refilled to full are forgotten once there are this many.
MAX_BUCKETS = 10_000


def _always(operation: Operation, field: Field) -> bool:
    return True


def _searching(operation: Operation, field: Field) -> bool:
    value = operation.argument(field.node, "search")
    text = value.value if isinstance(value, StringValueNode) else value
    return isinstance(text, str) and bool(text.strip())


# Root fields that cost an expensive-read token, and when. The change feed and the
# ledger verification join this table when they are built.
EXPENSIVE: Mapping[str, Callable[[Operation, Field], bool]] = {
    "clientByPersonalId": _always,
    "clientForSubjectAccess": _always,
    "accessSummary": _always,
    "clients": _searching,
}
REGISTRATIONS = frozenset({"registerClient"})
ARGUMENTS = frozenset({"first", "search"})
"""The arguments the expensive reads depend on (``EXPENSIVE``'s tests and large pages)."""


def expensive_reads(operation: Operation) -> int:
    """The tokens an operation takes: one per expensive root field, one for a large page."""
    root = operation.root
    if root is None:
        return 0
    tokens = sum(
        1
        for field in operation.fields(operation.node.selection_set, root)
        if field.name in EXPENSIVE and EXPENSIVE[field.name](operation, field)
    )
    if any(_large_page(operation, field) for field in operation.every_field()):
        tokens += 1
    return tokens


def registrations(operation: Operation) -> int:
    root = operation.root
    if root is None:
        return 0
    return sum(
        1
        for field in operation.fields(operation.node.selection_set, root)
        if field.name in REGISTRATIONS
    )


def _large_page(operation: Operation, field: Field) -> bool:
    named = field.object_type
    return named is not None and is_connection(named) and page_size(operation, field) > LARGE_PAGE


@dataclass
class _Bucket:
    tokens: float
    at: float


class Buckets:
    """Token buckets: ``capacity`` tokens, refilled evenly over ``window`` seconds."""

    def __init__(
        self, capacity: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.capacity = capacity
        self.rate = capacity / window
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def wait(self, key: str, tokens: int) -> float:
        """Seconds until ``tokens`` (at most the capacity) are there; 0 when they are."""
        needed = min(tokens, self.capacity) - self._current(key).tokens
        return max(needed, 0) / self.rate

    def take(self, key: str, tokens: int) -> None:
        self._current(key).tokens -= min(tokens, self.capacity)

    def _current(self, key: str) -> _Bucket:
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            self._forget_full(now)
            bucket = self._buckets[key] = _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        return bucket

    def _forget_full(self, now: float) -> None:
        if len(self._buckets) < MAX_BUCKETS:
            return
        full = self.capacity / self.rate
        for key in [k for k, b in self._buckets.items() if now - b.at >= full]:
            del self._buckets[key]


class RateLimiter:
    """The process's expensive-read buckets, and counts of what was refused (by limit)
    for an exporter to read."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.by_principal = Buckets(settings.rate_reads_per_principal, READS_WINDOW_SECONDS, clock)
        self.by_organisation = Buckets(
            settings.rate_reads_per_organisation, READS_WINDOW_SECONDS, clock
        )
        self.refused: Counter[str] = Counter()

    def admit_reads(self, principal: Principal, tokens: int) -> None:
        """Take ``tokens`` from the principal's and the organisation's buckets, or refuse
        (taking none) when either has too few."""
        if tokens <= 0:
            return
        organisation = principal.organisation_id
        waits = {"reads_per_principal": self.by_principal.wait(principal.subject, tokens)}
        if organisation is not None:
            waits["reads_per_organisation"] = self.by_organisation.wait(organisation, tokens)
        limit, wait = max(waits.items(), key=lambda item: item[1])
        if wait > 0:
            self._refused(limit)
            raise RateLimited(
                "too many searches, lookups or large pages; retry later",
                retry_after=max(1, math.ceil(wait)),
            )
        self.by_principal.take(principal.subject, tokens)
        if organisation is not None:
            self.by_organisation.take(organisation, tokens)

    def refuse_registrations(self, limit: str, earliest: datetime | None, now: datetime) -> None:
        self._refused(limit)
        leaves = (earliest + REGISTRATIONS_WINDOW - now).total_seconds() if earliest else 0
        raise RateLimited(
            "too many registrations in the last hour; retry later",
            retry_after=max(1, math.ceil(leaves)),
        )

    def _refused(self, limit: str) -> None:
        self.refused[limit] += 1
        RATE_LIMIT_REFUSALS.labels(limit).inc()
