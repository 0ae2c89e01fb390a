"""The service: the Starlette app, the GraphQL schema, its resolvers and services, the CLI.

Invariants:
- Nothing imports ``graph``; it wires ``schema``, ``ledger`` and ``authz`` together.
- One unit of work per GraphQL operation: committed when the result has no errors,
  rolled back otherwise. Services flush, never commit.
- Every client-related field passes the guard; a denied field is ``null`` and listed in
  its object's ``redactions``, and every decision a response used is in the access log.
- Errors reach callers only as a message and a stable ``extensions.code``.
"""
