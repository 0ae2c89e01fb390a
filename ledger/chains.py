"""``python -m ledger.chains``: the events of a range of clients checked in a process of
their own (the request on standard input, the answer on standard output), so that a
large ledger is verified on every core. The checks are ``verifier.LedgerVerifier``'s,
the rows those ``verify.py`` streams; chains never cross a range, as a range ends at a
client. The answer carries the log index and hash of each event it checked, for the
caller to rebuild the log from."""

import json
import sys
from typing import Any

from ledger.dbapi import rows
from ledger.verifier import LedgerVerifier, Problem

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


def check(request: dict[str, Any]) -> dict[str, Any]:
    verifier = LedgerVerifier(int(request["trusted"]), int(request["count"]))
    feed = verifier.stored_full if request.get("full") else verifier.stored
    text, parameters = query(request)
    found: Problem | None = None
    for batch in rows(request["target"], text, parameters):
        found = feed(batch)
        if found is not None:
            break
    placed = [(i, h) for i, h in enumerate(verifier.leaves) if h is not None]
    return {
        "events": verifier.events,
        "chains": verifier.chains,
        "problem": None if found is None else vars(found),
        "indexes": [i for i, _ in placed],
        "hashes": "".join(h for _, h in placed),
    }


def main() -> None:
    sys.stdout.write(json.dumps(check(json.loads(sys.stdin.read()))))


if __name__ == "__main__":
    main()
