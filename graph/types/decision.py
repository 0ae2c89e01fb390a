"""Decisions of both authorities. Kela's are KELA_DECISION, with the calculation and the
basic-amount reduction KELA_CALCULATION; an organiser's are WC_DECISION throughout."""

from datetime import date, datetime
from typing import Any

import strawberry

from authz import rows
from authz.guard import ClientAccess
from graph.context import Context, Info
from graph.records import CalculationRecord, DecisionRecord
from graph.types.attachment import Attachment, knowable_attachments
from graph.types.guarding import (
    Redaction,
    Scope,
    foreign_key,
    guarded_by_row,
    guarded_resolver_by_row,
    redactions_field,
)
from graph.types.later import Later, then
from graph.types.organisation import Organisation
from schema.enums import (
    Authority,
    CalculationRowType,
    DataCategory,
    DecisionKind,
    DecisionOutcome,
)
from schema.models import Decision as DecisionRow


def _main(decision: Any) -> DataCategory:
    return rows.DECISION.category(decision.row)


def _calculation(decision: Any) -> DataCategory:
    return rows.calculation_category(decision.row.authority)


@strawberry.type
class CalculationRow:
    type: CalculationRowType
    description: str
    amount_cents: int


def _calculation_rows(found: list[CalculationRecord]) -> list[CalculationRow]:
    return [
        CalculationRow(type=r.type, description=r.description, amount_cents=r.amount_cents)
        for r in found
    ]


@strawberry.type
class BasicAmountReduction:
    percent: int
    grounds: str | None
    until: date | None


@strawberry.type
class PaymentCommitment:
    payee: str
    purpose: str
    amount_cents: int
    valid_until: date | None


@strawberry.type(description="A decision of Kela or of an organiser; amounts in integer cents.")
class Decision:
    id: strawberry.ID
    scope: strawberry.Private[Scope]
    row: strawberry.Private[DecisionRecord | DecisionRow]
    redactions: list[Redaction] = redactions_field()
    authority: Authority | None = guarded_by_row(_main)
    issuer: Organisation | None = guarded_by_row(_main)
    kind: DecisionKind | None = guarded_by_row(_main)
    external_id: str | None = guarded_by_row(_main)
    decided_at: datetime | None = guarded_by_row(_main)
    period_start: date | None = guarded_by_row(_main)
    period_end: date | None = guarded_by_row(_main)
    outcome: DecisionOutcome | None = guarded_by_row(_main)
    total_amount_cents: int | None = guarded_by_row(_main)
    grounds: str | None = guarded_by_row(_main)

    @guarded_resolver_by_row(
        _main,
        link=foreign_key(rows.APPLICATION, "application_id"),
        description="The application it decides, if any.",
    )
    async def application_id(self) -> strawberry.ID | None:
        application = self.row.application_id
        return None if application is None else strawberry.ID(str(application))

    @guarded_resolver_by_row(
        _main,
        description="Attachments that influenced the decision (those the caller may know of).",
    )
    async def influencing_attachments(self, info: Info) -> list[Attachment] | None:
        found = await info.context.loaders.decision_attachments.load(
            (self.row.client_id, self.row.id)
        )
        return knowable_attachments(found, self.scope.access, info)

    @guarded_resolver_by_row(_calculation, graphql_type=list[CalculationRow] | None)
    def calculation(self, info: Info) -> Later[list[CalculationRow] | None]:
        found = info.context.loaders.calculation.load((self.row.client_id, self.row.id))
        return then(found, _calculation_rows)

    @guarded_resolver_by_row(_calculation)
    def basic_amount_reduction(self) -> BasicAmountReduction | None:
        row = self.row
        if row.reduction_percent is None:
            return None
        return BasicAmountReduction(
            percent=row.reduction_percent, grounds=row.reduction_grounds, until=row.reduction_until
        )

    @guarded_resolver_by_row(_main)
    async def payment_commitments(self, info: Info) -> list[PaymentCommitment] | None:
        found = await info.context.loaders.commitments.load((self.row.client_id, self.row.id))
        return [
            PaymentCommitment(
                payee=r.payee,
                purpose=r.purpose,
                amount_cents=r.amount_cents,
                valid_until=r.valid_until,
            )
            for r in found
        ]

    @classmethod
    def from_row(
        cls, row: DecisionRecord | DecisionRow, access: ClientAccess, ctx: Context
    ) -> "Decision":
        return cls(
            id=strawberry.ID(str(row.id)),
            scope=Scope.of(rows.DECISION, row, access, ctx.principal),
            row=row,
            authority=row.authority,
            issuer=Organisation.from_record(ctx.organisations[row.issuer_id]),
            kind=row.kind,
            external_id=row.external_id,
            decided_at=row.decided_at,
            period_start=row.period_start,
            period_end=row.period_end,
            outcome=row.outcome,
            total_amount_cents=row.total_amount_cents,
            grounds=row.grounds,
        )


@strawberry.input
class CalculationRowInput:
    type: CalculationRowType
    description: str
    amount_cents: int


@strawberry.input
class BasicAmountReductionInput:
    percent: int = strawberry.field(description="20 or 40.")
    grounds: str | None = None
    until: date | None = None


@strawberry.input
class PaymentCommitmentInput:
    payee: str
    purpose: str
    amount_cents: int
    valid_until: date | None = None


@strawberry.input(
    description="The issuer is the caller's organisation; the authority follows from it."
)
class DecisionInput:
    client_id: strawberry.ID
    kind: DecisionKind
    external_id: str
    decided_at: datetime
    outcome: DecisionOutcome
    total_amount_cents: int
    period_start: date | None = None
    period_end: date | None = None
    grounds: str | None = None
    application_id: strawberry.ID | None = None
    influencing_attachment_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    calculation: list[CalculationRowInput] = strawberry.field(default_factory=list)
    basic_amount_reduction: BasicAmountReductionInput | None = None
    payment_commitments: list[PaymentCommitmentInput] = strawberry.field(default_factory=list)
