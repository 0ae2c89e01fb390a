"""Ending a request's unit of work: commit with its access log, or roll back and keep the log.

With no errors the access-log rows go in the same transaction as the changes, so both
commit or neither. After errors the changes roll back and the log rows are written in
a session of their own: refused writes and denials stay on record.
"""

import contextlib
import logging
from collections.abc import AsyncIterator

from sqlalchemy.exc import SQLAlchemyError

from authz.principal import Principal
from graph.context import Context, Runtime
from graph.errors import INTERNAL, ServiceUnavailable, unavailable
from graph.observability import metrics
from ledger import access_log

log = logging.getLogger("infocap.unit_of_work")


async def finish(ctx: Context, *, ok: bool) -> bool:
    """Commit (``ok``) or roll back; True when what was meant to commit did."""
    return await end(ctx, ok=ok) is None


async def end(ctx: Context, *, ok: bool) -> str | None:
    """``finish``, saying why what was meant to commit did not: ``SERVICE_UNAVAILABLE``
    when the database could not be reached, ``INTERNAL_SERVER_ERROR`` for anything else;
    ``None`` when all is well."""
    records = ctx.guard.records()
    committed = False
    fault: BaseException | None = None
    try:
        if ok:
            await access_log.write(ctx.session, ctx.accessor(), records)
            await ctx.session.commit()
            committed = True
            ctx.runtime.live.committed(ctx.session)
            metrics.count_decisions(records)
        else:
            await ctx.session.rollback()
    except (SQLAlchemyError, OSError) as error:
        fault = error
        if unavailable(error):
            log.warning("the unit of work could not commit: the database is unreachable")
        else:
            log.exception("the unit of work could not commit")
        with contextlib.suppress(SQLAlchemyError, OSError):
            await ctx.session.rollback()
    finally:
        ctx.runtime.live.discarded(ctx.session)
        with contextlib.suppress(SQLAlchemyError, OSError):
            await ctx.session.close()
    if not committed and records:
        await _write_apart(ctx, records)
    if committed or not ok:
        return None
    return ServiceUnavailable.code if unavailable(fault) else INTERNAL


async def _write_apart(ctx: Context, records: list[access_log.AccessRecord]) -> None:
    try:
        async with ctx.runtime.sessions() as session, session.begin():
            await access_log.write(session, ctx.accessor(), records)
        metrics.count_decisions(records)
    except (SQLAlchemyError, OSError) as error:
        if unavailable(error):
            log.warning(
                "the access log of a failed request could not be written: the "
                "database is unreachable"
            )
        else:
            log.exception("the access log of a failed request could not be written")


@contextlib.asynccontextmanager
async def acting(runtime: Runtime, principal: Principal) -> AsyncIterator[Context]:
    """One unit of work outside GraphQL (demo data, the CLI): committed if the block
    ends normally, rolled back if it raises; a commit that fails raises too."""
    ctx = Context.open(runtime, principal)
    try:
        yield ctx
    except BaseException:
        await finish(ctx, ok=False)
        raise
    if not await finish(ctx, ok=True):
        raise RuntimeError("the unit of work could not commit")
