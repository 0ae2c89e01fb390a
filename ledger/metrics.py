"""The ledger's counters, for ``/metrics`` (``graph.observability.metrics`` serves them).

Counted where the work happens: an append when its event is flushed in the caller's
transaction (a transaction that later rolls back was still counted), a checkpoint when
the checkpoint code calls ``checkpoint_made``.
"""

from prometheus_client import Counter

APPENDS = Counter("infocap_ledger_appends", "Consent-ledger events appended.")
CHECKPOINTS = Counter("infocap_ledger_checkpoints", "Ledger checkpoints made.")


def appended() -> None:
    APPENDS.inc()


def checkpoint_made() -> None:
    """The hook the checkpoint code calls once per checkpoint it makes."""
    CHECKPOINTS.inc()
