"""Rebuilding the log's tree from its leaves in index order: the roots at the sizes asked
for (RFC 9162 hashing; standard library only, so the helper processes use it too)."""

import hashlib
from collections.abc import Iterable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hashes(hexes: Iterable[str]) -> list[bytes]:
    """``SHA-256(0x00 ‖ leaf)`` of each event hash given in hex."""
    sha256 = hashlib.sha256
    return [sha256(b"\x00" + bytes.fromhex(value)).digest() for value in hexes]


def roots(hashes: Sequence[bytes], sizes: Iterable[int]) -> dict[int, bytes]:
    """The roots of the trees of the first ``size`` leaf hashes, for each size asked for."""
    sha256, wanted = hashlib.sha256, set(sizes)
    found: dict[int, bytes] = {0: EMPTY_ROOT} if 0 in wanted else {}
    stack: list[bytes] = []
    for count, node in enumerate(hashes, start=1):
        size = count - 1
        while size & 1:
            node = sha256(b"\x01" + stack.pop() + node).digest()
            size >>= 1
        stack.append(node)
        if count in wanted:
            found[count] = _fold(stack)
    return found


def _fold(stack: list[bytes]) -> bytes:
    value = stack[-1]
    for left in reversed(stack[:-1]):
        value = hashlib.sha256(b"\x01" + left + value).digest()
    return value
