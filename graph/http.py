"""The HTTP edge: bearer authentication, the body limits, safe JSON decoding, the
attachment download, GraphQL-shaped error bodies for what is refused before GraphQL runs,
and the HTTP status of the GraphQL errors that have one (429, 503)."""

from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import quote

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types.unset import UNSET

from authz.errors import AuthzError, Forbidden, Unauthenticated
from authz.principal import Principal
from graph import body
from graph.context import Context, Runtime
from graph.errors import (
    KNOWN,
    BadUserInput,
    GraphError,
    KnownError,
    NotFound,
    OperationTimeout,
    PayloadTooLarge,
    RateLimited,
    ServiceUnavailable,
    error_body,
    unavailable,
)
from graph.observability.requests import SCOPE_KEY
from graph.origins import is_local_development
from graph.services.attachments import readable
from graph.unit_of_work import finish
from graph.websocket import Connection, LiveHandler

PRINCIPAL = "infocap.principal"
CONTEXT = "infocap.context"
MULTIPART_OVERHEAD = 64 * 1024
STATUS = {
    Unauthenticated.code: 401,
    Forbidden.code: 403,
    NotFound.code: 404,
    PayloadTooLarge.code: 413,
    BadUserInput.code: 400,
    "CONFLICT": 409,
    RateLimited.code: 429,
    OperationTimeout.code: 503,
    ServiceUnavailable.code: 503,
}
# GraphQL errors answer 200 as GraphQL results do, except these: a proxy or a client
# library retries on them without reading the body.
RESULT_STATUS = {
    RateLimited.code: 429,
    OperationTimeout.code: 503,
    ServiceUnavailable.code: 503,
}


def runtime_of(scope: Scope) -> Runtime:
    runtime: Runtime = scope["app"].state.runtime
    return runtime


def refusal(error: KnownError) -> JSONResponse:
    headers = {}
    if isinstance(error, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    if isinstance(error, RateLimited | ServiceUnavailable):
        headers["Retry-After"] = str(error.retry_after)
    extensions = error.extensions if isinstance(error, GraphError) else {}
    return JSONResponse(
        error_body(error.code, error.message, **extensions),
        status_code=STATUS.get(error.code, 400),
        headers=headers,
    )


def refuse(scope: Scope, error: KnownError) -> JSONResponse:
    """A refusal at the edge, counted on the runtime by its code."""
    runtime_of(scope).errors[error.code] += 1
    return refusal(error)


async def authenticate(scope: Scope, headers: Any) -> Principal:
    return await runtime_of(scope).authenticator.authenticate(headers.get("authorization"))


class BearerAuth:
    """Every GraphQL request over HTTP carries a verified bearer token. The one exception
    is the GraphiQL page in development (``ide_html``): a browser's GET for HTML,
    answered here without running anything. A WebSocket passes on: it authenticates at
    ``connection_init`` (``graph/websocket.py``)."""

    def __init__(self, app: ASGIApp, *, ide_html: str | None) -> None:
        self.app = app
        self.ide_html = ide_html

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope)
            wants_page = request.method == "GET" and "text/html" in request.headers.get(
                "accept", ""
            )
            if wants_page and self.ide_html is not None:
                await HTMLResponse(self.ide_html)(scope, receive, send)
                return
            try:
                scope[PRINCIPAL] = await authenticate(scope, request.headers)
            except AuthzError as error:
                await refuse(scope, error)(scope, receive, send)
                return
        # A WebSocket authenticates at connection_init (graph/websocket.py).
        await self.app(scope, receive, send)


