"""A change-feed item: which entity changed, where in the feed, and the entity itself,
guarded exactly as any read of it."""

from typing import Annotated

import strawberry

from graph.types.application import Application
from graph.types.attachment import Attachment
from graph.types.client import Client
from graph.types.connection import Edge, PageInfo
from graph.types.consent import ConsentEvent
from graph.types.decision import Decision
from graph.types.notice import Notice
from graph.types.plan import Plan
from schema.enums import ChangeEntity, ChangeOp

ChangedEntity = Annotated[
    Client | Plan | Application | Decision | Attachment | Notice | ConsentEvent,
    strawberry.union(
        "ChangedEntity", description="The entity a change is about, as a normal read shows it."
    ),
]


@strawberry.type(description="One change in the feed. The entity is as it is now, not as it was.")
class Change:
    position: int = strawberry.field(
        description="The change's place in the feed: later changes have greater positions."
    )
    entity_type: ChangeEntity
    entity_id: strawberry.ID
    op: ChangeOp = strawberry.field(
        description="CREATED when this change made the entity, else UPDATED."
    )
    client_id: strawberry.ID = strawberry.field(description="The client the entity is about.")
    entity: ChangedEntity


@strawberry.type(
    description="A page of the change feed. It has no totalCount: the feed is a stream, "
    "resumed from a cursor, not a list to count."
)
class ChangeConnection:
    edges: list[Edge[Change]] = strawberry.field(
        description="The changes after since that the caller may see, oldest first."
    )
    page_info: PageInfo = strawberry.field(
        description="endCursor moves past what the caller may not see: pass it as since next "
        "time, even from a page with no edges."
    )
