"""The Starlette application: ``create_app(settings)`` and its lifespan."""

import contextlib
import logging
import os
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from authz.authn import KeySource
from graph.context import Clock, utc_now
from graph.errors import INTERNAL, INTERNAL_MESSAGE, ServiceUnavailable, error_body, unavailable
from graph.health import healthz, metrics_endpoint, readyz
from graph.http import BearerAuth, BodyLimit, InfocapGraphQL, body_limit, download
from graph.ide import PREFIX, asset, page_html
from graph.observability import metrics
from graph.observability.middleware import RequestObserver
from graph.origins import LOCAL_DEVELOPMENT
from graph.policy_reload import watching
from graph.runtime import check_ledger_key, running
from graph.schedule import scheduled
from graph.schema import build_schema
from graph.settings import Settings, load_settings

log = logging.getLogger("infocap")


def create_app(
    settings: Settings, *, clock: Clock = utc_now, keys: KeySource | None = None
) -> Starlette:
    """The service. ``keys`` replaces the configured JWKS; ``clock`` the time (tests)."""
    if settings.ledger_key_file is not None:
        check_ledger_key(settings.ledger_key_file)
    if settings.jwt_issuer is None:
        log.warning("INFOCAP_JWT_ISSUER is not set: every request will be refused")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with running(settings, clock=clock, keys=keys) as runtime, scheduled(runtime):
            app.state.runtime = runtime
            metrics.worker_started()
            try:
                async with (
                    runtime.live.listening(),
                    watching(runtime, settings.policy_poll_seconds),
                ):
                    yield
            finally:
                metrics.worker_stopped()

    schema = build_schema(settings)
    ide = not settings.production
    graphql = InfocapGraphQL(
        schema,
        graphql_ide=None,  # ours: graph/ide.py, with assets shipped in the package
        allow_queries_via_get=False,
        multipart_uploads_enabled=True,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        allowed_origins=settings.cors_origins,
        local_origins=settings.demo,
    )
    ide_html = page_html() if ide else None
    ide_routes = [Route(PREFIX + "/{name}", asset, methods=["GET"])] if ide else []
    app = Starlette(
        routes=[
            *ide_routes,
            Route("/healthz", healthz),
            Route("/health", healthz),  # the older name, kept for existing probes
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint),
            Route("/attachments/{attachment_id}", download, methods=["GET"]),
            Route("/graphql", BodyLimit(BearerAuth(graphql, ide_html=ide_html), body_limit)),
            WebSocketRoute("/graphql", BearerAuth(graphql, ide_html=None)),
        ],
        lifespan=lifespan,
        exception_handlers={Exception: internal_error},
        middleware=[Middleware(RequestObserver), *cors(settings)],
    )
    app.state.schema = schema
    return app


def app_from_environment() -> Starlette:
    """The factory ``infocap serve`` hands to uvicorn: settings read when it is called."""
    return create_app(load_settings(os.environ))


def cors(settings: Settings) -> list[Middleware]:
    """Browsers on the configured origins may call the API (bearer tokens, no cookies);
    in demo mode also any local development origin (``http://localhost:<port>``)."""
    local = LOCAL_DEVELOPMENT.pattern if settings.demo else None
    if not settings.cors_origins and local is None:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_origin_regex=local,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID"],
            max_age=600,
        )
    ]


async def internal_error(_: Request, error: Exception) -> JSONResponse:
    if unavailable(error):
        refusal = ServiceUnavailable()
        return JSONResponse(
            error_body(refusal.code, refusal.message, retryAfter=refusal.retry_after),
            status_code=503,
            headers={"Retry-After": str(refusal.retry_after)},
        )
    return JSONResponse(error_body(INTERNAL, INTERNAL_MESSAGE), status_code=500)
