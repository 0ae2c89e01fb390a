from enum import StrEnum

import strawberry
from sqlalchemy import and_, func, not_, or_, select
from starlette.datastructures import UploadFile
from strawberry.file_uploads import Upload

from authz.visibility import visible_clients
from graph.context import Info
from graph.domain.notices import OPEN
from graph.errors import BadUserInput, NotFound
from graph.pagination import cut, page_args, uuid_key
from graph.services import attachments, notices
from graph.services.lookup import client_view
from graph.types.attachment import Attachment, AttachmentInput
from graph.types.connection import Connection, connection, empty_connection
from graph.types.contact import ContactPersonInput
from graph.types.notice import Notice, NoticeInput
from schema.enums import NoticeOutcome, NoticeStatus, NoticeType
from schema.models import Client as ClientRow
from schema.models import Notice as NoticeRow


@strawberry.enum(description="Which side of the caller's organisation's notices to list.")
class NoticeDirection(StrEnum):
    RECEIVED = "RECEIVED"
    SENT = "SENT"
    BOTH = "BOTH"


async def notice_inbox(
    info: Info,
    first: int | None = None,
    after: str | None = None,
    status: list[NoticeStatus] | None = None,
    type: list[NoticeType] | None = None,
    direction: NoticeDirection = NoticeDirection.RECEIVED,
    overdue: bool | None = None,
) -> Connection[Notice]:
    """Notices sent to the caller's organisation (``direction: RECEIVED``, the default),
    sent by it (``SENT``: the sender's feedback) or both, oldest first (a work queue).
    ``overdue: true`` lists the open notices past their due time (traffic light RED);
    ``false`` the others."""
    ctx = info.context
    args = page_args("inbox", first, after)
    org = ctx.principal.organisation_id
    if org is None or not ctx.principal.is_staff:
        return empty_connection()
    sides = {
        NoticeDirection.RECEIVED: NoticeRow.recipient_id == org,
        NoticeDirection.SENT: NoticeRow.sender_id == org,
        NoticeDirection.BOTH: or_(NoticeRow.recipient_id == org, NoticeRow.sender_id == org),
    }
    query = select(NoticeRow).where(sides[direction])
    if status:
        query = query.where(NoticeRow.status.in_(status))
    if type:
        query = query.where(NoticeRow.type.in_(type))
    if overdue is not None:
        late = and_(NoticeRow.status.in_(OPEN), NoticeRow.due_at < ctx.now)
        query = query.where(late if overdue else not_(late))
    listed = query
    after_id = uuid_key(args.after)
    if after_id is not None:
        query = query.where(NoticeRow.id > after_id)
    rows = list(await ctx.session.scalars(query.order_by(NoticeRow.id).limit(args.first + 1)))
    views = await ctx.loaders.client.load_many([r.client_id for r in rows])
    shown = [(r, v) for r, v in zip(rows, views, strict=True) if v is not None and v.access.visible]

    async def count() -> int:
        visible = select(ClientRow.id).where(visible_clients(ctx.principal, ctx.today, ctx.pii))
        counted = listed.where(NoticeRow.client_id.in_(visible)).with_only_columns(func.count())
        return int(await ctx.session.scalar(counted) or 0)

    return connection(
        "inbox",
        cut(shown, args),
        lambda pair: Notice.from_row(pair[0], pair[1].access, ctx),
        lambda pair: pair[0].id,
        count=count,
    )


async def notice(info: Info, id: strawberry.ID) -> Notice | None:
    """The notice, or null when the caller may not know of it."""
    try:
        row, view = await notices.visible_notice(info.context, str(id))
    except NotFound:
        return None
    return Notice.from_row(row, view.access, info.context)


async def send_notice(info: Info, input: NoticeInput) -> Notice:
    """Idempotent on sender + externalId."""
    ctx = info.context
    row = await notices.send(ctx, input)
    view = await client_view(ctx, row.client_id)
    return Notice.from_row(row, view.access, ctx)


async def move_notice(
    info: Info,
    id: strawberry.ID,
    to: NoticeStatus,
    outcome: NoticeOutcome | None = None,
    note: str | None = None,
    responsible_worker: ContactPersonInput | None = None,
) -> Notice:
    """SENT → RECEIVED → IN_PROGRESS → CLOSED (with an outcome) by the recipient; CANCELLED
    by the sender before IN_PROGRESS. Any other move is CONFLICT."""
    ctx = info.context
    row = await notices.move(ctx, str(id), to, outcome, note, responsible_worker)
    view = await client_view(ctx, row.client_id)
    return Notice.from_row(row, view.access, ctx)


async def upload_attachment(info: Info, input: AttachmentInput, file: Upload) -> Attachment:
    """GraphQL multipart request; content is stored once by SHA-256."""
    if not isinstance(file, UploadFile):
        # A literal or a JSON value where the file goes: the fuzzer's find, once a 500.
        raise BadUserInput(
            "file is an upload: send it as a multipart request (the GraphQL multipart "
            "request spec), with the file in its own part"
        )
    ctx = info.context
    row = await attachments.upload(ctx, input, file)  # type: ignore[arg-type]
    view = await client_view(ctx, row.client_id)
    return Attachment.from_row(row, view.access, ctx)
