"""Watching the service: a request id through every layer, one JSON log line a request,
Prometheus metrics, and what ``/healthz``, ``/readyz`` and ``/metrics`` answer.

Invariant: no log line or metric label carries a token, a personal identity code or a
field's value. A log line names the request, its operation, the caller's organisation
and calling system, the duration and the outcome code; labels are bounded vocabularies
(schema field names, routes, codes, categories, bases).
"""
