"""Values a resolver has now or later: a loader's answer is often in its cache already
(a list read it for all its rows at once), and a resolver that answers it at once keeps
its object's completion synchronous (no coroutine, no task per row)."""

from asyncio import Future
from collections.abc import Awaitable, Callable
from typing import TypeAlias, TypeVar

T = TypeVar("T")
R = TypeVar("R")

Later: TypeAlias = T | Awaitable[T]
"""A value, or an awaitable of it (GraphQL execution awaits what is awaitable)."""


def then(value: Awaitable[T], f: Callable[[T], R]) -> Later[R]:
    """``f`` of ``value``'s result: at once when ``value`` is a future already done with
    a result, else awaitable."""
    if (
        isinstance(value, Future)
        and value.done()
        and not value.cancelled()
        and value.exception() is None
    ):
        return f(value.result())

    async def later() -> R:
        return f(await value)

    return later()
