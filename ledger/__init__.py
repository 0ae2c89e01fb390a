"""The consent ledger and the access log.

Invariants:
- A client's events form a hash chain: ``seq`` 1, 2, 3 … with no gap, each ``prev`` the
  hash of the event before (64 zeros for the first), each hash the SHA-256 of the
  event's canonical bytes (``chain.py``, exactly as ``docs/ledger.md`` states).
- Appends to one client are serialised by a lock on that client's head row; appends
  to different clients never wait for each other.
- An event and the projection it changes are written in the caller's transaction;
  nothing is ever committed here.
- A refused operation appends nothing.
- The database refuses UPDATE, DELETE and TRUNCATE on ``consent_events`` and
  ``access_log``.
"""
