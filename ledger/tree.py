"""Rebuilding the log's tree from its leaves in index order: the roots at the sizes asked
for, and a digest of the leaves it was built from. Standard library only.

``verify.py`` runs it in-process for small logs, and for large ones as a process of its
own (``python -m ledger.tree``, the request on standard input, the answer on standard
output) that reads the log while the events are checked. The verifier then holds the two
together: the digest of the leaves the tree was built from must equal the digest of the
event hashes it checked, at the same indexes.
"""

import hashlib
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

EMPTY_ROOT = hashlib.sha256(b"").digest()


@dataclass(frozen=True)
class Tree:
    size: int
    roots: dict[int, bytes]
    leaves_digest: str
    """SHA-256 of the leaves' lowercase hex, concatenated in index order."""


def leaves_digest(hexes: Iterable[str]) -> str:
    return hashlib.sha256("".join(hexes).encode()).hexdigest()


def build(hexes: Iterable[str], sizes: Iterable[int]) -> Tree:
    """Leaves are event hashes in hex, in index order; RFC 9162 hashing."""
    sha256, wanted = hashlib.sha256, set(sizes)
    seen: list[str] = []
    stack: list[bytes] = []
    roots: dict[int, bytes] = {0: EMPTY_ROOT} if 0 in wanted else {}
    count = 0
    for value in hexes:
        seen.append(value)
        node = sha256(b"\x00" + bytes.fromhex(value)).digest()
        size = count
        while size & 1:
            node = sha256(b"\x01" + stack.pop() + node).digest()
            size >>= 1
        stack.append(node)
        count += 1
        if count in wanted:
            roots[count] = _fold(stack)
    return Tree(count, roots, leaves_digest(seen))


def _fold(stack: list[bytes]) -> bytes:
    value = stack[-1]
    for left in reversed(stack[:-1]):
        value = hashlib.sha256(b"\x01" + left + value).digest()
    return value


LOG_QUERY = "SELECT event_hash FROM ledger_log WHERE log_index < {p} ORDER BY log_index"


def _read(request: dict[str, Any]) -> Iterable[str]:
    from ledger.dbapi import rows

    for batch in rows(request["target"], LOG_QUERY, (int(request["count"]),)):
        yield from (row[0] for row in batch)


def main() -> None:
    request = json.loads(sys.stdin.read())
    tree = build(_read(request), request["sizes"])
    answer = {
        "size": tree.size,
        "roots": {str(k): v.hex() for k, v in tree.roots.items()},
        "leavesDigest": tree.leaves_digest,
    }
    sys.stdout.write(json.dumps(answer))


if __name__ == "__main__":
    main()
