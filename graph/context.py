"""What a request carries: the app's runtime, the principal, one session, the guard, loaders."""

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import strawberry
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from authz.active_policy import ActivePolicy
from authz.authn import Authenticator
from authz.guard import Guard
from authz.policy import Policy
from authz.principal import Principal
from graph.blobstore import BlobStore
from graph.domain.workdays import helsinki_date
from graph.live import LiveNotices
from graph.loaders import Loaders
from graph.organisations import Organisations
from graph.rate_limits import RateLimiter
from graph.settings import Settings
from ledger.access_log import Accessor
from ledger.checkpoints import LogConfig
from schema.pii import DEVELOPMENT, Keyring

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Runtime:
    """Built once at start-up and shared by every request."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    policies: ActivePolicy
    authenticator: Authenticator
    organisations: Organisations
    blobs: BlobStore
    live: LiveNotices
    limiter: RateLimiter
    pii: Keyring = DEVELOPMENT
    """Encrypts and hashes personal identity codes (``schema/pii.py``)."""
    clock: Clock = utc_now
    log: LogConfig | None = None
    """The transparency log's identity and witnesses, when configured."""
    errors: Counter[str] = field(default_factory=Counter)
    """Errors answered, by code: GraphQL's and the HTTP edge's (for an exporter)."""

    @property
    def policy(self) -> Policy:
        """The policy in force now; a request keeps the one its guard took."""
        return self.policies.current


@dataclass(frozen=True)
class Context:
    runtime: Runtime
    principal: Principal
    request_id: uuid.UUID
    now: datetime
    session: AsyncSession
    guard: Guard
    loaders: Loaders

    @classmethod
    def open(
        cls, runtime: Runtime, principal: Principal, request_id: uuid.UUID | None = None
    ) -> "Context":
        """A request's context with a fresh session; the unit of work closes it.

        ``request_id`` is the HTTP request's (``X-Request-ID``), so that the access log,
        the log line and error answers name the same id; a new one otherwise."""
        now = runtime.clock()
        session = runtime.sessions()
        return cls(
            runtime=runtime,
            principal=principal,
            request_id=request_id or uuid.uuid4(),
            now=now,
            session=session,
            guard=Guard(runtime.policy, principal, now),
            loaders=Loaders(session, principal, helsinki_date(now), runtime.pii),
        )

    @property
    def today(self) -> date:
        return helsinki_date(self.now)

    @property
    def organisations(self) -> Organisations:
        return self.runtime.organisations

    @property
    def pii(self) -> Keyring:
        return self.runtime.pii

    def accessor(self) -> Accessor:
        return Accessor(
            request_id=self.request_id,
            at=self.now,
            subject=self.principal.subject,
            subject_name=self.principal.name,
            organisation_id=self.principal.organisation_id,
            roles=tuple(r.value for r in self.principal.roles),
            azp=self.principal.azp,
            policy_hash=self.guard.policy.sha256,
        )


Info = strawberry.Info[Context, None]
