"""Who is asking, and what they may see and do.

Invariants:
- A principal exists only from a token verified against the configured keys (RS256 or
  ES256 by default; never ``none`` or an HMAC algorithm).
- Relation comes first: without a relation to a client, the client does not exist for
  the principal. An organiser's staff relate to a client through their organisation's
  client relationship (or a notice), never through a field of the client alone.
- Each type of row has its categories, its owner and which of its rows a caller may know
  of in one place, ``rows.py``, in Python and in SQL (held equal by a test). A field
  that names another row is disclosed only when that row may be known of.
- The decision for a field is data: ``policy.csv`` under ``model.conf`` names the basis,
  and the guard applies it (``OWN`` by row, ``CONSENT`` from the ledger's state, the
  protected-identity overlay). No other code grants access.
- Decisions are memoised per request, and Casbin is asked once per (subject, object,
  action) per process: never once per field per row.
"""
