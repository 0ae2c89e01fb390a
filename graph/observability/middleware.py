"""The request observer: the outermost layer of the app.

It gives each HTTP request its id (a caller's ``X-Request-ID`` when it is a UUID, else
a new one), returns it in the ``X-Request-ID`` header, and when the answer has gone
writes the request's log line and its metrics. An exception nothing else handled is
answered here as ``INTERNAL_SERVER_ERROR``, with the request id, and logged."""

import logging
import time

from starlette.datastructures import MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph.errors import INTERNAL, INTERNAL_MESSAGE, error_body
from graph.http import PRINCIPAL
from graph.observability import metrics
from graph.observability.logs import log_request, request_fields
from graph.observability.requests import CURRENT, HEADER, SCOPE_KEY, RequestRecord, request_id

log = logging.getLogger("infocap.http")
ROUTES = ("/graphql", "/attachments", "/healthz", "/readyz", "/health", "/metrics")


def route_of(path: str) -> str:
    """The route a path belongs to: a bounded name for logs and metric labels."""
    for route in ROUTES:
        if path == route or path.startswith(route + "/"):
            return route
    return "other"


class RequestObserver:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        incoming = headers.get(HEADER.lower().encode())
        route = route_of(scope["path"])
        record = RequestRecord(
            id=request_id(None if incoming is None else incoming.decode("latin-1")),
            method=scope["method"],
            route=route,
            kind="graphql" if route == "/graphql" else "http",
            operation="" if route == "/graphql" else route,
        )
        scope[SCOPE_KEY] = record.id
        token = CURRENT.set(record)
        started = time.perf_counter()
        status = 500
        answered = False

        async def sending(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                status, answered = message["status"], True
                MutableHeaders(scope=message)[HEADER] = str(record.id)
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            log.exception("unhandled error answering request %s", record.id)
            record.code = INTERNAL
            if answered:
                raise
            body = error_body(INTERNAL, INTERNAL_MESSAGE)
            await JSONResponse(body, status_code=500)(scope, receive, sending)
        finally:
            seconds = time.perf_counter() - started
            CURRENT.reset(token)
            self._finish(record, scope, status, seconds)

    @staticmethod
    def _finish(record: RequestRecord, scope: Scope, status: int, seconds: float) -> None:
        if record.code is None and status >= 500:
            record.code = INTERNAL
        operation = record.operation or "-"
        metrics.observe_request(record.kind, operation, record.code or "OK", seconds)
        log_request(request_fields(record, scope.get(PRINCIPAL), status, seconds))
