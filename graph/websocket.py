"""GraphQL over WebSocket (``graphql-transport-ws``): authenticated at ``connection_init``.

The token comes from the ``connection_init`` payload's ``Authorization`` (or the
upgrade request's header), under the same rules as HTTP. A bad token closes the socket
with 4401, a token whose roles are refused, or a caller who is not staff of an
organisation (the one subscription is an organisation's notices), with 4403. When the
token expires, the socket is closed with 4401.
"""

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

from starlette.websockets import WebSocket
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage

from authz.errors import Forbidden, Unauthenticated
from authz.principal import Principal
from graph.context import Context, Runtime

UNAUTHORIZED = 4401
FORBIDDEN = 4403

log = logging.getLogger("infocap.websocket")


class Connection:
    """A WebSocket connection's context: who it is, once ``connection_init`` said so.

    Queries and mutations over the socket each get a ``Context`` of their own
    (``open``), and so does each event a subscription delivers."""

    def __init__(self, runtime: Runtime, websocket: WebSocket) -> None:
        self.runtime = runtime
        self.websocket = websocket
        self.principal: Principal | None = None
        self.connection_params: dict[str, Any] = {}

    def open(self) -> Context:
        if self.principal is None:
            raise Unauthenticated("the connection is not initialised")
        return Context.open(self.runtime, self.principal)


def _authorization(payload: object, websocket: WebSocket) -> str | None:
    if isinstance(payload, dict):
        for key, value in payload.items():
            if isinstance(key, str) and key.lower() == "authorization" and isinstance(value, str):
                return value
    return websocket.headers.get("authorization")


class LiveHandler(BaseGraphQLTransportWSHandler[Connection, None]):
    _expiry: asyncio.Task[None] | None = None

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        connection = self.context
        if self.connection_init_received or not isinstance(connection, Connection):
            await super().handle_connection_init(message)
            return
        header = _authorization(message.get("payload"), connection.websocket)
        try:
            principal = await connection.runtime.authenticator.authenticate(header)
            if not principal.is_staff or principal.organisation_id is None:
                raise Forbidden("subscriptions are for staff of an organisation")
        except Unauthenticated as error:
            await self._refuse(UNAUTHORIZED, error.message)
            return
        except Forbidden as error:
            await self._refuse(FORBIDDEN, error.message)
            return
        connection.principal = principal
        if principal.expires_at is not None:
            self._expiry = asyncio.create_task(self._close_at(principal.expires_at))
        await super().handle_connection_init(message)

    async def _refuse(self, code: int, reason: str) -> None:
        self.connection_init_received = True
        if self.connection_init_timeout_task:
            self.connection_init_timeout_task.cancel()
        await self.websocket.close(code=code, reason=reason)

    async def _close_at(self, moment: datetime) -> None:
        await asyncio.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()))
        log.info("closing a subscription: its token expired")
        with contextlib.suppress(RuntimeError):
            await self.websocket.close(code=UNAUTHORIZED, reason="token expired")

    async def shutdown(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._expiry
        await super().shutdown()
