"""The transparency log's answers that need the service's reference data."""

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.errors import BadUserInput
from graph.organisations import Organisations
from ledger import receipts
from ledger.checkpoints import LogConfig
from ledger.errors import LogUnavailable
from schema.models import Client, ConsentEvent


def configured(config: LogConfig | None) -> LogConfig:
    if config is None:
        raise LogUnavailable(
            "the ledger's log is not configured: set INFOCAP_LEDGER_KEY_FILE and "
            "INFOCAP_LEDGER_ORIGIN"
        )
    return config


def event_key(event_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(event_id))
    except ValueError as error:
        raise BadUserInput("eventId is not an id") from error


async def event_by_id(session: AsyncSession, event_id: uuid.UUID) -> ConsentEvent | None:
    """The event with this id. API ids do not name the client, so this reads every
    client's partition (by the id's own index); see docs/scaling.md."""
    found: ConsentEvent | None = await session.scalar(
        select(ConsentEvent).where(ConsentEvent.id == event_id)
    )
    return found


async def receipt(
    session: AsyncSession,
    config: LogConfig | None,
    organisations: Organisations,
    row: ConsentEvent,
) -> dict[str, Any]:
    """The receipt of one stored event; the controller is the client's organiser."""
    organiser = await session.scalar(select(Client.organiser_id).where(Client.id == row.client_id))

    def name_of(organisation: str) -> str | None:
        record = organisations.get(organisation)
        return None if record is None else record.name_fi

    return await receipts.receipt(session, row, configured(config), organiser or "", name_of)
