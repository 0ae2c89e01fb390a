"""Structured logs: every line one JSON object on standard error.

The request line (logger ``infocap.request``) carries exactly the fields of
``request_fields``; other lines carry time, level, logger and message. The formatter
is what ``infocap serve`` gives uvicorn (``log_config``), so uvicorn's own lines come
out as JSON too; its access log is off, the request line replaces it.
"""

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from authz.principal import Principal
from graph.observability.requests import RequestRecord

REQUEST_LOGGER = "infocap.request"
FIELDS = "infocap_fields"
# A GraphQL operation name is the caller's choice: it is logged only when it is a plain
# name without a run of digits that could be a personal identity code or another number.
_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
_DIGITS = re.compile(r"\d{5,}")
# A Finnish personal identity code (any century sign, old or new), wherever it appears in
# a line: a database error's detail ("Failing row contains ...") or a traceback could
# carry one that no code meant to log.
_PERSONAL_ID = re.compile(r"(?<![0-9A-Za-z])\d{6}[-+A-FU-Y]\d{3}[0-9A-Y](?![0-9A-Za-z])", re.I)
REDACTED = "[personal id]"


class JsonFormatter(logging.Formatter):
    """One JSON object a line; anything shaped like a personal identity code is redacted."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, FIELDS, None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return _PERSONAL_ID.sub(REDACTED, json.dumps(line, ensure_ascii=False, default=str))


def safe_operation_name(name: str | None) -> str | None:
    if name is None or not _PLAIN_NAME.match(name) or _DIGITS.search(name):
        return None
    return name


def request_fields(
    record: RequestRecord, principal: Principal | None, status: int, seconds: float
) -> dict[str, Any]:
    """What the request line says: never a token, a personal identity code or a value."""
    return {
        "request_id": str(record.id),
        "method": record.method,
        "route": record.route,
        "kind": record.kind,
        "operation": record.operation or None,
        "operation_name": safe_operation_name(record.operation_name),
        "organisation": None if principal is None else principal.organisation_id,
        "azp": None if principal is None else principal.azp,
        "status": status,
        "code": record.code or "OK",
        "duration_ms": round(seconds * 1000, 2),
    }


def log_request(fields: dict[str, Any]) -> None:
    logging.getLogger(REQUEST_LOGGER).info("request", extra={FIELDS: fields})


def logging_config(level: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the service and uvicorn: JSON on stderr."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    named = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {"stderr": handler},
        "loggers": {
            "infocap": {"handlers": ["stderr"], "level": named, "propagate": False},
            "uvicorn": {"handlers": ["stderr"], "level": named, "propagate": False},
            "uvicorn.error": {"level": named},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "strawberry": {"handlers": ["stderr"], "level": named, "propagate": False},
        },
    }
