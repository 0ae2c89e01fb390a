"""Errors of the API and how every error reaches a caller.

    GraphError
    ├── BadUserInput      (BAD_USER_INPUT)     input that can never be right
    ├── NotFound          (NOT_FOUND)          no such thing, or none the caller may know of
    ├── Conflict          (CONFLICT)           right input, wrong moment: stale version, taken id
    ├── PayloadTooLarge   (PAYLOAD_TOO_LARGE)  a request body or an upload over its limit
    ├── QueryTooComplex   (QUERY_TOO_COMPLEX)  a query over the length, depth, alias, token
    │                                          or cost limits
    ├── RateLimited       (RATE_LIMITED)       too many expensive operations or registrations
    │                                          in the window; ``retryAfter`` says when to retry
    ├── OperationTimeout  (TIMEOUT)            the operation ran past its time limit and was
    │                                          cancelled; nothing it wrote is kept
    ├── ServiceUnavailable (SERVICE_UNAVAILABLE) the database cannot be reached now; nothing
    │                                          was written; ``retryAfter`` says when to retry
    └── PolicyInvalid     (POLICY_INVALID)     a policy reload refused: the file fails its check

Errors may carry extensions beside the code (``QueryTooComplex``: ``cost``, ``limit``;
``RateLimited`` and ``ServiceUnavailable``: ``retryAfter``; input limits: ``field``,
``limit``). A database that cannot be reached (refused or lost connections, timeouts
waiting for one) is ``SERVICE_UNAVAILABLE`` wherever it surfaces, never a masked 500.

``authz.errors`` (UNAUTHENTICATED, FORBIDDEN) and ``ledger.errors`` (BAD_USER_INPUT,
CONFLICT) carry codes the same way. Anything else is masked as INTERNAL_SERVER_ERROR.
"""

from typing import Any

import psycopg
import sqlalchemy.exc
from graphql import GraphQLError

from authz.errors import AuthzError
from graph.observability.requests import current_id, note_outcome
from ledger.errors import LedgerError


class GraphError(Exception):
    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions


class BadUserInput(GraphError):
    code = "BAD_USER_INPUT"


class NotFound(GraphError):
    code = "NOT_FOUND"


class Conflict(GraphError):
    code = "CONFLICT"


class PayloadTooLarge(GraphError):
    code = "PAYLOAD_TOO_LARGE"


class QueryTooComplex(GraphError):
    code = "QUERY_TOO_COMPLEX"


class RateLimited(GraphError):
    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, retryAfter=retry_after)
        self.retry_after = retry_after


class OperationTimeout(GraphError):
    code = "TIMEOUT"


class PolicyInvalid(GraphError):
    code = "POLICY_INVALID"


class ServiceUnavailable(GraphError):
    code = "SERVICE_UNAVAILABLE"

    def __init__(self, message: str = "", *, retry_after: int = 5) -> None:
        super().__init__(
            message or "the service cannot reach its database just now; try again shortly",
            retryAfter=retry_after,
        )
        self.retry_after = retry_after


_UNREACHABLE = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,  # no pooled connection within the connect timeout
    psycopg.OperationalError,
    ConnectionError,
)


def unavailable(error: BaseException | None) -> bool:
    """The error says the database cannot be reached (refused, lost or timed out
    connections), here or in what caused it."""
    seen = 0
    while error is not None and seen < 8:
        if isinstance(error, _UNREACHABLE):
            return True
        if isinstance(error, sqlalchemy.exc.DBAPIError) and error.connection_invalidated:
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


KNOWN = (GraphError, AuthzError, LedgerError)
KnownError = GraphError | AuthzError | LedgerError
INTERNAL = "INTERNAL_SERVER_ERROR"
INTERNAL_MESSAGE = "Internal server error."

# Messages of the validation rules that limit a query's size (strawberry's limiters).
_COMPLEXITY_MARKERS = (
    "exceeds maximum operation depth",
    "aliases found. Allowed",
    "Document contains more than",
)
# The lexer's words for a string literal that is not Unicode text (a lone surrogate):
# bad input in a value, like a NUL or a lone surrogate in a variable.
_NOT_TEXT_MARKERS = (
    "Syntax Error: Invalid Unicode escape sequence",
    "Syntax Error: Invalid character within String",
)


def code_of(error: GraphQLError) -> str:
    """The stable code a GraphQL error gets in ``extensions.code``."""
    original = error.original_error
    if isinstance(original, KNOWN):
        return original.code
    if unavailable(original):
        return ServiceUnavailable.code
    if error.path is not None:
        return INTERNAL  # raised while resolving, and not one of ours: a fault
    if any(marker in error.message for marker in _COMPLEXITY_MARKERS):
        return QueryTooComplex.code
    if error.message.startswith(_NOT_TEXT_MARKERS):
        return BadUserInput.code
    if error.message.startswith("Variable '$"):
        return BadUserInput.code
    if original is None or isinstance(original, GraphQLError):
        return "GRAPHQL_VALIDATION_FAILED"
    return INTERNAL


def shape(error: GraphQLError) -> GraphQLError:
    """The error as a caller sees it: known ones keep their message, the rest are masked."""
    code = code_of(error)
    if code == INTERNAL:
        return GraphQLError(
            INTERNAL_MESSAGE,
            nodes=error.nodes,
            path=error.path,
            extensions={"code": INTERNAL},
        )
    original = error.original_error
    if code == ServiceUnavailable.code and not isinstance(original, KNOWN):
        original = ServiceUnavailable()  # the driver's words stay in the server log
    message = original.message if isinstance(original, KNOWN) else error.message
    extensions: dict[str, Any] = {"code": code}
    if isinstance(original, GraphError):
        extensions |= original.extensions
    return GraphQLError(message, nodes=error.nodes, path=error.path, extensions=extensions)


def error_body(code: str, message: str, **extensions: Any) -> dict[str, Any]:
    """A GraphQL-shaped body for errors answered outside GraphQL execution; it names the
    request (``extensions.requestId``) and becomes the request's outcome code."""
    note_outcome(code)
    fields: dict[str, Any] = {"code": code, **extensions}
    request_id = current_id()
    if request_id is not None:
        fields["requestId"] = str(request_id)
    return {"data": None, "errors": [{"message": message, "extensions": fields}]}
