"""Notices the platform sends by itself, from facts recorded through it (``docs/integration.md``).

Each is sent in the unit of work that records its fact, on behalf of the organisation
that recorded it (the sender), by the subject ``infocap:auto``, to the client's
organiser (or to Kela). Each has a deterministic external id naming its episode, so the
sender-and-external-id key makes it exactly once under retries and concurrent
recording alike (``insert_if_absent``).

- ``BASIC_AMOUNT_REDUCTION``: Kela records a decision reducing the basic amount
  (episode: the decision);
- ``LONG_TERM_RECIPIENT``: Kela's granted basic decisions reach the long-term threshold
  (episode: the run of months, ``graph/domain/long_term.py``, named by its first month);
- ``DECISION_ISSUED`` to Kela: an organiser records a supplementary or preventive
  decision (episode: the decision);
- ``URGENCY_ASSESSMENT``: Kela records an urgent application as not urgent (episode: the
  urgency assessment it overturns).
"""

from datetime import date, datetime

from sqlalchemy import select

from graph.context import Context
from graph.domain import long_term
from graph.domain.personal_id import parse
from graph.domain.workdays import helsinki_date
from graph.services.notices import deliver
from schema.enums import Authority, DecisionKind, DecisionOutcome, NoticeType
from schema.models import Application, Client, Decision, Notice
from schema.pii import CLIENT_CODE

SYSTEM = "infocap:auto"
SYSTEM_NAME = "infocap (automatic notice)"
KELA = "kela"
BASIC_KINDS = (DecisionKind.BASIC, DecisionKind.BASIC_URGENT)
GRANTED = (DecisionOutcome.GRANTED, DecisionOutcome.PARTIALLY_GRANTED)


def external_id(type_: NoticeType, key: str) -> str:
    return f"auto:{type_.value}:{key}"


async def _send(
    ctx: Context,
    client: Client,
    type_: NoticeType,
    sender: str,
    recipient: str,
    key: str,
    detail: str,
) -> None:
    await deliver(
        ctx,
        client_id=client.id,
        type_=type_,
        sender=sender,
        recipient=recipient,
        external_id=external_id(type_, key),
        detail=detail,
        by_sub=SYSTEM,
        by_name=SYSTEM_NAME,
    )


def _by(ctx: Context) -> str:
    return ctx.principal.name or ctx.principal.subject


async def after_decision(ctx: Context, decision: Decision) -> None:
    """The notices a newly recorded decision calls for."""
    client = await ctx.session.get(Client, decision.client_id)
    if client is None:
        raise LookupError("the decision's client is missing inside its own transaction")
    if decision.authority == Authority.WELLBEING_COUNTY:
        await _send(
            ctx,
            client,
            NoticeType.DECISION_ISSUED,
            decision.issuer_id,
            KELA,
            str(decision.id),
            f"{decision.kind.value} decision {decision.external_id} ({decision.outcome.value}, "
            f"{decision.total_amount_cents / 100:.2f} €), recorded by {_by(ctx)}.",
        )
        return
    if decision.reduction_percent is not None:
        until = "" if decision.reduction_until is None else f" until {decision.reduction_until}"
        grounds = decision.reduction_grounds or "no grounds given"
        await _send(
            ctx,
            client,
            NoticeType.BASIC_AMOUNT_REDUCTION,
            decision.issuer_id,
            client.organiser_id,
            str(decision.id),
            f"Kela reduced the basic amount by {decision.reduction_percent} %{until} "
            f"(decision {decision.external_id}): {grounds}.",
        )
    if decision.kind in BASIC_KINDS and decision.outcome in GRANTED:
        await _long_term(ctx, client, decision.issuer_id)


async def _long_term(ctx: Context, client: Client, sender: str) -> None:
    rows = await ctx.session.execute(
        select(Decision.period_start, Decision.period_end, Decision.decided_at).where(
            Decision.client_id == client.id,
            Decision.authority == Authority.KELA,
            Decision.kind.in_(BASIC_KINDS),
            Decision.outcome.in_(GRANTED),
        )
    )
    periods = [_period(start, end, decided) for start, end, decided in rows.all()]
    months = long_term.months_covered(periods)
    born = parse(ctx.pii.decrypt(client.personal_id_cipher, CLIENT_CODE)).birth_date
    sent = await _long_term_months(ctx, client)
    for episode in long_term.episodes(months):
        needed = long_term.reached(episode, born, client.immigrant)
        if needed is None or any(episode.start <= m <= episode.end for m in sent):
            continue
        await _send(
            ctx,
            client,
            NoticeType.LONG_TERM_RECIPIENT,
            sender,
            client.organiser_id,
            f"{client.id}:{episode.label()}",
            f"The client has received basic assistance for {episode.length} consecutive "
            f"months since {episode.label()}, reaching the threshold of {needed} months.",
        )


def _period(start: date | None, end: date | None, decided: datetime) -> tuple[date, date]:
    day = helsinki_date(decided)
    return (start or day, end or start or day)


async def _long_term_months(ctx: Context, client: Client) -> list[int]:
    """The first months of the episodes already notified (from their external ids)."""
    prefix = external_id(NoticeType.LONG_TERM_RECIPIENT, f"{client.id}:")
    ids = await ctx.session.scalars(
        select(Notice.external_id).where(
            Notice.client_id == client.id,
            Notice.type == NoticeType.LONG_TERM_RECIPIENT,
            Notice.external_id.startswith(prefix),
        )
    )
    months = []
    for found in ids:
        year, month = found.removeprefix(prefix).split("-")
        months.append(int(year) * 12 + int(month) - 1)
    return months


async def after_urgency(
    ctx: Context, application: Application, was_urgent: bool, since: str
) -> None:
    """An urgent application now judged not urgent: the organiser hears the grounds."""
    if not was_urgent or application.urgent:
        return
    client = await ctx.session.get(Client, application.client_id)
    if client is None:
        raise LookupError("the application's client is missing inside its own transaction")
    await _send(
        ctx,
        client,
        NoticeType.URGENCY_ASSESSMENT,
        application.recorded_by_org,
        client.organiser_id,
        f"{application.id}:{since}",
        f"Kela assessed the application received {application.received_at:%Y-%m-%d} as not "
        f"urgent (assessed by {_by(ctx)}): {application.urgency_grounds or 'no grounds given'}.",
    )
