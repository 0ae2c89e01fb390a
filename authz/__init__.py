"""Who is asking, and what they may see and do.

Invariants:
- A principal exists only from a token verified against the configured keys (RS256 or
  ES256 by default; never ``none`` or an HMAC algorithm).
- Relation comes first: without a relation to a client, the client does not exist for
  the principal.
- The decision for a field is data: ``policy.csv`` under ``model.conf`` names the basis,
  and the guard applies it (``OWN`` by row, ``CONSENT`` from the ledger's state, the
  protected-identity overlay). No other code grants access.
- Decisions are memoised per request, and Casbin is asked once per (subject, object,
  action) per process: never once per field per row.
"""