class BodyLimit:
    """Refuse request bodies over their limit before they are read: by Content-Length
    when given, by counting otherwise."""

    def __init__(self, app: ASGIApp, limit: Callable[[Scope], int]) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(scope, limit)(scope, receive, send)
            return
        seen = 0
        started = False

        async def counting() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _BodyTooLarge
            return message

        async def watching(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting, watching)
        except _BodyTooLarge:
            if not started:
                await _too_large(scope, limit)(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


def _too_large(scope: Scope, limit: int) -> JSONResponse:
    error = PayloadTooLarge(f"the request body is larger than {limit} bytes", limit=limit)
    return refuse(scope, error)


def body_limit(scope: Scope) -> int:
    """A multipart request (an upload) may carry the largest attachment and its envelope;
    any other body, JSON, gets the smaller limit of its own."""
    settings = runtime_of(scope).settings
    content_type = dict(scope["headers"]).get(b"content-type", b"").lower()
    if content_type.startswith(b"multipart/form-data"):
        return settings.max_upload_bytes + MULTIPART_OVERHEAD
    return settings.max_body_bytes


class InfocapGraphQL(GraphQL[Context | Connection, None]):
    """Strawberry's view, with bodies decoded by ``graph.body`` and every malformed
    request answered as a GraphQL-shaped 400 ``BAD_USER_INPUT``; WebSockets speak
    graphql-transport-ws through ``LiveHandler``. With ``local_origins`` (demo mode), pages
    on local development origins may open WebSockets too (``graph/origins.py``)."""

    graphql_transport_ws_handler_class = LiveHandler  # type: ignore[assignment]

    def __init__(self, *args: Any, local_origins: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.local_origins = local_origins

    def is_websocket_origin_allowed(self, request: Any, origin: str) -> bool:
        if self.local_origins and is_local_development(origin):
            return True
        return super().is_websocket_origin_allowed(request, origin)

    async def get_context(self, request: Any, response: Any) -> Context | Connection:
        if isinstance(request, WebSocket):
            return Connection(runtime_of(request.scope), request)
        scope = request.scope
        context = Context.open(runtime_of(scope), scope[PRINCIPAL], scope.get(SCOPE_KEY))
        scope[CONTEXT] = context
        return context

    def decode_json(self, data: str | bytes) -> object:
        return body.decode(data)

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        try:
            return await super().run(request, context, root_value)
        except BadUserInput as error:
            return await self._refused(request, error)
        except HTTPException as error:
            if error.status_code != 400:
                raise
            return await self._refused(request, BadUserInput(error.reason))

    async def _refused(self, request: Any, error: BadUserInput) -> Response:
        """The request never reached execution: close its unit of work, which holds
        nothing yet, and answer 400."""
        context = request.scope.pop(CONTEXT, None)
        if isinstance(context, Context):
            await finish(context, ok=False)
        return refuse(request.scope, error)

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        for extensions in _error_extensions(response_data):
            status = RESULT_STATUS.get(extensions.get("code", ""))
            if status is not None:
                response.status_code = status
                if "retryAfter" in extensions:
                    response.headers["Retry-After"] = str(extensions["retryAfter"])
                break
        return response


def _error_extensions(data: object) -> Iterator[Mapping[str, Any]]:
    errors = data.get("errors") if isinstance(data, Mapping) else None
    for error in errors or ():
        extensions = error.get("extensions") if isinstance(error, Mapping) else None
        if isinstance(extensions, Mapping):
            yield extensions


async def download(request: Request) -> Response:
    """An attachment's content, through the same access decision as its fields."""
    try:
        principal = await authenticate(request.scope, request.headers)
    except AuthzError as error:
        return refuse(request.scope, error)
    request.scope[PRINCIPAL] = principal
    ctx = Context.open(runtime_of(request.scope), principal, request.scope.get(SCOPE_KEY))
    try:
        row, content = await readable(ctx, request.path_params["attachment_id"])
    except KNOWN as error:
        return refuse(request.scope, error)
    except Exception as error:
        if not unavailable(error):
            raise
        return refuse(request.scope, ServiceUnavailable())
    finally:
        await finish(ctx, ok=True)
    return Response(
        content,
        media_type=row.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
            "ETag": f'"{row.sha256}"',
        },
    )
