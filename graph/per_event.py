"""Each event a subscription delivers is a unit of work of its own.

A subscription's events are executed by graphql-core one after another with the
operation's context: the WebSocket connection. ``EventExecutor`` gives each event the
fresh ``Context`` it carries (``unit``: its own session, guard and loaders), so the
event's fields are decided as a query's are; ``DELIVERING`` names that context to the
unit-of-work extension, which commits its access log before the event is sent.
"""

from contextvars import ContextVar
from typing import Any

from graph.context import Context
from graph.types.guarding import GuardingExecutor

DELIVERING: ContextVar[Context | None] = ContextVar("infocap_delivering", default=None)


class EventExecutor(GuardingExecutor):
    def build_per_event_executor(self, payload: Any) -> Any:
        executor = super().build_per_event_executor(payload)
        unit = getattr(payload, "unit", None)
        if isinstance(unit, Context):
            executor.context_value = unit
        return executor
