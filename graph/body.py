"""Decoding a JSON request body (or a multipart request's ``operations`` and ``map``)
safely: what is not a JSON object of Unicode text, or nests deeper than ``MAX_DEPTH``, is
``BAD_USER_INPUT`` (HTTP 400), never a fault.

The body is strict UTF-8; ``NaN`` and ``Infinity`` are not JSON; a ``\\uD800``-style
escape that is not half of a pair (a lone surrogate) is not Unicode text, and could
reach neither database nor a response. Pure; the size was limited before the body was
read (``graph/http.py``).
"""

import json
import re
from typing import Any, NoReturn

from graph.errors import BadUserInput

MAX_DEPTH = 64
# A lone surrogate can only come from an escape: strict UTF-8 refuses encoded ones.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def decode(data: str | bytes) -> dict[str, Any]:
    text = _text(data)
    try:
        value = json.loads(text, parse_constant=_not_json)
    except RecursionError:
        _too_deep()
    except ValueError as error:  # JSONDecodeError, and numbers over Python's digit limit
        raise BadUserInput("the request body is not JSON") from error
    if not isinstance(value, dict):
        raise BadUserInput("the request body must be a JSON object")
    if text.count("[") + text.count("{") > MAX_DEPTH or _SURROGATE_ESCAPE.search(text):
        _check(value)
    return value


def _text(data: str | bytes) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadUserInput("the request body is not UTF-8") from error


def _not_json(constant: str) -> NoReturn:
    raise ValueError(f"{constant} is not JSON")


def _too_deep() -> NoReturn:
    raise BadUserInput(f"the request body nests deeper than {MAX_DEPTH} levels")


def _check(value: object) -> None:
    """Depth and text, without recursion (the value may be nested hundreds deep)."""
    pending: list[tuple[object, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            if depth > MAX_DEPTH:
                _too_deep()
            for key, inner in item.items():
                _unicode(key)
                pending.append((inner, depth + 1))
        elif isinstance(item, list):
            if depth > MAX_DEPTH:
                _too_deep()
            pending.extend((inner, depth + 1) for inner in item)
        elif isinstance(item, str):
            _unicode(item)


def _unicode(text: str) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise BadUserInput(
            "the request body is not Unicode text (it holds a lone surrogate)"
        ) from error
