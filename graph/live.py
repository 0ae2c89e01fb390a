"""Live notice events: announced in the writing transaction, delivered after it commits,
to the subscribers of the notice's sender and recipient, in every service process.

On PostgreSQL an event is a ``NOTIFY`` inside the writing transaction, which the server
delivers at commit (and drops on rollback) to every process's one listening connection;
the listener reconnects when its connection is lost. On SQLite (one process) the events
wait in the session until the unit of work commits, then go to this process's
subscribers. Events lost while a listener reconnects are not replayed: the change feed
(``changes``) is the record to resume from.
"""

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import psycopg
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from graph.background import running
from graph.observability.metrics import SUBSCRIPTIONS
from schema.db import is_sqlite
from schema.models import Notice, NoticeMove

CHANNEL = "infocap_notice_events"
PENDING = "infocap.notice_events"
QUEUE_LIMIT = 1000
RECONNECT_SECONDS = (0.1, 0.5, 1.0, 2.0, 5.0)

log = logging.getLogger("infocap.live")


@dataclass(frozen=True)
class NoticeEventRef:
    """What is announced: enough to route the event and to load it for each subscriber."""

    move_id: uuid.UUID
    notice_id: uuid.UUID
    client_id: uuid.UUID
    sender: str
    recipient: str

    def encode(self) -> str:
        return json.dumps(
            {
                "move": str(self.move_id),
                "notice": str(self.notice_id),
                "client": str(self.client_id),
                "sender": self.sender,
                "recipient": self.recipient,
            }
        )

    @classmethod
    def decode(cls, payload: str) -> "NoticeEventRef":
        data = json.loads(payload)
        return cls(
            move_id=uuid.UUID(data["move"]),
            notice_id=uuid.UUID(data["notice"]),
            client_id=uuid.UUID(data["client"]),
            sender=data["sender"],
            recipient=data["recipient"],
        )


@dataclass(eq=False)
class Subscriber:
    organisation: str
    queue: asyncio.Queue[NoticeEventRef] = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))
    overflowed: bool = False


class LiveNotices:
    """The process's hub: announcing in a transaction, and the subscribers to deliver to."""

    def __init__(self, database_url: str) -> None:
        self._postgres = not is_sqlite(database_url)
        self._url = database_url
        self._subscribers: set[Subscriber] = set()
        self.listening_now = asyncio.Event()

    @property
    def subscriber_count(self) -> int:
        """Open subscriptions in this process (for the metrics gauge)."""
        return len(self._subscribers)

    # ---- the writing side ----------------------------------------------------------------

    async def announce(self, session: AsyncSession, notice: Notice, move: NoticeMove) -> None:
        ref = NoticeEventRef(
            move.id, notice.id, notice.client_id, notice.sender_id, notice.recipient_id
        )
        if self._postgres:
            await session.execute(select(func.pg_notify(CHANNEL, ref.encode())))
        else:
            session.info.setdefault(PENDING, []).append(ref)

    def committed(self, session: AsyncSession) -> None:
        """The session's transaction committed: deliver what it announced (SQLite)."""
        for ref in session.info.pop(PENDING, []):
            self.deliver(ref)

    def discarded(self, session: AsyncSession) -> None:
        session.info.pop(PENDING, None)

    # ---- the delivering side -------------------------------------------------------------

    def deliver(self, ref: NoticeEventRef) -> None:
        for subscriber in list(self._subscribers):
            if subscriber.organisation not in (ref.sender, ref.recipient):
                continue
            try:
                subscriber.queue.put_nowait(ref)
            except asyncio.QueueFull:
                subscriber.overflowed = True

    @contextlib.contextmanager
    def subscribe(self, organisation: str) -> Iterator[Subscriber]:
        subscriber = Subscriber(organisation)
        self._subscribers.add(subscriber)
        SUBSCRIPTIONS.inc()
        try:
            yield subscriber
        finally:
            self._subscribers.discard(subscriber)
            SUBSCRIPTIONS.dec()

    @contextlib.asynccontextmanager
    async def listening(self) -> AsyncIterator[None]:
        """For the service's lifetime: on PostgreSQL, one listening connection."""
        if not self._postgres:
            self.listening_now.set()
            yield
            return
        async with running(self._listen()):
            yield

    async def _listen(self) -> None:
        conninfo = make_url(self._url).set(drivername="postgresql")
        attempt = 0
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    conninfo.render_as_string(hide_password=False), autocommit=True
                ) as connection:
                    await connection.execute(f"LISTEN {CHANNEL}")
                    self.listening_now.set()
                    attempt = 0
                    async for notification in connection.notifies():
                        self.deliver(NoticeEventRef.decode(notification.payload))
            except (psycopg.Error, OSError) as error:
                self.listening_now.clear()
                delay = RECONNECT_SECONDS[min(attempt, len(RECONNECT_SECONDS) - 1)]
                attempt += 1
                log.warning("notice events: listener lost (%s); reconnecting in %ss", error, delay)
                await asyncio.sleep(delay)
