"""The shared client plan: versioned, a container whose fields are guarded one by one
(``PLAN``, and the life situation's four areas by their own categories)."""

import datetime as dt
from datetime import date, datetime
from typing import Any

import strawberry

from authz import rows
from authz.guard import ClientAccess
from graph.context import Context
from graph.records import PlanRecord
from graph.types.guarding import Redaction, Scope, container, guarded, redactions_field
from graph.types.organisation import Organisation
from schema.enums import AssessmentStatus, DataCategory, MeasureStatus, PlanStatus, PlanType
from schema.models import PlanVersion

PLAN = DataCategory.PLAN


@strawberry.type(description="One area of the life-situation mapping.")
class LifeArea:
    summary: str | None
    support_needed: bool

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> "LifeArea | None":
        if data is None:
            return None
        return cls(summary=data.get("summary"), support_needed=bool(data.get("supportNeeded")))


@strawberry.type(
    description="The life-situation four-field, a container: each area has its own category."
)
class LifeSituation:
    scope: strawberry.Private[Scope]
    redactions: list[Redaction] = redactions_field()
    economy: LifeArea | None = guarded(DataCategory.LIFE_ECONOMY)
    family: LifeArea | None = guarded(DataCategory.LIFE_FAMILY)
    health: LifeArea | None = guarded(DataCategory.LIFE_HEALTH)
    housing: LifeArea | None = guarded(DataCategory.LIFE_HOUSING)


@strawberry.type
class Measure:
    description: str
    responsible_organisation: Organisation | None
    responsible_worker: str | None
    due: date | None
    status: MeasureStatus


@strawberry.type
class ServiceNeedAssessment:
    status: AssessmentStatus
    outcome: str | None
    date: dt.date | None


@strawberry.type(
    description="A version of the client's shared plan: a container, present when one of its "
    "fields may be known of; each field is guarded by its own category."
)
class Plan:
    id: strawberry.ID
    scope: strawberry.Private[Scope]
    redactions: list[Redaction] = redactions_field()
    version: int | None = guarded(PLAN)
    type: PlanType | None = guarded(PLAN)
    status: PlanStatus | None = guarded(PLAN)
    updated_at: datetime | None = guarded(PLAN)
    updated_by: str | None = guarded(PLAN, description="The name of who saved this version.")
    organisation: Organisation | None = guarded(PLAN, description="The organiser that saved it.")
    life_situation: LifeSituation | None = container(
        description="A container: present when one of its four fields may be known of."
    )
    goals: list[str] | None = guarded(PLAN)
    measures: list[Measure] | None = guarded(PLAN)
    service_need_assessment: ServiceNeedAssessment | None = guarded(PLAN)
    kela_special_service: str | None = guarded(
        PLAN, description="The note on Kela's special service."
    )
    kela_special_service_planned: bool | None = guarded(PLAN)
    next_follow_up: date | None = guarded(PLAN)

    @classmethod
    def from_row(cls, row: PlanRecord | PlanVersion, access: ClientAccess, ctx: Context) -> "Plan":
        content = row.content
        life = content.get("lifeSituation") or {}
        scope = Scope.of(rows.PLAN, row, access, ctx.principal)
        assessment = content.get("serviceNeedAssessment")
        return cls(
            id=strawberry.ID(str(row.id)),
            scope=scope,
            version=row.version,
            type=row.type,
            status=row.status,
            updated_at=row.saved_at,
            updated_by=row.saved_by_name,
            organisation=Organisation.from_record(ctx.organisations[row.organiser_id]),
            life_situation=LifeSituation(
                scope=scope,
                economy=LifeArea.from_json(life.get("economy")),
                family=LifeArea.from_json(life.get("family")),
                health=LifeArea.from_json(life.get("health")),
                housing=LifeArea.from_json(life.get("housing")),
            ),
            goals=list(content.get("goals") or []),
            measures=[_measure(m, ctx) for m in content.get("measures") or []],
            service_need_assessment=None
            if assessment is None
            else ServiceNeedAssessment(
                status=AssessmentStatus(assessment["status"]),
                outcome=assessment.get("outcome"),
                date=_date(assessment.get("date")),
            ),
            kela_special_service=row.kela_special_service_note,
            kela_special_service_planned=row.kela_special_service_planned,
            next_follow_up=row.next_follow_up,
        )


def _date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _measure(data: dict[str, Any], ctx: Context) -> Measure:
    org = data.get("responsibleOrganisationId")
    return Measure(
        description=data["description"],
        responsible_organisation=None
        if org is None
        else Organisation.from_record(ctx.organisations[org]),
        responsible_worker=data.get("responsibleWorker"),
        due=_date(data.get("due")),
        status=MeasureStatus(data["status"]),
    )


# ---- input ----------------------------------------------------------------------------------


@strawberry.input
class LifeAreaInput:
    summary: str | None = None
    support_needed: bool = False


@strawberry.input
class LifeSituationInput:
    economy: LifeAreaInput | None = None
    family: LifeAreaInput | None = None
    health: LifeAreaInput | None = None
    housing: LifeAreaInput | None = None


@strawberry.input
class MeasureInput:
    description: str
    responsible_organisation_id: strawberry.ID | None = None
    responsible_worker: str | None = None
    due: date | None = None
    status: MeasureStatus = MeasureStatus.PLANNED


@strawberry.input
class ServiceNeedAssessmentInput:
    status: AssessmentStatus
    outcome: str | None = None
    date: dt.date | None = None


@strawberry.input
class PlanInput:
    type: PlanType = PlanType.CLIENT_PLAN
    status: PlanStatus = PlanStatus.DRAFT
    life_situation: LifeSituationInput | None = None
    goals: list[str] = strawberry.field(default_factory=list)
    measures: list[MeasureInput] = strawberry.field(default_factory=list)
    service_need_assessment: ServiceNeedAssessmentInput | None = None
    kela_special_service_planned: bool = False
    kela_special_service: str | None = None
    next_follow_up: date | None = None
