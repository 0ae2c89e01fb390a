"""Relay connections: ``edges { cursor node }``, ``pageInfo`` and ``totalCount``.

``totalCount`` is computed only when selected: the connection holds a ``Count``, a
function that asks a count loader (one ``COUNT`` per connection field per batch, over
every parent of the batch) or runs the list's own count.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Generic, TypeVar

import strawberry

from graph.pagination import Page, encode_cursor
from graph.types.later import Later, then

T = TypeVar("T")
R = TypeVar("R")


Count = Callable[[], Awaitable[int]]


async def no_rows() -> int:
    return 0


def _total_count(root: Any) -> Later[int]:
    count: Count = root.count
    return then(count(), int)


def _total_count_field() -> Any:
    return strawberry.field(
        resolver=_total_count,
        graphql_type=int,
        description="How many rows the whole list holds for the caller, with the same "
        "arguments (its filters, not first or after): every row it would page through, those "
        "withheld for consent included. Computed only when asked for, with one count per "
        "connection field for all the parents in a response.",
    )


@strawberry.type(description="Where a page stands in its list (Relay).")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="More rows follow: ask again with after: endCursor."
    )
    has_previous_page: bool = strawberry.field(
        description="True exactly when after was given (paging goes forwards only)."
    )
    start_cursor: str | None = strawberry.field(
        description="The cursor of the page's first edge; null for an empty page."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of the page's last edge, to pass as after for the next page; "
        "null for an empty page."
    )


@strawberry.type  # described per node type by graph/descriptions.py
class Edge(Generic[T]):
    cursor: str = strawberry.field(
        description="Opaque; pass it as after to continue after this row. Valid for this list "
        "(and sort order) only."
    )
    node: T = strawberry.field(description="The row, guarded as any read of it.")


@strawberry.type  # described per node type by graph/descriptions.py
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The page's rows, in the list's order.")
    page_info: PageInfo = strawberry.field(description="Where the page stands in the list.")
    count: strawberry.Private[Count] = no_rows
    total_count: int = _total_count_field()


def connection(
    kind: str,
    page: Page[R],
    node: Callable[[R], T],
    key: Callable[[R], object],
    cls: type[Connection[T]] = Connection,
    *,
    count: Count = no_rows,
) -> Connection[T]:
    edges = [Edge(cursor=encode_cursor(kind, key(row)), node=node(row)) for row in page.rows]
    return cls(
        count=count,
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


def empty_connection() -> Connection[T]:
    return Connection(
        edges=[],
        page_info=PageInfo(
            has_next_page=False, has_previous_page=False, start_cursor=None, end_cursor=None
        ),
    )


FIRST = Annotated[
    int | None,
    strawberry.argument(description="At most this many rows: 0 to 100, 20 when not given."),
]
AFTER = Annotated[
    str | None,
    strawberry.argument(
        description="The previous page's pageInfo.endCursor; not given for the first page."
    ),
]
