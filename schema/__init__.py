"""Storage: the SQLAlchemy models, the engines and sessions, the Alembic migrations.

Invariants:
- This package imports nothing else of infocap's; everything else may import it.
- Alembic owns the schema on both databases; nothing here calls ``create_all``.
- Every timestamp is stored and returned as an aware UTC datetime.
- Ledger tables (``consent_events``) and the access log (``access_log``) only grow:
  their migrations install triggers that make the database refuse UPDATE, DELETE and
  TRUNCATE on them.
"""
