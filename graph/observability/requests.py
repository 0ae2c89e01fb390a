"""The request being answered: its id, and what the layers inside learn about it.

The request observer (``middleware.py``) makes one ``RequestRecord`` a request and puts
it in a context variable; deeper layers fill in what only they know (the GraphQL
operation, the outcome code) without being handed it, and the observer writes the log
line and the metrics from it when the answer has gone.
"""

import contextvars
import re
import uuid
from dataclasses import dataclass

HEADER = "X-Request-ID"
SCOPE_KEY = "infocap.request_id"
# An incoming id is taken only when it is a UUID: it is stored in the access log's
# request_id column, and anything else a caller sends is no id of ours to repeat.
_UUID = re.compile(r"^[0-9a-fA-F]{8}-?(?:[0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")


@dataclass
class RequestRecord:
    id: uuid.UUID
    method: str
    route: str
    kind: str = "http"
    operation: str = ""
    operation_name: str | None = None
    code: str | None = None


CURRENT: contextvars.ContextVar[RequestRecord | None] = contextvars.ContextVar(
    "infocap_request", default=None
)


def current() -> RequestRecord | None:
    return CURRENT.get()


def current_id() -> uuid.UUID | None:
    record = CURRENT.get()
    return None if record is None else record.id


def note_outcome(code: str) -> None:
    """The request's outcome code, when a layer answers with an error (the first wins)."""
    record = CURRENT.get()
    if record is not None and record.code is None:
        record.code = code


def request_id(header: str | None) -> uuid.UUID:
    """The caller's ``X-Request-ID`` when it is a UUID, else a new one."""
    if header is not None and _UUID.match(header.strip()):
        return uuid.UUID(header.strip())
    return uuid.uuid4()
