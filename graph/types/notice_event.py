"""A live notice event: a notice sent or moved, delivered to both parties' subscribers."""

from enum import StrEnum

import strawberry

from graph.context import Context
from graph.types.guarding import Redaction, Scope, guarded, redactions_field
from graph.types.notice import Notice, NoticeMove
from graph.types.organisation import Organisation
from schema.enums import DataCategory
from schema.models import NoticeMove as NoticeMoveRow


@strawberry.enum(description="What happened to the notice.")
class NoticeEventKind(StrEnum):
    SENT = "SENT"
    MOVED = "MOVED"


@strawberry.type(
    description="A notice sent to or by the caller's organisation, or moved along its "
    "lifecycle. The notice is as it is when the event is delivered, guarded field by "
    "field as any read of it."
)
class NoticeEvent:
    scope: strawberry.Private[Scope]
    unit: strawberry.Private[Context]
    """The event's own unit of work: its reads and its access log (``graph/per_event.py``)."""
    redactions: list[Redaction] = redactions_field()
    kind: NoticeEventKind
    notice: Notice
    move: NoticeMove | None = guarded(
        DataCategory.NOTICE, description="The transition that made this event."
    )

    @classmethod
    def build(cls, notice: Notice, move: NoticeMoveRow, ctx: Context) -> "NoticeEvent":
        return cls(
            scope=notice.scope,
            unit=ctx,
            kind=NoticeEventKind.SENT if move.from_status is None else NoticeEventKind.MOVED,
            notice=notice,
            move=NoticeMove(
                from_status=move.from_status,
                to=move.to_status,
                outcome=move.outcome,
                note=move.note,
                at=move.at,
                by=move.by_name,
                organisation=Organisation.from_record(ctx.organisations[move.by_org]),
            ),
        )
