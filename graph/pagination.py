"""Relay-style connections: opaque cursors, ``first``/``after``, keyset pages.

A cursor is the row's sort key, base64url-encoded with a prefix naming the list, so a
cursor from one list is refused by another. Pages hold at most ``MAX_PAGE`` rows.
"""

import base64
import binascii
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from graph.errors import BadUserInput

DEFAULT_PAGE = 20
MAX_PAGE = 100

Row = TypeVar("Row")


@dataclass(frozen=True)
class PageArgs:
    first: int
    after: str | None
    """The decoded sort key after which the page starts."""


def page_args(kind: str, first: int | None, after: str | None) -> PageArgs:
    if first is None:
        first = DEFAULT_PAGE
    if first < 0 or first > MAX_PAGE:
        raise BadUserInput(f"first must be between 0 and {MAX_PAGE}")
    return PageArgs(first, None if after is None else decode_cursor(kind, after))


def encode_cursor(kind: str, key: object) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{key}".encode()).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str) -> str:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise BadUserInput("after is not a cursor of this list") from error
    prefix, _, key = text.partition(":")
    if prefix != kind or not key:
        raise BadUserInput("after is not a cursor of this list")
    return key


def uuid_key(value: str | None) -> uuid.UUID | None:
    """A decoded cursor as the UUID it holds."""
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError as error:
        raise BadUserInput("after is not a cursor of this list") from error


def int_key(value: str | None) -> int | None:
    """A decoded cursor as the number it holds (a version, a seq, a log row)."""
    if value is None:
        return None
    try:
        return int(value)
    except ValueError as error:
        raise BadUserInput("after is not a cursor of this list") from error


@dataclass(frozen=True)
class Page(Generic[Row]):
    rows: Sequence[Row]
    has_next: bool
    has_previous: bool


def cut(rows: Sequence[Row], args: PageArgs) -> Page[Row]:
    """A page from up to ``first + 1`` fetched rows (the extra one says there is more)."""
    return Page(rows[: args.first], len(rows) > args.first, args.after is not None)
