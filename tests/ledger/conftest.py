"""The log's storage tests get a database of each kind with a configured log."""

from collections.abc import AsyncIterator

import pytest

from schema.db import make_engine, make_sessions
from tests.ledger.logkit import LogDb, log_config


@pytest.fixture
async def logdb(database_url: str) -> AsyncIterator[LogDb]:
    engine = make_engine(database_url)
    try:
        yield LogDb(database_url, engine, make_sessions(engine), log_config())
    finally:
        await engine.dispose()
