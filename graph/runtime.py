"""Building the runtime a request needs: database, policy, authenticator, organisations."""

import contextlib
import functools
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import anyio.to_thread
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from authz.active_policy import ActivePolicy, PolicyRefused
from authz.authn import Authenticator, JwksFile, JwksUrl, KeySource, NoKeys
from graph.blobstore import BlobStore
from graph.context import Clock, Runtime, utc_now
from graph.live import LiveNotices
from graph.observability.metrics import count_token_refusal, track_pool
from graph.organisations import load_organisations
from graph.rate_limits import RateLimiter
from graph.settings import DEMO_KID_PREFIX, Settings, SettingsError
from ledger.checkpoints import LogConfig, read_private_key
from schema.db import is_sqlite, make_engine, make_sessions, migrate
from schema.pii import DEVELOPMENT, Keyring, KeyringError, read_keyring

log = logging.getLogger("infocap")


def key_source(settings: Settings) -> KeySource:
    if settings.jwks_file is not None:
        return JwksFile(settings.jwks_file)
    if settings.jwks_url is not None:
        return JwksUrl(settings.jwks_url)
    return NoKeys()


def check_ledger_key(path: Path) -> Ed25519PrivateKey:
    """The ledger key: an Ed25519 private key in PEM, or a refusal that names the setting."""
    try:
        return read_private_key(path)
    except ValueError as error:
        raise SettingsError(f"INFOCAP_LEDGER_KEY_FILE: {error}") from error


def log_config(settings: Settings) -> LogConfig | None:
    """Who the log is and whom it asks to cosign; ``None`` without a key and an origin
    (development: the log integrates nothing and signs nothing)."""
    if settings.ledger_key_file is None or settings.ledger_origin is None:
        return None
    witnesses = settings.witnesses
    quorum = len(witnesses) if settings.witness_quorum is None else settings.witness_quorum
    return LogConfig(
        settings.ledger_origin, check_ledger_key(settings.ledger_key_file), witnesses, quorum
    )


def pii_keyring(settings: Settings) -> Keyring:
    """The configured keyring for personal identity codes; in development without one,
    the published development keyring (production refuses to start without its own)."""
    if settings.pii_key_file is not None:
        try:
            return read_keyring(settings.pii_key_file)
        except KeyringError as error:
            raise SettingsError(f"INFOCAP_PII_KEY_FILE is refused: {error}") from error
    if settings.production:
        raise SettingsError("production needs INFOCAP_PII_KEY_FILE")
    log.warning(
        "INFOCAP_PII_KEY_FILE is not set: personal identity codes are encrypted with the "
        "published development key"
    )
    return DEVELOPMENT


def active_policy(settings: Settings) -> ActivePolicy:
    """The configured policy, checked; a policy that fails its check stops the start."""
    try:
        return ActivePolicy(settings.policy_model, settings.policy_file)
    except PolicyRefused as refused:
        problems = "; ".join(refused.problems)
        raise SettingsError(f"INFOCAP_POLICY_FILE is refused: {problems}") from refused


@contextlib.asynccontextmanager
async def running(
    settings: Settings, *, clock: Clock = utc_now, keys: KeySource | None = None
) -> AsyncIterator[Runtime]:
    """The runtime, for as long as the block runs. The embedded SQLite database is
    migrated first; PostgreSQL is migrated by ``infocap migrate``, as its owner."""
    policies = active_policy(settings)
    keyring = pii_keyring(settings)
    if is_sqlite(settings.database_url):
        await anyio.to_thread.run_sync(
            functools.partial(migrate, settings.database_url, keyring=keyring)
        )
    engine = make_engine(
        settings.database_url,
        connect_timeout=settings.database_connect_timeout,
        statement_timeout=settings.database_statement_timeout,
    )
    track_pool(engine)
    try:
        sessions = make_sessions(engine)
        async with sessions() as session:
            organisations = await load_organisations(session)
        yield Runtime(
            settings=settings,
            engine=engine,
            sessions=sessions,
            policies=policies,
            authenticator=Authenticator(
                keys=keys or key_source(settings),
                issuer=settings.jwt_issuer or "",
                audience=settings.jwt_audience,
                algorithms=settings.jwt_algorithms,
                organisations=organisations.types(),
                refused_kid_prefix=None if settings.demo else DEMO_KID_PREFIX,
                on_refusal=count_token_refusal,
            ),
            organisations=organisations,
            blobs=BlobStore(settings.attachment_dir),
            live=LiveNotices(settings.database_url),
            limiter=RateLimiter(settings),
            pii=keyring,
            clock=clock,
            log=log_config(settings),
        )
    finally:
        await engine.dispose()
