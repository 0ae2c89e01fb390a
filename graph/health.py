"""Is the process alive (``/healthz``), can it answer (``/readyz``), and its metrics
(``/metrics``). ``infocap check`` asks the database the same questions as ``/readyz``."""

import asyncio
import hmac
import ipaddress
import logging
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from graph.context import Runtime
from graph.observability import metrics
from schema.db import current_revisions, head_revisions

log = logging.getLogger("infocap.health")
DATABASE_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class DatabaseState:
    reachable: bool
    revisions: frozenset[str] = frozenset()
    error: str | None = None

    @property
    def current(self) -> bool:
        return self.reachable and self.revisions == head_revisions()

    def migration_problem(self) -> str | None:
        if self.current:
            return None
        heads = ", ".join(sorted(head_revisions()))
        if not self.revisions:
            return f"the database was never migrated (head is {heads}): run infocap migrate"
        at = ", ".join(sorted(self.revisions))
        return f"the schema is at {at}, head is {heads}: run infocap migrate"


async def database_state(engine: AsyncEngine) -> DatabaseState:
    """Reachable, and at which revisions; an unreachable database says why (for logs and
    the operator's ``infocap check``, never for callers)."""

    async def ask() -> frozenset[str]:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            return await connection.run_sync(current_revisions)

    try:
        revisions = await asyncio.wait_for(ask(), DATABASE_TIMEOUT_SECONDS)
    except TimeoutError:
        return DatabaseState(False, error=f"no answer in {DATABASE_TIMEOUT_SECONDS:g} s")
    except Exception as error:  # any driver's refusal: the answer is "not reachable"
        reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
        return DatabaseState(False, error=f"{type(error).__name__}: {reason}".rstrip(": "))
    return DatabaseState(True, revisions)


async def healthz(_: Request) -> JSONResponse:
    """The process answers; nothing else is asked."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """Ready to serve: the database answers, its schema is current, a policy is loaded."""
    runtime: Runtime = request.app.state.runtime
    state = await database_state(runtime.engine)
    if not state.reachable:
        log.warning("readiness: database unreachable: %s", state.error)
    problem = state.migration_problem() if state.reachable else "the database is unreachable"
    checks = {
        "database": _check(state.reachable, None if state.reachable else problem),
        "migrations": _check(state.current, None if state.current else problem),
        "policy": {"ok": True, "sha256": runtime.policy.sha256},
    }
    ready = all(check["ok"] for check in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )


def _check(ok: bool, reason: str | None) -> dict[str, object]:
    return {"ok": True} if ok else {"ok": False, "reason": reason}


async def metrics_endpoint(request: Request) -> Response:
    """Prometheus exposition. With ``INFOCAP_METRICS_TOKEN`` a scrape brings it as a
    bearer token; without, only a client on the loopback address is answered."""
    runtime: Runtime = request.app.state.runtime
    expected = runtime.settings.metrics_token
    if expected is not None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip(), expected):
            return PlainTextResponse(
                "metrics need the metrics token\n",
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
    elif not _loopback(request):
        return PlainTextResponse(
            "metrics answer loopback clients only (or set INFOCAP_METRICS_TOKEN)\n",
            status_code=403,
        )
    return Response(metrics.scrape(), media_type=metrics.CONTENT_TYPE)


def _loopback(request: Request) -> bool:
    host = request.client.host if request.client is not None else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
