"""Relay connections: ``edges { cursor node }``, ``pageInfo`` and ``totalCount``.

``totalCount`` is computed only when selected: the connection holds a ``Count``, a
function that asks a count loader (one ``COUNT`` per connection field per batch, over
every parent of the batch) or runs the list's own count.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)

from graph.pagination import Page, encode_cursor

T = TypeVar("T")
R = TypeVar("R")


Count = Callable[[], Awaitable[int]]


async def no_rows() -> int:
    return 0


def asks_total(info: strawberry.Info) -> bool:
    """The connection field being resolved selects ``totalCount`` (so that a first page
    can count its list as it is read)."""
    raw = info._raw_info
    return any(
        _selects(node.selection_set, raw.fragments, set())
        for node in raw.field_nodes
        if node.selection_set is not None
    )


def _selects(
    selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode], seen: set[str]
) -> bool:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value == "totalCount":
                return True
        elif isinstance(selection, InlineFragmentNode):
            if _selects(selection.selection_set, fragments, seen):
                return True
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:
                seen.add(name)
                if _selects(fragment.selection_set, fragments, seen):
                    return True
    return False


async def _total_count(root: Any) -> int:
    count: Count = root.count
    return await count()


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
    total_count: int = strawberry.field(
        resolver=_total_count,
        description="How many rows the whole list holds for the caller, with the same "
        "arguments (its filters, not first or after): every row it would page through, those "
        "withheld for consent included. Computed only when asked for, with one count per "
        "connection field for all the parents in a response.",
    )


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
