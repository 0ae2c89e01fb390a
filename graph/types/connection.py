"""Relay connections: ``edges { cursor node }`` and ``pageInfo``."""

from collections.abc import Callable
from typing import Generic, TypeVar

import strawberry

from graph.pagination import Page, encode_cursor

T = TypeVar("T")
R = TypeVar("R")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo


def connection(
    kind: str,
    page: Page[R],
    node: Callable[[R], T],
    key: Callable[[R], object],
    cls: type[Connection[T]] = Connection,
) -> Connection[T]:
    edges = [Edge(cursor=encode_cursor(kind, key(row)), node=node(row)) for row in page.rows]
    return cls(
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
