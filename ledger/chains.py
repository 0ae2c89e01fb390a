"""``python -m ledger.chains``: the events of a range of clients checked in a process of
their own (the request, JSON, on standard input), so that a large ledger is verified on
every core. The checks are ``verifier.LedgerVerifier``'s, on the rows ``verify.py``
streams; chains never cross a range, as a range ends at a client.

The answer, on standard output: a JSON line (events, chains, the first problem, how many
events are in the log), then the log index of each (8 bytes, little-endian) and the leaf
hash ``SHA-256(0x00 ‖ event hash)`` of each (32 bytes), for the caller to rebuild the log
from."""

import array
import json
import sys
from typing import Any

from ledger.dbapi import rows
from ledger.tree import leaf_hashes
from ledger.verifier import Answer, LedgerVerifier, Problem

COLUMNS = "CAST(e.client_id AS VARCHAR), e.seq, e.canonical, e.hash, l.log_index"
QUERY = (
    "SELECT {columns} FROM consent_events e LEFT OUTER JOIN ledger_log l"
    " ON l.client_id = e.client_id AND l.seq = e.seq"
    " WHERE {where} ORDER BY e.client_id, e.seq"
)


def query(request: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
    """The range's rows: clients from ``low`` (inclusive) to ``high`` (exclusive)."""
    cast = "::uuid" if "postgresql" in request["target"] else ""
    where, parameters = ["true"], []
    for key, compare in (("low", ">="), ("high", "<")):
        if request.get(key) is not None:
            where.append(f"e.client_id {compare} {{p}}{cast}")
            parameters.append(request[key])
    columns = COLUMNS + (", e.prev" if request.get("full") else "")
    text = QUERY.replace("{columns}", columns).replace("{where}", " AND ".join(where))
    return text, tuple(parameters)


def check(request: dict[str, Any]) -> bytes:
    verifier = LedgerVerifier(int(request["trusted"]), int(request["count"]))
    feed = verifier.stored_full if request.get("full") else verifier.stored
    text, parameters = query(request)
    found: Problem | None = None
    for batch in rows(request["target"], text, parameters):
        found = feed(batch)
        if found is not None:
            break
    placed = [(i, h) for i, h in enumerate(verifier.leaves) if h is not None]
    head = {
        "events": verifier.events,
        "chains": verifier.chains,
        "problem": None if found is None else vars(found),
        "placed": len(placed),
    }
    indexes = array.array("q", [i for i, _ in placed])
    if sys.byteorder != "little":
        indexes.byteswap()
    hashed = b"".join(leaf_hashes(h for _, h in placed))
    return json.dumps(head).encode() + b"\n" + indexes.tobytes() + hashed


def read_answer(out: bytes) -> Answer:
    """An answer as ``check`` wrote it."""
    cut = out.index(b"\n")
    head = json.loads(out[:cut])
    count = int(head["placed"])
    indexes = array.array("q")
    indexes.frombytes(out[cut + 1 : cut + 1 + 8 * count])
    if sys.byteorder != "little":
        indexes.byteswap()
    problem = None if head["problem"] is None else Problem(**head["problem"])
    leaves = out[cut + 1 + 8 * count :]
    if len(leaves) != 32 * count:
        raise ValueError("a truncated answer")
    return Answer(int(head["events"]), int(head["chains"]), problem, indexes, leaves)


def main() -> None:
    sys.stdout.buffer.write(check(json.loads(sys.stdin.read())))


if __name__ == "__main__":
    main()
