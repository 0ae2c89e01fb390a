"""The Starlette application: ``create_app(settings)`` and its lifespan."""

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import anyio.to_thread
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute

from authz.authn import Authenticator, JwksFile, JwksUrl, KeySource, NoKeys
from authz.policy import Policy
from graph.blobstore import BlobStore
from graph.context import Clock, Runtime, utc_now
from graph.errors import INTERNAL, INTERNAL_MESSAGE, error_body
from graph.http import BearerAuth, BodyLimit, InfocapGraphQL, body_limit, download
from graph.organisations import load_organisations
from graph.schema import build_schema
from graph.settings import DEMO_KID_PREFIX, Settings, SettingsError
from schema.db import is_sqlite, make_engine, make_sessions, migrate

log = logging.getLogger("infocap")


def key_source(settings: Settings) -> KeySource | None:
    if settings.jwks_file is not None:
        return JwksFile(settings.jwks_file)
    if settings.jwks_url is not None:
        return JwksUrl(settings.jwks_url)
    return None


def check_ledger_key(path: Path) -> None:
    """Refuse to start with a ledger key that is not an Ed25519 private key (PEM)."""
    try:
        key = load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as error:
        raise SettingsError(
            f"INFOCAP_LEDGER_KEY_FILE is not a readable PEM private key: {error}"
        ) from error
    if not isinstance(key, Ed25519PrivateKey):
        raise SettingsError("INFOCAP_LEDGER_KEY_FILE must hold an Ed25519 private key")


def create_app(
    settings: Settings, *, clock: Clock = utc_now, keys: KeySource | None = None
) -> Starlette:
    """The service. ``keys`` replaces the configured JWKS (tests); ``clock`` the time."""
    if settings.ledger_key_file is not None:
        check_ledger_key(settings.ledger_key_file)
    sources = keys or key_source(settings)
    if settings.jwt_issuer is None and not settings.production:
        log.warning("INFOCAP_JWT_ISSUER is not set: every request will be refused")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if is_sqlite(settings.database_url):
            await anyio.to_thread.run_sync(migrate, settings.database_url)
        engine = make_engine(settings.database_url)
        sessions = make_sessions(engine)
        async with sessions() as session:
            organisations = await load_organisations(session)
        app.state.runtime = Runtime(
            settings=settings,
            engine=engine,
            sessions=sessions,
            policy=Policy(),
            authenticator=Authenticator(
                keys=sources or NoKeys(),
                issuer=settings.jwt_issuer or "",
                audience=settings.jwt_audience,
                algorithms=settings.jwt_algorithms,
                organisations=organisations.types(),
                refused_kid_prefix=None if settings.demo else DEMO_KID_PREFIX,
            ),
            organisations=organisations,
            blobs=BlobStore(settings.attachment_dir),
            clock=clock,
        )
        try:
            yield
        finally:
            await engine.dispose()

    schema = build_schema(settings)
    graphql = InfocapGraphQL(
        schema,
        graphql_ide=None if settings.production else "graphiql",
        allow_queries_via_get=False,
        multipart_uploads_enabled=True,
    )
    app = Starlette(
        routes=[
            Route("/health", health),
            Route("/attachments/{attachment_id}", download, methods=["GET"]),
            Route("/graphql", BodyLimit(BearerAuth(graphql), body_limit)),
            WebSocketRoute("/graphql", BearerAuth(graphql)),
        ],
        lifespan=lifespan,
        exception_handlers={Exception: internal_error},
    )
    app.state.schema = schema
    return app


async def health(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def internal_error(_: Request, __: Exception) -> JSONResponse:
    return JSONResponse(error_body(INTERNAL, INTERNAL_MESSAGE), status_code=500)
