"""The HTTP edge: bearer authentication, the body limit, the attachment download, and
GraphQL-shaped error bodies for what is refused before GraphQL runs."""

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL

from authz.errors import AuthzError, Forbidden, Unauthenticated
from authz.principal import Principal
from graph.context import Context, Runtime
from graph.errors import KNOWN, KnownError, NotFound, PayloadTooLarge, error_body
from graph.observability.requests import SCOPE_KEY
from graph.services.attachments import readable
from graph.unit_of_work import finish

PRINCIPAL = "infocap.principal"
MULTIPART_OVERHEAD = 64 * 1024
STATUS = {
    Unauthenticated.code: 401,
    Forbidden.code: 403,
    NotFound.code: 404,
    PayloadTooLarge.code: 413,
    "BAD_USER_INPUT": 400,
    "CONFLICT": 409,
}


def runtime_of(scope: Scope) -> Runtime:
    runtime: Runtime = scope["app"].state.runtime
    return runtime


def refusal(error: KnownError) -> JSONResponse:
    headers = {}
    if isinstance(error, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return JSONResponse(
        error_body(error.code, error.message),
        status_code=STATUS.get(error.code, 400),
        headers=headers,
    )


async def authenticate(scope: Scope, headers: Any) -> Principal:
    return await runtime_of(scope).authenticator.authenticate(headers.get("authorization"))


class BearerAuth:
    """Every GraphQL request carries a verified bearer token. The one exception is the
    GraphiQL page in development (``ide_html``): a browser's GET for HTML, answered here
    without running anything."""

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
                await refusal(error)(scope, receive, send)
                return
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4400, "reason": "no subscriptions yet"})
            return
        await self.app(scope, receive, send)


class BodyLimit:
    """Refuse request bodies over the upload limit (plus the multipart envelope) before
    they are read: by Content-Length when given, by counting otherwise."""

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
            await _too_large(limit)(scope, receive, send)
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
                await _too_large(limit)(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


def _too_large(limit: int) -> JSONResponse:
    error = PayloadTooLarge(f"the request body is larger than {limit} bytes")
    return refusal(error)


def body_limit(scope: Scope) -> int:
    return runtime_of(scope).settings.max_upload_bytes + MULTIPART_OVERHEAD


class InfocapGraphQL(GraphQL[Context, None]):
    async def get_context(self, request: Any, response: Any) -> Context:
        scope = request.scope
        return Context.open(runtime_of(scope), scope[PRINCIPAL], scope.get(SCOPE_KEY))


async def download(request: Request) -> Response:
    """An attachment's content, through the same access decision as its fields."""
    try:
        principal = await authenticate(request.scope, request.headers)
    except AuthzError as error:
        return refusal(error)
    request.scope[PRINCIPAL] = principal
    ctx = Context.open(runtime_of(request.scope), principal, request.scope.get(SCOPE_KEY))
    try:
        row, content = await readable(ctx, request.path_params["attachment_id"])
    except KNOWN as error:
        return refusal(error)
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
